"""A user's CSV as a table: what parses (delimiters, quotes, BOM, line ends, task detection),
every bad file's message naming its row and column, the split, standardisation, and the
boundary grid over two picked features of a wider set."""

from __future__ import annotations

import numpy as np
import pytest

from engine import datasets, tabular, train


def table(text, **kw):
    return tabular.from_csv(text, **kw)


def test_a_plain_csv_with_string_labels_is_a_classification():
    t = table("a,b,label\n1,2,cat\n3,4.5,dog\n-1e-3,.5,cat\n")
    assert t.task == "classification" and t.features == ("a", "b") and t.target == "label"
    assert t.classes == ("cat", "dog") and t.y.tolist() == [0, 1, 0]
    np.testing.assert_array_equal(t.X, [[1, 2], [3, 4.5], [-1e-3, 0.5]])


def test_integer_labels_are_classes_sorted_by_value_floats_a_regression():
    t = table("x,y\n1,10\n2,-2\n3,3\n")
    assert t.task == "classification" and t.classes == ("-2", "3", "10")
    assert t.y.tolist() == [2, 0, 1]
    r = table("x,y\n1,0.5\n2,1\n3,-2.25\n")
    assert r.task == "regression" and r.classes == () and r.y.tolist() == [0.5, 1.0, -2.25]


def test_the_task_can_be_overridden():
    assert table("x,y\n1,1\n2,2\n3,3\n", task="regression").y.dtype == np.float64
    assert table("x,y\n1,0.5\n2,1.5\n3,0.5\n", task="classification").classes == ("0.5", "1.5")


@pytest.mark.parametrize(
    "text",
    [
        "\ufeffa,b,y\r\n1,2,p\r\n3,4,q\r\n",  # BOM (as str), CRLF
        b"\xef\xbb\xbfa,b,y\r\n1,2,p\r\n3,4,q\r\n",  # BOM (as bytes)
        "a;b;y\n1;2;p\n3;4;q\n",  # semicolons
        "a\tb\ty\n1\t2\tp\n3\t4\tq\n",  # tabs
        "a,b,y\n1,2,p\n\n3,4,q\n\n\n",  # blank lines, trailing empty lines
        "a,b,y\r1,2,p\r3,4,q\r",  # old Mac line ends
        ' a , "b",y\n 1 , 2 ,p\n"3",4, q \n',  # spaces, quoted cells
    ],
    ids=["bom-crlf", "bom-bytes", "semicolon", "tab", "blank-lines", "cr", "spaces-quotes"],
)
def test_accepted_variants_give_the_same_table(text):
    t = table(text)
    assert t.features == ("a", "b") and t.target == "y" and t.classes == ("p", "q")
    np.testing.assert_array_equal(t.X, [[1, 2], [3, 4]])


def test_quoted_fields_with_commas_and_quotes_are_one_cell():
    t = table('x,"name, with comma",label\n1,2,"a, ""quoted"" b"\n3,4,c\n')
    assert t.features == ("x", "name, with comma")
    assert t.classes == ('a, "quoted" b', "c")


def test_target_picks_any_column():
    t = table("y,a,b\n0,1,2\n1,3,4\n", target="y")
    assert t.features == ("a", "b") and t.y.tolist() == [0, 1]


BAD = [
    ("", 1, None, "the file is empty"),
    ("   \n\n", 1, None, "the file is empty"),
    ("a,b,y\n", 2, None, "no data rows"),
    ("a,b,y\n1,2,p\n3,4\n", 3, None, "2 cells, but the header has 3"),
    ("a,b,y\n1,2,p\n3,4,q,5\n", 3, None, "4 cells"),
    ("a,b,y\n1,2,p\n3,four,q\n", 3, "b", "'four' is not a number"),
    ("a,b,y\n1,2,p\n3,,q\n", 3, "b", "empty cell"),
    ("a,b,y\n1,nan,p\n3,4,q\n", 2, "b", "'nan' is not a finite number"),
    ("a,b,y\n1,2,p\n-inf,4,q\n", 3, "a", "'-inf' is not a finite number"),
    ("a,b,y\n1,1e999,p\n3,4,q\n", 2, "b", "too large"),
    ("a;b;y\n1,5;2;p\n3;4;q\n", 2, "a", "use '.' for decimals"),
    ("a,b,y\n1,1_000,p\n3,4,q\n", 2, "b", "not a number"),
    ("a,b,y\n1,2,p\n3,4,\n", 3, "y", "empty label"),
    ("a,b,y\n1,2,p\n3,4,p\n", 2, "y", "only one class"),
    ("a,a,y\n1,2,p\n3,4,q\n", 1, 2, "duplicate column name 'a'"),
    ("a,,y\n1,2,p\n3,4,q\n", 1, 2, "empty column name"),
    ("y\n1\n2\n", 1, None, "at least one feature column"),
    ("a,y\n1,p\n", 2, None, "only one data row"),
    ('a,b,y\n1,2,"p\n3,4,q\n', 3, None, "not valid CSV"),
    (b"a,b,y\n1,2,p\n3,\xff,q\n", 3, None, "not UTF-8"),
]


@pytest.mark.parametrize(("text", "row", "column", "words"), BAD, ids=[b[3] for b in BAD])
def test_a_bad_file_names_its_row_and_column(text, row, column, words):
    with pytest.raises(tabular.TableError) as e:
        table(text)
    assert e.value.row == row and e.value.column == column
    assert words in str(e.value)
    if row is not None:
        assert str(e.value).startswith(f"row {row}")
    if isinstance(column, str):
        assert f"column {column!r}" in str(e.value)


def test_a_missing_target_column_names_the_columns():
    with pytest.raises(tabular.TableError) as e:
        table("a,b,y\n1,2,p\n3,4,q\n", target="label")
    assert e.value.field == "target" and "the columns are a, b, y" in str(e.value)


def test_a_regression_refuses_text_labels_naming_the_cell():
    with pytest.raises(tabular.TableError, match=r"row 3, column 'y': 'q' is not a number"):
        table("a,y\n1,2\n3,q\n", task="regression")


@pytest.mark.parametrize(
    ("kw", "text", "field", "words"),
    [
        ({"max_rows": 3}, "a,y\n" + "1,0\n2,1\n" * 2, "rows", "row 5: more than 3 data rows"),
        ({"max_features": 2}, "a,b,c,y\n1,2,3,0\n4,5,6,1\n", "features", "3 feature columns"),
        ({"max_classes": 2}, "a,y\n1,0\n2,1\n3,2\n", "classes", "3 classes; at most 2"),
        ({"task": "clustering"}, "a,y\n1,0\n2,1\n", "task", "must be one of"),
    ],
    ids=["rows", "features", "classes", "task"],
)
def test_limits_name_what_is_over(kw, text, field, words):
    with pytest.raises(tabular.TableError) as e:
        table(text, **kw)
    assert e.value.field == field and words in str(e.value)


def test_numbers_round_trip_exactly(rng):
    X = rng.normal(size=(50, 3)) * 10.0 ** rng.integers(-3, 4, size=(50, 3))
    rows = "".join(f"{a!r},{b!r},{c!r},{i % 2}\n" for i, (a, b, c) in enumerate(X.tolist()))
    np.testing.assert_array_equal(table("a,b,c,y\n" + rows).X, X)  # repr round-trips


def test_to_dataset_splits_as_the_built_in_sets_do():
    t = table("a,b,y\n" + "".join(f"{i},{i * i},{i % 3}\n" for i in range(40)))
    d = tabular.to_dataset(t, val_fraction=0.25, seed=3)
    order = np.random.default_rng(3).permutation(40)
    np.testing.assert_array_equal(d.X_val, t.X[order[:10]])
    np.testing.assert_array_equal(d.y_train, t.y[order[10:]])
    assert d.task == "multiclass" and d.n_classes == 3 and d.class_names == ("0", "1", "2")
    assert d.feature_names == ("a", "b") and isinstance(d, datasets.Dataset)
    again = tabular.to_dataset(t, val_fraction=0.25, seed=3)
    np.testing.assert_array_equal(again.X_train, d.X_train)


def test_standardize_uses_the_training_rows_statistics():
    t = table("a,b,y\n" + "".join(f"{i},{100 + 7 * i},{i % 2}\n" for i in range(30)))
    d = tabular.to_dataset(t, val_fraction=0.2, seed=0, standardize=True)
    np.testing.assert_allclose(d.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(d.X_train.std(axis=0), 1, atol=1e-12)
    raw = tabular.to_dataset(t, val_fraction=0.2, seed=0)
    mean, scale = np.array(d.params["mean"]), np.array(d.params["scale"])
    np.testing.assert_allclose(d.X_val, (raw.X_val - mean) / scale)
    assert d.task == "binary"


def test_a_constant_feature_is_not_divided_by_zero():
    t = table("a,b,y\n1,5,0\n2,5,1\n3,5,0\n4,5,1\n")
    d = tabular.to_dataset(t, val_fraction=0.0, standardize=True)
    assert np.isfinite(d.X_train).all() and (d.X_train[:, 1] == 0).all()


def test_bytes_round_trip():
    t = table("a,b,y\n1,2,p\n3,4,q\n5,6,p\n")
    back = tabular.from_bytes(*tabular.to_bytes(t), t.features, t.target, t.task, t.classes)
    np.testing.assert_array_equal(back.X, t.X)
    np.testing.assert_array_equal(back.y, t.y)
    r = table("a,y\n1,0.5\n2,1.5\n")
    back = tabular.from_bytes(*tabular.to_bytes(r), r.features, r.target, r.task)
    assert back.y.dtype == np.float64 and back.y.tolist() == [0.5, 1.5]


def _wide(rng, n=120):
    X = rng.normal(size=(n, 4))
    y = (X[:, 1] - X[:, 3] > 0).astype(int)
    return tabular.to_dataset(
        tabular.Table(X, y, ("a", "b", "c", "d"), "y", "classification", ("0", "1")), 0.2, 0
    )


def _config(data, **kw):
    return {"data": data, "hidden": [4], "epochs": 4, "grid_size": 6,
            "optimizers": [{"name": "adam", "params": {"lr": 0.05}}], **kw}  # fmt: skip


def test_a_wider_set_draws_its_boundary_over_the_picked_features_others_at_their_mean(rng):
    data = _wide(rng)
    run = train.run(_config(data, grid_features=[3, 1]), 0)
    assert run.meta["grid"]["features"] == [3, 1] and run.grids
    X = np.concatenate([data.X_train, data.X_val])
    np.testing.assert_allclose(run.meta["grid"]["x"][[0, -1]],
                               [X[:, 3].min() - 0.1 * np.ptp(X[:, 3]),
                                X[:, 3].max() + 0.1 * np.ptp(X[:, 3])])  # fmt: skip
    assert run.grids[-1]["values"].shape == (1, 6, 6)
    plan = train.check(_config(data, grid_features=[3, 1]))
    pts = train.record.grid_points(plan)["points"]
    np.testing.assert_allclose(pts[:, [0, 2]], np.broadcast_to(X.mean(axis=0)[[0, 2]], (36, 2)))
    assert len(np.unique(pts[:, 3])) == 6 and len(np.unique(pts[:, 1])) == 6


def test_without_a_pick_a_wider_set_has_no_grid(rng):
    run = train.run(_config(_wide(rng)), 0)
    assert run.meta["grid"] is None and not run.grids


@pytest.mark.parametrize(
    ("pick", "words"),
    [([1, 1], "two different"), ([0, 4], "below 4"), ([0], "two different"),
     ([0, 1, 2], "two different"), ([-1, 0], "must be in")],
    ids=["same", "past-the-end", "one", "three", "negative"],
)  # fmt: skip
def test_a_bad_pick_names_grid_features(rng, pick, words):
    with pytest.raises(ValueError, match=rf"^grid_features: .*{words}"):
        train.check(_config(_wide(rng), grid_features=pick))


def test_a_pick_on_two_features_is_refused():
    d = datasets.make("moons", rng=np.random.default_rng(0), n_samples=40)
    with pytest.raises(ValueError, match="^grid_features: only for data with more than two"):
        train.check(_config(d, grid_features=[0, 1]))

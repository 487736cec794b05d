"""descentlab.data.from_arrays: a user's arrays as an engine Dataset, split as the engine's."""

import numpy as np
import pytest

from descentlab.data import DataError, from_arrays
from engine import datasets


def test_the_split_is_a_partition_drawn_as_the_engine_draws_its_own(rng):
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    data = from_arrays(X, y, val_fraction=0.2, seed=7)
    order = np.random.default_rng(7).permutation(50)
    assert len(data.X_val) == 10 and len(data.X_train) == 40
    np.testing.assert_array_equal(data.X_val, X[order[:10]])
    np.testing.assert_array_equal(data.X_train, X[order[10:]])
    np.testing.assert_array_equal(data.y_train, y[order[10:]])
    assert isinstance(data, datasets.Dataset) and data.task == "binary" and data.n_classes == 2


def test_string_labels_are_classes_numbered_in_sorted_order(rng):
    y = np.array(["virginica", "setosa", "versicolor"] * 10)
    data = from_arrays(rng.normal(size=(30, 4)), y, val_fraction=0.0)
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert data.task == "multiclass" and data.n_classes == 3
    assert len(data.X_val) == 0 and data.y_train.dtype == np.int64
    order = np.random.default_rng(0).permutation(30)  # the training rows, shuffled
    np.testing.assert_array_equal(np.asarray(data.class_names)[data.y_train], y[order])


def test_floats_are_a_regression_unless_the_task_says_classes(rng):
    X = rng.normal(size=(20, 1))
    assert from_arrays(X, X[:, 0] * 2.0).task == "regression"
    labels = np.array([0.0, 1.0] * 10)
    assert from_arrays(X, labels, task="classification").task == "binary"
    with pytest.raises(DataError, match="^y: float labels"):
        from_arrays(X, labels + 0.5, task="classification")


@pytest.mark.parametrize(
    ("X", "y", "kw", "field"),
    [
        (np.zeros((10, 2)), np.zeros(9, int), {}, "y"),
        (np.zeros((10, 2)), np.zeros(10, int), {}, "y"),  # a single class
        (np.full((10, 2), np.nan), np.arange(10) % 2, {}, "X"),
        (np.array([["a", "b"]] * 10), np.arange(10) % 2, {}, "X"),
        (np.zeros((1, 2)), np.zeros(1, int), {}, "X"),
        (np.zeros((10, 2)), np.arange(10) % 2, {"val_fraction": 0.95}, "val_fraction"),
        (np.zeros((10, 2)), np.arange(10) % 2, {"task": "ranking"}, "task"),
        (np.zeros((10, 2)), np.arange(10) % 2, {"feature_names": ["a"]}, "feature_names"),
    ],
    ids=[
        "short y",
        "one class",
        "NaN",
        "strings in X",
        "one row",
        "val_fraction",
        "task",
        "names",
    ],  # fmt: skip
)
def test_bad_arrays_name_the_argument(X, y, kw, field):
    with pytest.raises(DataError) as e:
        from_arrays(X, y, **kw)
    assert str(e.value).startswith(f"{field}: ")

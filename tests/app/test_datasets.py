"""Uploaded datasets over REST: POST (multipart or text/csv) → GET → train → DELETE; every bad
CSV a 422 naming its row and column with nothing stored changed; 413 past 1 MB however the
body is sent; 422 past the row, feature and class limits; kept across a restart; the
examples; runs on uploaded data (2 features: boundaries; 13: curves, and the boundary over
two picked features), in this process and in a compute worker."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.main import create_app
from app.routers.datasets import EXAMPLES
from tests.app.conftest import CheckedClient, make_settings, mlp_run

MOONS = (EXAMPLES / "moons.csv").read_bytes()
WINE = (EXAMPLES / "wine.csv").read_bytes()
IRIS = (EXAMPLES / "iris.csv").read_bytes()


def post_csv(c, text, **query):
    body = text.encode() if isinstance(text, str) else text
    return c.post("/api/datasets", content=body, params=query,
                  headers={"Content-Type": "text/csv"})  # fmt: skip


def post_file(c, text, name="data.csv", **form):
    body = text.encode() if isinstance(text, str) else text
    return c.post("/api/datasets", files={"file": (name, body, "text/csv")}, data=form)


def ids(c):
    r = c.get("/api/datasets")
    assert r.status_code == 200
    return [d["id"] for d in r.json()["datasets"]]


def train_on(c, dataset, **over):
    body = mlp_run(dataset=dataset, **{"epochs": 8, **over})
    r = c.post("/api/runs", params={"wait": "true"}, json=body)
    return r


def test_a_text_csv_body_is_stored_and_described(client):
    r = post_csv(client, MOONS, name="moons.csv")
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["name"] == "moons.csv" and d["rows"] == 200 and d["features"] == ["x1", "x2"]
    assert d["target"] == "moon" and d["task"] == "classification"
    assert d["classes"] == ["lower", "upper"] and d["class_counts"] == [100, 100]
    assert client.get(f"/api/datasets/{d['id']}").json() == d
    assert ids(client) == [d["id"]]


def test_a_multipart_file_with_target_and_task_in_the_form(client):
    r = post_file(client, "y,a,b\n1,2,3\n2,3,4\n3,5,6\n", "mine.csv", target="y", task="regression")
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["name"] == "mine.csv" and d["target"] == "y" and d["features"] == ["a", "b"]
    assert d["task"] == "regression" and d["classes"] == []


def test_the_query_names_target_and_task_too(client):
    r = post_csv(client, WINE, target="alcohol", task="regression")
    assert r.status_code == 201, r.text
    assert r.json()["target"] == "alcohol" and r.json()["task"] == "regression"
    assert r.json()["features"][-1] == "cultivar" and len(r.json()["features"]) == 13
    text = post_csv(client, IRIS, target="sepal_length")  # species is then a feature
    assert text.status_code == 422 and "column 'species'" in text.json()["message"]


BAD = [
    ("a,b,y\n1,2,p\n3,x,q\n", "row 3, column 'b'", "'x' is not a number"),
    ("", "row 1", "empty"),
    ("a,b,y\n", "row 2", "no data rows"),
    ("a,b,y\n1,2,p\n3,4\n", "row 3", "2 cells, but the header has 3 columns"),
    ("a,b,y\n1,2,p\n3,4,p\n", "row 2, column 'y'", "only one class"),
    ("a,b,y\n1,nan,p\n3,4,q\n", "row 2, column 'b'", "not a finite number"),
    ("a,b,y\n1,2,p\n3,inf,q\n", "row 3, column 'b'", "not a finite number"),
    ("a,a,y\n1,2,p\n3,4,q\n", "row 1, column 2", "duplicate column name"),
    ("a,,y\n1,2,p\n3,4,q\n", "row 1, column 2", "empty column name"),
    ("a;b;y\n1,5;2;p\n3;4;q\n", "row 2, column 'a'", "use '.' for decimals"),
    (b"a,b,y\n1,2,p\n3,\xe9,q\n", "row 3", "not UTF-8"),
    ("a,b,y\n1,2,p\n3,4,\n", "row 3, column 'y'", "empty label"),
]


@pytest.mark.parametrize("send", [post_csv, post_file], ids=["text-csv", "multipart"])
@pytest.mark.parametrize(("text", "where", "words"), BAD, ids=[b[2] for b in BAD])
def test_a_bad_csv_is_a_422_naming_row_and_column_and_stores_nothing(client, send, text,
                                                                     where, words):  # fmt: skip
    kept = post_csv(client, MOONS).json()["id"]
    r = send(client, text)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["message"].startswith(f"file: {where}") and words in body["message"]
    assert body["detail"][0]["field"] == "file"
    assert ids(client) == [kept]


def test_a_missing_target_column_is_a_422_naming_target(client):
    r = post_csv(client, MOONS, target="label")
    assert r.status_code == 422
    assert r.json()["message"].startswith("target: row 1: no column 'label'")
    assert "x1, x2, moon" in r.json()["message"] and ids(client) == []


@pytest.mark.parametrize(
    ("form", "field"), [({"task": "clustering"}, "task"), ({"target": "nope"}, "target")]
)
def test_bad_form_fields_are_named(client, form, field):
    r = post_file(client, MOONS, **form)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == field


def test_a_query_task_outside_the_choices_is_a_422(client):
    r = post_csv(client, MOONS, task="clustering")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "task"


def test_a_multipart_body_without_a_file_field_names_file(client):
    r = client.post("/api/datasets", files={"data": ("x.csv", MOONS, "text/csv")})
    assert r.status_code == 422 and r.json()["message"].startswith("file: ")


def test_json_is_a_415(client):
    r = client.post("/api/datasets", json={"csv": "a,b\n1,2\n"})
    assert r.status_code == 415 and "multipart/form-data" in r.json()["message"]


def _over_a_megabyte() -> bytes:
    row = b"0.123456789,0.987654321,1\n"
    return b"a,b,y\n" + row * (1_000_000 // len(row) + 1)


@pytest.mark.parametrize("how", ["text-csv", "multipart", "chunked"])
def test_past_one_megabyte_is_a_413_however_sent(client, how):
    big = _over_a_megabyte()
    assert 1_000_000 < len(big) < 1_010_000
    if how == "text-csv":
        r = post_csv(client, big)
    elif how == "multipart":
        r = post_file(client, big)
    else:
        r = client.post("/api/datasets", content=iter([big[:500_000], big[500_000:]]),
                        headers={"Content-Type": "text/csv"})  # fmt: skip
    assert r.status_code == 413, r.text
    assert r.json()["message"].startswith("file: larger than 1,000,000 bytes")
    assert ids(client) == []


def test_just_under_the_limit_is_taken(client):
    row = b"0.1234,0.9876,1\n0.5,0.25,0\n"
    body = b"a,b,y\n" + row * ((999_000 - 6) // len(row))
    assert len(body) <= 1_000_000
    r = post_csv(client, body)
    assert r.status_code == 422 and "more than 20000 data rows" in r.json()["message"]
    small = b"a,b,y\n" + row * 5000  # 10,000 rows, 135 kB
    assert post_csv(client, small).status_code == 201


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a,y\n" + "1,0\n2,1\n" * 10_000 + "3,0\n", "row 20002: more than 20000 data rows"),
        (",".join(f"f{i}" for i in range(65)) + ",y\n" + ("1," * 65 + "0\n") * 2
         + "1," * 65 + "1\n", "row 1: 65 feature columns; at most 64"),
        ("a,y\n" + "".join(f"{i},c{i}\n" for i in range(21)), "21 classes; at most 20"),
    ],
    ids=["rows", "features", "classes"],
)  # fmt: skip
def test_past_the_row_feature_and_class_limits_is_a_422_naming_what(client, text, words):
    r = post_csv(client, text)
    assert r.status_code == 422 and words in r.json()["message"], r.text
    assert ids(client) == []


def test_at_the_limits_is_taken(client):
    rows = "a,y\n" + "".join(f"{i},c{i % 20}\n" for i in range(20_000))
    assert len(rows) <= 1_000_000
    r = post_csv(client, rows)
    assert r.status_code == 201 and r.json()["rows"] == 20_000 and len(r.json()["classes"]) == 20
    wide = ",".join(f"f{i}" for i in range(64)) + ",y\n" + ("0.5," * 64 + "0\n") * 3
    r = post_csv(client, wide + "0.5," * 64 + "1\n")
    assert r.status_code == 201 and r.json()["n_features"] == 64


def test_delete_then_404_and_unknown_ids_are_404(client):
    d = post_csv(client, MOONS).json()
    r = client.delete(f"/api/datasets/{d['id']}")
    assert r.status_code == 200 and r.json()["id"] == d["id"]
    assert client.delete(f"/api/datasets/{d['id']}").status_code == 404
    assert client.get(f"/api/datasets/{d['id']}").status_code == 404
    assert client.get("/api/datasets/0123456789ab").status_code == 404
    assert ids(client) == []


def test_datasets_survive_a_restart(tmp_path):
    s = make_settings(tmp_path)
    with CheckedClient(create_app(s)) as c:
        d = post_csv(c, WINE).json()
    with CheckedClient(create_app(s)) as c:
        assert c.get(f"/api/datasets/{d['id']}").json() == d
        r = train_on(c, {"name": "uploaded", "id": d["id"], "standardize": True})
        assert r.status_code == 201 and r.json()["status"] == "done"


def test_the_examples_are_listed_served_and_upload_cleanly(client):
    r = client.get("/api/example-datasets")
    assert r.status_code == 200
    ex = {e["file"]: e for e in r.json()["examples"]}
    assert set(ex) == {"moons.csv", "iris.csv", "wine.csv"}
    assert len(ex["wine.csv"]["features"]) == 13 and ex["wine.csv"]["rows"] == 178
    assert len(ex["moons.csv"]["features"]) == 2
    for e in ex.values():
        text = client.get(e["url"])
        assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
        assert post_csv(client, text.content).json()["rows"] == e["rows"]
    assert client.get("/api/example-datasets/../../pyproject.toml").status_code == 404
    assert client.get("/api/example-datasets/secret.csv").status_code == 404


def test_two_features_train_with_boundaries_and_points(client):
    d = post_csv(client, MOONS).json()
    r = train_on(client, {"name": "uploaded", "id": d["id"], "val_fraction": 0.25})
    assert r.status_code == 201, r.text
    result = r.json()["result"]
    meta = result["meta"]
    assert meta["feature_names"] == ["x1", "x2"] and meta["class_names"] == ["lower", "upper"]
    assert meta["n_train"] == 150 and meta["n_val"] == 50
    assert len(meta["points"]["X_train"]) == 150 and meta["grid"]["features"] == [0, 1]
    grids = [g for f in _frames(client, r.json()["id"]) for g in f["grids"]]
    assert grids and np.isfinite(np.array(grids[-1]["values"], dtype=float)).all()
    assert all(s["final_loss"] is not None for s in result["summary"])


def _frames(client, run_id):
    from tests.app.conftest import stream

    return [e["data"] for e in stream(client, run_id) if e["event"] == "frame"]


def test_thirteen_features_train_with_curves_and_no_grid_unless_asked(client):
    d = post_csv(client, WINE).json()
    spec = {"name": "uploaded", "id": d["id"], "standardize": True}
    r = train_on(client, spec, epochs=30)
    result = r.json()["result"]
    assert result["meta"]["grid"] is None and result["meta"]["points"] is None
    train_loss = np.array(result["arrays"]["train_loss"], dtype=float)
    assert train_loss.shape == (31, 2) and (train_loss[-1] < train_loss[0]).all()
    assert result["meta"]["sizes"][0] == 13 and result["meta"]["n_classes"] == 3


def test_standardize_changes_what_the_network_sees(client):
    d = post_csv(client, WINE).json()
    a, b = (
        train_on(client, {"name": "uploaded", "id": d["id"], "standardize": s}).json()
        for s in (False, True)
    )
    la = a["result"]["arrays"]["train_loss"][-1]
    lb = b["result"]["arrays"]["train_loss"][-1]
    assert la != lb


def test_the_boundary_over_two_picked_features_of_a_wider_set(client):
    d = post_csv(client, IRIS).json()
    r = train_on(
        client, {"name": "uploaded", "id": d["id"]}, reporting={"grid_features": [2, 3]}, epochs=10
    )
    assert r.status_code == 201, r.text
    meta = r.json()["result"]["meta"]
    assert meta["grid"]["features"] == [2, 3]
    assert len(meta["points"]["X_train"][0]) == 2  # the two picked columns only
    petal_length = [row[0] for row in meta["points"]["X_train"]]
    assert min(petal_length) >= 1.0 and max(petal_length) <= 6.9
    assert meta["grid"]["x"][0] < 1.0 and meta["grid"]["x"][-1] > 6.9
    grids = [g for f in _frames(client, r.json()["id"]) for g in f["grids"]]
    assert grids and grids[-1]["kind"] == "class"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"reporting": {"grid_features": [0, 4]}}, "reporting.grid_features"),
        ({"reporting": {"grid_features": [1, 1]}}, "reporting.grid_features"),
        ({"reporting": {"grid_features": [0]}}, "reporting.grid_features"),
        ({"reporting": {"grid_every": 3}}, "reporting.grid_every"),
    ],
    ids=["past-the-end", "same-twice", "one", "unknown-key"],
)
def test_a_bad_grid_pick_is_a_422_naming_grid_features(client, over, field):
    d = post_csv(client, IRIS).json()
    r = train_on(client, {"name": "uploaded", "id": d["id"]}, **over)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == field, r.text


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"name": "uploaded", "id": "0123456789ab"}, "dataset.id"),
        ({"name": "uploaded"}, "dataset.id"),
        ({"name": "uploaded", "id": "x", "val_fraction": 0.95}, "dataset.val_fraction"),
        ({"name": "uploaded", "id": "x", "standardize": "yes"}, "dataset.standardize"),
    ],
    ids=["unknown", "missing", "val-fraction", "standardize"],
)
def test_a_bad_uploaded_spec_is_a_422_naming_the_field(client, spec, field):
    r = train_on(client, spec)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == field, r.text


def test_a_deleted_dataset_can_no_longer_be_trained_on_but_its_runs_stay(client):
    d = post_csv(client, MOONS).json()
    run = train_on(client, {"name": "uploaded", "id": d["id"]}).json()
    client.delete(f"/api/datasets/{d['id']}")
    r = train_on(client, {"name": "uploaded", "id": d["id"]})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "dataset.id"
    assert client.get(f"/api/runs/{run['id']}").json()["status"] == "done"


def test_a_regression_csv_trains_with_mse(client):
    rows = "".join(f"{x:.3f},{2 * x + 1:.3f}\n" for x in np.linspace(-1, 1, 60))
    d = post_csv(client, "x,y\n" + rows).json()
    assert d["task"] == "regression"
    r = train_on(client, {"name": "uploaded", "id": d["id"]}, loss="mse")
    assert r.status_code == 201, r.text
    assert r.json()["result"]["meta"]["task"] == "regression"


def test_a_compute_worker_reads_the_upload_from_the_store_file(tmp_path: Path):
    with CheckedClient(create_app(make_settings(tmp_path, workers=1))) as c:
        d = post_csv(c, MOONS).json()
        r = train_on(c, {"name": "uploaded", "id": d["id"]})
        assert r.status_code == 201 and r.json()["status"] == "done", r.text
        assert r.json()["result"]["meta"]["feature_names"] == ["x1", "x2"]


def test_code_export_of_a_run_on_uploaded_data_embeds_it(client):
    d = post_csv(client, MOONS).json()
    run = train_on(client, {"name": "uploaded", "id": d["id"], "standardize": True}).json()
    r = client.get(f"/api/runs/{run['id']}/code", params={"framework": "pytorch"})
    if r.status_code == 404 and "no run" not in r.text:
        pytest.skip("this checkout has no code export")
    assert r.status_code == 200, r.text
    assert "final_loss" in r.text


def test_a_local_run_reads_the_upload_from_the_settings_store(tmp_path, monkeypatch):
    from app import localrun, uploads

    s = make_settings(tmp_path)
    with CheckedClient(create_app(s)) as c:
        d = post_csv(c, MOONS).json()
    monkeypatch.setattr(uploads, "_reader", None)  # a process with no server: `descentlab run`
    config = localrun.validate_config(
        mlp_run(dataset={"name": "uploaded", "id": d["id"]}, epochs=3), s
    )
    events = localrun.run_config(config)
    assert [e.event for e in events][:: len(events) - 1] == ["meta", "done"]
    assert b'"x1","x2"' in events[0].payload  # the upload's feature names
    with pytest.raises(localrun.ConfigError, match=r"^dataset\.id: no uploaded dataset"):
        localrun.validate_config(mlp_run(dataset={"name": "uploaded", "id": "nope"}), s)

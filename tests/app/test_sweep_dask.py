"""Sweeps on a Dask cluster (a LocalCluster of 2 worker processes): the same bits as this
process computes, through the service too (DESCENTLAB_DASK_SCHEDULER), and a cancel that
stops the workers' tasks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="pip install '.[cluster]'")

from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.sweeps import DaskExecutor, run_local  # noqa: E402
from tests.app.conftest import CheckedClient, parse_sse  # noqa: E402
from tests.app.test_sweeps import BASE, SWEEP  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        silence_logs=50,
    ) as c:  # fmt: skip
        yield c


def numbers(doc):
    return [(c["index"], c["point"], c["status"], c["final_loss"], c["diverged"],
             c.get("final_xy")) for c in doc["cells"]]  # fmt: skip


def test_a_local_cluster_gives_the_same_table_bit_for_bit(cluster, tmp_path):
    s = Settings(db=tmp_path / "runs.sqlite3", sweep_task_s=0.1)
    here = run_local(SWEEP, s)
    ex = DaskExecutor(cluster)
    try:
        assert ex.workers == 2
        there = run_local(SWEEP, s, ex)
    finally:
        ex.close()
    assert len(there["cells"]) == 250
    assert numbers(there) == numbers(here)  # == on floats: the same bits


def test_the_service_sweeps_on_the_scheduler_it_is_given(cluster, tmp_path):
    s = Settings(db=tmp_path / "runs.sqlite3", workers=0, allowed_hosts="127.0.0.1",
                 dask_scheduler=cluster.scheduler_address)  # fmt: skip
    sweep = {"base": BASE, "axes": {"optimizers.0.params.lr": [0.001, 0.01, 0.1],
                                    "seed": [0, 1]}}  # fmt: skip
    with CheckedClient(create_app(s), base_url="http://127.0.0.1:8000") as c:
        sweep_id = c.post("/api/sweeps", json=sweep).json()["id"]
        with c.stream("GET", f"/api/sweeps/{sweep_id}/events") as r:
            events = parse_sse(r.read().decode())
        doc = c.get(f"/api/sweeps/{sweep_id}").json()
        assert c.app.state.sweeps.executor.name == "dask"
    assert events[-1]["data"]["status"] == "done"
    assert numbers(doc) == numbers(run_local(sweep, s))


def test_a_cancel_stops_the_clusters_tasks(cluster, tmp_path):
    s = Settings(db=tmp_path / "runs.sqlite3", workers=0, allowed_hosts="127.0.0.1",
                 max_steps=5000, dask_scheduler=cluster.scheduler_address)  # fmt: skip
    slow = {"base": {**BASE, "steps": 5000},
            "axes": {"optimizers.0.params.lr": {"log_range": [1e-4, 1e-2, 30]},
                     "seed": list(range(20))}}  # fmt: skip
    with CheckedClient(create_app(s), base_url="http://127.0.0.1:8000") as c:
        sweep_id = c.post("/api/sweeps", json=slow).json()["id"]
        deadline = time.monotonic() + 60
        while c.get(f"/api/sweeps/{sweep_id}").json()["done"] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        asked = time.monotonic()
        head = c.post(f"/api/sweeps/{sweep_id}/cancel").json()
        took = time.monotonic() - asked
        done = c.get(f"/api/sweeps/{sweep_id}").json()["done"]
    assert head["status"] == "cancelled" and took < 10
    assert 0 < done < 600
    client = distributed.Client(cluster, set_as_default=False)
    try:  # nothing of the sweep is left running or waiting on the workers
        deadline = time.monotonic() + 10
        while any(client.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(client.processing().values())
    finally:
        client.close()


def test_an_mlp_sweep_on_an_uploaded_csv_sends_the_table_along(cluster, tmp_path):
    s = Settings(db=tmp_path / "runs.sqlite3", workers=0, allowed_hosts="127.0.0.1",
                 dask_scheduler=cluster.scheduler_address)  # fmt: skip
    iris = (Path(__file__).resolve().parents[2] / "app" / "example_data" / "iris.csv").read_bytes()
    with CheckedClient(create_app(s), base_url="http://127.0.0.1:8000") as c:
        data = c.post("/api/datasets?target=species", content=iris,
                      headers={"content-type": "text/csv"})  # fmt: skip
        assert data.status_code == 201, data.text
        base = {"kind": "mlp", "dataset": {"name": "uploaded", "id": data.json()["id"]},
                "model": {"hidden": [8]}, "optimizers": [{"name": "adam"}],
                "epochs": 5}  # fmt: skip
        sweep = {"base": base, "axes": {"optimizers.0.params.lr": [0.001, 0.01, 0.1]}}
        sweep_id = c.post("/api/sweeps", json=sweep).json()["id"]
        with c.stream("GET", f"/api/sweeps/{sweep_id}/events") as r:
            parse_sse(r.read().decode())
        doc = c.get(f"/api/sweeps/{sweep_id}").json()
        here = run_local(sweep, s, executor=None)  # this process reads the server's store
    assert [x["status"] for x in doc["cells"]] == ["done"] * 3, doc["cells"][0]
    assert [x["final_loss"] for x in doc["cells"]] == [x["final_loss"] for x in here["cells"]]

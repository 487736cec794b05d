"""Sweeps through the service: the table matches each cell run alone, the stream, export,
cancel, delete, resume after a restart, and 422s that name the field."""

from __future__ import annotations

import copy
import csv
import io
import json
import time

import pytest

from app.localrun import run_config, validate_config
from app.main import create_app
from app.results import result_from_events
from app.settings import Settings
from app.store import Store
from app.sweeps import SerialExecutor, build_plan, run_local
from app.sweeps.manager import SweepManager
from app.sweeps.store import SweepStore
from tests.app.conftest import CheckedClient, parse_sse

BASE = {
    "kind": "surface",
    "surface": {"name": "rosenbrock"},
    "optimizers": [{"name": "sgd", "params": {"lr": 0.001}}],
    "starts": [[-1.5, 2.0]],
    "steps": 300,
    "noise": {"sigma": 0.5},
}
SWEEP = {  # the sweep: 2 optimizers × 25 rates × 5 seeds
    "base": BASE,
    "axes": {
        "optimizers.0.name": ["sgd", "adam"],
        "optimizers.0.params.lr": {"log_range": [1e-4, 1, 25]},
        "seed": [0, 1, 2, 3, 4],
    },
}


def settings(tmp_path, **kw) -> Settings:
    kw.setdefault("sweep_workers", 2)
    kw.setdefault("workers", 0)
    return Settings(db=tmp_path / "runs.sqlite3", allowed_hosts="testserver,127.0.0.1", **kw)


def client(s: Settings) -> CheckedClient:
    return CheckedClient(create_app(s), base_url="http://127.0.0.1:8000")


def finish(c, sweep_id: str) -> list[dict]:
    with c.stream("GET", f"/api/sweeps/{sweep_id}/events") as r:
        assert r.status_code == 200
        return parse_sse(r.read().decode())


def test_the_table_matches_running_each_cell_alone(tmp_path):
    s = settings(tmp_path)
    with client(s) as c:
        r = c.post("/api/sweeps", json=SWEEP)
        assert r.status_code == 201, r.text
        sweep_id = r.json()["id"]
        assert r.json()["n_cells"] == 250
        events = finish(c, sweep_id)
        doc = c.get(f"/api/sweeps/{sweep_id}").json()
    assert [e["event"] for e in events][0] == "meta" and events[-1]["event"] == "done"
    assert events[-1]["data"]["status"] == "done" and events[-1]["data"]["done"] == 250
    streamed = {cell["index"] for e in events if e["event"] == "progress"
                for cell in e["data"]["cells"]}  # fmt: skip
    assert streamed == set(range(250))
    assert doc["status"] == "done" and doc["done"] == 250 and len(doc["cells"]) == 250
    assert list(doc["axes"]) == list(SWEEP["axes"])
    assert len(doc["axes"]["optimizers.0.params.lr"]) == 25
    assert doc["axes"]["optimizers.0.params.lr"][0] == 1e-4
    assert doc["axes"]["optimizers.0.params.lr"][-1] == 1.0
    # cell order: the last axis fastest
    assert doc["cells"][1]["point"] == {"optimizers.0.name": "sgd",
                                        "optimizers.0.params.lr": 1e-4, "seed": 1}  # fmt: skip
    assert doc["cells"][-1]["point"]["optimizers.0.name"] == "adam"
    for cell in doc["cells"]:
        config = copy.deepcopy(BASE)
        config["optimizers"][0]["name"] = cell["point"]["optimizers.0.name"]
        config["optimizers"][0]["params"]["lr"] = cell["point"]["optimizers.0.params.lr"]
        config["seed"] = cell["point"]["seed"]
        alone = result_from_events(run_config(validate_config(config, s)))["summary"][0]
        assert cell["status"] == "done"
        assert cell["final_loss"] == alone["final_loss"]  # the same bits
        assert cell["value"] == cell["final_loss"]
        assert cell["diverged"] == (alone["diverged_at"] is not None)
        assert cell["final_xy"] == alone["final_xy"]
    # the rates span a U: some diverge at the top for SGD, none are pending
    assert any(c["diverged"] for c in doc["cells"])


def test_export_csv_and_json(tmp_path):
    sweep = {"base": BASE, "axes": {"optimizers.0.params.lr": [0.001, 0.01], "seed": [0, 1]}}
    with client(settings(tmp_path)) as c:
        sweep_id = c.post("/api/sweeps", json=sweep).json()["id"]
        finish(c, sweep_id)
        text = c.get(f"/api/sweeps/{sweep_id}/export?format=csv")
        js = c.get(f"/api/sweeps/{sweep_id}/export?format=json")
        listed = c.get("/api/sweeps").json()["sweeps"]
    assert text.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.text)))
    assert len(rows) == 4
    assert rows[0]["optimizers.0.params.lr"] == "0.001" and rows[1]["seed"] == "1"
    assert float(rows[0]["final_loss"]) == js.json()["cells"][0]["final_loss"]
    assert "attachment" in js.headers["content-disposition"]
    assert listed[0]["id"] == sweep_id and listed[0]["done"] == 4


def test_an_mlp_sweep_reports_validation_numbers(tmp_path):
    base = {"kind": "mlp", "dataset": {"name": "moons", "n_samples": 200},
            "model": {"hidden": [8]}, "optimizers": [{"name": "adam", "params": {"lr": 0.01}}],
            "epochs": 5}  # fmt: skip
    sweep = {"base": base, "axes": {"optimizers.0.params.lr": [0.001, 0.1]},
             "metric": "final_val_acc"}  # fmt: skip
    doc = run_local(sweep, settings(tmp_path))
    assert doc["higher_is_better"] is True
    for cell in doc["cells"]:
        config = copy.deepcopy(base)
        config["optimizers"][0]["params"]["lr"] = cell["point"]["optimizers.0.params.lr"]
        s = settings(tmp_path)
        alone = result_from_events(run_config(validate_config(config, s)))["summary"][0]
        assert cell["final_loss"] == alone["final_loss"]
        assert cell["value"] == alone["final_val_acc"] == cell["final_val_acc"]


def test_cancel_stops_the_workers_and_keeps_finished_cells(tmp_path):
    slow = {**BASE, "steps": 5000}
    sweep = {"base": slow, "axes": {"optimizers.0.params.lr": {"log_range": [1e-4, 1e-2, 40]},
                                    "seed": list(range(20))}}  # fmt: skip
    with client(settings(tmp_path, max_steps=5000)) as c:
        sweep_id = c.post("/api/sweeps", json=sweep).json()["id"]
        deadline = time.monotonic() + 30
        while c.get(f"/api/sweeps/{sweep_id}").json()["done"] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        asked = time.monotonic()
        head = c.delete(f"/api/sweeps/{sweep_id}").json()
        stopped_in = time.monotonic() - asked
        after = c.get(f"/api/sweeps/{sweep_id}").json()
        time.sleep(0.5)
        later = c.get(f"/api/sweeps/{sweep_id}").json()
        events = finish(c, sweep_id)
        sweeps = c.app.state.sweeps
        executor = sweeps.executor
        idle = [f.result() for f in [executor.submit("surface", "final_loss", [], None)]]
    assert head["status"] == "cancelled" and after["status"] == "cancelled"
    assert stopped_in < 10, "the workers kept computing after the cancel"
    assert 0 < after["done"] < 800 and later["done"] == after["done"]  # nothing computes on
    kept = [cell for cell in after["cells"] if cell["status"] == "done"]
    assert len(kept) == after["done"] and all(k["final_loss"] is not None for k in kept)
    assert events[-1]["event"] == "done" and events[-1]["data"]["status"] == "cancelled"
    assert idle == [([], pytest.approx(0, abs=1), False)]


def test_delete_of_an_ended_sweep_removes_it(tmp_path):
    sweep = {"base": BASE, "axes": {"seed": [0, 1]}}
    with client(settings(tmp_path, sweep_workers=0)) as c:
        sweep_id = c.post("/api/sweeps", json=sweep).json()["id"]
        finish(c, sweep_id)
        assert c.delete(f"/api/sweeps/{sweep_id}").json()["status"] == "done"
        assert c.get(f"/api/sweeps/{sweep_id}").status_code == 404
        assert c.delete(f"/api/sweeps/{sweep_id}").status_code == 404
        assert c.get(f"/api/sweeps/{sweep_id}/events").status_code == 404


def test_a_restart_interrupts_and_resume_computes_only_the_missing_cells(tmp_path):
    s = settings(tmp_path, sweep_workers=0)
    plan = build_plan(SWEEP, s)
    store = Store(s.db)
    db = SweepStore(store)
    db.insert("s1", "a:test", time.time(), plan)
    done_before = run_local(SWEEP, s)["cells"]
    kept = [(i, {k: v for k, v in done_before[i].items() if k not in ("index", "point")})
            for i in range(0, 250, 3)]  # fmt: skip
    db.add_rows("s1", kept)
    db.set_status("s1", "running")  # the server was killed while it computed
    store.close()

    computed = []

    class Counting(SerialExecutor):
        def submit(self, kind, metric, items, token=None, tables=None):
            computed.extend(i for i, _ in items)
            return super().submit(kind, metric, items, token, tables)

    app = create_app(s)
    with CheckedClient(app, base_url="http://127.0.0.1:8000") as c:
        app.state.sweeps._executor = Counting()
        head = c.get("/api/sweeps/s1").json()
        assert head["status"] == "interrupted" and head["done"] == len(kept)
        r = c.post("/api/sweeps/s1/resume")
        assert r.status_code == 200, r.text
        events = finish(c, "s1")
        doc = c.get("/api/sweeps/s1").json()
        again = c.post("/api/sweeps/s1/resume")
        assert c.post("/api/sweeps/nope/resume").status_code == 404
    assert events[0]["event"] == "meta" and events[-1]["data"]["status"] == "done"
    assert sorted(computed) == [i for i in range(250) if i % 3]  # the kept ones not again
    assert doc["status"] == "done" and doc["done"] == 250
    assert [c["final_loss"] for c in doc["cells"]] == [c["final_loss"] for c in done_before]
    assert again.status_code == 409


def test_the_stored_log_replays_after_the_sweep_left_memory(tmp_path):
    s = settings(tmp_path, sweep_workers=0)
    sweep = {"base": BASE, "axes": {"seed": [0, 1, 2]}}
    with client(s) as c:
        sweep_id = c.post("/api/sweeps", json=sweep).json()["id"]
        live = finish(c, sweep_id)
        c.app.state.sweeps.sweeps.clear()  # forgotten: read back from the store
        stored = finish(c, sweep_id)
        with c.stream("GET", f"/api/sweeps/{sweep_id}/events",
                      headers={"Last-Event-ID": "0"}) as r:  # fmt: skip
            resumed = parse_sse(r.read().decode())
        past = c.get(f"/api/sweeps/{sweep_id}/events", headers={"Last-Event-ID": "99"})
    cells = lambda evs: sorted(x["index"] for e in evs if e["event"] == "progress"  # noqa: E731
                               for x in e["data"]["cells"])  # fmt: skip
    assert cells(live) == cells(stored) == [0, 1, 2]
    assert stored[-1]["event"] == "done" and resumed[0]["event"] == "progress"
    assert past.status_code == 422 and "Last-Event-ID" in past.json()["message"]


BAD = [
    ({"axes": {"optimizers.0.params.lrx": [0.1]}}, "axes.optimizers.0.params.lrx"),
    ({"axes": {"optimizers.2.params.lr": [0.1]}}, "axes.optimizers.2.params.lr"),
    ({"axes": {"surface.nope": ["x"]}}, "axes.surface.nope"),
    ({"axes": {"kind": ["mlp"]}}, "axes.kind"),
    ({"axes": {"optimizers.0.params.lr": [0.1, 0.1]}}, "axes.optimizers.0.params.lr"),
    ({"axes": {"optimizers.0.params.lr": [-1.0]}}, "axes.optimizers.0.params.lr"),
    (
        {"axes": {"optimizers.0.params.lr": {"log_range": [0, 1, 5]}}},
        "axes.optimizers.0.params.lr.log_range",
    ),  # fmt: skip
    (
        {"axes": {"optimizers.0.params.lr": {"log_range": [1e-3, 1, 0]}}},
        "axes.optimizers.0.params.lr.log_range.2",
    ),  # fmt: skip
    ({"axes": {"optimizers.0.name": ["sgd", "nope"]}}, "axes.optimizers.0.name"),
    ({"axes": {"steps": [100, 10**7]}}, "axes.steps"),
    (
        {
            "axes": {
                "seed": list(range(100)),
                "optimizers.0.params.lr": {"range": [0.001, 0.01, 60]},
            }
        },
        "axes",
    ),  # 6,000 cells  # fmt: skip
    (
        {"axes": {"steps": [5000], "seed": list(range(1000)), "starts.0": [[1, 1], [0, 0]]}},
        "axes",
    ),  # too much work  # fmt: skip
    ({"axes": {}}, "axes"),
    ({"axes": {"seed": [0]}, "metric": "final_val_acc"}, "metric"),
    ({"axes": {"seed": [0]}, "base": {**BASE, "starts": [[0, 0], [1, 1]]}}, "base.starts"),
    ({"axes": {"seed": [0]}, "base": {**BASE, "steps": "many"}}, "base.steps"),
    (
        {
            "axes": {"seed": [0]},
            "base": {**BASE, "optimizers": [{"name": "sgd"}, {"name": "adam"}]},
        },
        "base.optimizers",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("change", "field"), BAD, ids=[b[1] + str(i) for i, b in enumerate(BAD)])
def test_bad_sweeps_are_422s_naming_the_field(tmp_path, change, field):
    with client(settings(tmp_path, sweep_workers=0, max_sweep_lane_steps=5e6)) as c:
        r = c.post("/api/sweeps", json={"base": BASE, **change})
        listed = c.get("/api/sweeps").json()["sweeps"]
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["message"].startswith(f"{field}:"), body["message"]
    assert listed == []  # nothing stored


def test_non_finite_axis_values_are_422s(tmp_path):
    body = json.dumps({"base": BASE, "axes": {"seed": [0]}})
    body = body.replace('"seed": [0]', '"optimizers.0.params.lr": [0.1, NaN]')
    with client(settings(tmp_path, sweep_workers=0)) as c:
        r = c.post("/api/sweeps", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["message"].startswith("axes.optimizers.0.params.lr")


def test_too_many_sweeps_at_once_is_429(tmp_path):
    slow = {"base": {**BASE, "steps": 5000},
            "axes": {"seed": list(range(200))}}  # fmt: skip
    with client(settings(tmp_path, max_steps=5000, max_sweeps_per_client=1)) as c:
        first = c.post("/api/sweeps", json=slow)
        second = c.post("/api/sweeps", json=slow)
        c.delete(f"/api/sweeps/{first.json()['id']}")
    assert first.status_code == 201
    assert second.status_code == 429 and int(second.headers["retry-after"]) > 0


def test_the_manager_ends_active_sweeps_as_interrupted_on_close(tmp_path):
    s = settings(tmp_path, max_steps=5000)
    slow = {"base": {**BASE, "steps": 5000}, "axes": {"seed": list(range(300))}}
    app = create_app(s)
    with CheckedClient(app, base_url="http://127.0.0.1:8000") as c:
        sweep_id = c.post("/api/sweeps", json=slow).json()["id"]
        time.sleep(0.3)
        manager: SweepManager = app.state.sweeps
    assert manager.sweeps[sweep_id].status == "interrupted"
    store = Store(s.db)
    head = SweepStore(store).head(sweep_id)
    assert head["status"] == "interrupted"


def test_the_retention_policy_prunes_ended_sweeps_with_their_cells(tmp_path):
    s = settings(tmp_path, sweep_workers=0)
    store = Store(s.db)
    db = SweepStore(store)
    plan = build_plan({"base": BASE, "axes": {"seed": [0, 1]}}, s)
    now = time.time()
    for i, status in enumerate(["done", "done", "cancelled", "running"]):
        db.insert(f"s{i}", "a:x", now - 100 + i, plan)
        db.add_rows(f"s{i}", [(0, {"status": "done", "value": 1.0})])
        db.set_status(f"s{i}", status)
    db.insert("old", "a:x", now - 40 * 86400, plan)
    db.set_status("old", "done")
    assert db.prune(keep=1, keep_days=30) == 3  # old, then s0 and s1 past the newest ended one
    left = {w["id"] for w in db.list()}
    assert left == {"s2", "s3"}  # a running sweep is never pruned
    assert db.rows("s0") == {} and db.rows("s2") != {}
    store.close()

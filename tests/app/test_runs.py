"""The run lifecycle end to end: create → stream → read → export → list, resume, cancel."""

from __future__ import annotations

import csv
import io
import time

import pytest

from app.main import create_app
from tests.app.conftest import CheckedClient, make_settings, race, stream, strict_json


def create(client, body=None, **params):
    r = client.post("/api/runs", json=body or race(), params=params)
    assert r.status_code == 201, r.text
    return r.json()


def test_create_answers_201_with_id_and_links(client):
    out = create(client)
    assert out["id"] and out["status"] in ("queued", "running", "done")
    assert out["links"]["events"] == f"/api/runs/{out['id']}/events"


def test_stream_is_meta_frames_then_done(client):
    run_id = create(client)["id"]
    events = stream(client, run_id)
    names = [e["event"] for e in events]
    assert names[0] == "meta" and names[-1] == "done"
    assert set(names[1:-1]) == {"frame"}
    assert [e["id"] for e in events] == list(range(len(events)))
    frames = [e["data"] for e in events if e["event"] == "frame"]
    assert len(frames) < 30  # batched: a few events, not one per step
    assert [f["start"] for f in frames] == [0] + list(
        __import__("itertools").accumulate(f["rows"] for f in frames[:-1])
    )
    assert sum(f["rows"] for f in frames) == 121
    meta = events[0]["data"]
    assert meta["n_lanes"] == 2 and meta["lanes"][1]["color"].startswith("#")
    assert meta["surface"]["name"] == "himmelblau"
    done = events[-1]["data"]
    assert done["status"] == "done" and len(done["summary"]) == 2


def test_read_returns_config_summary_and_result(client):
    run_id = create(client)["id"]
    stream(client, run_id)
    info = client.get(f"/api/runs/{run_id}").json()
    assert info["status"] == "done" and info["finished"] >= info["started"] >= info["created"]
    assert info["config"]["optimizers"][0]["params"]["momentum"] == 0.9
    assert len(info["summary"]) == 2
    xy = info["result"]["arrays"]["xy"]
    assert len(xy) == 121 and len(xy[0]) == 2 and xy[0][0] == [-0.27, -0.92]


def test_wait_returns_the_whole_result(client):
    out = create(client, wait="true")
    assert out["status"] == "done"
    assert len(out["result"]["arrays"]["loss"]) == 121
    assert out["result"]["summary"][1]["nearest_min"] is not None


def test_export_csv_has_one_row_per_lane_and_step(client):
    run_id = create(client, wait="true")["id"]
    r = client.get(f"/api/runs/{run_id}/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 2 * 121
    assert rows[0]["step"] == "0" and rows[0]["grad_x"] == ""  # row 0 has no update yet
    assert float(rows[1]["loss"]) > 0


def test_export_json_carries_the_config(client):
    run_id = create(client, wait="true")["id"]
    r = client.get(f"/api/runs/{run_id}/export", params={"format": "json"})
    body = strict_json(r.text)
    assert body["config"]["surface"]["name"] == "himmelblau"
    assert len(body["arrays"]["xy"]) == 121 and body["summary"]


def test_list_is_newest_first_and_paged(client):
    ids = [create(client, wait="true")["id"] for _ in range(3)]
    page = client.get("/api/runs", params={"limit": 2}).json()
    assert page["total"] == 3 and [r["id"] for r in page["runs"]] == ids[::-1][:2]
    rest = client.get("/api/runs", params={"limit": 2, "offset": 2}).json()
    assert [r["id"] for r in rest["runs"]] == [ids[0]]


@pytest.mark.parametrize("cut", [0, 1, 2])
def test_resume_with_last_event_id_loses_and_repeats_nothing(client, cut):
    run_id = create(client, race(steps=400))["id"]
    full = stream(client, run_id)
    rest = stream(client, run_id, headers={"Last-Event-ID": str(cut)})
    assert [e["id"] for e in rest] == [e["id"] for e in full[cut + 1 :]]
    assert rest == full[cut + 1 :]


def test_resume_with_query_parameter_for_fresh_connections(client):
    run_id = create(client)["id"]
    full = stream(client, run_id)
    rest = client.get(f"/api/runs/{run_id}/events", params={"after": 1})
    assert "id: 0\n" not in rest.text and "id: 1\n" not in rest.text
    assert f"id: {full[-1]['id']}\n" in rest.text


def test_divergence_streams_a_diverged_event_after_its_frame(client):
    body = race(
        surface={"name": "saddle"},
        starts=[[-1.5, 0.001]],
        steps=300,
        optimizers=[
            {"name": "sgd", "params": {"lr": 0.05, "momentum": 0.9}},
            {"name": "adam", "params": {"lr": 0.05}},
        ],
    )
    events = stream(client, create(client, body)["id"])
    div = [e for e in events if e["event"] == "diverged"]
    assert len(div) == 1 and div[0]["data"]["lane"] == 0
    step = div[0]["data"]["step"]
    before = [e["data"] for e in events if e["event"] == "frame" and e["id"] < div[0]["id"]]
    assert before[-1]["start"] + before[-1]["rows"] > step  # its frame came first
    assert events[-1]["data"]["summary"][0]["diverged_at"] == step
    assert events[-1]["data"]["status"] == "done"  # the run itself still ends done


def long_race():
    return race(
        steps=5000,
        starts=[[x / 10, 0.5] for x in range(16)],
        optimizers=[
            {"name": n, "params": {"lr": 0.001}}
            for n in ("sgd", "adam", "rmsprop", "nadam", "radam", "adamax", "adagrad", "adamw")
        ],
    )


@pytest.fixture
def roomy(tmp_path):
    s = make_settings(tmp_path, max_lane_steps=10**7, max_concurrent_runs=1, frame_interval_s=0.01)
    with CheckedClient(create_app(s)) as c:
        yield c


def test_cancel_ends_the_stream_with_a_final_event(roomy):
    run_id = create(roomy, long_race())["id"]
    r = roomy.post(f"/api/runs/{run_id}/cancel")
    assert r.status_code == 200
    events = stream(roomy, run_id)
    assert events[-1]["event"] == "done" and events[-1]["data"]["status"] == "cancelled"
    assert roomy.get(f"/api/runs/{run_id}").json()["status"] == "cancelled"


def test_delete_of_a_finished_run_removes_it_everywhere(client):
    kept, gone = create(client)["id"], create(client)["id"]
    for run_id in (kept, gone):
        stream(client, run_id)
    total = client.get("/api/runs").json()["total"]
    r = client.delete(f"/api/runs/{gone}")
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["id"] == gone
    for path in ("", "/events", "/export"):
        assert client.get(f"/api/runs/{gone}{path}").status_code == 404
    assert client.post(f"/api/runs/{gone}/cancel").status_code == 404
    assert client.delete(f"/api/runs/{gone}").status_code == 404
    listed = client.get("/api/runs").json()
    assert listed["total"] == total - 1 and gone not in [x["id"] for x in listed["runs"]]
    assert client.get(f"/api/runs/{kept}").json()["status"] == "done"  # the others stay


def test_delete_of_a_running_run_cancels_it_and_its_stream_ends(roomy):
    run_id = create(roomy, long_race())["id"]
    with roomy.stream("GET", f"/api/runs/{run_id}/events") as live:
        lines = live.iter_lines()
        assert next(line for line in lines if line.startswith("event:")) == "event: meta"
        r = roomy.delete(f"/api/runs/{run_id}")
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        rest = "\n".join(lines)
    assert "event: done" in rest and "deleted by a client" in rest
    assert roomy.get(f"/api/runs/{run_id}").status_code == 404
    deadline = time.monotonic() + 10  # its compute slot comes back once it has stopped
    while (r := roomy.post("/api/runs", json=race())).status_code == 429:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert r.status_code == 201


def test_cancel_of_a_finished_run_changes_nothing(client):
    run_id = create(client)["id"]
    stream(client, run_id)
    r = client.post(f"/api/runs/{run_id}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert client.get(f"/api/runs/{run_id}").json()["result"] is not None


def test_past_the_cap_is_429_with_retry_after(roomy):
    first = create(roomy, long_race())["id"]
    r = roomy.post("/api/runs", json=race())
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1 and "busy" in r.json()["message"]
    roomy.post(f"/api/runs/{first}/cancel")
    stream(roomy, first)
    assert roomy.post("/api/runs", json=race()).status_code == 201


def test_per_client_cap(tmp_path):
    s = make_settings(tmp_path, max_runs_per_client=1, max_lane_steps=10**7)
    with CheckedClient(create_app(s)) as c:
        first = create(c, long_race())["id"]
        r = c.post("/api/runs", json=race())
        assert r.status_code == 429 and "active runs" in r.json()["message"]
        c.post(f"/api/runs/{first}/cancel")


@pytest.mark.parametrize("workers", [0, 1], ids=["thread", "worker process"])
def test_wall_time_limit_fails_the_run_with_an_error_event(tmp_path, workers):
    s = make_settings(tmp_path, workers=workers, max_lane_steps=10**7, run_wall_time_s=0.05)
    with CheckedClient(create_app(s)) as c:
        events = stream(c, create(c, long_race())["id"])
        assert events[-1]["event"] == "error"
        assert "time limit" in events[-1]["data"]["message"]
        assert "Traceback" not in str(events)


def test_a_run_nobody_watches_is_cancelled_after_the_idle_timeout(tmp_path):
    s = make_settings(tmp_path, max_lane_steps=10**8, max_steps=10**5, idle_timeout_s=0.3)
    body = long_race()
    body["steps"] = 50_000
    with CheckedClient(create_app(s)) as c:
        run_id = create(c, body)["id"]
        deadline = time.monotonic() + 10
        while (
            c.get("/api/runs", params={"limit": 1}).json()["runs"][0]["status"]
            in ("queued", "running")
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        info = c.get("/api/runs", params={"limit": 1}).json()["runs"][0]
        assert info["id"] == run_id and info["status"] == "cancelled"
        assert "watching" in info["error"]


def test_unknown_run_is_404_before_any_stream(client):
    for path in ("/api/runs/nope", "/api/runs/nope/events", "/api/runs/nope/export"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["message"] == "no run with this id"
    assert client.delete("/api/runs/nope").status_code == 404
    assert client.post("/api/runs/nope/cancel").status_code == 404


def test_export_of_an_unfinished_run_is_409(roomy):
    run_id = create(roomy, long_race())["id"]
    r = roomy.get(f"/api/runs/{run_id}/export")
    assert r.status_code == 409 and "export it when it ends" in r.json()["message"]
    roomy.post(f"/api/runs/{run_id}/cancel")


def test_formula_surface_runs(client):
    body = race(
        surface={"formula": "sin(x)*cos(y) + 0.1*(x**2+y**2)", "domain": [[-4, 4], [-4, 4]]},
        starts=[[2.0, 1.0]],
    )
    out = create(client, body, wait="true")
    assert out["status"] == "done"
    assert out["result"]["meta"]["surface"]["critical_points"]


def test_interactive_re_runs_can_stay_out_of_the_history(client):
    out = create(client, wait="true", persist="false")
    assert out["status"] == "done" and len(out["result"]["arrays"]["xy"]) == 121
    assert client.get("/api/runs").json()["total"] == 0
    create(client, wait="true")
    assert client.get("/api/runs").json()["total"] == 1


def test_a_streamed_run_can_stay_out_of_the_history_too(client):
    run_id = create(client, persist="false")["id"]
    events = stream(client, run_id)
    assert events[-1]["event"] == "done"
    assert client.get(f"/api/runs/{run_id}").json()["status"] == "done"
    assert client.get("/api/runs").json()["total"] == 0


def test_every_optimizer_races_over_rest(client):
    """The newer rules (Rprop, ASGD, Adafactor, L-BFGS, Newton's) through the service, with
    pairs as JSON lists and torch's null line search; a climb with maximize."""
    body = race(
        surface={"name": "saddle_two_minima"},
        starts=[[0.8, 0.3]],
        steps=30,
        optimizers=[
            {"name": "rprop", "params": {"etas": [0.4, 1.3], "step_sizes": [1e-5, 1.0]}},
            {"name": "asgd", "params": {"lr": 0.05, "t0": 10}},
            {"name": "adafactor", "params": {"eps": [1e-30, 1e-3]}},
            {"name": "lbfgs", "params": {"line_search_fn": None}},
            {"name": "lbfgs", "params": {"line_search_fn": "strong_wolfe", "max_eval": 30}},
            {"name": "newton"},
            {"name": "saddle_free_newton", "params": {"damping": 0.01}},
            {"name": "adam", "params": {"lr": 0.01, "maximize": True}},
        ],
    )
    r = client.post("/api/runs?wait=true", json=body)
    assert r.status_code in (200, 201), r.text
    by = dict(enumerate(r.json()["result"]["summary"]))
    assert by[5]["final_xy"] == [0.0, 0.0]  # Newton: on the saddle
    assert abs(by[6]["final_xy"][1] - 1.0) < 1e-6  # saddle-free Newton: the minimum
    assert by[7]["final_loss"] > 0.0  # the climb ends higher than it started (f = 0.32)


def test_a_sequential_schedule_warms_up_then_decays_over_rest(client):
    seq = {
        "name": "sequential",
        "params": {
            "schedulers": [
                {"name": "linear", "params": {"start_factor": 0.1, "total_iters": 20}},
                {"name": "cosine", "params": {}},
            ],
            "milestones": [20],
        },
    }
    body = race(steps=100, optimizers=[{"name": "adam", "params": {"lr": 0.1}, "schedule": seq}])
    r = client.post("/api/runs?wait=true&fields=lr", json=body)
    assert r.status_code == 201, r.text
    lr = [row[0] for row in r.json()["result"]["arrays"]["lr"][1:]]  # update k's rate
    assert lr[0] == pytest.approx(0.01) and lr[20] == pytest.approx(0.1)  # step 20: cosine at 0
    assert max(lr) == pytest.approx(0.1) and lr[-1] < 1e-3  # the cosine's own T_max: 80


def test_an_lbfgs_lane_counts_as_its_evaluations_in_the_lane_step_budget(tmp_path):
    """One L-BFGS step is up to max_eval evaluations (25 by default): the budget that keeps a
    race cheap counts them, or 8 L-BFGS lanes would cost 25 times what the limit says."""
    s = make_settings(tmp_path, max_lane_steps=9_000)
    with CheckedClient(create_app(s)) as c:
        cheap = race(steps=400, optimizers=[{"name": "gd"}])
        assert c.post("/api/runs?wait=true", json=cheap).status_code == 201
        dear = race(steps=400, optimizers=[{"name": "lbfgs"}])
        r = c.post("/api/runs?wait=true", json=dear)
        assert r.status_code == 422 and r.json()["message"].startswith("steps")
        assert "L-BFGS" in r.json()["message"]
        few = race(steps=400, optimizers=[{"name": "lbfgs", "params": {"max_iter": 4}}])
        assert c.post("/api/runs?wait=true", json=few).status_code == 201  # 400 × 5 = 2,000


def test_the_event_stream_schema_names_every_event_a_run_sends(client):
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/runs/{run_id}/events"]["get"]["responses"]["200"]
    names = op["content"]["text/event-stream"]["schema"]["properties"]["event"]["enum"]
    assert set(names) == {"meta", "frame", "diverged", "stopped", "done", "error"}

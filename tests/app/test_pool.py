"""Compute in worker processes (app/pool.py), the cache of interactive races, and the
frames' byte spans that let a whole result be spliced instead of decoded and re-encoded."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from app import jsonutil, results
from app.events import Event, encode_spans
from app.main import create_app
from tests.app.conftest import CheckedClient, make_settings, race, stream
from tests.app.test_runs import create, long_race


@pytest.fixture
def pooled(tmp_path):
    s = make_settings(
        tmp_path, workers=2, max_lane_steps=10**8, max_steps=200_000, frame_interval_s=0.01
    )
    with CheckedClient(create_app(s)) as c:
        yield c


def manager(client):
    return client.app.state.manager


def test_runs_compute_in_worker_processes_with_the_same_bytes_as_threads(pooled, tmp_path):
    pool = manager(pooled).compute
    assert pool is not None and pool.n == 2
    assert all(p.is_alive() and p.pid != os.getpid() for p in pool.procs)
    body = race(steps=300)
    with CheckedClient(create_app(make_settings(tmp_path / "t", workers=0))) as threads:
        a = pooled.post("/api/runs?wait=true", json=body).json()
        b = threads.post("/api/runs?wait=true", json=body).json()
    assert a["status"] == b["status"] == "done"
    assert a["result"]["arrays"] == b["result"]["arrays"]
    assert a["result"]["summary"] == b["result"]["summary"]
    # streamed: meta, frames, done, in order, ids = positions
    events = stream(pooled, create(pooled, body)["id"])
    assert [e["id"] for e in events] == list(range(len(events)))
    assert events[0]["event"] == "meta" and events[-1]["event"] == "done"


def test_cancel_reaches_the_worker(pooled):
    # 128 lanes × 100,000 steps: seconds of work (the 5,000-step race can end in 50 ms)
    run_id = create(pooled, {**long_race(), "steps": 100_000})["id"]
    time.sleep(0.05)
    asked = time.monotonic()
    assert pooled.post(f"/api/runs/{run_id}/cancel").status_code == 200
    events = stream(pooled, run_id)  # ends when the worker has stopped
    assert events[-1]["event"] == "done" and events[-1]["data"]["status"] == "cancelled"
    # a liveness bound, not a speed figure: the whole race takes 15-45 s here, and a worker
    # streaming frames every 10 ms once never saw the cancel until it finished
    assert time.monotonic() - asked < 10, "the worker kept computing after the cancel"
    assert pooled.get(f"/api/runs/{run_id}").json()["status"] == "cancelled"
    again = pooled.post("/api/runs?wait=true", json=race()).json()  # the worker is free again
    assert again["status"] == "done"


def test_a_killed_worker_fails_its_run_and_is_replaced(pooled):
    pool = manager(pooled).compute
    body = long_race()
    body["steps"] = 5000
    run_id = create(pooled, body)["id"]
    deadline = time.monotonic() + 10
    busy = []
    while not busy and time.monotonic() < deadline:  # the slot the run took
        busy = [slot for slot in range(pool.n) if slot not in list(pool.free.queue)]
        time.sleep(0.01)
    assert busy, "the run never reached a worker"
    old = pool.procs[busy[0]]
    os.kill(old.pid, signal.SIGKILL)
    events = stream(pooled, run_id)
    final = events[-1]
    assert final["event"] == "error" and final["data"]["status"] == "failed"
    assert "worker stopped" in final["data"]["message"] and "Traceback" not in str(final)
    assert pool.procs[busy[0]] is not old and pool.procs[busy[0]].is_alive()
    for _ in range(pool.n):  # every worker (the new one too) computes the next runs
        assert pooled.post("/api/runs?wait=true", json=race()).json()["status"] == "done"
    assert pooled.get("/health").status_code == 200


def test_shutdown_interrupts_runs_in_workers_and_stops_them(tmp_path):
    s = make_settings(tmp_path, workers=1, max_lane_steps=10**8, max_steps=10**5)
    body = long_race()
    body["steps"] = 50_000
    with CheckedClient(create_app(s)) as c:
        run_id = create(c, body)["id"]
        procs = list(manager(c).compute.procs)
    assert all(not p.is_alive() for p in procs)
    with CheckedClient(create_app(s)) as c:
        info = c.get(f"/api/runs/{run_id}").json()
        assert info["status"] == "interrupted"


# ---------------------------------------------------------------- the interactive cache


def interactive(client, body, **params):
    r = client.post("/api/runs", json=body, params={"wait": "true", "persist": "false", **params})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_repeated_interactive_race_is_answered_from_the_cache(client):
    cache = manager(client).cache
    body = race(steps=200)
    first = interactive(client, body)
    second = interactive(client, body)
    assert (cache.misses, cache.hits) == (1, 1)
    assert second["id"] != first["id"] and second["status"] == "done"
    a, b = first["result"], second["result"]
    assert a["arrays"] == b["arrays"] and a["summary"] == b["summary"]
    assert b["meta"]["run_id"] == second["id"]  # its own meta, not the cached run's
    # the copy is a run like any other: streamed, exported, read with fields=
    events = stream(client, second["id"])
    assert [e["id"] for e in events] == list(range(len(events)))
    assert events[0]["data"]["run_id"] == second["id"] and events[-1]["event"] == "done"
    assert client.get(f"/api/runs/{second['id']}/export?format=csv").status_code == 200
    lean = interactive(client, body, fields="xy")
    assert set(lean["result"]["arrays"]) == {"xy"} and cache.hits == 2


def test_the_cache_keeps_only_identical_interactive_races(client):
    cache = manager(client).cache
    body = race(steps=200)
    interactive(client, body)
    other = race(steps=200)
    other["optimizers"][0]["params"]["lr"] = 0.0123
    interactive(client, other)
    create(client, body, wait="true")  # a stored run: always computed, never from the cache
    assert cache.hits == 0 and cache.misses == 2


def test_the_cache_is_bounded_in_bytes(tmp_path):
    def body(i):
        b = race(steps=400)
        b["optimizers"][0]["params"]["lr"] = 0.001 * (i + 1)
        return b

    with CheckedClient(create_app(make_settings(tmp_path))) as c:
        interactive(c, body(0))
        one = manager(c).cache.size  # the bytes one such race keeps
    limit = int(4.5 * one)  # room for four
    with CheckedClient(create_app(make_settings(tmp_path / "b", cache_bytes=limit))) as c:
        cache = manager(c).cache
        for i in range(6):
            interactive(c, body(i))
            assert cache.size <= limit
        assert len(cache.items) == 4
        interactive(c, body(5))  # the newest stay
        assert cache.hits == 1
        interactive(c, body(0))  # the oldest went first
        assert cache.hits == 1
    with CheckedClient(create_app(make_settings(tmp_path / "c", cache_bytes=2 * one))) as c:
        interactive(c, body(0))  # more than a quarter of the cache: not kept
        assert manager(c).cache.size == 0


# ---------------------------------------------------------------- spliced results


def test_spans_give_the_same_bytes_as_plain_encoding():
    data = {
        "start": 3,
        "rows": 2,
        "xy": np.array([[[1.0, np.nan]], [[np.inf, -2.5]]]),
        "loss": np.array([[0.5], [1e300]]),
        "empty": np.zeros((0, 2)),
        "ünï": [1, 2],
    }
    payload, spans = encode_spans(data)
    assert payload == jsonutil.dumps(data)
    for key, start, end in spans:
        assert jsonutil.loads(payload[start:end]) == jsonutil.loads(jsonutil.dumps(data[key]))


def test_a_spliced_result_equals_the_decoded_one():
    events = [Event.make(0, "meta", {"run_id": "x"})]
    for start, rows in ((0, 3), (3, 0), (3, 2)):
        frame = {
            "start": start,
            "rows": rows,
            "xy": np.arange(rows * 4, dtype=float).reshape(rows, 2, 2) + start,
            "loss": np.full((rows, 2), np.nan),
        }
        events.append(Event.make(len(events), "frame", frame))
    events.append(Event.make(len(events), "done", {"status": "done", "summary": [1]}))
    decoded = results.result_from_events(events)
    spliced = results.result_from_events(events, raw=True)
    assert jsonutil.loads(jsonutil.dumps(spliced)) == jsonutil.loads(jsonutil.dumps(decoded))
    assert len(decoded["arrays"]["xy"]) == 5
    # frames read back from the store have no spans: decoded, the same answer
    stored = [Event(e.id, e.event, e.payload) for e in events]
    again = results.result_from_events(stored, raw=True)
    assert jsonutil.dumps(again) == jsonutil.dumps(decoded)


def test_a_worker_that_died_while_idle_is_replaced_before_the_next_run(pooled):
    pool = manager(pooled).compute
    for proc in pool.procs:
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(5)
    for _ in range(pool.n + 1):
        assert pooled.post("/api/runs?wait=true", json=race()).json()["status"] == "done"
    assert all(p.is_alive() for p in pool.procs)


def test_a_streamed_result_is_the_same_json_as_a_built_one(client):
    from app.routers.runs import result_response  # noqa: F401 - the streamed path exists

    body = race(steps=300)
    r = client.post("/api/runs?wait=true&persist=false", json=body)
    streamed = r.json()
    assert r.headers.get("transfer-encoding") == "chunked" or "content-length" not in r.headers
    run_id = streamed["id"]
    events = manager(client).events(run_id)
    built = results.result_from_events(events)
    assert jsonutil.loads(jsonutil.dumps(built)) == streamed["result"]
    lean = client.get(f"/api/runs/{run_id}", params={"fields": "xy,loss"}).json()["result"]
    assert set(lean["arrays"]) == {"xy", "loss"} and lean["arrays"]["xy"] == built["arrays"]["xy"]

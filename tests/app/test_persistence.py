"""Runs survive a restart of the app on the same SQLite file; cut-off runs are interrupted."""

from __future__ import annotations

import sqlite3
import time

from app.main import create_app
from tests.app.conftest import CheckedClient, make_settings, race, stream


def test_finished_runs_are_listed_readable_and_replayable_after_restart(tmp_path):
    s = make_settings(tmp_path)
    with CheckedClient(create_app(s)) as c:
        run_id = c.post("/api/runs", json=race(), params={"wait": "true"}).json()["id"]
        before = stream(c, run_id)
        info_before = c.get(f"/api/runs/{run_id}").json()
    with CheckedClient(create_app(s)) as c:
        listed = c.get("/api/runs").json()
        assert [r["id"] for r in listed["runs"]] == [run_id]
        info = c.get(f"/api/runs/{run_id}").json()
        assert info["status"] == "done"
        assert info["result"]["arrays"] == info_before["result"]["arrays"]
        assert info["summary"] == info_before["summary"]
        assert stream(c, run_id) == before  # same events, same ids
        assert stream(c, run_id, {"Last-Event-ID": "1"}) == before[2:]
        csv_text = c.get(f"/api/runs/{run_id}/export", params={"format": "csv"}).text
        assert csv_text.count("\n") == 1 + 2 * 121


def test_runs_cut_off_by_a_stop_are_marked_interrupted(tmp_path):
    s = make_settings(tmp_path)
    with CheckedClient(create_app(s)):
        pass  # creates the schema
    db = sqlite3.connect(s.db)
    db.execute(
        "INSERT INTO runs (id, kind, status, client, created, config) VALUES "
        "('cut', 'surface', 'running', 'x', ?, '{}')",
        (time.time(),),
    )
    db.commit()
    db.close()
    with CheckedClient(create_app(s)) as c:
        info = c.get("/api/runs/cut").json()
        assert info["status"] == "interrupted" and "stopped" in info["error"]
        events = c.get("/api/runs/cut/events")
        assert events.status_code == 200  # replays what there is (nothing), then ends


def test_nothing_stored_is_lost_when_a_bad_request_arrives(tmp_path):
    s = make_settings(tmp_path)
    with CheckedClient(create_app(s)) as c:
        run_id = c.post("/api/runs", json=race(), params={"wait": "true"}).json()["id"]
        assert c.post("/api/runs", json=race(steps=-1)).status_code == 422
        assert c.post("/api/runs", content=b"{bad").status_code == 422
        assert c.get(f"/api/runs/{run_id}").json()["status"] == "done"
        assert c.get("/api/runs").json()["total"] == 1

"""dl.Client against a real server: runs started, events streamed and resumed, the same result
objects as the local functions, the server's 4xx as ApiError naming the field."""

from __future__ import annotations

import numpy as np
import pytest

import descentlab as dl
from descentlab import client as client_mod
from tests.app.test_server import free_port

ADAM = {"name": "adam", "params": {"lr": 0.05}}


@pytest.fixture
def c(base_url) -> dl.Client:
    return dl.Client(base_url)


def test_a_remote_race_gives_the_local_races_result(c):
    run_id = c.race("himmelblau", ["sgd", ADAM], starts=(-1, 1), steps=300)
    remote = c.wait(run_id, progress=False)
    local = dl.race("himmelblau", ["sgd", ADAM], starts=(-1, 1), steps=300)
    assert isinstance(remote, dl.RaceResult) and remote.run_id == run_id
    np.testing.assert_array_equal(remote.paths, local.paths)
    np.testing.assert_array_equal(remote.final_loss, local.final_loss)
    a, b = remote.figure().to_plotly_json(), local.figure().to_plotly_json()
    assert len(a["data"]) == len(b["data"]) and a["layout"]["title"] == b["layout"]["title"]


def test_remote_training_gives_the_local_result_and_its_boundaries(c):
    remote = c.train("moons", ["sgd", "adam"], epochs=15, wait=True, progress=False)
    local = dl.train("moons", ["sgd", "adam"], epochs=15)
    assert isinstance(remote, dl.TrainResult)
    np.testing.assert_array_equal(remote.loss, local.loss)
    heat = [t for t in remote.figure("boundary").data if t.type == "heatmap"]
    assert len(heat) == 2


def test_the_progress_bar_counts_the_steps(c, capsys):
    c.wait(c.race("booth", "adam", (1, 1), steps=120), progress=True)
    out = capsys.readouterr().out
    assert "steps" in out and "120/120" in out


def test_events_come_in_order_from_meta_to_done(c):
    run_id = c.race("himmelblau", ["sgd"], (0, 0), steps=200)
    events = list(c.events(run_id))
    assert [e.id for e in events] == list(range(len(events)))
    assert events[0].event == "meta" and events[-1].event == "done"
    assert events[-1].data["status"] == "done"
    rows = sum(e.data["rows"] for e in events if e.event == "frame")
    assert rows == 201


class Cut:
    """A response that drops its connection after `lines` lines (as a flaky network would)."""

    def __init__(self, response, lines: int):
        self.response, self.left = response, lines

    def readline(self):
        if self.left == 0:
            raise ConnectionResetError("connection reset by peer")
        self.left -= 1
        return self.response.readline()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.response.close()


@pytest.mark.parametrize("live", [False, True], ids=["finished run", "live run"])
def test_a_dropped_stream_resumes_after_the_last_event_with_nothing_lost(c, monkeypatch, live):
    # live: about a second of frames, cut while the run computes
    steps, starts = (20_000, [[0.1 * i, 0.5] for i in range(4)]) if live else (300, (0, 0))
    run_id = c.race("himmelblau", ["sgd", "adam"], starts, steps=steps)
    whole = None if live else list(c.events(run_id))
    asked: list[str | None] = []
    real_open = dl.Client._open

    def flaky(self, method, path, body=None, query=None, headers=None, timeout=None):
        r = real_open(self, method, path, body, query, headers, timeout)
        if path.endswith("/events"):
            asked.append((headers or {}).get("Last-Event-ID"))
            if len(asked) == 2:
                status.append(c.get(run_id)["status"])  # when the stream is resumed
            return Cut(r, 12)  # "retry", then about two events: meta and a frame
        return r

    status: list[str] = []

    monkeypatch.setattr(dl.Client, "_open", flaky)
    monkeypatch.setattr(client_mod.time, "sleep", lambda s: None)
    resumed = list(c.events(run_id))
    monkeypatch.undo()
    if live:
        assert status[0] in ("queued", "running") and c.get(run_id)["status"] == "done"
        whole = list(c.events(run_id))
        assert sum(e.event == "frame" for e in whole) > 3
    assert [(e.id, e.event, e.data) for e in resumed] == [(e.id, e.event, e.data) for e in whole]
    assert len(asked) > 1 and asked[0] is None
    assert asked[1] is not None and int(asked[1]) >= 0  # resumed after what it had


def test_a_stream_that_keeps_failing_gives_up_with_a_message(c, monkeypatch):
    run_id = c.race("booth", "sgd", (1, 1), steps=20)
    c.wait(run_id, progress=False)
    real_open = dl.Client._open

    def dead(self, method, path, body=None, query=None, headers=None, timeout=None):
        return Cut(real_open(self, method, path, body, query, headers, timeout), 0)

    monkeypatch.setattr(dl.Client, "_open", dead)
    monkeypatch.setattr(client_mod.time, "sleep", lambda s: None)
    with pytest.raises(dl.DescentLabError, match="ended early 3 times"):
        list(c.events(run_id, retries=2))


def test_a_bad_request_is_an_api_error_naming_the_field_as_locally(c):
    bad = {"name": "sgd", "params": {"lr": -1}}
    with pytest.raises(dl.ApiError) as remote:
        c.race("himmelblau", bad, (0, 0))
    with pytest.raises(dl.InvalidRequest) as local:
        dl.race("himmelblau", bad, (0, 0))
    assert remote.value.status == 422
    assert remote.value.field == local.value.field == "optimizers.0.params.lr"
    assert remote.value.message == local.value.message
    assert remote.value.detail[0]["field"] == "optimizers.0.params.lr"


def test_history_get_and_delete(c):
    run_id = c.race("booth", "sgd", (1, 1), steps=30, wait=False)
    c.wait(run_id, progress=False)
    assert run_id in [r["id"] for r in c.runs()]
    info = c.get(run_id)
    assert info["status"] == "done" and info["result"] is None and info["config"]["steps"] == 30
    assert c.delete(run_id)["id"] == run_id
    with pytest.raises(dl.ApiError) as e:
        c.get(run_id)
    assert e.value.status == 404
    with pytest.raises(dl.ApiError):
        c.result(run_id)


def test_a_cancelled_run_is_a_run_failed_error(c):
    run_id = c.race("rosenbrock", ["adam"] * 4, [[0.1 * i, 0.5] for i in range(8)], steps=150_000)
    c.cancel(run_id)
    with pytest.raises(dl.RunFailed, match="cancelled"):
        c.wait(run_id, progress=False)


def test_the_client_keeps_the_servers_client_cookie(c):
    c.runs()
    assert "descentlab_client" in [k.name for k in c.cookies]


def test_no_server_is_a_clear_error():
    with pytest.raises(dl.DescentLabError, match="cannot reach http://127.0.0.1"):
        dl.Client(f"http://127.0.0.1:{free_port()}", timeout=2).runs()


def test_code_export_returns_the_script(c):
    run_id = c.race("himmelblau", ["sgd", ADAM], (-1, 1), steps=50, wait=False)
    c.wait(run_id, progress=False)
    try:
        script = c.code(run_id, framework="pytorch")
    except dl.ApiError as e:
        if e.status == 404 and "no run" not in e.message:
            pytest.skip("this server has no code export (GET /api/runs/{id}/code)")
        raise
    assert "torch" in script and "final_loss" in script
    with pytest.raises(dl.ApiError) as e:
        c.code(run_id, framework="fortran")
    assert e.value.status == 422 and e.value.field == "framework"


def test_an_uploaded_csv_trains_through_the_client(c, rng, tmp_path):
    X = rng.normal(size=(120, 2))
    rows = [f"{a:.6f},{b:.6f},{'in' if a * a + b * b < 1 else 'out'}" for a, b in X]
    path = tmp_path / "ring.csv"
    path.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    try:
        stored = c.upload_dataset(path, target="label")
    except dl.ApiError as e:
        if e.status in (404, 405) and ("Not Found" in e.message or "Method" in e.message):
            pytest.skip("this server takes no uploaded datasets (POST /api/datasets)")
        raise
    assert stored["id"] in str(c.datasets())
    spec = {"name": "uploaded", "id": stored["id"], "val_fraction": 0.2}
    result = c.train(spec, "adam", epochs=5, wait=True, progress=False)
    assert result.meta["feature_names"] == ["a", "b"]
    assert [t for t in result.figure("boundary").data if t.type == "heatmap"]
    c.delete_dataset(stored["id"])
    assert stored["id"] not in str(c.datasets())

"""The real server (uvicorn in a subprocess): graceful shutdown, quick disconnects, binding."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.app.conftest import parse_sse, race


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(tmp_path, command: tuple[str, ...] = ("-m", "app.cli", "serve"), **extra_env: str):
    """`python -m app.cli serve` (or another command) on a free port; yields (base URL,
    process, log file)."""
    port = free_port()
    env = {
        **os.environ,
        "DESCENTLAB_DB": str(tmp_path / "runs.sqlite3"),
        "DESCENTLAB_MAX_LANE_STEPS": "100000000",
        "DESCENTLAB_MAX_STEPS": "200000",
        **extra_env,
    }
    log = open(tmp_path / "server.log", "w+")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, *command, "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("server did not start: " + (tmp_path / "server.log").read_text())
    try:
        yield base, proc, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        log.close()


@pytest.fixture
def server(tmp_path):
    with running(tmp_path) as started:
        yield started


@pytest.mark.parametrize(
    "command",
    [
        ("-m", "uvicorn", "app.main:app", "--no-proxy-headers"),
        ("-m", "fastapi", "run", "app/main.py", "--host", "127.0.0.1"),
    ],
    ids=["uvicorn app.main:app", "fastapi run app/main.py"],
)
def test_the_module_level_app_serves_the_dashboard_and_runs(tmp_path, command):
    """What FastAPI users type: the module-level ASGI app serves the page, Plotly and a run."""
    with running(tmp_path, command) as (base, _proc, _log):
        page = httpx.get(base + "/", timeout=5)
        assert page.status_code == 200 and "DescentLab" in page.text
        assert httpx.get(base + "/vendor/plotly.min.js", timeout=5).status_code == 200
        made = httpx.post(base + "/api/runs?wait=true", json=race(steps=50), timeout=30)
        assert made.status_code == 201, made.text
        assert made.json()["status"] == "done"


def log_text(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def long_run(base: str) -> str:
    body = race(
        steps=150_000,
        optimizers=[{"name": "adam", "params": {"lr": 0.001}}] * 4,
        starts=[[0.1 * i, 0.5] for i in range(8)],
    )
    r = httpx.post(f"{base}/api/runs", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_sigterm_ends_open_streams_with_a_final_event_and_exits(server):
    base, proc, log = server
    run_id = long_run(base)
    received = []
    with httpx.stream("GET", f"{base}/api/runs/{run_id}/events", timeout=30) as r:
        text = ""
        for chunk in r.iter_text():
            text += chunk
            if "event: frame" in text and not received:
                received.append(time.monotonic())
                proc.send_signal(signal.SIGTERM)
        events = parse_sse(text)
    assert events[-1]["event"] == "error"
    assert events[-1]["data"]["status"] == "interrupted"
    # uvicorn re-raises the signal after its clean shutdown, so -SIGTERM is a clean exit
    assert proc.wait(timeout=8) in (0, -signal.SIGTERM)
    assert time.monotonic() - received[0] < 8
    out = log_text(log)
    assert "Application shutdown complete" in out
    assert "Traceback" not in out and "Cancel" not in out


def test_many_quick_disconnects_log_no_errors(server):
    base, proc, log = server
    run_id = long_run(base)
    for _ in range(30):
        with httpx.stream("GET", f"{base}/api/runs/{run_id}/events", timeout=10) as r:
            for _line in r.iter_lines():
                break  # leave at once
    httpx.post(f"{base}/api/runs/{run_id}/cancel", timeout=10)
    assert httpx.get(f"{base}/health", timeout=5).json()["status"] == "ok"
    time.sleep(0.5)
    out = log_text(log)
    assert "Traceback" not in out and "BrokenResource" not in out and "ERROR" not in out


def test_an_error_before_the_first_event_is_a_4xx_not_an_empty_200(server):
    base, _, _ = server
    r = httpx.get(f"{base}/api/runs/unknown/events", timeout=5)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")


def test_binds_to_loopback_by_default(server):
    _, proc, log = server
    assert "127.0.0.1" in log_text(log)


def test_x_forwarded_for_does_not_choose_the_client_address(tmp_path):
    """uvicorn trusts proxy headers from 127.0.0.1 by default; here only configured proxies
    are believed, so a spoofed header does not get round the per-address guard."""
    with running(tmp_path, DESCENTLAB_MAX_RUNS_PER_ADDRESS="1") as (base, _, _log):
        first = long_run(base)
        spoofed = httpx.post(
            f"{base}/api/runs", json=race(), headers={"X-Forwarded-For": "10.0.0.1"}, timeout=10
        )
        assert spoofed.status_code == 429, spoofed.text
        assert "network address" in spoofed.json()["message"]
        httpx.post(f"{base}/api/runs/{first}/cancel", timeout=10)


def test_a_chunked_oversize_body_is_413_like_a_declared_one(server):
    base, _, _log = server

    def chunks():
        for _ in range(16):
            yield b" " * 65_536  # 1 MB of whitespace, no Content-Length

    r = httpx.post(
        f"{base}/api/runs", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and "body" in r.json()["message"]
    small = httpx.post(
        f"{base}/api/runs",
        content=iter([json.dumps(race()).encode()]),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert small.status_code == 201, small.text  # a chunked body under the limit is read


def test_a_sigkill_at_any_moment_loses_no_run_a_client_was_told_is_done(tmp_path):
    """The store commits before `done` is announced: kill the server at random moments while
    runs finish, restart it, and every run a client saw `done` for is stored done."""
    import random
    import threading

    rng = random.Random(9)
    told: list[str] = []
    lock = threading.Lock()

    def client(base: str, steps: int) -> None:
        try:
            r = httpx.post(f"{base}/api/runs", json=race(steps=steps), timeout=10)
            run_id = r.json()["id"]
            with httpx.stream("GET", f"{base}/api/runs/{run_id}/events", timeout=30) as s:
                for line in s.iter_lines():
                    if line.startswith("data:") and '"status":"done"' in line:
                        with lock:
                            told.append(run_id)
        except (httpx.HTTPError, KeyError, ValueError):
            pass  # the server was killed under it

    for _ in range(4):
        with running(tmp_path) as (base, proc, _log):
            before = len(told)
            threads = [
                threading.Thread(target=client, args=(base, rng.choice([50, 400, 3000])))
                for _ in range(12)
            ]
            for t in threads:
                t.start()
                time.sleep(rng.uniform(0.0, 0.05))
            deadline = time.monotonic() + 10
            while len(told) == before and time.monotonic() < deadline:
                time.sleep(0.01)  # some finished: now kill while others are finishing
            time.sleep(rng.uniform(0.0, 0.3))
            proc.send_signal(signal.SIGKILL)
            proc.wait(5)
            for t in threads:
                t.join(10)
    assert told, "no run finished before a kill: the test proves nothing"
    with running(tmp_path) as (base, _proc, _log):
        for run_id in told:
            info = httpx.get(f"{base}/api/runs/{run_id}", timeout=10).json()
            assert info["status"] == "done" and info["result"] is not None, run_id

"""A real server killed (SIGKILL) in the middle of a sweep: after the restart the sweep is
`interrupted` with every cell any client saw, `resume` computes the rest, and the table is
the one an uninterrupted sweep gives."""

from __future__ import annotations

import json
import signal
import time

import httpx

from app.settings import Settings
from app.sweeps import run_local
from tests.app.test_server import running

SWEEP = {
    "base": {"kind": "surface", "surface": {"name": "rosenbrock"},
             "optimizers": [{"name": "adam", "params": {"lr": 0.01}}], "starts": [[-1.5, 2.0]],
             "steps": 2000, "noise": {"sigma": 0.5}},
    "axes": {"optimizers.0.params.lr": {"log_range": [1e-4, 1e-1, 12]}, "seed": list(range(25))},
}  # fmt: skip


def test_a_killed_server_keeps_the_cells_and_resumes_the_rest(tmp_path):
    env = {"DESCENTLAB_SWEEP_WORKERS": "2", "DESCENTLAB_SWEEP_TASK_S": "0.1"}
    with running(tmp_path, **env) as (base, proc, _log):
        c = httpx.Client(base_url=base, timeout=30)
        r = c.post("/api/sweeps", json=SWEEP)
        assert r.status_code == 201, r.text
        sweep_id = r.json()["id"]
        seen: set[int] = set()
        with c.stream("GET", f"/api/sweeps/{sweep_id}/events") as s:
            data = []
            for line in s.iter_lines():
                if line.startswith("data:"):
                    data.append(line[5:])
                if line == "" and data:
                    doc = json.loads("\n".join(data))
                    data = []
                    seen.update(cell["index"] for cell in doc.get("cells", []))
                    if len(seen) >= 60:
                        proc.send_signal(signal.SIGKILL)  # mid-sweep, no shutdown at all
                        break
        proc.wait(10)
    assert 60 <= len(seen) < 300
    with running(tmp_path, **env) as (base, _proc, _log):
        c = httpx.Client(base_url=base, timeout=30)
        head = c.get(f"/api/sweeps/{sweep_id}").json()
        assert head["status"] == "interrupted"
        kept = {cell["index"] for cell in head["cells"] if cell["status"] == "done"}
        assert seen <= kept  # every cell a client was told about survived the kill
        assert c.post(f"/api/sweeps/{sweep_id}/resume").status_code == 200
        deadline = time.monotonic() + 120
        while (doc := c.get(f"/api/sweeps/{sweep_id}").json())["status"] != "done":
            assert time.monotonic() < deadline and doc["status"] in ("queued", "running")
            time.sleep(0.2)
    whole = run_local(SWEEP, Settings(db=tmp_path / "other.sqlite3", max_steps=5000))
    assert [x["final_loss"] for x in doc["cells"]] == [x["final_loss"] for x in whole["cells"]]
    assert doc["done"] == 300

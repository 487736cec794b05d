"""Memory benchmark (not a test): the server's footprint for the largest requests the limits
allow, and after a soak of many runs.

    python bench/memory.py [--soak 300]

The server (default limits, its worker processes) runs on 127.0.0.1. Its footprint is the
proportional set size (PSS, /proc/<pid>/smaps_rollup) of the server process and all its
children, sampled every 20 ms: shared pages (NumPy, the forkserver's preloaded modules) are
counted once, not once per process.

1. The largest MLP run the output limit allows (moons, 5,000 points, 8 Adam lanes, 1,000
   full-batch epochs, 100² boundary grids every 30 epochs: ~7.4 M recorded numbers),
   `wait=true&persist=false`, and the largest race (8 optimizers x 16 starts x 3,125 steps,
   every field), each alone: peak above idle. Target (issue 16): <= 400 MB.
2. Soak: N sequential runs (races and small MLPs, stored and unstored, a new contour grid
   each time), then 5 s idle: footprint at the start and at the end. Target: the end within
   150 MB of the start.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import httpx
from _server import OPTIMIZERS, ServerProcess

BIG_MLP = {
    "kind": "mlp",
    "dataset": {"name": "moons", "n_samples": 5000},
    "model": {"hidden": [16, 16]},
    "optimizers": [{"name": "adam", "params": {"lr": 0.01}}] * 8,
    "batch_size": "full",
    "epochs": 1000,
    "grid_size": 100,
    "grid_every": 30,
}
BIG_RACE = {
    "kind": "surface",
    "surface": {"name": "himmelblau"},
    "optimizers": OPTIMIZERS,
    "starts": [[-4.0 + 0.5 * i, 3.5 - 0.4 * i] for i in range(16)],
    "steps": 3125,
}


def tree(pid: int) -> list[int]:
    """pid and every descendant (from /proc)."""
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def pss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self._halt = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, pss_mb(self.pid))
            self._halt.wait(0.02)

    def stop(self) -> float:
        self._halt.set()
        self.join(5)
        return max(self.peak, pss_mb(self.pid))


def peak_of(http: httpx.Client, pid: int, body: dict) -> tuple[float, int, float, str]:
    sampler = Sampler(pid)
    sampler.start()
    t0 = time.perf_counter()
    r = http.post("/api/runs", params={"wait": "true", "persist": "false"}, json=body)
    took = time.perf_counter() - t0
    status = r.json().get("status") if r.status_code == 201 else f"HTTP {r.status_code}"
    size = len(r.content)
    del r
    return sampler.stop(), size, took, str(status)


def soak(http: httpx.Client, n: int) -> None:
    for i in range(n):
        lr = 0.001 * (1 + i % 97)
        race = {**BIG_RACE, "starts": BIG_RACE["starts"][: 1 + i % 4], "steps": 300 + i % 500}
        race["optimizers"] = [
            {**o, "params": {**o["params"], "lr": o["params"]["lr"] * (1 + i / n)}}
            for o in OPTIMIZERS
        ]
        if i % 5 == 4:
            body = {**BIG_MLP, "epochs": 20, "grid_every": 5, "grid_size": 40}
            body["dataset"] = {"name": "moons", "n_samples": 400}
            body["optimizers"] = [{"name": "adam", "params": {"lr": lr}}]
        else:
            body = race
        params = {"wait": "true"} if i % 2 else {"wait": "true", "persist": "false"}
        r = http.post("/api/runs", params=params, json=body)
        if r.status_code != 201:
            raise SystemExit(f"soak run {i}: HTTP {r.status_code} {r.text[:200]}")
        kappa = 1 + (i % 300) / 10
        http.get("/api/surfaces/ill_conditioned/grid", params={"n": 400, "kappa": kappa})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--soak", type=int, default=300)
    args = ap.parse_args()
    print(f"DescentLab memory benchmark   Python {sys.version.split()[0]}   loopback")
    ok = True
    with (
        ServerProcess.service({}) as server,
        httpx.Client(base_url=server.url, timeout=300) as http,
    ):
        pid = server.proc.pid
        small = {**BIG_RACE, "starts": BIG_RACE["starts"][:1], "steps": 100}
        for _ in range(4):  # every worker has computed once
            http.post("/api/runs", params={"wait": "true", "persist": "false"}, json=small)
        time.sleep(1.0)
        idle = pss_mb(pid)
        print(f"\nidle after small warm-up runs: {idle:7.1f} MB PSS (server + workers)")
        for name, body in (("largest MLP run", BIG_MLP), ("largest race", BIG_RACE)):
            peak, size, took, status = peak_of(http, pid, body)
            held = peak - idle <= 400
            ok &= held
            print(
                f"  {name:<16} peak {peak:7.1f} MB = idle + {peak - idle:6.1f} MB   "
                f"({size / 1e6:5.1f} MB answer in {took:5.1f} s, {status})   "
                f"[{'ok' if held else 'MISSED'} target <= +400 MB]"
            )
        time.sleep(3.0)  # the abandoned-run sweep and the ephemeral budgets
        start = pss_mb(pid)
        t0 = time.perf_counter()
        soak(http, args.soak)
        took = time.perf_counter() - t0
        time.sleep(5.0)
        end = pss_mb(pid)
        held = end - start <= 150
        ok &= held
        print(
            f"\nsoak: {args.soak} runs in {took:.1f} s, then 5 s idle: {start:7.1f} MB -> "
            f"{end:7.1f} MB ({end - start:+.1f} MB)   [{'ok' if held else 'MISSED'} target "
            "<= +150 MB]"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

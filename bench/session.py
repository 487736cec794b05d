"""Class-session fan-out: the time from the teacher's phase change to every student's stream
receiving it, for 50, 100 and 200 simulated students on one real server (p50/p95), and the
time for all of them to post a guess and see it pooled. Baseline in the same run: a plain
GET of the session's state (one request round trip) on the same server.

    .venv/bin/python bench/session.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _server import ServerProcess  # noqa: E402

from tests.app.session_crowd import Classroom, percentile  # noqa: E402


async def measure(base: str, n: int, rounds: int = 5) -> dict[str, float]:
    async with Classroom(base, n) as room:
        lat: list[float] = []
        for k in range(rounds):
            lat += await room.fanout("predict" if k % 2 == 0 else "watch")
        await room.fanout("predict")
        posted, pooled, _ = await room.guess_all()
        rtt = []
        for _ in range(20):
            t0 = time.perf_counter()
            await room.client.get(f"/api/sessions/{room.code}")
            rtt.append(time.perf_counter() - t0)
    return {"p50": percentile(lat, 50), "p95": percentile(lat, 95), "max": max(lat),
            "posted": posted, "pooled": pooled, "rtt": statistics.median(rtt)}  # fmt: skip


def main() -> None:
    with ServerProcess.service() as server:
        print(f"{'students':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
              f"{'guesses posted s':>17} {'pooled s':>9} {'p95/GET':>8}")  # fmt: skip
        for n in (50, 100, 200):
            r = asyncio.run(measure(server.url, n))
            print(
                f"{n:>8} {r['p50'] * 1e3:>8.1f} {r['p95'] * 1e3:>8.1f} {r['max'] * 1e3:>8.1f} "
                f"{r['posted']:>17.2f} {r['pooled']:>9.2f} {r['p95'] / r['rtt']:>8.1f}"
            )
        httpx.get(server.url + "/health")


if __name__ == "__main__":
    main()

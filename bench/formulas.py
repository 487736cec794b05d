"""Formula-check benchmark (not a test): a class typing formulas at once (issue 16, defect 11).

    python bench/formulas.py [--n 20] [--workers 2]

N distinct large formulas (16 terms; the grammar allows at most 300 parts) are checked at
once with POST /api/formulas/check against the real server, while one client polls /health
every 20 ms. Printed side by side, in the same run:
- the same N checks computed serially in this process (the floor on one core: no HTTP,
  no processes), and the server's wall time for all N, as a ratio;
- how many checks got the budget answer (ok: false, past FORMULA_BUDGET_S) instead;
- the server with its analyses in helper processes (DESCENTLAB_WORKERS=2, the default on
  this machine) against the server computing them in its own threads (WORKERS=0): the
  wall time and /health p50/p95/max during the checks.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from _server import RawHTTP, ServerProcess, percentile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def formula(i: int) -> str:
    return (
        " + ".join(
            f"sin({(i + k) % 7 + 1}*x+{(i * 3 + k) % 5 + 1}*y)*cos(x*y/{(k + i) % 4 + 2})"
            for k in range(16)
        )
        + f" + {i + 1}e-3*x"
    )


def serial_in_process(n: int) -> float:
    from engine import surfaces

    t0 = time.perf_counter()
    for i in range(n):
        surfaces.from_formula(formula(i))
    return time.perf_counter() - t0


async def checks_under_load(url: str, n: int) -> dict[str, float]:
    health: list[float] = []
    done = asyncio.Event()

    async def poll() -> None:
        async with RawHTTP(url) as http:
            while not done.is_set():
                t = time.perf_counter()
                await http.request("GET", "/health")
                health.append(time.perf_counter() - t)
                await asyncio.sleep(0.02)

    async def check(i: int) -> bool:
        """True: analysed; False: the server's budget answer (ok: false, "took longer")."""
        async with RawHTTP(url) as http:
            status, _, body = await http.request(
                "POST", "/api/formulas/check", {"formula": formula(i)}
            )
            assert status == 200 and (b'"ok":true' in body or b"took longer" in body), body
            return b'"ok":true' in body

    poller = asyncio.create_task(poll())
    t0 = time.perf_counter()
    analysed = sum(await asyncio.gather(*(check(i) for i in range(n))))
    wall = time.perf_counter() - t0
    done.set()
    await poller
    ms = [h * 1e3 for h in health]
    return {
        "wall": wall,
        "over": n - analysed,
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "max": max(ms),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    floor = serial_in_process(args.n)
    print(f"{args.n} distinct 16-term formulas; serial in one process: {floor:.2f} s")
    rows = []
    for label, workers in (("threads (WORKERS=0)", 0), ("helper processes", args.workers)):
        with ServerProcess.service({"DESCENTLAB_WORKERS": str(workers)}) as server:
            try:
                r = asyncio.run(checks_under_load(server.url, args.n))
            except Exception:
                print(server.log_tail(60))
                raise
        rows.append((label, r))
        print(
            f"{label:>22}: all {args.n} checks {r['wall']:.2f} s ({r['wall'] / floor:.2f}x "
            f"serial), /health p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, "
            f"max {r['max']:.0f} ms; past the 5 s budget: {r['over']}"
        )
    (_, a), (_, b) = rows
    print(
        f"analysed within the budget: {args.n - a['over']}/{args.n} in threads, "
        f"{args.n - b['over']}/{args.n} in helper processes; "
        f"/health p95 {a['p95']:.0f} -> {b['p95']:.0f} ms"
    )


if __name__ == "__main__":
    main()

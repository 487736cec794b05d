"""Load benchmark (not a test): interactive re-runs, many clients, admission, a class.

    python bench/load.py [--phases interactive,clients,cap,class] [--clients 100] [--cap 20]

Phase 0 (interactive): sequential `POST /api/runs?wait=true&persist=false` of an 8-optimizer
x 500-step race, the dashboard's re-run on every slider move: 40 distinct configs (a new
learning rate each time: computed) and 40 repeats of one config (answered from the cache of
recent identical requests). Reported: p50 / p95 / max round trip, target p95 <= 40 ms.

Phase 1: the service (started with DESCENTLAB_MAX_CONCURRENT_RUNS=100 and
DESCENTLAB_MAX_RUNS_PER_CLIENT=100, since every client is 127.0.0.1) gets 100 concurrent
clients, each POSTing a 400-step race (4 optimizers, 1 start) and streaming its events to
`done`. A separate thread polls /health every 50 ms meanwhile. Reported: runs done / not,
time to first event (p50, p95), total time per client (p95), /health latency (p50, p95, max).

Phase 2: the service restarted with a cap of C concurrent runs gets C + 50 POSTs at once of a
run long enough to still be computing when the last POST arrives (8 optimizers x 16 starts x
3,000 steps; timed alone first). Expected: exactly C answered 201, 50 answered 429 with a
Retry-After header, none 5xx. The admitted runs are then cancelled with DELETE.

Phase 3 (class): the service with its default limits gets B browsers (default 60) behind one
address, each with its own cookie jar (so its own client id), each first loading the page
(GET /), then POSTing a 400-step race and streaming it to `done`. Expected: B/B done, first
event p95 <= 1 s, no 429.

Every target is printed next to its figure, measured in this run.
Loopback only; bounded request counts; every phase has a time limit and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import time
from collections import Counter
from dataclasses import dataclass

import httpx
from _server import OPTIMIZERS, RawHTTP, ServerProcess, SSEParser, percentile


def race(n_opt: int, n_start: int, steps: int) -> dict:
    starts = [[-4.0 + 0.5 * i, 4.0 - 0.5 * i] for i in range(n_start)]
    return {
        "kind": "surface",
        "surface": {"name": "himmelblau"},
        "optimizers": OPTIMIZERS[:n_opt],
        "starts": starts,
        "steps": steps,
        "seed": 0,
    }


def ms(values: list[float]) -> list[float]:
    return [1000 * v for v in values]


def fmt_ms(values: list[float], *ps: float) -> str:
    v = ms(values)
    parts = [f"p{p:g} {percentile(v, p):7.1f} ms" for p in ps]
    return "   ".join(parts) + f"   max {max(v, default=float('nan')):7.1f} ms"


# ------------------------------------------------------------------ /health poller


def _poll_health(url: str, interval: float, halt, out) -> None:
    """The poller's own process: GET `url` every `interval` s until `halt` is set."""
    latencies, failures = [], 0
    with httpx.Client(timeout=10.0) as client:
        next_at = time.perf_counter()
        while not halt.is_set():
            t0 = time.perf_counter()
            try:
                ok = client.get(url).status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - t0)
            else:
                failures += 1
            next_at = max(next_at + interval, time.perf_counter())
            halt.wait(max(0.0, next_at - time.perf_counter()))
    out.put((latencies, failures))


class HealthPoller:
    """GET /health every `interval` s on its own connection, in its own process (a thread of
    the clients' process would count their GIL waits as the server's latency)."""

    def __init__(self, url: str, interval: float = 0.05):
        ctx = multiprocessing.get_context("spawn")
        self._halt, self._out = ctx.Event(), ctx.Queue()
        self._proc = ctx.Process(
            target=_poll_health, args=(url, interval, self._halt, self._out), daemon=True
        )
        self.latencies: list[float] = []
        self.failures = 0

    def start(self) -> None:
        self._proc.start()

    def stop(self) -> None:
        self._halt.set()
        self.latencies, self.failures = self._out.get(timeout=30)
        self._proc.join(15)


# ------------------------------------------------------------------ phase 1


@dataclass
class Client:
    status: int | None = None
    first_event: float | None = None
    total: float | None = None
    final: str | None = None
    events: int = 0
    failure: str | None = None


async def one_client(url: str, body: dict, out: Client, page: bool = False) -> None:
    """A client on its own connection (RawHTTP: little client CPU): POST, then stream to the
    final event. `page`: load the page first, as a browser does (its cookies kept)."""
    async with RawHTTP(url) as http:
        try:
            if page:
                await http.request("GET", "/")
            t0 = time.perf_counter()
            status, _, data = await http.request("POST", "/api/runs", body)
            out.status = status
            if status != 201:
                out.failure = f"POST {status}"
                return
            parser = SSEParser()
            async for chunk in http.stream(f"/api/runs/{json.loads(data)['id']}/events"):
                for ev in parser.feed(chunk):
                    out.events += 1
                    if out.first_event is None:
                        out.first_event = time.perf_counter() - t0
                    if ev.event in ("done", "error"):
                        out.final = ev.event
                        out.total = time.perf_counter() - t0
                if out.final is not None:
                    return
        except (OSError, asyncio.IncompleteReadError, RuntimeError) as e:
            out.failure = type(e).__name__


async def crowd(url: str, n: int, body: dict, time_limit: float, page: bool = False) -> dict:
    """n clients at once, /health polled every 50 ms meanwhile."""
    results = [Client() for _ in range(n)]
    poller = HealthPoller(url + "/health")
    poller.start()
    await asyncio.sleep(1.0)  # the poller's process is up and polling
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    try:
        tasks = [asyncio.create_task(one_client(url, body, c, page)) for c in results]
        _, pending = await asyncio.wait(tasks, timeout=time_limit)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        wall = time.perf_counter() - t0
    finally:
        poller.stop()
    return {
        "results": results,
        "wall": wall,
        "timed_out": len(pending),
        "health": poller.latencies,
        "health_failures": poller.failures,
        "client_cpu": time.process_time() - cpu0,
    }


async def phase1(url: str, n: int, steps: int, time_limit: float) -> dict:
    return await crowd(url, n, race(4, 1, steps), time_limit)


def report1(r: dict, n: int, steps: int, time_limit: float) -> bool:
    res: list[Client] = r["results"]
    done = [c for c in res if c.final == "done"]
    statuses = Counter(c.status for c in res)
    failures = Counter(c.failure for c in res if c.failure)
    print(
        f"\nphase 1: {n} concurrent clients, each POST + stream a 4-optimizer x {steps}-step "
        f"race (limit {time_limit:g} s)"
    )
    print(
        f"  done {len(done)}/{n}   not done {n - len(done)}   POST statuses "
        f"{dict(sorted(statuses.items(), key=str))}   wall {r['wall']:.2f} s"
        + (f"   cut off by the time limit: {r['timed_out']}" if r["timed_out"] else "")
        + (f"   failures {dict(failures)}" if failures else "")
    )
    first = [c.first_event for c in res if c.first_event is not None]
    total = [c.total for c in done]
    print(f"  POST to first event   {fmt_ms(first, 50, 95)}")
    print(f"  POST to done          {fmt_ms(total, 50, 95)}")
    print(
        f"  /health every 50 ms   {fmt_ms(r['health'], 50, 95)}   "
        f"({len(r['health'])} polls, {r['health_failures']} failed)"
    )
    print(f"  the clients' own CPU time: {r['client_cpu']:.2f} s (one process, same machine)")
    p_first = 1000 * percentile(first, 95) if len(first) == n else float("inf")
    p_health = 1000 * percentile(r["health"], 95)
    held = len(done) == n and p_first <= 1000 and p_health <= 50
    print(
        f"  targets ({n}/{n} done, first event p95 <= 1 s, /health p95 <= 50 ms): "
        f"{'held' if held else 'NOT held'}"
    )
    return held


# ------------------------------------------------------------------ phase 2


async def calibrate(url: str, body: dict, fraction: int = 10) -> float:
    """Seconds one such run takes alone, timed on 1/fraction of its steps and scaled up."""
    small = {**body, "steps": max(1, body["steps"] // fraction)}
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as http:
        r = await http.post("/api/runs", json=small)
        if r.status_code != 201:
            raise RuntimeError(f"calibration POST answered {r.status_code}: {r.text[:300]}")
        run_id = r.json()["id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            info = (await http.get(f"/api/runs/{run_id}", params={"result": "false"})).json()
            if info["status"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("the calibration run did not end within 60 s")
        if info["status"] != "done":
            raise RuntimeError(f"the calibration run ended {info['status']}: {info['error']}")
        await asyncio.sleep(0.5)  # let its worker store the log before the burst
        return (info["finished"] - info["started"]) * body["steps"] / small["steps"]


async def active_runs(http: httpx.AsyncClient) -> int:
    return (await http.get("/health")).json()["active_runs"]


async def phase2(url: str, cap: int, extra: int, body: dict) -> dict:
    n = cap + extra
    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=n + 10)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60.0) as http:
        # open every connection first, so the POSTs leave together
        await asyncio.gather(*(http.get("/health") for _ in range(n)))
        go = asyncio.Event()

        async def post() -> tuple[httpx.Response | None, str | None]:
            await go.wait()
            try:
                return await http.post("/api/runs", json=body), None
            except httpx.HTTPError as e:
                return None, type(e).__name__

        tasks = [asyncio.create_task(post()) for _ in range(n)]
        await asyncio.sleep(0.1)
        t0 = time.perf_counter()
        go.set()
        answers = await asyncio.gather(*tasks)
        burst = time.perf_counter() - t0
        active_after_burst = await active_runs(http)

        admitted = [r.json()["id"] for r, _ in answers if r is not None and r.status_code == 201]
        t1 = time.perf_counter()
        deletes = await asyncio.gather(*(http.delete(f"/api/runs/{i}") for i in admitted))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and await active_runs(http) > 0:
            await asyncio.sleep(0.05)
        drained = time.perf_counter() - t1
        final = Counter()
        for run_id in admitted:
            r = await http.get(f"/api/runs/{run_id}", params={"result": "false"})
            # a deleted run is gone from the history: every later read is 404
            final["deleted" if r.status_code == 404 else r.json()["status"]] += 1
        return {
            "answers": answers,
            "burst": burst,
            "active_after_burst": active_after_burst,
            "deletes": Counter(r.status_code for r in deletes),
            "drained": drained,
            "final": final,
            "active_end": await active_runs(http),
        }


def report2(r: dict, cap: int, extra: int, body: dict, alone: float) -> bool:
    answers = r["answers"]
    statuses = Counter(resp.status_code if resp is not None else err for resp, err in answers)
    with_retry = sum(
        1
        for resp, _ in answers
        if resp is not None
        and resp.status_code == 429
        and resp.headers.get("retry-after", "").isdigit()
    )
    errors_5xx = sum(1 for resp, _ in answers if resp is not None and resp.status_code >= 500)
    n_opt, n_start = len(body["optimizers"]), len(body["starts"])
    print(
        f"\nphase 2: cap {cap} concurrent runs, {cap + extra} POSTs at once of "
        f"{n_opt} optimizers x {n_start} starts x {body['steps']:,} steps "
        f"(one alone: ~{alone:.1f} s)"
    )
    print(
        f"  answers {dict(sorted(statuses.items(), key=str))} in {1000 * r['burst']:.0f} ms; "
        f"429 with a Retry-After: {with_retry}; 5xx: {errors_5xx}"
    )
    still = r["active_after_burst"]
    note = "all admitted runs still computing" if still == cap else f"expected {cap}"
    print(f"  active runs right after the burst: {still} ({note})")
    print(
        f"  DELETE of the {sum(r['deletes'].values())} admitted runs: answers "
        f"{dict(r['deletes'])}; all ended in {r['drained']:.2f} s: {dict(r['final'])}; "
        f"active at the end: {r['active_end']}"
    )
    held = (
        statuses.get(201, 0) == cap
        and statuses.get(429, 0) == extra
        and with_retry == extra
        and errors_5xx == 0
        and len(statuses) == 2
    )
    print(
        f"  expectation ({cap} x 201, {extra} x 429 with Retry-After, no 5xx): "
        f"{'held' if held else 'NOT held'}"
    )
    return held


# ------------------------------------------------------------------ phase 0


def interactive(url: str, n: int, repeat: bool) -> tuple[list[float], Counter, int]:
    """Round trips of sequential wait=true&persist=false re-runs (8 optimizers x 500)."""
    times, statuses, size = [], Counter(), 0
    with httpx.Client(base_url=url, timeout=60.0) as http:
        warm = race(8, 1, 500)
        for lr in (0.011, 0.012):  # warm the worker processes and the connection
            warm["optimizers"] = [{**o, "params": {**o["params"], "lr": lr}} for o in OPTIMIZERS]
            http.post("/api/runs", params={"wait": "true", "persist": "false"}, json=warm)
        for i in range(n):
            body = race(8, 1, 500)
            if not repeat:  # a new learning rate on every lane: nothing to reuse
                scale = 1 + 0.001 * (i + 1)
                body["optimizers"] = [
                    {**o, "params": {**o["params"], "lr": o["params"]["lr"] * scale}}
                    for o in body["optimizers"]
                ]
            t0 = time.perf_counter()
            r = http.post("/api/runs", params={"wait": "true", "persist": "false"}, json=body)
            times.append(time.perf_counter() - t0)
            statuses[r.status_code] += 1
            ok = r.status_code == 201 and r.json()["result"]["summary"] is not None
            statuses["with result"] += ok
            size = len(r.content)
    return times, statuses, size


def report0(url: str, n: int) -> bool:
    print(f"\nphase 0: {n} sequential POST /api/runs?wait=true&persist=false, 8 optimizers x 500")
    held = True
    for repeat, what in ((False, "distinct configs"), (True, "one config repeated")):
        times, statuses, size = interactive(url, n, repeat)
        p95 = 1000 * percentile(times, 95)
        ok = p95 <= 40 and statuses.get(201) == n and statuses.get("with result") == n
        held &= ok
        print(
            f"  {what:<20} {fmt_ms(times, 50, 95)}   [{'ok' if ok else 'MISSED'} target "
            f"p95 <= 40 ms]   {dict(statuses)}   {size / 1e6:.2f} MB each"
        )
    return held


# ------------------------------------------------------------------ phase 3


async def phase3(url: str, n: int, steps: int, time_limit: float) -> dict:
    return await crowd(url, n, race(4, 1, steps), time_limit, page=True)


def report3(r: dict, n: int, steps: int) -> bool:
    res: list[Client] = r["results"]
    done = [c for c in res if c.final == "done"]
    statuses = Counter(c.status for c in res)
    first = [c.first_event for c in res if c.first_event is not None]
    p95 = 1000 * percentile(first, 95) if len(first) == n else float("inf")
    held = len(done) == n and p95 <= 1000 and statuses.get(429, 0) == 0
    print(
        f"\nphase 3: a class of {n} browsers behind one address (own cookie jars), default "
        f"limits, each GET / then POST + stream a 4-optimizer x {steps}-step race"
    )
    print(
        f"  done {len(done)}/{n}   POST statuses {dict(sorted(statuses.items(), key=str))}   "
        f"wall {r['wall']:.2f} s"
    )
    print(f"  POST to first event   {fmt_ms(first, 50, 95)}")
    print(f"  POST to done          {fmt_ms([c.total for c in done], 50, 95)}")
    print(f"  /health every 50 ms   {fmt_ms(r['health'], 50, 95)}")
    print(
        f"  targets ({n}/{n} done, first event p95 <= 1 s, no 429): "
        f"{'held' if held else 'NOT held'}"
    )
    return held


# ------------------------------------------------------------------ main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--phases", default="interactive,clients,cap,class")
    ap.add_argument("--interactive", type=int, default=40, help="phase-0 requests per case")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--browsers", type=int, default=60, help="phase-3 class size")
    ap.add_argument("--steps", type=int, default=400, help="steps of a phase-1 race")
    ap.add_argument("--time-limit", type=float, default=120.0, help="phase-1 limit (s)")
    ap.add_argument("--cap", type=int, default=20, help="phase-2 concurrent-run cap")
    ap.add_argument("--extra", type=int, default=50, help="phase-2 POSTs past the cap")
    ap.add_argument("--long-steps", type=int, default=3000, help="steps of a phase-2 run")
    ap.add_argument("--workers", type=int, help="DESCENTLAB_WORKERS (default: the server's)")
    args = ap.parse_args()
    workers = {"DESCENTLAB_WORKERS": str(args.workers)} if args.workers else {}
    print(
        f"DescentLab load benchmark   Python {sys.version.split()[0]}   "
        f"loopback, server and clients on this machine   workers: {args.workers or 'default'}"
    )
    ok = True
    phases = set(args.phases.split(","))

    if "interactive" in phases:
        with ServerProcess.service(workers) as server:
            ok &= report0(server.url, args.interactive)

    env1 = {
        "DESCENTLAB_MAX_CONCURRENT_RUNS": str(args.clients),
        "DESCENTLAB_MAX_RUNS_PER_CLIENT": str(args.clients),
        **workers,
    }
    if "clients" in phases:
        with ServerProcess.service(env1) as server:
            r1 = asyncio.run(phase1(server.url, args.clients, args.steps, args.time_limit))
        ok &= report1(r1, args.clients, args.steps, args.time_limit)

    if "cap" in phases:
        ok &= cap_phase(args, workers)

    if "class" in phases:
        with ServerProcess.service(workers) as server:
            r3 = asyncio.run(phase3(server.url, args.browsers, args.steps, args.time_limit))
        ok &= report3(r3, args.browsers, args.steps)
    return 0 if ok else 1


def cap_phase(args, workers: dict[str, str]) -> bool:
    """Phase 2: a burst of POSTs past the concurrent-run cap."""
    body = race(8, 16, args.long_steps)
    env2 = {
        "DESCENTLAB_MAX_CONCURRENT_RUNS": str(args.cap),
        "DESCENTLAB_MAX_RUNS_PER_CLIENT": str(args.cap + args.extra + 10),
        "DESCENTLAB_IDLE_TIMEOUT_S": "600",
        "DESCENTLAB_RUN_WALL_TIME_S": "600",
        "DESCENTLAB_MAX_STEPS": "1000000",
        "DESCENTLAB_MAX_STARTS": "16",
        "DESCENTLAB_MAX_LANE_STEPS": "1000000000",
        **workers,
    }
    with ServerProcess.service(env2) as server:
        alone = asyncio.run(calibrate(server.url, body))
        if alone < 2.0:  # too short to be still computing when the burst ends: lengthen it
            body["steps"] = int(body["steps"] * 3.0 / alone)
            print(
                f"(one {args.long_steps:,}-step run takes ~{alone:.1f} s alone here: "
                f"using {body['steps']:,} steps)"
            )
            alone = alone * body["steps"] / args.long_steps
        r2 = asyncio.run(phase2(server.url, args.cap, args.extra, body))
    return report2(r2, args.cap, args.extra, body, alone)


if __name__ == "__main__":
    sys.exit(main())

"""Streaming benchmark (not a test): the service's SSE stream against a bare baseline.

    python bench/stream.py [--quick] [--repeats N]

Starts the real service in a subprocess (temporary database, loopback, a free port) and:

1. Throughput of a live race, 8 optimizers x 4 starts x 5,000 steps: from the start of
   GET /api/runs/{id}/events to the `done` event, points = lanes x rows of every frame.
   The same run's stored log is then replayed (GET events again after `done`), and the
   same race is timed through the engine alone in this process: the ceiling of a live stream.
2. Baseline: a bare Starlette app (below), served by uvicorn in its own subprocess, streams
   the same bytes (the replayed log of the first run, event by event) through a plain
   StreamingResponse as fast as it can. Ratios service / baseline, target >= 0.5x.
3. Latency from POST /api/runs to the first `frame` event of a 4-optimizer x 500-step race,
   over ~20 sequential runs (median, p95).

The client parses the SSE framing of every byte, decodes `meta` and `done` as JSON and
reads each frame's row count from the head of its data (the same work for both servers).
Medians of several repetitions; every ratio is measured in the same run of this script.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
from _server import HOST, OPTIMIZERS, ROOT, ServerProcess, SSEParser, free_port, percentile

STARTS = [[-1.0, 1.0], [1.0, -1.0], [0.0, 0.0], [-4.0, -4.0]]
SERVICE_ENV = {
    "DESCENTLAB_MAX_STEPS": "100000",
    "DESCENTLAB_MAX_LANE_STEPS": "100000000",
    "DESCENTLAB_MAX_RUNS_PER_CLIENT": "16",
    "DESCENTLAB_RUN_WALL_TIME_S": "600",
}
ROWS = re.compile(rb'"rows":(\d+)')
TIMEOUT = httpx.Timeout(60.0, connect=5.0)


def race(n_opt: int, n_start: int, steps: int) -> dict:
    return {
        "kind": "surface",
        "surface": {"name": "himmelblau"},
        "optimizers": OPTIMIZERS[:n_opt],
        "starts": STARTS[:n_start],
        "steps": steps,
        "seed": 0,
    }


# ------------------------------------------------------------------ the client side


@dataclass
class Stream:
    """What one GET of an event stream delivered, and when (seconds from `t0`)."""

    t0: float
    events: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    lanes: int = 0
    rows: int = 0
    first_frame: float | None = None
    end: float | None = None
    final: str | None = None
    done_data: dict | None = None
    raw: bytearray | None = None

    @property
    def points(self) -> int:
        return self.lanes * self.rows

    @property
    def seconds(self) -> float:
        return (self.end or float("nan")) - self.t0


def read_stream(
    client: httpx.Client, url: str, t0: float | None = None, keep: bool = False
) -> Stream:
    """GET an SSE stream to its final event (`done` or `error`) or to its end."""
    s = Stream(t0=time.perf_counter() if t0 is None else t0, raw=bytearray() if keep else None)
    parser = SSEParser()
    with client.stream("GET", url, headers={"Accept": "text/event-stream"}) as r:
        r.raise_for_status()
        for chunk in r.iter_raw():
            s.bytes += len(chunk)
            if keep:
                s.raw += chunk
            for ev in parser.feed(chunk):
                s.events[ev.event] = s.events.get(ev.event, 0) + 1
                if ev.event == "frame":
                    m = ROWS.search(ev.data, 0, 200)
                    s.rows += int(m[1]) if m else orjson.loads(ev.data)["rows"]
                    if s.first_frame is None:
                        s.first_frame = time.perf_counter() - s.t0
                elif ev.event == "meta":
                    s.lanes = orjson.loads(ev.data)["n_lanes"]
                elif ev.event in ("done", "error"):
                    s.end, s.final = time.perf_counter(), ev.event
                    s.done_data = orjson.loads(ev.data)
    if s.end is None:
        s.end = time.perf_counter()
    return s


def post_run(client: httpx.Client, body: dict) -> str:
    r = client.post("/api/runs", json=body)
    if r.status_code != 201:
        raise RuntimeError(f"POST /api/runs answered {r.status_code}: {r.text[:300]}")
    return r.json()["id"]


# ------------------------------------------------------------------ the bare baseline


def baseline_app(log: bytes):
    """A plain Starlette app streaming `log` (an SSE body) event by event, as fast as it can."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    chunks = [part + b"\n\n" for part in log.split(b"\n\n") if part]  # data has no raw \n

    async def events(request):
        async def body():
            for chunk in chunks:
                yield chunk

        return StreamingResponse(
            body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    async def health(request):
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/events", events), Route("/health", health)])


def serve_baseline(port: int, log_file: str) -> None:
    import uvicorn

    app = baseline_app(Path(log_file).read_bytes())
    uvicorn.run(app, host=HOST, port=port, log_level="warning")


# ------------------------------------------------------------------ the benchmark


def engine_alone(body: dict, repeats: int = 3) -> float:
    """Median seconds of the same race through the engine in this process (no service)."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from app.kinds.race import ENGINE_CHUNK, engine_configs
    from engine import simulate, surfaces

    surface = surfaces.get(body["surface"]["name"])
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _chunk in simulate.simulate(
            surface,
            engine_configs(body["optimizers"]),
            np.array(body["starts"]),
            body["steps"],
            chunk=ENGINE_CHUNK,
        ):
            pass
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def mb(n: float) -> float:
    return n / 1e6


def throughput_line(name: str, runs: list[Stream]) -> str:
    secs = statistics.median(r.seconds for r in runs)
    pts = statistics.median(r.points / r.seconds for r in runs)
    mbs = statistics.median(mb(r.bytes) / r.seconds for r in runs)
    ev = statistics.median(sum(r.events.values()) for r in runs)
    size = statistics.median(mb(r.bytes) for r in runs)
    return (
        f"  {name:<16} {secs:7.3f} s {pts / 1e6:8.3f} M points/s {ev:6.0f} events "
        f"{size:7.1f} MB {mbs:7.1f} MB/s"
    )


def check(run: Stream, what: str, points: int) -> None:
    if run.final != "done" or run.points != points:
        raise RuntimeError(
            f"{what}: ended with {run.final!r} after {run.points} points of {points} ({run.events})"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps and repetitions")
    ap.add_argument("--repeats", type=int, default=3, help="repetitions of each throughput")
    ap.add_argument("--latency-runs", type=int, default=20)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--serve-baseline", nargs=2, metavar=("PORT", "LOG"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_baseline:
        serve_baseline(int(args.serve_baseline[0]), args.serve_baseline[1])
        return 0
    if args.quick:
        args.repeats, args.latency_runs, args.steps = 3, 8, 1000

    big = race(8, 4, args.steps)
    big_points = 8 * 4 * (args.steps + 1)  # row 0 is the start
    small = race(4, 1, 500)
    print(
        f"DescentLab stream benchmark   Python {sys.version.split()[0]}   "
        f"loopback, server and client on this machine"
    )
    print(
        f"race: 8 optimizers x 4 starts x {args.steps:,} steps = {big_points:,} points; "
        f"median of {args.repeats}"
    )

    live, replay, latency, created = [], [], [], []
    with (
        ServerProcess.service(SERVICE_ENV) as server,
        httpx.Client(base_url=server.url, timeout=TIMEOUT) as client,
    ):
        read_stream(client, f"/api/runs/{post_run(client, small)}/events")  # warm-up
        for i in range(args.repeats):
            run_id = post_run(client, big)
            run = read_stream(client, f"/api/runs/{run_id}/events", keep=i == 0)
            check(run, "live stream", big_points)
            live.append(run)
            again = read_stream(client, f"/api/runs/{run_id}/events", keep=i == 0)
            check(again, "replay", big_points)
            replay.append(again)
        for _ in range(args.latency_runs):
            t0 = time.perf_counter()
            run_id = post_run(client, small)
            created.append(time.perf_counter() - t0)
            run = read_stream(client, f"/api/runs/{run_id}/events", t0=t0)
            check(run, "latency run", 4 * 501)
            latency.append(run.first_frame)

    base = []
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="descentlab-bench-") as tmp:
        log_file = Path(tmp) / "replay.sse"
        log_file.write_bytes(bytes(replay[0].raw))
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve-baseline",
            str(port),
            str(log_file),
        ]
        with (
            ServerProcess(cmd, port, name="baseline") as bare,
            httpx.Client(base_url=bare.url, timeout=TIMEOUT) as client,
        ):
            read_stream(client, "/events")  # warm-up
            for _ in range(args.repeats):
                run = read_stream(client, "/events")
                check(run, "baseline", big_points)
                base.append(run)

    engine_s = engine_alone(big)
    job_s = statistics.median(r.done_data["elapsed_s"] for r in live)
    frames = statistics.median(r.events.get("frame", 0) / r.seconds for r in live)
    print(f"\nthroughput, GET events to `done` (median of {args.repeats}):")
    print(throughput_line("service, live", live))
    print(throughput_line("service, replay", replay))
    print(throughput_line("bare baseline", base))
    print(
        f"  {'engine alone':<16} {engine_s:7.3f} s {big_points / engine_s / 1e6:8.3f} M points/s"
        "   (simulate() in-process: the ceiling of a live stream)"
    )

    def ratio(runs: list[Stream]) -> float:
        return statistics.median(r.points / r.seconds for r in runs) / statistics.median(
            r.points / r.seconds for r in base
        )

    r_live, r_replay = ratio(live), ratio(replay)
    verdict = "ok" if r_live >= 0.5 else "BELOW"
    print(
        f"  ratio service/baseline: live {r_live:.2f}x [{verdict} target >= 0.5x], "
        f"replay {r_replay:.2f}x"
    )
    same = "yes" if live[0].raw == replay[0].raw else "NO"
    print(
        f"  live: {frames:.1f} frames/s; the job took {job_s:.3f} s (`done` elapsed_s); "
        f"replay byte-identical to live: {same}"
    )

    ms = [1000 * x for x in latency]
    print(f"\nPOST to first `frame`, 4 optimizers x 500 steps, {len(ms)} sequential runs:")
    print(
        f"  median {statistics.median(ms):6.1f} ms   p95 {percentile(ms, 95):6.1f} ms   "
        f"max {max(ms):6.1f} ms   (POST answered 201 in median "
        f"{1000 * statistics.median(created):.1f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

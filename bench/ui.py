"""UI performance of the dashboard in the system Chromium, against the real app.

    .venv/bin/python bench/ui.py [--trials 15] [--base http://127.0.0.1:8000]

Measures
1. a parameter change → the redrawn race (8 optimizers × 500 steps): from the slider's
   input event to the dashboard's `descentlab:redrawn` event (every chart and the surface
   drawn again), split into the service's answer (POST /api/runs?wait=true) and the drawing;
2. playback of 8 lanes × 2,000 steps: frames per second counted with requestAnimationFrame,
   and the share of frames slower than 1/30 s, while the paths are long (steps 1,500+);
3. a live streamed run (the Run button) of 8 × 2,000: time to the last frame, and fps meanwhile;
4. the MLP tab: decision-boundary panels redrawn per second while a run streams live (the
   Train button, 4 optimizers × 200 epochs on moons, batch 8) and while the replay plays
   (Space), with the animation frame rate meanwhile.

Not a test: it prints figures. Starts its own server unless --base is given.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# the flags of the browser tests (tests/browser/conftest.py)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
EIGHT = [
    "sgd:lr=0.005",
    "sgd:lr=0.005,momentum=0.9",
    "rmsprop:lr=0.05",
    "adam:lr=0.1",
    "adagrad:lr=0.5",
    "nadam:lr=0.05",
    "adamw:lr=0.1",
    "gd:lr=0.01",
]


def race_url(base: str, steps: int) -> str:
    lanes = "&".join(f"o={o}" for o in EIGHT)
    return f"{base}/?s=himmelblau&{lanes}&start=0.5,4.5&steps={steps}"


def start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "DESCENTLAB_DB": str(db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1).close()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


READY = (
    "() => window.descentlab && window.descentlab.buffer && window.descentlab.buffer.done"
    " && !window.descentlab.client.inflight && window.descentlab.surface.plotted"
    " && window.descentlab.charts.settled()"
)

CHANGE = """async (i) => {
  const slider = document.querySelector('[data-testid=lane-0-lr] input[type=range]');
  const done = new Promise((resolve) => window.addEventListener('descentlab:redrawn',
    (ev) => resolve(ev.detail), { once: true }));
  const t0 = performance.now();
  slider.value = String(480 + (i % 2) * 40);   // lr ≈ 0.003 ↔ 0.005
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  const d = await done;
  return { total: performance.now() - t0, fetch: d.fetchMs, draw: d.drawMs };
}"""

FPS = """async (ms) => {
  const times = [];
  await new Promise((resolve) => {
    const t0 = performance.now();
    const tick = (now) => {
      times.push(now);
      if (now - t0 < ms) requestAnimationFrame(tick);
      else resolve();
    };
    requestAnimationFrame(tick);
  });
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const span = times.at(-1) - times[0];
  return { fps: (times.length - 1) / (span / 1000),
           slow: gaps.filter((g) => g > 1000 / 30).length / gaps.length,
           worst: Math.max(...gaps), cursor: window.descentlab.playback.cursor };
}"""
PLAY_FROM = """([step, speed]) => {
  const a = window.descentlab;
  a.seek(step);
  a.setView({ speed });
  a.togglePlay();
}"""
ALL_IN = "(rows) => window.descentlab.buffer.done && window.descentlab.buffer.rows === rows"


MLP_URL = (
    "/?tab=mlp&batch_size=8&epochs=200&mo=sgd:lr=0.1&mo=sgd:lr=0.05,momentum=0.9"
    "&mo=rmsprop:lr=0.005&mo=adam:lr=0.01"
)
MLP_READY = (
    "() => { const m = window.descentlab && window.descentlab.mlp;"
    " return !!m && !!m.buffer && m.buffer.done && !m.client.inflight && !m.client.streaming"
    " && m.settled(); }"
)
# boundary redraws per second and animation frames per second over `ms`, from now
MLP_RATE = """async (ms) => {
  const m = window.descentlab.mlp;
  const d0 = m.boundaries.draws;
  const e0 = m.playback.cursor;
  let frames = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const tick = (now) => { frames++; if (now - t0 < ms) requestAnimationFrame(tick); else resolve(); };
    requestAnimationFrame(tick);
  });
  const s = (performance.now() - t0) / 1000;
  return { panels: (m.boundaries.draws - d0) / s, fps: frames / s, panelCount: m.boundaries.panels.length,
           epochs: m.playback.cursor - e0, rows: m.buffer.rows, done: m.buffer.done };
}"""


# milliseconds to repaint one boundary panel (canvas) and to redraw it as a Plotly heatmap
MLP_PAINT = """async () => {
  const m = window.descentlab.mlp;
  const b = m.boundaries;
  const p = b.panels[1];
  const grids = m.buffer.grids.filter((g) => g.values[p.lane]);
  const t0 = performance.now();
  for (let i = 0; i < 40; i++) { b.epoch = grids[i % grids.length].epoch; p.gridKey = null; b.paint(p); }
  const canvas = (performance.now() - t0) / 40;
  const div = document.createElement('div');
  div.style.cssText = `position:absolute;left:0;top:0;width:${b.size.width}px;height:${b.size.height}px`;
  document.body.append(div);
  const t1 = performance.now();
  for (let i = 0; i < 5; i++) {
    b.epoch = grids[i % grids.length].epoch;
    const f = b.figureOf(p);
    await Plotly.react(div, f.data, { ...f.layout, ...b.size });
  }
  const plotly = (performance.now() - t1) / 5;
  div.remove();
  return { canvas, plotly };
}"""


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=15)
    ap.add_argument("--base", default=None, help="a running server (default: start one)")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"needs the system Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    proc, base = (None, args.base) if args.base else start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})

            # 1. parameter change → redrawn race, 8 × 500
            page.goto(race_url(base, 500))
            page.wait_for_function(READY, timeout=30_000)
            page.evaluate(CHANGE, 99)  # warm-up
            runs = [page.evaluate(CHANGE, i) for i in range(args.trials)]
            total = [r["total"] for r in runs]
            fetch = [r["fetch"] for r in runs]
            draw = [r["draw"] for r in runs]
            print(f"param change → redrawn race (8 optimizers × 500 steps, {args.trials} trials)")
            med = statistics.median
            print(
                f"  total   median {med(total):6.1f} ms, p90 {pct(total, 0.9):6.1f} ms (target 100)"
            )
            print(f"  service median {med(fetch):6.1f} ms  (POST /api/runs?wait=true, parsed)")
            print(f"  drawing median {med(draw):6.1f} ms  (canvas paths + 4 Plotly charts)")

            # 2. playback of 8 × 2,000 with long paths
            page.goto(race_url(base, 2000))
            page.wait_for_function(READY, timeout=60_000)
            page.evaluate(PLAY_FROM, [1500, 1])
            slow = page.evaluate(FPS, 3000)
            page.evaluate(PLAY_FROM, [0, 10])
            fast = page.evaluate(FPS, 3000)
            page.evaluate("() => window.descentlab.playback.pause()")
            print("playback, 8 lanes × 2,000 steps")
            print(
                f"  1× from step 1,500 (long paths): {slow['fps']:5.1f} fps, "
                f"{100 * slow['slow']:4.1f}% frames > 33 ms, worst {slow['worst']:5.1f} ms"
            )
            print(
                f"  10× from step 0:                 {fast['fps']:5.1f} fps, "
                f"{100 * fast['slow']:4.1f}% frames > 33 ms, worst {fast['worst']:5.1f} ms, "
                f"reached step {fast['cursor']}"
            )

            # 3. a live streamed run of 8 × 2,000 (the Run button)
            t0 = time.perf_counter()
            page.click("[data-testid=run]")
            live = page.evaluate(FPS, 1500)
            page.wait_for_function(ALL_IN, arg=2001, timeout=60_000)
            print("live run (SSE), 8 lanes × 2,000 steps")
            print(
                f"  all frames in after {time.perf_counter() - t0:5.2f} s; "
                f"{live['fps']:5.1f} fps while streaming, worst frame {live['worst']:5.1f} ms"
            )

            # 4. the MLP tab: boundary panels redrawn live while training streams, then the replay
            page.goto(base + MLP_URL)
            page.wait_for_function(MLP_READY, timeout=60_000)
            t0 = time.perf_counter()
            page.click("[data-testid=run]")
            live = page.evaluate(MLP_RATE, 2000)
            page.wait_for_function(MLP_READY, timeout=120_000)
            page.wait_for_function("() => !window.descentlab.mlp.playback.playing", timeout=120_000)
            streamed = time.perf_counter() - t0
            page.evaluate("() => { const m = window.descentlab.mlp; m.reset(); m.togglePlay(); }")
            replay = page.evaluate(MLP_RATE, 3000)
            paint = page.evaluate(MLP_PAINT)
            n = live["panelCount"] - 1
            print(
                f"MLP tab, {n} optimizers × 200 epochs (moons 400, batch 8), 1 data + {n} boundary panels"
            )
            print(
                f"  live (Train, replay playing along): {live['panels'] / n:5.1f} boundary updates/s per "
                f"panel ({live['panels']:5.1f} panel redraws/s), {live['fps']:5.1f} fps; "
                f"run played to the end after {streamed:5.2f} s"
            )
            print(
                f"  replay at 1× (Space):               {replay['panels'] / n:5.1f} boundary updates/s per "
                f"panel, {replay['fps']:5.1f} fps, {replay['epochs'] / 3:5.1f} epochs/s"
            )
            print(
                f"  one boundary update: {paint['canvas']:5.2f} ms (canvas under the panel) vs "
                f"{paint['plotly']:5.1f} ms as a Plotly heatmap figure"
            )
            browser.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()

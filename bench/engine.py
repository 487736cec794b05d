"""Engine benchmark (not a test): medians of repeated runs, ratios measured in the same run.

    python bench/engine.py [--quick]

1. One Adam trajectory on Rosenbrock, 1,000 steps: the engine (its race simulation, and a
   bare `opt.step` loop) against a torch.optim loop with autograd (when torch is installed).
   Target: at least 20x faster than torch.
2. 10,000 lanes x 1,000 steps of Adam on Rosenbrock: the engine's pure `opt.step` loop and
   its blocked multi-start pass against a hand-written in-place NumPy Adam.
   Target: at least half the hand-written speed.
3. A basin map of 200x200 starts x 500 steps for 8 optimizers on Himmelblau.
   Target: under 5 seconds here.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import basins, optimizers, simulate, surfaces  # noqa: E402

ROSEN = surfaces.get("rosenbrock")
START = np.array([-1.5, 2.0])
ADAM = {"lr": 0.01}


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ------------------------------------------------------------------ 1. one trajectory


def engine_race_one():
    return simulate.run(ROSEN, [{"name": "adam", "params": ADAM}], START[None], 1000)


def engine_steps_one():
    opt = optimizers.create("adam", **ADAM)
    p = START.copy()
    state = opt.init(p)
    for _ in range(1000):
        p, state = opt.step(p, ROSEN.grad(p), state)
    return p


def torch_one():
    import torch

    x = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([x], **ADAM)
    for _ in range(1000):
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        opt.step()
    return x.detach().numpy()


# ------------------------------------------------------------------ 2. many lanes


def lanes_start(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.column_stack([rng.uniform(-2, 2, n), rng.uniform(-1, 3, n)])


def engine_steps_many(p0: np.ndarray, steps: int):
    opt = optimizers.create("adam", **ADAM)
    p, state = p0, opt.init(p0)
    for _ in range(steps):
        p, state = opt.step(p, ROSEN.grad(p), state)
    return p


def engine_basins_many(p0: np.ndarray, steps: int):
    return basins.basins(ROSEN, [{"name": "adam", "params": ADAM}], p0, steps).final_xy[0]


def handwritten_adam(p0: np.ndarray, steps: int, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
    """The baseline: Adam written out with preallocated buffers and in-place ufuncs."""
    p = p0.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    g = np.empty_like(p)
    tmp = np.empty_like(p)
    x, y = p[:, 0], p[:, 1]
    for t in range(1, steps + 1):
        # Rosenbrock gradient, in place
        np.multiply(x, x, out=tmp[:, 0])
        np.subtract(y, tmp[:, 0], out=g[:, 1])
        g[:, 1] *= 200.0
        np.multiply(x, g[:, 1], out=g[:, 0])
        g[:, 0] *= -2.0
        g[:, 0] += 2.0 * x - 2.0
        # Adam, in place
        m *= b1
        m += (1 - b1) * g
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        v *= b2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp /= np.sqrt(1 - b2**t)
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr / (1 - b1**t)
        p -= tmp
    return p


# ------------------------------------------------------------------ 3. basin map

EIGHT = [
    {"name": "gd", "params": {"lr": 0.01}},
    {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}},
    {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9, "nesterov": True}},
    {"name": "adagrad", "params": {"lr": 0.5}},
    {"name": "rmsprop", "params": {"lr": 0.01}},
    {"name": "adam", "params": {"lr": 0.05}},
    {"name": "adamw", "params": {"lr": 0.05}},
    {"name": "nadam", "params": {"lr": 0.05}},
]


def basin_map(n: int, steps: int):
    s = surfaces.get("himmelblau")
    return basins.basins(s, EIGHT, basins.grid(s, n), steps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    args = ap.parse_args()
    reps = 3 if args.quick else 7
    have_torch = importlib.util.find_spec("torch") is not None
    print(
        f"DescentLab engine benchmark — Python {platform.python_version()}, NumPy "
        f"{np.__version__}, {os.cpu_count()} CPUs"
        + (", torch " + __import__("torch").__version__ if have_torch else "")
    )
    if have_torch:
        import torch

        torch.set_num_threads(1)

    print("\n1. One Adam trajectory on Rosenbrock, 1,000 steps (median of", reps, "runs)")
    t_race = median_time(engine_race_one, reps)
    t_steps = median_time(engine_steps_one, reps)
    print(f"   engine race (frames, inspector data): {t_race * 1e3:8.2f} ms")
    print(f"   engine opt.step loop:                 {t_steps * 1e3:8.2f} ms")
    if have_torch:
        t_torch = median_time(torch_one, reps)
        print(f"   torch.optim.Adam + autograd loop:     {t_torch * 1e3:8.2f} ms")
        print(
            f"   speed-up vs torch: race {t_torch / t_race:5.1f}x, opt.step loop "
            f"{t_torch / t_steps:5.1f}x   (target >= 20x)"
        )
        np.testing.assert_allclose(engine_steps_one(), torch_one(), rtol=1e-9)
    else:
        print("   torch not installed: `make bench` installs torch==2.13.0 for this ratio")

    lanes, steps = (2000, 300) if args.quick else (10_000, 1000)
    p0 = lanes_start(lanes)
    reps2 = 3 if args.quick else 5
    print(f"\n2. {lanes:,} lanes x {steps:,} steps of Adam on Rosenbrock (median of {reps2})")
    t_hand = median_time(lambda: handwritten_adam(p0, steps), reps2)
    t_api = median_time(lambda: engine_steps_many(p0, steps), reps2)
    t_blk = median_time(lambda: engine_basins_many(p0, steps), reps2)
    np.testing.assert_allclose(engine_steps_many(p0, 50), handwritten_adam(p0, 50), rtol=1e-9)
    print(f"   hand-written in-place NumPy Adam:     {t_hand:8.3f} s")
    print(
        f"   engine opt.step loop (pure API):      {t_api:8.3f} s   "
        f"speed {t_hand / t_api:4.2f}x of hand-written"
    )
    print(
        f"   engine blocked multi-start pass:      {t_blk:8.3f} s   "
        f"speed {t_hand / t_blk:4.2f}x of hand-written   (target >= 0.5x)"
    )

    n, steps3 = (60, 200) if args.quick else (200, 500)
    reps3 = 1 if args.quick else 3
    print(
        f"\n3. Basin map {n}x{n} starts x {steps3} steps x 8 optimizers on Himmelblau "
        f"(median of {reps3})"
    )
    t_map = median_time(lambda: basin_map(n, steps3), reps3)
    print(
        f"   {t_map:.2f} s   ({8 * n * n * steps3 / t_map / 1e6:.1f} M lane-steps/s; "
        f"target < 5 s for 200x200x500)"
    )


if __name__ == "__main__":
    main()

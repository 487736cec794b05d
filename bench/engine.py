"""Engine benchmark (not a test): medians of repeated runs, ratios measured in the same run.

    python bench/engine.py [--quick]

1. `simulate.run` (the race API the service uses, every field recorded), one Adam lane x
   1,000 steps on Rosenbrock, against a torch.optim loop with autograd. Target >= 30x.
2. `simulate.run`, 8 different optimizers x 500 steps, against 8 torch.optim loops.
   Target >= 30x.
3. `simulate.run` of 10,000 Adam lanes x 1,000 steps recording xy and loss, against a
   hand-written in-place NumPy Adam (which records nothing). Target >= 0.5x; and its peak
   memory (measured in a child process). Target <= 300 MB.
4. A basin map of 200x200 starts x 500 steps for 8 optimizers on Himmelblau. Target < 5 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import basins, simulate, surfaces  # noqa: E402

ROSEN = surfaces.get("rosenbrock")
START = np.array([-1.5, 2.0])
ADAM = {"lr": 0.01}
# Eight different optimizers (torch class, torch kwargs, engine config)
EIGHT = [
    ("SGD", {"lr": 1e-3}, {"name": "gd", "params": {"lr": 1e-3}}),
    (
        "SGD",
        {"lr": 1e-3, "momentum": 0.9},
        {"name": "sgd", "params": {"lr": 1e-3, "momentum": 0.9}},
    ),
    (
        "SGD",
        {"lr": 1e-3, "momentum": 0.9, "nesterov": True},
        {"name": "sgd", "params": {"lr": 1e-3, "momentum": 0.9, "nesterov": True}},
    ),
    ("Adagrad", {"lr": 0.5}, {"name": "adagrad", "params": {"lr": 0.5}}),
    ("RMSprop", {"lr": 0.01}, {"name": "rmsprop", "params": {"lr": 0.01}}),
    ("Adam", {"lr": 0.05}, {"name": "adam", "params": {"lr": 0.05}}),
    ("AdamW", {"lr": 0.05}, {"name": "adamw", "params": {"lr": 0.05}}),
    ("NAdam", {"lr": 0.05}, {"name": "nadam", "params": {"lr": 0.05}}),
]


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ------------------------------------------------------------------ 1-2. races


def engine_race_one():
    return simulate.run(ROSEN, [{"name": "adam", "params": ADAM}], START[None], 1000)


def engine_race_eight():
    return simulate.run(ROSEN, [c for _, _, c in EIGHT], START[None], 500)


def torch_loop(cls_name: str, kwargs: dict, steps: int):
    import torch

    x = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls_name)([x], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        opt.step()
    return x.detach().numpy()


def torch_one():
    return torch_loop("Adam", ADAM, 1000)


def torch_eight():
    return [torch_loop(c, kw, 500) for c, kw, _ in EIGHT]


# ------------------------------------------------------------------ 3. many lanes


def lanes_start(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.column_stack([rng.uniform(-2, 2, n), rng.uniform(-1, 3, n)])


def engine_many(p0: np.ndarray, steps: int):
    cfg = [{"name": "adam", "params": ADAM}]
    return simulate.run(ROSEN, cfg, p0, steps, record=("xy", "loss"))


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


PEAK_CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
import numpy as np
sys.argv = ["x"]
from bench.engine import engine_many, lanes_start
p0 = lanes_start({lanes})
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
engine_many(p0, {steps})
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)
"""


def peak_mb(lanes: int, steps: int) -> float:
    """Peak RSS growth (MB) of one `simulate.run` in a fresh process."""
    root = str(Path(__file__).resolve().parents[1])
    code = PEAK_CHILD.format(root=root, lanes=lanes, steps=steps)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


# ------------------------------------------------------------------ 4. basin map

BASIN_EIGHT = [
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
    return basins.basins(s, BASIN_EIGHT, basins.grid(s, n), steps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    args = ap.parse_args()
    reps = 3 if args.quick else 7
    have_torch = importlib.util.find_spec("torch") is not None
    lanes, steps = (2000, 300) if args.quick else (10_000, 1000)
    peak = peak_mb(lanes, steps)  # before torch is imported here (its import skews the child)
    print(
        f"DescentLab engine benchmark — Python {platform.python_version()}, NumPy "
        f"{np.__version__}, {os.cpu_count()} CPUs"
        + (", torch " + __import__("torch").__version__ if have_torch else "")
    )
    if have_torch:
        import torch

        torch.set_num_threads(1)
        # float64 optimizer state too (NAdam's mu_product is a float32 tensor otherwise)
        torch.set_default_dtype(torch.float64)

    print(f"\n1. simulate.run, 1 Adam lane x 1,000 steps on Rosenbrock (median of {reps})")
    t_one = median_time(engine_race_one, reps)
    print(f"   engine simulate.run (every field):    {t_one * 1e3:8.2f} ms")
    print(f"\n2. simulate.run, 8 different optimizers x 500 steps (median of {reps})")
    t_eight = median_time(engine_race_eight, reps)
    print(f"   engine simulate.run (every field):    {t_eight * 1e3:8.2f} ms")
    if have_torch:
        t_torch1 = median_time(torch_one, reps)
        t_torch8 = median_time(torch_eight, reps)
        print(f"   torch.optim.Adam + autograd, 1 lane:  {t_torch1 * 1e3:8.2f} ms")
        print(f"   8 torch.optim loops x 500 steps:      {t_torch8 * 1e3:8.2f} ms")
        print(f"   1 lane:  engine {t_torch1 / t_one:5.1f}x faster than torch   (target >= 30x)")
        print(f"   8 lanes: engine {t_torch8 / t_eight:5.1f}x faster than torch   (target >= 30x)")
        r = engine_race_one().arrays["xy"][-1, 0]
        np.testing.assert_allclose(r, torch_one(), rtol=1e-9)
        ends = engine_race_eight().arrays["xy"][-1]
        np.testing.assert_allclose(ends, np.array(torch_eight()), rtol=1e-9)
        print("   (final positions equal torch's to 1e-9)")
    else:
        print("   torch not installed: `make bench` installs torch==2.13.0 for these ratios")

    p0 = lanes_start(lanes)
    reps2 = 3 if args.quick else 5
    print(
        f"\n3. simulate.run, {lanes:,} Adam lanes x {steps:,} steps, record=(xy, loss) "
        f"(median of {reps2})"
    )
    t_hand = median_time(lambda: handwritten_adam(p0, steps), reps2)
    t_many = median_time(lambda: engine_many(p0, steps), reps2)
    np.testing.assert_allclose(
        engine_many(p0, 50).arrays["xy"][-1], handwritten_adam(p0, 50), rtol=1e-9
    )
    print(f"   hand-written in-place NumPy Adam:     {t_hand:8.3f} s   (records nothing)")
    print(
        f"   engine simulate.run:                  {t_many:8.3f} s   "
        f"speed {t_hand / t_many:4.2f}x of hand-written   (target >= 0.5x)"
    )
    print(f"   peak memory of that run: {peak:6.0f} MB   (target <= 300 MB; xy + loss = 240 MB)")

    n, steps3 = (60, 200) if args.quick else (200, 500)
    reps3 = 1 if args.quick else 3
    print(
        f"\n4. Basin map {n}x{n} starts x {steps3} steps x 8 optimizers on Himmelblau "
        f"(median of {reps3})"
    )
    t_map = median_time(lambda: basin_map(n, steps3), reps3)
    print(
        f"   {t_map:.2f} s   ({8 * n * n * steps3 / t_map / 1e6:.1f} M lane-steps/s; "
        f"target < 5 s for 200x200x500)"
    )


if __name__ == "__main__":
    main()

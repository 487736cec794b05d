"""MLP benchmark (not a test): the engine's trainer against PyTorch, one thread, same work.

    python bench/mlp.py [--quick]

A 2-16-16-2 ReLU network (He normal init) with softmax cross-entropy and Adam (lr 0.01) on
1,000 two-moons points, trained by `engine.train` and by a torch.nn / torch.optim loop that
starts from the same weights and replays the same minibatch order (`train.batch_order`).
Seconds per epoch are medians of repeated runs in the same process, the contenders
interleaved round by round, in CPU time of the process (one thread everywhere): on a
shared machine this keeps the ratios honest where wall time would not.

1. batch 32 (32 iterations per epoch) and full batch (1 per epoch), against torch in
   float64 (the engine's precision) and float32 (torch's default).
   Targets: engine ≤ 0.25× torch's time at batch 32, ≤ 0.6× at full batch.
2. 8 optimizers as 8 lanes of one run against one lane. Target: ≤ 3× the time. Eight
   different rules cost eight optimizer calls per iteration; an 8-lane learning-rate sweep of
   one rule costs one.

The engine's time is its whole `train.run`: besides the updates it evaluates the training
set every epoch and records losses, accuracies, gradient and weight norms, histograms and
the learning rate (no decision-boundary grids here). Torch's loop only trains. The final
line checks that the two computed the same thing (float64 losses of every iteration).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread for NumPy's BLAS too
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import datasets, train  # noqa: E402

SEED = 0
EIGHT = [
    {"name": "gd", "params": {"lr": 0.1}},
    {"name": "sgd", "params": {"lr": 0.05, "momentum": 0.9}},
    {"name": "adagrad", "params": {"lr": 0.05}},
    {"name": "rmsprop", "params": {"lr": 0.005}},
    {"name": "adadelta", "params": {"lr": 1.0}},
    {"name": "adam", "params": {"lr": 0.01}},
    {"name": "adamw", "params": {"lr": 0.01}},
    {"name": "nadam", "params": {"lr": 0.01}},
]


def config(data, batch_size: int, epochs: int, optimizers=None) -> dict:
    return {
        "data": data,
        "hidden": [16, 16],
        "activation": "relu",
        "init": "he_normal",
        "loss": "cross_entropy",
        "batch_size": batch_size,
        "epochs": epochs,
        "optimizers": optimizers or [{"name": "adam", "params": {"lr": 0.01}}],
        "grid_every": 0,
    }


def race(fns: dict, epochs: int, repeats: int) -> dict[str, float]:
    """Median CPU seconds per epoch of each callable, run in interleaved rounds (A, B, C, A,
    B, C, ...). CPU time of this process (everything runs on one thread) is what is compared:
    on a shared machine, wall time also counts the time other programs held the core."""
    for fn in fns.values():
        fn()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.process_time()
            fn()
            times[name].append((time.process_time() - t0) / epochs)
    return {name: statistics.median(ts) for name, ts in times.items()}


def engine_run(cfg):
    return lambda: train.run(cfg, SEED)


def torch_run(torch, cfg, dtype, record=None):
    """The same network, initial weights, data and batch order, as a torch loop."""
    p0 = train.initial_params(cfg, SEED)
    data = cfg["data"]
    X = torch.tensor(data.X_train, dtype=dtype)
    y = torch.tensor(data.y_train, dtype=torch.int64)
    order = [
        [torch.from_numpy(b) for b in epoch]
        for epoch in train.batch_order(SEED, len(y), cfg["batch_size"], cfg["epochs"])
    ]
    full = cfg["batch_size"] >= len(y)

    def run():
        layers = []
        for i in (1, 2, 3):
            lin = torch.nn.Linear(*p0[f"W{i}"].shape).to(dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.tensor(p0[f"W{i}"].T, dtype=dtype))
                lin.bias.zero_()
            layers += [lin, torch.nn.ReLU()]
        net = torch.nn.Sequential(*layers[:-1])
        opt = torch.optim.Adam(net.parameters(), lr=0.01)
        loss_fn = torch.nn.CrossEntropyLoss()
        for epoch in order:
            for idx in epoch:
                xb, yb = (X, y) if full else (X[idx], y[idx])
                opt.zero_grad()
                loss = loss_fn(net(xb), yb)
                loss.backward()
                opt.step()
                if record is not None:
                    record.append(loss.item())

    return run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer epochs and repeats")
    args = ap.parse_args()
    reps = 3 if args.quick else 7
    data = datasets.make(
        "moons", rng=np.random.default_rng(SEED), n_samples=1000, noise=0.2, val_fraction=0.0
    )
    have_torch = importlib.util.find_spec("torch") is not None
    print(
        f"DescentLab MLP benchmark — Python {platform.python_version()}, NumPy {np.__version__}"
        f", {platform.machine()}; medians of {reps} runs, one thread, CPU seconds; load "
        f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    torch = None
    if have_torch:
        import torch

        torch.set_num_threads(1)
        print(f"PyTorch {torch.__version__}")
    else:
        print("torch not installed: ratios are skipped (pip install torch==2.13.0)")

    print("\n1. 2-16-16-2 ReLU, Adam, 1,000 moons points: seconds per epoch")
    targets = {32: 0.25, 1000: 0.6}
    runs = ((32, 10 if args.quick else 30), (1000, 100 if args.quick else 400))
    for bs, epochs in runs:
        cfg = config(data, bs, epochs)
        fns = {"engine": engine_run(cfg)}
        if torch is not None:
            fns["f64"] = torch_run(torch, cfg, torch.float64)
            fns["f32"] = torch_run(torch, cfg, torch.float32)
        t = race(fns, epochs, reps)
        label = "full batch" if bs >= 1000 else f"batch {bs}"
        line = f"   {label:10s} engine {t['engine'] * 1e3:7.3f} ms"
        if torch is not None:
            r64, r32 = t["engine"] / t["f64"], t["engine"] / t["f32"]
            line += (
                f" | torch f64 {t['f64'] * 1e3:7.3f} ms, f32 {t['f32'] * 1e3:7.3f} ms"
                f" | engine/torch {r64:.2f}x (f64), {r32:.2f}x (f32); target <= {targets[bs]}x"
                f": {'meets' if r64 <= targets[bs] else 'MISSES'} (f64),"
                f" {'meets' if r32 <= targets[bs] else 'MISSES'} (f32)"
            )
        print(line)

    print("\n2. 8 lanes vs 1 lane (same run otherwise): seconds per epoch")
    sweep = [{"name": "adam", "params": {"lr": 0.002 * (i + 1)}} for i in range(8)]
    for bs, epochs in runs:
        t = race(
            {
                "one": engine_run(config(data, bs, epochs)),
                "eight": engine_run(config(data, bs, epochs, EIGHT)),
                "sweep": engine_run(config(data, bs, epochs, sweep)),
            },
            epochs,
            reps,
        )
        label = "full batch" if bs >= 1000 else f"batch {bs}"
        print(f"   {label:10s} 1 lane {t['one'] * 1e3:7.3f} ms")
        for key, what in (("eight", "8 different optimizers"), ("sweep", "8 Adam lr sweep")):
            ratio = t[key] / t["one"]
            print(
                f"   {'':10s} {what:22s} {t[key] * 1e3:7.3f} ms -> {ratio:.2f}x;"
                f" target <= 3x: {'meets' if ratio <= 3 else 'MISSES'}"
            )

    if torch is not None:
        cfg = config(data, 32, 3)
        theirs: list[float] = []
        torch_run(torch, cfg, torch.float64, theirs)()
        ours = train.run(cfg, SEED).arrays["it_loss"][:, 0]
        diff = float(np.max(np.abs(ours - np.array(theirs))))
        print(
            f"\nSame computation: max |engine − torch f64| over {len(ours)} iteration losses:"
            f" {diff:.1e}"
        )


if __name__ == "__main__":
    main()

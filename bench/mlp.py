"""MLP benchmark (not a test): the engine's trainer against PyTorch, one thread, same work.

    python bench/mlp.py [--quick]

A 2-w-w-2 ReLU network (He normal init, w = 16 … 256, the widths the UI allows) with softmax
cross-entropy on 1,000 two-moons points, trained by `engine.train` and by a torch.nn /
torch.optim loop that starts from the same weights and replays the same minibatch order
(`train.batch_order`). Seconds per epoch are medians of repeated runs in the same process,
the contenders interleaved round by round, in CPU time of the process (one thread
everywhere): on a shared machine this keeps the ratios honest where wall time would not.

1. Adam (lr 0.01), batch 32 (32 iterations per epoch) and full batch (1 per epoch), width
   16 and 256, against torch in float64 (the engine's precision; float32 shown too).
   Targets (issue 9): engine ÷ torch f64 ≤ 0.2 / 0.9 at batch 32 (width 16 / 256),
   ≤ 0.5 / 1.0 at full batch.
2. 8 different optimizers as 8 lanes of one run ÷ one Adam lane, every width and both batch
   sizes. Targets: ≤ 3× at batch 32 for widths 16–64; ≤ 8.5× everywhere (the arithmetic
   is 8×). An 8-lane Adam learning-rate sweep (one rule, one optimizer call) for reference.
3. Set-up: one `train.run(epochs=1)` at width 16, full batch, against 2 epochs (the
   difference is one epoch; the rest is set-up, the untrained evaluation and the summary).

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
    {"name": name, "params": params}
    for name, params in (
        ("gd", {"lr": 0.1}),
        ("sgd", {"lr": 0.05, "momentum": 0.9}),
        ("adagrad", {"lr": 0.05}),
        ("rmsprop", {"lr": 0.005}),
        ("adadelta", {"lr": 1.0}),
        ("adam", {"lr": 0.01}),
        ("adamw", {"lr": 0.01}),
        ("nadam", {"lr": 0.01}),
    )
]


def config(data, width: int, batch_size: int, epochs: int, optimizers=None) -> dict:
    return {
        "data": data,
        "hidden": [width, width],
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


# (width, batch size) -> epochs per timed run (about 0.1–0.3 s of engine time each)
EPOCHS = {
    (16, 32): 30,
    (32, 32): 20,
    (64, 32): 12,
    (128, 32): 5,
    (256, 32): 2,
    (16, 1000): 400,
    (32, 1000): 200,
    (64, 1000): 100,
    (128, 1000): 40,
    (256, 1000): 10,
}


def label(width: int, bs: int) -> str:
    return f"width {width:3d}, {'full batch' if bs >= 1000 else f'batch {bs}'}"


def verdict(ratio: float, target: float) -> str:
    return f"target <= {target}x: {'meets' if ratio <= target else 'MISSES'}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer epochs and repeats")
    args = ap.parse_args()
    reps = 3 if args.quick else 7
    scale = 3 if args.quick else 1

    def epochs(w, bs):
        return max(1, EPOCHS[w, bs] // scale)

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
        print("torch not installed: section 1 is skipped (pip install torch==2.13.0)")

    if torch is not None:
        print("\n1. 2-w-w-2 ReLU, Adam, 1,000 moons points: engine ÷ torch, seconds per epoch")
        targets = {(16, 32): 0.2, (256, 32): 0.9, (16, 1000): 0.5, (256, 1000): 1.0}
        for w, bs in targets:
            cfg = config(data, w, bs, epochs(w, bs))
            fns = {
                "engine": engine_run(cfg),
                "f64": torch_run(torch, cfg, torch.float64),
                "f32": torch_run(torch, cfg, torch.float32),
            }
            t = race(fns, cfg["epochs"], reps)
            r64, r32 = t["engine"] / t["f64"], t["engine"] / t["f32"]
            print(
                f"   {label(w, bs)}: engine {t['engine'] * 1e3:8.3f} ms | torch f64"
                f" {t['f64'] * 1e3:8.3f} ms, f32 {t['f32'] * 1e3:8.3f} ms | engine/torch f64"
                f" {r64:.2f}x ({verdict(r64, targets[w, bs])}), f32 {r32:.2f}x"
            )

    print("\n2. 8 different optimizers ÷ 1 Adam lane (same run otherwise), seconds per epoch")
    sweep = [{"name": "adam", "params": {"lr": 0.002 * (i + 1)}} for i in range(8)]
    worst = (0.0, "")
    for bs in (32, 1000):
        for w in (16, 32, 64, 128, 256):
            ep = epochs(w, bs)
            t = race(
                {
                    "one": engine_run(config(data, w, bs, ep)),
                    "eight": engine_run(config(data, w, bs, ep, EIGHT)),
                    "sweep": engine_run(config(data, w, bs, ep, sweep)),
                },
                ep,
                reps,
            )
            r8, rs = t["eight"] / t["one"], t["sweep"] / t["one"]
            target = 3.0 if bs == 32 and w <= 64 else 8.5
            print(
                f"   {label(w, bs)}: 1 lane {t['one'] * 1e3:8.3f} ms, 8 optimizers"
                f" {t['eight'] * 1e3:8.3f} ms -> {r8:5.2f}x ({verdict(r8, target)});"
                f" 8-lane Adam sweep {rs:5.2f}x"
            )
            worst = max(worst, (r8, label(w, bs)))
    print(f"   worst: {worst[0]:.2f}x at {worst[1]} ({verdict(worst[0], 8.5)})")

    print("\n3. Set-up of one run (width 16, full batch)")
    one, two = (engine_run(config(data, 16, 1000, e)) for e in (1, 2))
    t = race({"one": one, "two": two}, 1, 5 * reps)
    print(
        f"   train.run(epochs=1) {t['one'] * 1e3:.3f} ms, epochs=2 {t['two'] * 1e3:.3f} ms:"
        f" set-up ≈ {(2 * t['one'] - t['two']) * 1e3:.3f} ms"
    )

    if torch is not None:
        for w, bs in ((16, 32), (256, 1000)):
            cfg = config(data, w, bs, 3)
            theirs: list[float] = []
            torch_run(torch, cfg, torch.float64, theirs)()
            ours = train.run(cfg, SEED).arrays["it_loss"][:, 0]
            diff = float(np.max(np.abs(ours - np.array(theirs))))
            print(
                f"\nSame computation, {label(w, bs)}: max |engine − torch f64| over"
                f" {len(ours)} iteration losses: {diff:.1e}",
                end="",
            )
        print()


if __name__ == "__main__":
    main()

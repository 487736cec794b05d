"""Sweep throughput benchmark (not a test): cells per second, serial vs pool vs Dask.

    python bench/sweeps.py [--repeat 3] [--workers 2]

Two sweeps from issue 14:
1. 2D: 2 optimizers × 25 learning rates × 5 seeds (250 cells) on Rosenbrock, 500 steps with
   gradient noise;
2. MLP: moons, 8 rates × 3 optimizers × 3 seeds, 50 epochs (72 cells).
Each is computed (a) serially in this process (the baseline: one cell after another, the
plain loop a script would write around the engine), (b) by the local process pool of
`--workers` processes, (c) by a Dask LocalCluster of `--workers` single-threaded worker
processes on this machine. The pool and the cluster are started and warmed up first (their
start-up is reported apart); the best of --repeat runs counts, the three executors taking
turns. With torch installed, the
2D sweep's cells are also run as torch.optim loops (one optimizer per cell, autograd on the
same surface and noise) for scale. The tables of (a), (b) and (c) are checked to be equal.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.settings import Settings  # noqa: E402
from app.sweeps import LocalExecutor, SerialExecutor, build_plan, run_local  # noqa: E402

RACE = {
    "base": {"kind": "surface", "surface": {"name": "rosenbrock"},
             "optimizers": [{"name": "sgd", "params": {"lr": 0.001}}], "starts": [[-1.5, 2.0]],
             "steps": 500, "noise": {"sigma": 0.5}},
    "axes": {"optimizers.0.name": ["sgd", "adam"],
             "optimizers.0.params.lr": {"log_range": [1e-4, 1, 25]}, "seed": [0, 1, 2, 3, 4]},
}  # fmt: skip
MLP = {
    "base": {"kind": "mlp", "dataset": {"name": "moons"}, "model": {"hidden": [16, 16]},
             "optimizers": [{"name": "sgd", "params": {"lr": 0.01}}], "epochs": 50},
    "axes": {"optimizers.0.name": ["sgd", "rmsprop", "adam"],
             "optimizers.0.params.lr": {"log_range": [1e-4, 1, 8]}, "seed": [0, 1, 2]},
}  # fmt: skip


def numbers(doc: dict) -> list:
    return [(c["index"], c["final_loss"], c["diverged"]) for c in doc["cells"]]


def torch_race(plan) -> float | None:
    """The 2D sweep's cells as torch.optim loops (autograd), seconds; None without torch."""
    try:
        import torch
    except ImportError:
        return None
    from app.kinds import race as race_kind

    t0 = time.perf_counter()
    for config in plan.cells:
        surface, configs, starts, steps, kw = race_kind.engine_args(config)
        rng = np.random.default_rng(kw["seed"])  # noise of the same size (not the same draws)
        noise = kw["noise"].sample(rng, (steps, 1, 2)) if kw["noise"].active else None
        x = torch.tensor(starts[0], dtype=torch.float64, requires_grad=True)
        o = configs[0]
        cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[o["name"]]
        opt = cls([x], lr=o["params"]["lr"])
        for k in range(steps):
            opt.zero_grad()
            a, b = x[0], x[1]
            loss = (1 - a) ** 2 + 100 * (b - a * a) ** 2
            loss.backward()
            if noise is not None:
                x.grad += torch.from_numpy(noise[k, 0])
            opt.step()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    s = Settings(db=":memory:", sweep_task_s=0.25)
    t0 = time.perf_counter()
    pool = LocalExecutor(args.workers)
    run_local(RACE, s, pool)  # warm: every worker has imported the engine
    pool_start = time.perf_counter() - t0
    dask = None
    try:
        import distributed

        from app.sweeps import DaskExecutor

        t0 = time.perf_counter()
        cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                           processes=True, dashboard_address=None,
                                           silence_logs=50)  # fmt: skip
        dask = DaskExecutor(cluster)
        run_local(RACE, s, dask)
        dask_start = time.perf_counter() - t0
    except ImportError:
        print("(Dask not installed: pip install '.[cluster]')")
    print(f"start-up (and one warm-up sweep): pool {pool_start:.2f} s"
          + (f", Dask LocalCluster {dask_start:.2f} s" if dask else ""))  # fmt: skip
    print(f"{'sweep':<26} {'cells':>6} {'serial c/s':>11} {'pool c/s':>9} {'pool/serial':>12}"
          f" {'dask c/s':>9} {'dask/pool':>10} {'same bits':>10}")  # fmt: skip
    for label, spec in (("2D (2×25×5, 500 steps)", RACE), ("MLP (moons, 8×3×3, 50 ep)", MLP)):
        plan = build_plan(spec, s)
        n = plan.n_cells
        runners = {"serial": SerialExecutor(), "pool": pool, **({"dask": dask} if dask else {})}
        best = dict.fromkeys(runners, float("inf"))
        docs = {}
        for _ in range(args.repeat):  # interleaved: the machine's drift hits each alike
            for name, ex in runners.items():
                t0 = time.perf_counter()
                docs[name] = run_local(plan, s, ex)
                best[name] = min(best[name], time.perf_counter() - t0)
        same = all(numbers(d) == numbers(docs["serial"]) for d in docs.values())
        t_serial, t_pool = best["serial"], best["pool"]
        row = (f"{label:<26} {n:>6} {n / t_serial:>11.1f} {n / t_pool:>9.1f} "
               f"{t_serial / t_pool:>11.2f}×")  # fmt: skip
        if dask is not None:
            row += f" {n / best['dask']:>9.1f} {t_pool / best['dask']:>9.2f}×"
        print(row + f" {'yes' if same else 'NO':>10}")
        if spec is RACE:
            t_torch = torch_race(plan)
            if t_torch is not None:
                print(f"{'  torch.optim loops':<26} {n:>6} {n / t_torch:>11.1f}   "
                      f"(serial engine is {t_torch / t_serial:.1f}× torch)")  # fmt: skip
    pool.close()
    if dask is not None:
        dask.close()
        cluster.close()


if __name__ == "__main__":
    main()

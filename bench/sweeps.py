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
start-up is reported apart). The executors take turns, --repeat rounds: cells/s from each
one's best round, the ratios the median of the rounds' own ratios (this VM's speed drifts
by up to 2× from one second to the next). With torch installed, the
2D sweep's cells are also run as torch.optim loops (one optimizer per cell, autograd on the
same surface and noise) for scale. The tables of (a), (b) and (c) are checked to be equal.
"""

from __future__ import annotations

import argparse
import statistics
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


def ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """The median of the rounds' own ratios of a's time to b's."""
    return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))


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


def rounds(plan, s, runners: dict, repeat: int) -> tuple[dict[str, list[float]], dict]:
    """`repeat` rounds in which each executor computes the sweep once, in turns."""
    times: dict[str, list[float]] = {name: [] for name in runners}
    docs = {}
    for _ in range(repeat):
        for name, ex in runners.items():
            t0 = time.perf_counter()
            docs[name] = run_local(plan, s, ex)
            times[name].append(time.perf_counter() - t0)
    return times, docs


def start_dask(workers: int, s: Settings):
    """A LocalCluster of single-threaded worker processes and its executor (None: no Dask)."""
    try:
        import distributed
    except ImportError:
        return None, None
    from app.sweeps import DaskExecutor

    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                       processes=True, dashboard_address=None,
                                       silence_logs=50)  # fmt: skip
    dask = DaskExecutor(cluster)
    run_local(RACE, s, dask)  # warm
    return cluster, dask


SWEEPS = (("2D (2×25×5, 500 steps)", RACE), ("MLP (moons, 8×3×3, 50 ep)", MLP))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-dask", action="store_true", help="the pool against serial only")
    args = ap.parse_args()
    s = Settings(db=":memory:")  # the server's batching (DESCENTLAB_SWEEP_TASK_S)
    t0 = time.perf_counter()
    pool = LocalExecutor(args.workers)
    run_local(RACE, s, pool)  # warm: every worker has imported the engine
    print(f"pool start-up and one warm-up sweep: {time.perf_counter() - t0:.2f} s")
    # 1. serial against the pool, before any Dask process exists (an idle cluster's event
    #    loops and heartbeats take CPU from whatever runs beside them)
    print(f"{'sweep':<26} {'cells':>6} {'serial c/s':>11} {'pool c/s':>9} {'pool/serial':>12}"
          f" {'same bits':>10}")  # fmt: skip
    plans, reference = {}, {}
    for label, spec in SWEEPS:
        plans[label] = plan = build_plan(spec, s)
        n = plan.n_cells
        times, docs = rounds(plan, s, {"serial": SerialExecutor(), "pool": pool}, args.repeat)
        reference[label] = numbers(docs["serial"])
        same = numbers(docs["pool"]) == reference[label]
        best = {name: min(t) for name, t in times.items()}
        r = ratio(times, "serial", "pool")
        print(f"{label:<26} {n:>6} {n / best['serial']:>11.1f} {n / best['pool']:>9.1f} "
              f"{r:>11.2f}× {'yes' if same else 'NO':>10}")  # fmt: skip
        if spec is RACE:
            t_torch = torch_race(plan)
            if t_torch is not None:
                print(f"{'  torch.optim loops':<26} {n:>6} {n / t_torch:>11.1f}   "
                      f"(serial engine is {t_torch / best['serial']:.1f}× torch)")  # fmt: skip
    # 2. the pool against a Dask LocalCluster on the same cores, in turns
    cluster, dask = (None, None) if args.no_dask else start_dask(args.workers, s)
    if dask is None:
        print("(no Dask: --no-dask, or not installed: pip install '.[cluster]')")
    else:
        print(f"{'sweep':<26} {'cells':>6} {'pool c/s':>9} {'dask c/s':>9} {'dask/pool':>10}"
              f" {'same bits':>10}")  # fmt: skip
        for label, plan in plans.items():
            n = plan.n_cells
            times, docs = rounds(plan, s, {"pool": pool, "dask": dask}, args.repeat)
            same = numbers(docs["dask"]) == reference[label]
            best = {name: min(t) for name, t in times.items()}
            r = ratio(times, "pool", "dask")
            print(f"{label:<26} {n:>6} {n / best['pool']:>9.1f} {n / best['dask']:>9.1f} "
                  f"{r:>9.2f}× {'yes' if same else 'NO':>10}")  # fmt: skip
        dask.close()
        cluster.close()
    pool.close()


if __name__ == "__main__":
    main()

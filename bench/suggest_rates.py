"""Suggested learning rates per surface for optimizer families: the rule that made
engine/surface_catalog/rates.py, run again (prints a table's columns to paste there).

    PYTHONPATH=. .venv/bin/python -P bench/suggest_rates.py asgd adafactor
    PYTHONPATH=. .venv/bin/python -P bench/suggest_rates.py --from-default rprop lbfgs newton

From a 1-2-5 ladder within the optimizer's bounds: rates whose run from the surface's first
start stays in the domain for 300 steps and does not diverge (nor does twice the rate,
within 600); of those the smallest that converges within 200 steps, else the fastest to
converge, else the lowest final loss. On the unbounded saddles: the largest rate that stays
in the domain for 300 steps.

`--from-default` is for rules whose rate is not a step length to tune (Rprop's is only its
first step; L-BFGS and Newton's methods take the step their model gives, at 1): torch's
default, or else the largest rung below it whose run stays in the domain for 300 steps, does
not diverge and ends lower than it started (Newton's may end higher: it seeks any critical
point).
"""

from __future__ import annotations

import sys

import numpy as np

import engine.surface_catalog  # noqa: F401  (fills the registry)
from engine import registry, simulate, surfaces


def ladder(name: str) -> list[float]:
    spec = registry.get("optimizer", name).param("lr")
    rates = [float(f"{c}e{e}") for e in range(-6, 2) for c in (1, 2, 5)]
    return [r for r in rates if spec.low <= r <= spec.high]


def suggest(surface_name: str, name: str) -> float:
    s = surfaces.get(surface_name)
    rates = ladder(name)
    configs = [{"name": name, "params": {"lr": r}} for r in rates]
    start = [s.starts[0]]
    long = simulate.run(s, configs, start, 600)
    short = simulate.run(s, configs, start, 300)
    (x0, x1), (y0, y1) = s.domain
    xy = short.arrays["xy"]
    inside = [
        bool(np.all((xy[:, i, 0] >= x0) & (xy[:, i, 0] <= x1)
                    & (xy[:, i, 1] >= y0) & (xy[:, i, 1] <= y1)))
        for i in range(len(rates))
    ]  # fmt: skip
    lanes = short.summary
    ok = []
    for i, _ in enumerate(rates):
        if not inside[i] or lanes[i]["diverged_at"] is not None:
            continue
        double = i + 3 if i + 3 < len(rates) else None  # 2 × (1-2-5): three rungs up is 10×
        twice = [j for j, r in enumerate(rates) if abs(r - 2 * rates[i]) < 1e-12 * rates[i]]
        check = twice[0] if twice else double
        if check is not None and long.summary[check]["diverged_at"] is not None and twice:
            continue
        ok.append(i)
    tags = registry.get("surface", surface_name).info["tags"]
    if "unbounded" in tags:
        return rates[max(ok)] if ok else rates[0]
    if not ok:
        return rates[0]
    fast = [i for i in ok if (lanes[i]["converged_at"] or 10**9) <= 200]
    if fast:
        return rates[min(fast)]
    conv = [i for i in ok if lanes[i]["converged_at"] is not None]
    if conv:
        return rates[min(conv, key=lambda i: lanes[i]["converged_at"])]
    return rates[min(ok, key=lambda i: lanes[i]["final_loss"])]


def from_default(surface_name: str, name: str) -> float:
    s = surfaces.get(surface_name)
    default = registry.get("optimizer", name).param("lr").default
    rates = [r for r in ladder(name) if r <= default][::-1]
    (x0, x1), (y0, y1) = s.domain
    for r in rates:
        race = simulate.run(s, [{"name": name, "params": {"lr": r}}], [s.starts[0]], 300)
        xy = race.arrays["xy"][:, 0]
        inside = np.all((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1))
        lane = race.summary[0]
        downhill = (
            name == "newton"  # Newton goes to the nearest critical point, even uphill
            or "unbounded" in registry.get("surface", surface_name).info["tags"]
            or lane["final_loss"] < float(s.value(np.array(s.starts[0])))
        )
        if inside and lane["diverged_at"] is None and downhill:
            return r
    return rates[-1]


def main(args: list[str]) -> None:
    pick = suggest
    if args and args[0] == "--from-default":
        pick, args = from_default, args[1:]
    for surface_name in registry.names("surface"):
        row = [f"{pick(surface_name, n):g}" for n in args]
        print(f"{surface_name:20s}", ", ".join(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

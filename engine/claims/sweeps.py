"""Checks on a sweep (the GET /api/sweeps/{id} document: one cell per combination of the axes)
and on an LR range test (the POST /api/lr-finder document).

A sweep's curve is the metric against one axis `x` (a learning rate, say), for the cells that
match `where` ({path: value}), the median over the remaining axes (the seeds). A diverged or
failed cell counts as +inf, as the dashboard's sensitivity chart draws it; the metric must be
a loss (lower is better). A check on a sweep that is not done fails.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine import train
from engine.claims.base import Array, claim

LOSS_METRICS = ("final_loss", "final_val_loss")
LR = "optimizers.0.params.lr"
NAME = "optimizers.0.name"


def _cell_value(cell: Mapping[str, Any]) -> float:
    v = cell.get("value")
    if cell.get("status") != "done" or cell.get("diverged") or v is None:
        return math.inf
    v = float(v)
    return v if math.isfinite(v) else math.inf


def _matches(point: Mapping[str, Any], where: Mapping[str, Any] | None) -> bool:
    return all(point.get(k) == v for k, v in (where or {}).items())


def curve(doc: Mapping[str, Any], x: str, where: Mapping[str, Any] | None = None):
    """(xs ascending, median metric per x, cells per x) of the cells matching `where`."""
    axes = doc.get("axes") or {}
    for path in (x, *(where or {})):
        if path not in axes:
            raise ValueError(f"{path!r} is not an axis of the sweep; axes: {list(axes)}")
    if doc.get("metric", "final_loss") not in LOSS_METRICS:
        raise ValueError(f"the sweep's metric {doc.get('metric')!r} is not a loss")
    groups: dict[Any, list[float]] = {}
    for cell in doc["cells"]:
        if _matches(cell["point"], where):
            groups.setdefault(cell["point"][x], []).append(_cell_value(cell))
    if not groups:
        raise ValueError(f"no cell of the sweep has {dict(where or {})}")
    xs = sorted(groups)
    med = np.array([np.median(groups[v]) for v in xs])
    return np.array(xs, dtype=np.float64), med, [groups[v] for v in xs]


def _not_done(doc: Mapping[str, Any]) -> tuple[bool, str] | None:
    status = doc.get("status")
    return None if status == "done" else (False, f"the sweep is {status}, not done")


def _g(v: float) -> str:
    return "diverged" if not math.isfinite(v) else f"{v:.3g}"


def _what(where: Mapping[str, Any] | None) -> str:
    return ", ".join(f"{v}" for v in (where or {}).values()) or "the sweep"


@claim("sweep", "", x=LR, where=None, factor=10.0)
def _u_curve(doc, x, where, factor):
    """The median metric along `x` is lowest at an inner value; both ends are ≥ `factor`× it."""
    if bad := _not_done(doc):
        return bad
    xs, med, _ = curve(doc, x, where)
    k = int(np.argmin(med))
    best = float(med[k])
    lo, hi = float(med[0]), float(med[-1])
    inner = 0 < k < len(xs) - 1 and math.isfinite(best)
    ok = inner and lo >= factor * best and hi >= factor * best
    return ok, (
        f"{_what(where)}: lowest median {_g(best)} at {x} = {xs[k]:g} (point {k + 1} of "
        f"{len(xs)}); {_g(lo)} at {xs[0]:g}, {_g(hi)} at {xs[-1]:g} (≥ {factor:g}× needed)"
    )


@claim("sweep", "low high", x=LR, where=None)
def _best_between(doc, low, high, x, where):
    """The value of `x` with the lowest median metric lies in [low, high]."""
    if bad := _not_done(doc):
        return bad
    xs, med, _ = curve(doc, x, where)
    k = int(np.argmin(med))
    ok = math.isfinite(med[k]) and low <= xs[k] <= high
    return (
        ok,
        f"{_what(where)}: lowest median {_g(med[k])} at {x} = {xs[k]:g} ([{low:g}, {high:g}])",
    )


@claim("sweep", "value", x=LR, where=None, only=True)
def _diverges_above(doc, value, x, where, only):
    """Every cell with `x` ≥ `value` diverges (and, with `only`, no cell below it does)."""
    if bad := _not_done(doc):
        return bad
    xs, _, cells = curve(doc, x, where)
    above = [v for xv, c in zip(xs, cells, strict=True) if xv >= value for v in c]
    below = [v for xv, c in zip(xs, cells, strict=True) if xv < value for v in c]
    n_up = sum(not math.isfinite(v) for v in above)
    n_down = sum(not math.isfinite(v) for v in below)
    ok = bool(above) and n_up == len(above) and (not only or n_down == 0)
    return ok, (
        f"{_what(where)}: {n_up} of {len(above)} cells with {x} ≥ {value:g} diverged, "
        f"{n_down} of {len(below)} below"
    )


def good_range(xs: Array, med: Array, within: float) -> tuple[int, float, float]:
    """(how many x have a median ≤ within × the best, log10 of their span, the best)."""
    best = float(np.min(med))
    if not math.isfinite(best):
        return 0, 0.0, best
    good = xs[med <= within * best] if best > 0 else xs[med <= best]
    span = float(np.log10(good.max() / good.min())) if np.all(good > 0) else 0.0
    return len(good), span, best


@claim("sweep", "better than", x=LR, by=NAME, within=2.0, factor=1.0)
def _wider_good_range(doc, better, than, x, by, within, factor):
    """More values of `x` come within `within`× of their curve's best median for `better`
    (the value of axis `by`) than for `than`, and at least `factor`× as many."""
    if bad := _not_done(doc):
        return bad
    counts = {}
    parts = []
    for who in (better, than):
        xs, med, _ = curve(doc, x, {by: who})
        n, span, best = good_range(xs, med, within)
        counts[who] = n
        parts.append(
            f"{who}: {n} of {len(xs)} rates within {within:g}× of its best {_g(best)} "
            f"({span:.2g} decades)"
        )
    ok = counts[better] > counts[than] and counts[better] >= factor * counts[than]
    return ok, "; ".join(parts)


# --------------------------------------------------------------------------- LR range test


@claim("lr_range", "low high")
def _suggested_lr_between(r, low, high):
    """The range test suggests a rate (the steepest fall of the smoothed loss) in [low, high]."""
    s = r.get("suggested_lr")
    ok = s is not None and low <= s <= high
    return ok, f"suggested rate {s if s is None else f'{s:.3g}'} ([{low:g}, {high:g}])"


@claim("lr_range", "how")
def _range_test_stops(r, how):
    """The range test stopped as `how` says: "diverged" (the loss blew up) or "end"."""
    lrs = r.get("lrs") or [math.nan]
    stopped = r.get("stopped")
    return stopped == how, f"stopped: {stopped} at rate {lrs[-1]:.3g} after {len(lrs)} steps"


@claim("lr_range", "factor")
def _range_test_turns_up(r, factor):
    """Past the suggested rate the smoothed loss bottoms out, then climbs to ≥ `factor`× its
    lowest value by the test's end (a non-finite end counts as a climb)."""
    sm = np.array([math.inf if v is None else float(v) for v in r["smoothed"]])
    k = int(np.argmin(sm))
    s, lrs = r.get("suggested_lr"), r["lrs"]
    end = float(sm[-1]) if math.isfinite(sm[-1]) else math.inf
    ok = s is not None and lrs[k] > s and end >= factor * sm[k]
    return ok, (
        f"smoothed loss lowest {sm[k]:.3g} at rate {lrs[k]:.3g} (suggested "
        f"{s if s is None else f'{s:.3g}'}), {_g(end)} at the end, {lrs[-1]:.3g} "
        f"(≥ {factor:g}× needed)"
    )


def _lane_loss(summary: Mapping[str, Any]) -> float:
    v = summary.get("final_train_loss")
    return float(v) if v is not None and math.isfinite(v) else math.inf


@claim("lr_range", "", context=True, factor=100.0, epochs=None)
def _suggested_lr_trains_best(r, context, factor, epochs):
    """Training the run (for `epochs`, or its own) at the suggested rate ends at a lower
    training loss than at that rate ÷ `factor` and × `factor` (a diverged run: +inf)."""
    s = r.get("suggested_lr")
    if s is None:
        return False, "the range test suggests no rate"
    config = dict(context["config"])
    opt = config["optimizers"][0]
    rates = [s / factor, s, s * factor]
    config["optimizers"] = [{**opt, "params": {**opt["params"], "lr": lr}} for lr in rates]
    if epochs is not None:
        config["epochs"] = epochs
    res = train.run(config, context.get("seed", 0))
    low, mid, high = (_lane_loss(res.summary[i]) for i in range(3))
    ok = mid < low and mid < high
    return ok, (
        f"final training loss after {config['epochs']} epochs: {_g(mid)} at {s:.3g}, "
        f"{_g(low)} at {rates[0]:.3g}, {_g(high)} at {rates[2]:.3g}"
    )

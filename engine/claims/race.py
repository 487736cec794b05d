"""Checks on a race (a simulate.RaceResult; lane = optimizer × starts + start)."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import simulate
from engine.claims.base import Array, claim


def _xy(v: Any) -> Array:
    return np.asarray(v, dtype=np.float64).reshape(2)


def _fmt(xy: Any) -> str:
    return "(" + ", ".join(f"{float(c):.4g}" for c in np.ravel(xy)) + ")"


# --------------------------------------------------------------------------- race checks


def _lane(r: simulate.RaceResult, lane: int) -> dict[str, Any]:
    return r.summary[lane]


@claim("race", "lane xy", tol=0.05)
def _ends_near(r, lane, xy, tol):
    """The lane ends (without diverging) within `tol` of the point `xy`."""
    s = _lane(r, lane)
    d = float(np.hypot(*(np.asarray(s["final_xy"]) - _xy(xy))))
    ok = s["diverged_at"] is None and d <= tol
    return ok, f"ends at {_fmt(s['final_xy'])}, {d:.3g} from {_fmt(xy)} (tol {tol:g})"


@claim("race", "lane xy", tol=0.05, grad_tol=0.05)
def _stalls_near(r, lane, xy, tol, grad_tol):
    """The lane ends within `tol` of `xy` (a saddle, say) with a gradient norm ≤ grad_tol."""
    ok, detail = _ends_near(r, lane, xy, tol)
    g = float(r.arrays["grad_norm"][-1, lane])
    return ok and g <= grad_tol, f"{detail}; final |∇f| {g:.3g} (≤ {grad_tol:g})"


@claim("race", "lane xy", tol=0.05, after=0)
def _passes_near(r, lane, xy, tol, after):
    """At some step ≥ `after` the lane comes within `tol` of `xy`."""
    p = r.arrays["xy"][after:, lane]
    d = np.hypot(*(p - _xy(xy)).T)
    if not np.any(d <= tol):
        closest = np.min(d[np.isfinite(d)], initial=np.inf)
        return False, f"never within {tol:g} of {_fmt(xy)} (closest {closest:.3g})"
    k = after + int(np.argmax(d <= tol))
    return True, f"within {tol:g} of {_fmt(xy)} at step {k}"


@claim("race", "lane step")
def _diverges_before(r, lane, step):
    """The lane diverges (non-finite or |x| > 1e6) at a step ≤ `step`."""
    at = _lane(r, lane)["diverged_at"]
    return at is not None and at <= step, f"diverged at step {at}" if at else "never diverged"


@claim("race", "lane")
def _stays_finite(r, lane):
    """The lane never diverges."""
    at = _lane(r, lane)["diverged_at"]
    return at is None, "never diverged" if at is None else f"diverged at step {at}"


@claim("race", "lane steps")
def _converges_within(r, lane, steps):
    """The lane settles at a listed minimum (the race's tolerance) by step `steps`."""
    at = _lane(r, lane)["converged_at"]
    return at is not None and at <= steps, f"converged at step {at} (budget {steps})"


@claim("race", "lane steps")
def _not_converged_within(r, lane, steps):
    """The lane has not settled at any minimum by step `steps` (a crawl, or a stall)."""
    at = _lane(r, lane)["converged_at"]
    return at is None or at > steps, f"converged at step {at} (must be later than {steps})"


@claim("race", "lane other")
def _slower_than(r, lane, other):
    """Lane `other` converges, and `lane` converges later or never."""
    a, b = _lane(r, lane)["converged_at"], _lane(r, other)["converged_at"]
    ok = b is not None and (a is None or a > b)
    return ok, f"lane {lane} converged at {a}, lane {other} at {b}"


@claim("race", "lane distance")
def _moves_less_than(r, lane, distance):
    """The lane ends less than `distance` from where it started (a crawl)."""
    xy = r.arrays["xy"][:, lane]
    d = float(np.hypot(*(np.asarray(_lane(r, lane)["final_xy"]) - xy[0])))
    return d < distance, f"moved {d:.3g} in all (< {distance:g})"


@claim("race", "lane min_flips", coord=1)
def _oscillates(r, lane, min_flips, coord):
    """The update of coordinate `coord` (0: x, 1: y) changes sign at least `min_flips` times."""
    u = r.arrays["update"][1:, lane, coord]
    s = np.sign(u[np.isfinite(u) & (u != 0)])
    flips = int(np.count_nonzero(s[1:] != s[:-1]))
    return flips >= min_flips, f"{flips} sign changes of the {'xy'[coord]} step"


@claim("race", "lane step", tol=1)
def _lr_peaks_at(r, lane, step, tol):
    """The learning rate rises to its peak at `step` (± tol), then falls to the end."""
    lr = r.arrays["lr"][1:, lane]
    k = int(np.argmax(lr)) + 1  # row k holds the rate of update k
    up = np.all(np.diff(lr[:k]) >= 0)
    down = np.all(np.diff(lr[k - 1 :]) <= 0)
    ok = abs(k - step) <= tol and up and down and lr[0] < lr[k - 1] and lr[-1] < lr[k - 1]
    return ok, f"peak {lr[k - 1]:.3g} at step {k} (rises: {up}, then falls: {down})"


def _effective_lr(r, lane: int, coord: int) -> Array:
    """|update| / |gradient| of one coordinate per step; NaN where it cannot be measured: row 0,
    a zero gradient, or an update lost to rounding (below 1e-9 of the coordinate's size)."""
    u, g = r.arrays["update"][:, lane, coord], r.arrays["grad"][:, lane, coord]
    x = r.arrays["xy"][:, lane, coord]
    num, den = np.abs(u), np.abs(g)
    good = (den > 1e-300) & (num > 1e-9 * np.abs(x))
    return np.where(good, num / np.where(good, den, 1.0), np.nan)


def _last_finite(a: Array, step: int | None) -> tuple[int, float]:
    if step is not None:
        return step, float(a[step])
    idx = np.flatnonzero(np.isfinite(a))
    k = int(idx[-1]) if len(idx) else 0
    return k, float(a[k])


@claim("race", "lane factor", coord=None)
def _effective_lr_falls(r, lane, factor, coord):
    """Per coordinate (or only `coord`), |update|/|gradient| ends ≥ `factor`× below step 1's."""
    parts = []
    ok = True
    for c in (0, 1) if coord is None else (coord,):
        eff = _effective_lr(r, lane, c)
        k, last = _last_finite(eff, None)
        ratio = eff[1] / last
        ok = ok and bool(ratio >= factor)
        parts.append(f"{'xy'[c]}: {eff[1]:.3g} at step 1, {last:.3g} at step {k} (÷{ratio:.3g})")
    return ok, "; ".join(parts)


@claim("race", "lane other", step=None)
def _effective_lr_higher_than(r, lane, other, step):
    """In x and in y the lane's |update|/|gradient| beats `other`'s (at `step`, default last)."""
    parts = []
    ok = True
    for c in (0, 1):
        k, a = _last_finite(_effective_lr(r, lane, c), step)
        b = float(_effective_lr(r, other, c)[k])
        ok = ok and bool(a > b)
        parts.append(f"{'xy'[c]} at step {k}: {a:.3g} against {b:.3g}")
    return ok, "; ".join(parts)


@claim("race", "lane ratio", step=None)
def _per_parameter_lr(r, lane, ratio, step):
    """The effective steps of x and y differ by a factor ≥ `ratio` (at `step`, default last)."""
    ex, ey = _effective_lr(r, lane, 0), _effective_lr(r, lane, 1)
    both = ex + ey
    k, _ = _last_finite(both, step)
    q = max(ex[k], ey[k]) / min(ex[k], ey[k])
    return bool(q >= ratio), f"at step {k}: x {ex[k]:.3g}, y {ey[k]:.3g} (×{q:.3g})"


def _v_drops(r, lane: int) -> tuple[int, int]:
    """(times some coordinate of v went down, steps with a v): v is the optimizer's second
    moment as the step inspector shows it (Adagrad's sum, RMSprop's and Adam's averages)."""
    v = r.arrays["v"][1:, lane]
    v = v[np.all(np.isfinite(v), axis=1)]
    return int(np.count_nonzero(np.diff(v, axis=0) < 0)), len(v)


@claim("race", "lane")
def _v_never_decreases(r, lane):
    """The second moment v never decreases in any coordinate (Adagrad's growing sum)."""
    drops, n = _v_drops(r, lane)
    return drops == 0 and n > 1, f"v decreased {drops} times in {n} steps"


@claim("race", "lane")
def _v_decreases(r, lane):
    """The second moment v decreases at some step (a moving average forgets old gradients)."""
    drops, n = _v_drops(r, lane)
    return drops > 0, f"v decreased {drops} times in {n} steps"


@claim("race", "lane value")
def _loss_below(r, lane, value):
    """The lane's final loss is below `value` (and it did not diverge)."""
    s = _lane(r, lane)
    ok = s["diverged_at"] is None and s["final_loss"] < value
    return ok, f"final loss {s['final_loss']:.4g} (< {value:g})"


@claim("race", "lane other")
def _ends_lower_than(r, lane, other):
    """The lane's final loss is below `other`'s (a diverged lane has no final loss)."""
    a, b = (_lane(r, i) for i in (lane, other))
    lower = b["diverged_at"] is not None or a["final_loss"] < b["final_loss"]
    ok = a["diverged_at"] is None and lower
    return ok, f"final loss {a['final_loss']:.4g} against {b['final_loss']:.4g}"

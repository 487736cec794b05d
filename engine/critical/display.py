"""Display hints for a surface: a logarithmic colour scale, values clipped for drawing, and
demo starts whose descent stays in the domain."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.critical.search import in_domain, start_grid
from engine.surface import Surface


def suggest_log_scale(surface: Surface, n: int = 61) -> bool:
    """True when the values above the minimum span more than about three decades.

    On an n×n grid, d = f − min f; the span is max d against the 1st percentile of d (the
    floor just above the minimum). Narrow valleys and steep walls (rosenbrock, beale,
    goldstein_price) pass; bowls, egg crates and saddles do not. A surface with non-finite
    values on much of the grid keeps a linear scale.
    """
    with np.errstate(all="ignore"):
        v = surface.value(start_grid(surface, n))
    v = v[np.isfinite(v)]
    if v.size < n * n // 2:
        return False
    d = v - v.min()
    top, floor = float(d.max()), float(np.quantile(d, 0.01))
    return top > 0.0 and top > 1e3 * floor


# Values more than CLIP_SPAN times the median's distance from the minimum above the median
# cannot share a colour scale with the rest (exp(exp(x*y)) reaches 1e306 where its median is
# 2.6): the picture clips them at CLIP_TO times that distance above the median.
CLIP_SPAN = 1e15


CLIP_TO = 1e9


def display_clip(values: np.ndarray) -> tuple[float | None, float | None]:
    """(low, high) caps for drawing values whose range no colour scale can show, or None
    for a side that needs no cap. Infinite values count as beyond the cap on their side."""
    v = np.asarray(values, dtype=np.float64)
    f = v[np.isfinite(v)]
    if not f.size:
        return None, None
    lo, med, hi = float(f.min()), float(np.median(f)), float(f.max())
    floor = 1e-9 * max(abs(med), 1.0)
    down, up = max(med - lo, floor), max(hi - med, floor)
    cap_hi = med + CLIP_TO * down if (hi - med > CLIP_SPAN * down or np.any(v == np.inf)) else None
    cap_lo = med - CLIP_TO * up if (med - lo > CLIP_SPAN * up or np.any(v == -np.inf)) else None
    if cap_hi is not None and cap_hi >= hi and not np.any(v == np.inf):
        cap_hi = None
    if cap_lo is not None and cap_lo <= lo and not np.any(v == -np.inf):
        cap_lo = None
    return cap_lo, cap_hi


def clip_for_display(values: np.ndarray) -> tuple[np.ndarray, float]:
    """Values with the `display_clip` caps applied (±inf become the cap; NaN stays NaN) and
    the fraction of them that was clipped."""
    v = np.asarray(values, dtype=np.float64)
    lo, hi = display_clip(v)
    out = v.copy()
    clipped = np.zeros(v.shape, dtype=bool)
    if hi is not None:
        over = v > hi  # +inf too; NaN never
        out[over], clipped = hi, clipped | over
    if lo is not None:
        under = v < lo
        out[under], clipped = lo, clipped | under
    return out, float(clipped.mean()) if v.size else 0.0


def value_report(surface: Surface, n: int = 60) -> dict[str, float]:
    """Where f is usable on an n×n grid over the domain: the fractions of cells with a finite
    value, an infinite one (overflow), none (NaN: undefined), and those a picture clips."""
    with np.errstate(all="ignore"):
        v = surface.value(start_grid(surface, n))
    _, clipped = clip_for_display(v)
    total = v.size
    return {
        "finite": float(np.count_nonzero(np.isfinite(v))) / total,
        "overflow": float(np.count_nonzero(np.isinf(v))) / total,
        "undefined": float(np.count_nonzero(np.isnan(v))) / total,
        "clipped": clipped,
    }


def _stays_inside(surface: Surface, p: np.ndarray, steps: int = 400) -> np.ndarray:
    """Whether steepest descent from each row of `p` stays in the domain.

    Steps of a fixed length (0.5% of the domain's diagonal) along −∇f: scale-free, so it
    follows the downhill path a race would take whatever the learning rate.
    """
    (x0, x1), (y0, y1) = surface.domain
    h = 0.005 * float(np.hypot(x1 - x0, y1 - y0))
    q = np.array(p, dtype=np.float64)
    ok = np.ones(len(q), dtype=bool)
    before = np.full_like(q, np.nan)  # where each path was two steps ago
    with np.errstate(all="ignore"):
        for i in range(steps):
            g = surface.grad(q)
            n = np.hypot(g[:, 0], g[:, 1])
            move = np.isfinite(n) & (n > 0)
            q[move] -= h * g[move] / n[move, None]
            ok &= in_domain(surface.domain, q, 0.0) & np.all(np.isfinite(q), axis=1)
            if i % 2:
                # a path back where it was two steps ago rocks across a minimum's floor (or
                # stopped on a flat spot) and stays there: no need to walk the other steps
                still = ~move | (np.hypot(*(q - before).T) <= 1e-3 * h)
                if not (ok & ~still).any():
                    break
                before = q.copy()
    return ok


def suggest_starts(
    surface: Surface, points: list[dict[str, Any]]
) -> tuple[tuple[float, float], ...]:
    """One to three deterministic demo starts inside the domain, where f is defined.

    Just off the highest saddle or maximum (the interesting place to leave from), then the
    inner corners (15% in from the edges) with the highest values, usually far from minima;
    the centre of the domain if nothing else is usable. Starts whose downhill path stays in
    the domain come first: a start next to the edge whose descent runs off the drawn domain
    (to a minimum outside it) makes a confusing demo.
    """
    (x0, x1), (y0, y1) = surface.domain
    w, h = x1 - x0, y1 - y0
    tops = [c for c in points if c["kind"] != "min"]
    candidates, groups = [], []
    if tops:
        top = max(tops, key=lambda c: c["value"])
        cx, cy = x0 + 0.5 * w, y0 + 0.5 * h
        tx, ty = top["xy"]
        sx = 1.0 if tx <= cx else -1.0  # first off towards the centre of the domain
        sy = 1.0 if ty <= cy else -1.0
        for a, b in ((sx, sy), (sx, -sy), (-sx, sy), (-sx, -sy)):
            candidates.append(
                (min(max(tx + a * 0.03 * w, x0), x1), min(max(ty + b * 0.02 * h, y0), y1))
            )
            groups.append(-1)  # one start from the top: the first of its offsets that works
    corners = np.array([[x0 + a * w, y0 + b * h] for a in (0.15, 0.85) for b in (0.15, 0.85)])
    with np.errstate(all="ignore"):
        order = np.argsort(-np.nan_to_num(surface.value(corners), nan=-np.inf), kind="stable")
        candidates.extend((corners[i, 0], corners[i, 1]) for i in order)
        groups.extend(range(len(order)))
        xy = np.array(candidates)
        value = surface.value(xy)
        usable = np.isfinite(value) & np.isfinite(surface.grad(xy)).all(axis=-1)
        # nor where f is too large to draw (exp(exp(x*y)) in its corners): no sane demo
        lo, hi = display_clip(surface.value(start_grid(surface, 41)))
        usable &= (value <= (np.inf if hi is None else hi)) & (
            value >= (-np.inf if lo is None else lo)
        )
    xy, groups = xy[usable], np.array(groups)[usable]
    if not len(xy):
        return ((round(x0 + 0.5 * w, 3), round(y0 + 0.5 * h, 3)),)
    inside = _stays_inside(surface, xy)
    chosen, seen = [], set()
    for i in np.argsort(~inside, kind="stable"):  # those staying inside first, order kept
        if groups[i] in seen:
            continue
        seen.add(groups[i])
        chosen.append((round(float(xy[i, 0]), 3), round(float(xy[i, 1]), 3)))
        if len(chosen) == 3:
            break
    return tuple(chosen)

"""Critical points of a 2D surface, found numerically, plus display hints.

`find_critical_points` runs a vectorized damped Newton iteration on ∇f = 0 from an n×n grid
of starts over the surface's domain, polishes the converged points, drops duplicates and
classifies each by the eigenvalues of its Hessian. It serves formula surfaces at request
time (so it must be fast) and the tests use it to check the catalogue's hard-coded points.

`suggest_log_scale` and `suggest_starts` give a formula surface the same display hints that
the catalogue surfaces carry by hand: a logarithmic colour scale and demo start points.

`CriticalSet` holds *every* critical point of a surface as arrays with fast nearest-point
queries; `engine.surface_catalog.critical_set(surface)` gives it (exact product sets for
separable surfaces such as
rastrigin, a dense local-Newton enumeration for rugged ones such as levi13, the listed points
where the list is complete, the uncapped numerical search for formulas). Races use it for the
distance to the nearest minimum and for their summaries, and `refine` finds the critical point
a run actually reached (Newton on the analytic gradient and Hessian) where a set may miss it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.surface import Surface

MAX_POINTS = 50
KINDS = ("min", "saddle", "max")
_KIND_ORDER = {"min": 0, "saddle": 1, "max": 2}


def _grid(surface: Surface, n: int) -> np.ndarray:
    """An (n*n, 2) grid of points covering the domain, edges included."""
    (x0, x1), (y0, y1) = surface.domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.stack([gx.ravel(), gy.ravel()], axis=-1)


def _newton(surface: Surface, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradient, Newton step -H⁻¹g and a mask of points where that step is usable.

    A point whose gradient is exactly zero is usable with a zero step (it is a root even if
    its Hessian is singular, as at the monkey saddle); a singular or non-finite Hessian
    elsewhere makes the point unusable.
    """
    g = surface.grad(p)
    h = surface.hessian(p)
    a, b, c = h[:, 0, 0], h[:, 0, 1], h[:, 1, 1]
    gx, gy = g[:, 0], g[:, 1]
    with np.errstate(all="ignore"):
        det = a * c - b * b
        scale = a * a + 2.0 * b * b + c * c
        ok = np.isfinite(det) & (np.abs(det) > 1e-14 * scale) & np.isfinite(g).all(axis=-1)
        safe = np.where(ok, det, 1.0)
        step = np.stack([(b * gy - c * gx) / safe, (b * gx - a * gy) / safe], axis=-1)
    step[~ok] = 0.0
    ok |= (g == 0.0).all(axis=-1)
    return g, step, ok


def _solve(surface: Surface, p: np.ndarray, iters: int, tol: float) -> np.ndarray:
    """Damped Newton from every row of `p`; returns the rows that converged."""
    (x0, x1), (y0, y1) = surface.domain
    size = float(np.hypot(x1 - x0, y1 - y0))
    lo = np.array([x0, y0]) - size
    hi = np.array([x1, y1]) + size
    active = np.ones(len(p), dtype=bool)
    done = np.zeros(len(p), dtype=bool)
    for _ in range(iters):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        _, step, ok = _newton(surface, p[idx])
        length = np.hypot(step[:, 0], step[:, 1])
        step *= np.minimum(1.0, 0.1 * size / np.maximum(length, 1e-300))[:, None]
        p[idx] += step
        small = ok & (length <= tol * size)
        active[idx[~ok | small]] = False
        done[idx[small]] = True
        wandered = ((p[idx] < lo) | (p[idx] > hi)).any(axis=-1)
        active[idx[wandered]] = False
    return p[done]


def _polish(surface: Surface, p: np.ndarray, rounds: int = 4) -> np.ndarray:
    """A few undamped Newton steps, kept only where they shrink the gradient."""
    for _ in range(rounds):
        g, step, ok = _newton(surface, p)
        trial = p + step
        better = ok & (np.hypot(*surface.grad(trial).T) < np.hypot(*g.T))
        p = np.where(better[:, None], trial, p)
    return p


def _dedupe(p: np.ndarray, gnorm: np.ndarray, radius: float) -> np.ndarray:
    """Greedy deduplication: best gradient first, drop anything within `radius` of a kept point.

    Kept points sit in square cells of side `radius`, so each candidate is compared with
    the kept points of its 3×3 neighbouring cells only (linear in the number of points).
    """
    r2 = radius * radius
    cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
    kept = []
    for i in np.argsort(gnorm, kind="stable"):
        x, y = float(p[i, 0]), float(p[i, 1])
        cx, cy = math.floor(x / radius), math.floor(y / radius)
        near = False
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for kx, ky in cells.get((cx + dx, cy + dy), ()):
                    if (kx - x) ** 2 + (ky - y) ** 2 <= r2:
                        near = True
                        break
                if near:
                    break
            if near:
                break
        if not near:
            cells.setdefault((cx, cy), []).append((x, y))
            kept.append(i)
    return p[np.asarray(kept, dtype=np.int64)].reshape(-1, 2)


def _classify(surface: Surface, p: np.ndarray, hscale: float, size: float) -> dict[str, Any]:
    """Kind from the Hessian eigenvalues; a near-zero eigenvalue falls back to a ring test."""
    h = surface.hessian(p)
    mean, half = 0.5 * (h[0, 0] + h[1, 1]), 0.5 * (h[0, 0] - h[1, 1])
    rad = float(np.hypot(half, h[0, 1]))
    lam = (mean - rad, mean + rad)
    value = float(surface.value(p))
    if min(abs(lam[0]), abs(lam[1])) > 1e-6 * hscale:
        kind = "min" if lam[0] > 0 else "max" if lam[1] < 0 else "saddle"
        return {"kind": kind, "value": value}
    # Degenerate: compare f on a small ring around the point (the monkey saddle's rule).
    angle = np.linspace(0.0, 2.0 * np.pi, 24, endpoint=False)
    ring = p + 1e-3 * size * np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    diff = surface.value(ring) - value
    eps = 1e-12 * (1.0 + abs(value))
    if np.all(diff >= -eps) and np.any(diff > eps):
        kind = "min"
    elif np.all(diff <= eps) and np.any(diff < -eps):
        kind = "max"
    else:
        kind = "saddle"
    return {"kind": kind, "value": value, "degenerate": True}


def _scales(surface: Surface, grid: np.ndarray) -> tuple[float, float]:
    """Typical gradient and Hessian sizes on the grid (medians of the finite norms)."""
    with np.errstate(all="ignore"):
        g = np.hypot(*surface.grad(grid).T)
        h = np.sqrt((surface.hessian(grid) ** 2).sum(axis=(-2, -1)))
    g, h = g[np.isfinite(g)], h[np.isfinite(h)]
    gscale = float(np.median(g)) if g.size else 1.0
    hscale = float(np.median(h)) if h.size else 0.0
    return gscale, hscale if hscale > 0 else 1.0


def _degenerate(flag: bool) -> dict[str, bool]:
    return {"degenerate": True} if flag else {}


def find_critical_points(
    surface: Surface,
    n: int = 41,
    iters: int = 60,
    tol: float = 1e-9,
    limit: int | None = MAX_POINTS,
) -> list[dict[str, Any]]:
    """Every critical point found in the domain: {"xy", "kind", "value"[, "degenerate"]}.

    Sorted minima (by value) first, then saddles, then maxima; at most `limit` (None: all).
    """
    (x0, x1), (y0, y1) = surface.domain
    size = float(np.hypot(x1 - x0, y1 - y0))
    starts = _grid(surface, n)
    gscale, hscale = _scales(surface, starts)
    with np.errstate(all="ignore"):
        p = _polish(surface, _solve(surface, starts, iters, tol))
        gnorm = np.hypot(*surface.grad(p).T)
    margin = 1e-7 * size
    inside = (
        (p[:, 0] >= x0 - margin)
        & (p[:, 0] <= x1 + margin)
        & (p[:, 1] >= y0 - margin)
        & (p[:, 1] <= y1 + margin)
    )
    good = inside & np.isfinite(gnorm) & (gnorm <= max(1e-6 * gscale, 1e-12))
    radius = 1e-6 * size
    points = _dedupe(p[good], gnorm[good], radius)
    while limit is not None and len(points) > 4 * limit:
        # a continuum of critical points (a flat region, a ridge): a representative spread of
        # them rather than classifying every start (a constant formula gave 1,681, 0.5 s)
        radius = max(8 * radius, size / math.sqrt(4 * limit))
        with np.errstate(all="ignore"):
            points = _dedupe(points, np.hypot(*surface.grad(points).T), radius)

    tidy = np.where(np.abs(points) <= 1e-12 * size, 0.0, points) + 0.0  # no -0.0
    kinds, degenerate, values = _classify_all(surface, tidy, hscale, size)
    rows = zip(tidy.tolist(), kinds.tolist(), degenerate.tolist(), values.tolist(), strict=True)
    found = [
        {"xy": (q[0], q[1]), "kind": KINDS[k], "value": v, **_degenerate(d)} for q, k, d, v in rows
    ]
    found.sort(key=lambda c: (_KIND_ORDER[c["kind"]], c["value"], c["xy"]))
    return found if limit is None else found[:limit]


def suggest_log_scale(surface: Surface, n: int = 61) -> bool:
    """True when the values above the minimum span more than about three decades.

    On an n×n grid, d = f − min f; the span is max d against the 1st percentile of d (the
    floor just above the minimum). Narrow valleys and steep walls (rosenbrock, beale,
    goldstein_price) pass; bowls, egg crates and saddles do not. A surface with non-finite
    values on much of the grid keeps a linear scale.
    """
    with np.errstate(all="ignore"):
        v = surface.value(_grid(surface, n))
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
        v = surface.value(_grid(surface, n))
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
        lo, hi = display_clip(surface.value(_grid(surface, 41)))
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


# --- every critical point: sets with nearest-point queries ---------------------------------


def _classify_all(
    surface: Surface, p: np.ndarray, hscale: float, size: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kind codes (indices into KINDS), degenerate flags and values for the rows of `p`."""
    with np.errstate(all="ignore"):
        h = surface.hessian(p)
        value = surface.value(p)
    mean, half = 0.5 * (h[:, 0, 0] + h[:, 1, 1]), 0.5 * (h[:, 0, 0] - h[:, 1, 1])
    rad = np.hypot(half, h[:, 0, 1])
    lo, hi = mean - rad, mean + rad
    kind = np.where(lo > 0, 0, np.where(hi < 0, 2, 1)).astype(np.int8)
    degenerate = ~(np.minimum(np.abs(lo), np.abs(hi)) > 1e-6 * hscale)
    for i in np.flatnonzero(degenerate):
        with np.errstate(all="ignore"):
            kind[i] = _KIND_ORDER[_classify(surface, p[i], hscale, size)["kind"]]
    return kind, degenerate, value


def in_domain(domain, p: np.ndarray, margin: float) -> np.ndarray:
    """Whether each point of `p` (..., 2) lies in the domain widened by `margin`."""
    (x0, x1), (y0, y1) = domain
    return (
        (p[..., 0] >= x0 - margin)
        & (p[..., 0] <= x1 + margin)
        & (p[..., 1] >= y0 - margin)
        & (p[..., 1] <= y1 + margin)
    )


class _Brute:
    """The nearest of a few points, by brute force (in blocks, so memory stays bounded)."""

    def __init__(self, pts: np.ndarray):
        self.pts = pts

    def query(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        j = np.empty(len(q), dtype=np.int64)
        d2 = np.empty(len(q))
        block = max(1, 2**18 // max(1, len(self.pts)))
        for a in range(0, len(q), block):
            diff = q[a : a + block, None, :] - self.pts
            dd = diff[..., 0] * diff[..., 0] + diff[..., 1] * diff[..., 1]
            k = np.argmin(dd, axis=1)
            j[a : a + block] = k
            d2[a : a + block] = dd[np.arange(len(k)), k]
        return j, d2


class _Buckets:
    """Exact nearest neighbour among many points through a uniform grid of cells.

    A query looks at the 3×3 cells around its own; a best distance within one cell width is
    then certainly the nearest (the block holds that whole disc). The rare query the block
    cannot settle (far outside the grid, or in an empty stretch) falls back to brute force.
    """

    def __init__(self, pts: np.ndarray, bounds: np.ndarray):
        self.brute = _Brute(pts)
        lo = np.minimum(pts.min(axis=0), bounds[0])
        span = np.maximum(np.maximum(pts.max(axis=0), bounds[1]) - lo, 1e-12)
        c = max(float(np.sqrt(span[0] * span[1] / len(pts))), float(span.max()) / 2048)
        shape = np.floor(span / c).astype(np.int64) + 1
        cell = np.minimum(np.floor((pts - lo) / c).astype(np.int64), shape - 1)
        flat = cell[:, 0] * shape[1] + cell[:, 1]
        order = np.argsort(flat, kind="stable")
        counts = np.bincount(flat, minlength=int(shape[0] * shape[1]))
        first = np.cumsum(counts) - counts
        rank = np.arange(len(pts)) - first[flat[order]]
        table = np.full((shape[0] + 2, shape[1] + 2, int(counts.max())), -1, dtype=np.int64)
        table[cell[order, 0] + 1, cell[order, 1] + 1, rank] = order
        self.lo, self.c, self.shape, self.table = lo, c, shape, table
        self.padded = np.vstack([pts, [[np.inf, np.inf]]])  # index -1 is infinitely far

    def query(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if len(q) * len(self.padded) <= 8192:  # a few queries: brute force is cheaper
            return self.brute.query(q)
        cell = np.floor((q - self.lo) / self.c)
        inside = np.all((cell >= 0) & (cell < self.shape), axis=1)
        cell = np.minimum(np.maximum(cell, 0), self.shape - 1).astype(np.int64) + 1
        cx, cy = cell[:, 0], cell[:, 1]
        off = np.arange(-1, 2)
        cand = self.table[cx[:, None, None] + off[:, None], cy[:, None, None] + off[None, :]]
        cand = cand.reshape(len(q), -1)
        p = self.padded[cand]
        dx, dy = p[..., 0] - q[:, None, 0], p[..., 1] - q[:, None, 1]
        with np.errstate(invalid="ignore"):
            dd = dx * dx + dy * dy
        k = np.argmin(dd, axis=1)
        rows = np.arange(len(q))
        j, d2 = cand[rows, k], dd[rows, k]
        rest = ~(inside & (d2 <= self.c * self.c))
        if rest.any():
            j[rest], d2[rest] = self.brute.query(q[rest])
        return j, d2


class _Axis:
    """The nearest of some 1-D roots: a sorted search."""

    def __init__(self, roots: np.ndarray, index: np.ndarray):
        order = np.argsort(roots, kind="stable")
        self.r, self.index = roots[order], index[order]

    def query(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        j = np.searchsorted(self.r, t)
        lo = np.maximum(j - 1, 0)
        hi = np.minimum(j, len(self.r) - 1)
        d_lo, d_hi = np.abs(t - self.r[lo]), np.abs(self.r[hi] - t)
        pick = np.where(d_hi < d_lo, hi, lo)
        return self.index[pick], np.minimum(d_lo, d_hi)


class Follower:
    """Distance from moving points (the lanes of a race) to the nearest of a fixed set, step
    after step, without scanning the whole set each step.

    Each lane keeps the few points that can be its nearest while it stays within R of where
    its list was made (a Verlet list): if the nearest point of p0 is d0 away, then for every q
    with |q − p0| ≤ R the nearest point lies within d0 + 2R of p0. A lane that moves further
    rebuilds its list by brute force. R is half of d0, and at least `reach`.
    """

    def __init__(self, pts: np.ndarray, n: int, reach: float):
        self.pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        self.reach = reach
        self.p0 = np.full((n, 2), np.nan)
        self.radius = np.zeros(n)
        self.cx = np.full((n, 1), np.inf)  # each lane's candidates, padded with far points
        self.cy = np.full((n, 1), np.inf)

    def distance(self, q: np.ndarray) -> np.ndarray:
        """(n, 2) → (n,) distances; NaN where a row is not finite."""
        qx, qy = q[:, 0], q[:, 1]
        stay = np.hypot(qx - self.p0[:, 0], qy - self.p0[:, 1]) <= self.radius
        if not stay.all():
            rebuild = ~stay & np.isfinite(qx + qy)
            if rebuild.any():
                self._rebuild(np.flatnonzero(rebuild), q[rebuild])
        dx = self.cx - qx[:, None]
        dx *= dx
        dy = self.cy - qy[:, None]
        dy *= dy
        dx += dy
        return np.sqrt(np.min(dx, axis=1))  # NaN rows stay NaN

    def _rebuild(self, rows: np.ndarray, q: np.ndarray) -> None:
        diff = q[:, None, :] - self.pts
        dd = np.sqrt(diff[..., 0] * diff[..., 0] + diff[..., 1] * diff[..., 1])
        d0 = dd.min(axis=1)
        radius = np.maximum(0.5 * d0, self.reach)
        keep = dd <= (d0 + 2.0 * radius)[:, None] * (1.0 + 1e-12)
        width = int(keep.sum(axis=1).max())
        if width > self.cx.shape[1]:
            pad = np.full((len(self.cx), width - self.cx.shape[1]), np.inf)
            self.cx, self.cy = np.hstack([self.cx, pad]), np.hstack([self.cy, pad])
        self.cx[rows], self.cy[rows] = np.inf, np.inf
        for r, row in zip(rows, keep, strict=True):
            idx = np.flatnonzero(row)
            self.cx[r, : len(idx)], self.cy[r, : len(idx)] = self.pts[idx, 0], self.pts[idx, 1]
        self.p0[rows] = q
        self.radius[rows] = radius


# For a separable surface a 2-D point is a minimum iff it is a 1-D minimum along both axes,
# a maximum iff a 1-D maximum along both, a saddle otherwise (axis kinds 0 = min, 2 = max).
_AXIS_COMBOS = {None: ((None, None),), 0: ((0, 0),), 2: ((2, 2),), 1: ((0, 2), (2, 0))}


class CriticalSet:
    """Critical points as arrays, with vectorized nearest-point queries.

    `xy` (n, 2), `kind` (n,) indices into KINDS, `value` (n,), `degenerate` (n,), `listed`
    (n,) the index in the surface's `critical_points` (−1 when the point is not listed there).
    `complete` says the set holds every critical point in the domain; `gscale` and `hscale` are
    the surface's typical gradient and Hessian sizes (the tolerances of `refine`).
    A separable surface's set is the product of its 1-D roots (`axes`: per axis the roots and
    their 1-D kinds, point i·ny + j = (x_i, y_j)), and its queries are sorted searches per axis.
    """

    def __init__(
        self,
        surface: Surface,
        xy: np.ndarray,
        kind: np.ndarray,
        value: np.ndarray,
        degenerate: np.ndarray,
        *,
        complete: bool,
        scales: tuple[float, float],
        axes: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
    ):
        self.domain = surface.domain
        self.size = float(np.hypot(*(np.diff(np.asarray(surface.domain), axis=1).ravel())))
        self.xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        self.kind = np.asarray(kind, dtype=np.int8)
        self.value = np.asarray(value, dtype=np.float64)
        self.degenerate = np.asarray(degenerate, dtype=bool)
        self.complete = complete
        self.gscale, self.hscale = scales
        self.axes = axes
        self._indexes: dict[Any, Any] = {}
        self.listed = np.full(len(self.xy), -1, dtype=np.int64)
        self._match_listed(surface.critical_points)

    def _match_listed(self, points: Sequence[dict[str, Any]]) -> None:
        if not len(self.xy):
            return
        radius = 1e-6 * self.size
        for i, c in enumerate(points):
            j, d = self.nearest(np.array(c["xy"], dtype=np.float64)[None], c["kind"])
            if j[0] >= 0 and d[0] <= radius:
                self.listed[j[0]] = i

    def __len__(self) -> int:
        return len(self.xy)

    def counts(self) -> dict[str, int]:
        return {k: int(np.count_nonzero(self.kind == i)) for i, k in enumerate(KINDS)}

    def point(self, i: int) -> dict[str, Any]:
        """Point `i` as the catalogue writes it: {"xy", "kind", "value"[, "degenerate"]}."""
        out = {
            "xy": (float(self.xy[i, 0]), float(self.xy[i, 1])),
            "kind": KINDS[int(self.kind[i])],
            "value": float(self.value[i]),
        }
        if self.degenerate[i]:
            out["degenerate"] = True
        return out

    def follower(self, kind: str | None, n: int) -> Follower:
        """A `Follower` of `n` moving points over the points of `kind` (any when None)."""
        code = None if kind is None else _KIND_ORDER[kind]
        sel = np.arange(len(self.xy)) if code is None else np.flatnonzero(self.kind == code)
        pts = self.xy[sel]
        if len(pts) > 1:
            span = np.ptp(np.vstack([pts, np.asarray(self.domain).T]), axis=0)
            reach = 0.5 * float(np.sqrt(max(span[0] * span[1], 1e-300) / len(pts)))
        else:
            reach = 0.05 * self.size
        return Follower(pts, n, reach)

    def _index(self, code: int | None):
        if code not in self._indexes:
            if self.axes is not None:
                self._indexes[code] = self._axis_pairs(code)
            else:
                sel = np.arange(len(self.xy)) if code is None else np.flatnonzero(self.kind == code)
                pts = self.xy[sel]
                if not len(sel):
                    tree = None
                elif len(sel) <= 48:
                    tree = _Brute(pts)
                else:
                    tree = _Buckets(pts, np.asarray(self.domain, dtype=np.float64).T)
                self._indexes[code] = (sel, tree)
        return self._indexes[code]

    def _axis_pairs(self, code: int | None):
        (rx, kx), (ry, ky) = self.axes
        pairs = []
        for ka, kb in _AXIS_COMBOS[code]:
            ia = np.arange(len(rx)) if ka is None else np.flatnonzero(kx == ka)
            ib = np.arange(len(ry)) if kb is None else np.flatnonzero(ky == kb)
            if len(ia) and len(ib):
                pairs.append((_Axis(rx[ia], ia), _Axis(ry[ib], ib)))
        return pairs

    def nearest(self, p: np.ndarray, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Index of, and distance to, the nearest point of `kind` (any kind when None).

        `p` is (..., 2); the answers are (...): −1 and NaN where there is no such point or
        the row is not finite.
        """
        p = np.asarray(p, dtype=np.float64)
        shape = p.shape[:-1]
        q = p.reshape(-1, 2)
        code = None if kind is None else _KIND_ORDER[kind]
        ok = np.isfinite(q[:, 0] + q[:, 1])
        if ok.all():  # the common case
            j, d2 = self._query(q, code)
            if j is not None:
                return j.reshape(shape), np.sqrt(d2).reshape(shape)
        idx = np.full(len(q), -1, dtype=np.int64)
        dist = np.full(len(q), np.nan)
        if ok.any():
            j, d2 = self._query(q[ok], code)
            if j is not None:
                idx[ok], dist[ok] = j, np.sqrt(d2)
        return idx.reshape(shape), dist.reshape(shape)

    def _query(self, q: np.ndarray, code: int | None):
        if self.axes is not None:
            best_j, best_d2 = None, None
            ny = len(self.axes[1][0])
            for ax, ay in self._index(code):
                ix, dx = ax.query(q[:, 0])
                iy, dy = ay.query(q[:, 1])
                d2 = dx * dx + dy * dy
                j = ix * ny + iy
                if best_j is None:
                    best_j, best_d2 = j, d2
                else:
                    better = d2 < best_d2
                    best_j, best_d2 = np.where(better, j, best_j), np.minimum(d2, best_d2)
            return best_j, best_d2
        sel, tree = self._index(code)
        if tree is None:
            return None, None
        j, d2 = tree.query(q)
        return sel[j], d2


def _scales_of(surface: Surface, n: int = 41) -> tuple[float, float]:
    with np.errstate(all="ignore"):
        return _scales(surface, _grid(surface, n))


def set_from_points(
    surface: Surface, points: Sequence[dict[str, Any]], complete: bool
) -> CriticalSet:
    """A set from listed points ({"xy", "kind", "value"[, "degenerate"]})."""
    xy = np.array([c["xy"] for c in points], dtype=np.float64).reshape(-1, 2)
    return CriticalSet(
        surface,
        xy,
        np.array([_KIND_ORDER[c["kind"]] for c in points], dtype=np.int8),
        np.array([c["value"] for c in points], dtype=np.float64),
        np.array([bool(c.get("degenerate")) for c in points], dtype=bool),
        complete=complete,
        scales=_scales_of(surface),
    )


def separable_set(surface: Surface, roots_x: np.ndarray, roots_y: np.ndarray) -> CriticalSet:
    """The product set of a separable surface f = g(x) + h(y) from the 1-D roots of g', h'.

    Each root's 1-D kind comes from the sign of fxx (fyy) there; the roots must be simple.
    """
    rx = np.sort(np.asarray(roots_x, dtype=np.float64))
    ry = np.sort(np.asarray(roots_y, dtype=np.float64))
    with np.errstate(all="ignore"):
        hx = surface.hessian(np.stack([rx, np.full_like(rx, ry[0])], axis=-1))[:, 0, 0]
        hy = surface.hessian(np.stack([np.full_like(ry, rx[0]), ry], axis=-1))[:, 1, 1]
    if not (np.all(hx != 0) and np.all(hy != 0)):
        raise ValueError("separable_set needs simple 1-D roots")
    kx = np.where(hx > 0, 0, 2).astype(np.int8)
    ky = np.where(hy > 0, 0, 2).astype(np.int8)
    gx, gy = np.meshgrid(rx, ry, indexing="ij")
    xy = np.stack([gx.ravel(), gy.ravel()], axis=-1)
    a, b = np.meshgrid(kx, ky, indexing="ij")
    kind = np.where(a == b, a, 1).ravel().astype(np.int8)
    with np.errstate(all="ignore"):
        value = surface.value(xy)
    return CriticalSet(
        surface,
        xy,
        kind,
        value,
        np.zeros(len(xy), dtype=bool),
        complete=True,
        scales=_scales_of(surface),
        axes=((rx, kx), (ry, ky)),
    )


def roots_1d(g, dg, seeds: np.ndarray, lo: float, hi: float, iters: int = 60) -> np.ndarray:
    """Roots in [lo, hi] of g (derivative dg) by Newton from `seeds`, sorted and deduplicated."""
    t = np.asarray(seeds, dtype=np.float64).copy()
    with np.errstate(all="ignore"):
        for _ in range(iters):
            step = g(t) / dg(t)
            t -= np.where(np.isfinite(step), np.clip(step, -0.25, 0.25), 0.0)
        ok = np.isfinite(t) & (np.abs(g(t)) <= 1e-9 * (1.0 + np.abs(dg(t)))) & (t >= lo) & (t <= hi)
    t = np.sort(t[ok])
    if not len(t):
        return t
    keep = np.concatenate([[True], np.diff(t) > 1e-9 * (1.0 + hi - lo)])
    return t[keep]


def search_set(
    surface: Surface,
    spacing: float,
    region: tuple[tuple[float, float], tuple[float, float]] | None = None,
    iters: int = 40,
) -> CriticalSet:
    """Every critical point in the domain by local Newton from a grid of starts `spacing` apart.

    Each Newton step is clamped to `spacing`, so a start converges to a root near it; with a
    spacing well below the distance between roots the search misses none (the tests check it
    against a grid twice as fine). `region` narrows the starts where the gradient provably
    has no root outside it. Listed points keep their exact coordinates and values.
    """
    (x0, x1), (y0, y1) = region or surface.domain
    size = float(np.hypot(*(np.diff(np.asarray(surface.domain), axis=1).ravel())))
    gx, gy = np.meshgrid(
        np.arange(x0, x1 + 0.5 * spacing, spacing), np.arange(y0, y1 + 0.5 * spacing, spacing)
    )
    p = np.stack([gx.ravel(), gy.ravel()], axis=-1)
    gscale, hscale = _scales_of(surface)
    active = np.arange(len(p))
    with np.errstate(all="ignore"):
        for _ in range(iters):
            _, step, ok = _newton(surface, p[active])
            length = np.hypot(step[:, 0], step[:, 1])
            step *= np.minimum(1.0, spacing / np.maximum(length, 1e-300))[:, None]
            p[active] += step
            active = active[ok & (length > 1e-15 * size)]
            if not len(active):
                break
        p = _polish(surface, p)
        g, step, ok = _newton(surface, p)
        gnorm = np.hypot(g[:, 0], g[:, 1])
        settled = ok & (np.hypot(step[:, 0], step[:, 1]) <= 1e-9 * size)
    good = (
        in_domain(surface.domain, p, 1e-7 * size)
        & settled
        & np.isfinite(gnorm)
        & (gnorm <= max(1e-6 * gscale, 1e-12))
    )
    p = p[good]
    # Copies of one root agree to ~1e-13: two roundings to cells of `radius`, the second
    # shifted by half a cell, merge every copy (none can straddle both grids' boundaries).
    radius = 1e-6 * size
    for shift in (0.0, 0.5):
        _, first = np.unique(
            np.floor(p / radius + shift).astype(np.int64), axis=0, return_index=True
        )
        p = p[np.sort(first)]
    listed = [c for c in surface.critical_points]
    for c in listed:  # the catalogue's exact coordinates where it lists the point
        xy = np.array(c["xy"], dtype=np.float64)
        d = np.hypot(*(p - xy).T) if len(p) else np.array([])
        if len(d) and d.min() <= radius:
            p[int(np.argmin(d))] = xy
        else:
            p = np.vstack([p, xy[None]])
    kind, degenerate, value = _classify_all(surface, p, hscale, size)
    for c in listed:  # and its exact values
        j = int(np.argmin(np.hypot(*(p - np.array(c["xy"])).T)))
        value[j] = c["value"]
    order = np.lexsort((p[:, 1], p[:, 0], value, kind))
    return CriticalSet(
        surface,
        p[order],
        kind[order],
        value[order],
        degenerate[order],
        complete=True,
        scales=(gscale, hscale),
    )


def refine(
    surface: Surface, p: np.ndarray, radius: float, gtol: float, iters: int = 30
) -> tuple[np.ndarray, np.ndarray]:
    """Newton (analytic gradient and Hessian) from each row of `p` to a nearby critical point.

    Steps are clamped to radius/4. Returns (q, ok): ok where the iteration ended with
    |∇f| ≤ gtol within `radius` of its start; q is where it ended.
    """
    p = np.asarray(p, dtype=np.float64).reshape(-1, 2)
    q = p.copy()
    live = np.arange(len(p))  # rows still iterating: not converged, not beyond the radius
    with np.errstate(all="ignore"):
        for _ in range(iters):
            _, step, _ok = _newton(surface, q[live])
            length = np.hypot(step[:, 0], step[:, 1])
            step *= np.minimum(1.0, 0.25 * radius / np.maximum(length, 1e-300))[:, None]
            q[live] += step
            gone = np.hypot(*(q[live] - p[live]).T) > radius  # fails whatever follows
            live = live[(length > 1e-13 * radius) & ~gone]
            if not len(live):
                break
        q = _polish(surface, q)
        gnorm = np.hypot(*surface.grad(q).T)
        moved = np.hypot(*(q - p).T)
    ok = np.isfinite(gnorm) & (gnorm <= gtol) & (moved <= radius)
    return q, ok


def classify(surface: Surface, p: np.ndarray, cset: CriticalSet) -> list[dict[str, Any]]:
    """The rows of `p` (critical points) as {"xy", "kind", "value"[, "degenerate"]}."""
    p = np.asarray(p, dtype=np.float64).reshape(-1, 2)
    kind, degenerate, value = _classify_all(surface, p, cset.hscale, cset.size)
    out = []
    for i in range(len(p)):
        c = {
            "xy": (float(p[i, 0]), float(p[i, 1])),
            "kind": KINDS[kind[i]],
            "value": float(value[i]),
        }
        if degenerate[i]:
            c["degenerate"] = True
        out.append(c)
    return out

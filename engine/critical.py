"""Critical points of a 2D surface, found numerically, plus display hints.

`find_critical_points` runs a vectorized damped Newton iteration on ∇f = 0 from an n×n grid
of starts over the surface's domain, polishes the converged points, drops duplicates and
classifies each by the eigenvalues of its Hessian. It serves formula surfaces at request
time (so it must be fast) and the tests use it to check the catalogue's hard-coded points.

`suggest_log_scale` and `suggest_starts` give a formula surface the same display hints that
the catalogue surfaces carry by hand: a logarithmic colour scale and demo start points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.surfaces import Surface

MAX_POINTS = 50
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
    """Greedy deduplication: best gradient first, drop anything within `radius` of a kept point."""
    kept = np.empty_like(p)
    m = 0
    for i in np.argsort(gnorm, kind="stable"):
        d = kept[:m] - p[i]
        if m and np.min(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]) <= radius * radius:
            continue
        kept[m] = p[i]
        m += 1
    return kept[:m]


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


def _tidy(v: float, size: float) -> float:
    """Snap rounding noise around zero to an exact 0.0 (never -0.0)."""
    return 0.0 if abs(v) <= 1e-12 * size else float(v)


def find_critical_points(
    surface: Surface, n: int = 41, iters: int = 60, tol: float = 1e-9
) -> list[dict[str, Any]]:
    """Every critical point found in the domain: {"xy", "kind", "value"[, "degenerate"]}.

    Sorted minima (by value) first, then saddles, then maxima; at most MAX_POINTS.
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
    points = _dedupe(p[good], gnorm[good], 1e-6 * size)

    found = []
    for q in points:
        xy = (_tidy(q[0], size), _tidy(q[1], size))
        with np.errstate(all="ignore"):
            found.append({"xy": xy, **_classify(surface, np.array(xy), hscale, size)})
    found.sort(key=lambda c: (_KIND_ORDER[c["kind"]], c["value"], c["xy"]))
    return found[:MAX_POINTS]


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


def suggest_starts(
    surface: Surface, points: list[dict[str, Any]]
) -> tuple[tuple[float, float], ...]:
    """One to three deterministic demo starts inside the domain, where f is defined.

    Just off the highest saddle or maximum (the interesting place to leave from), then the
    inner corners (15% in from the edges) with the highest values, usually far from minima;
    the centre of the domain if nothing else is usable.
    """
    (x0, x1), (y0, y1) = surface.domain
    w, h = x1 - x0, y1 - y0
    tops = [c for c in points if c["kind"] != "min"]
    candidates = []
    if tops:
        top = max(tops, key=lambda c: c["value"])
        x = min(max(top["xy"][0] + 0.03 * w, x0), x1)
        y = min(max(top["xy"][1] + 0.02 * h, y0), y1)
        candidates.append((x, y))
    corners = np.array([[x0 + a * w, y0 + b * h] for a in (0.15, 0.85) for b in (0.15, 0.85)])
    with np.errstate(all="ignore"):
        order = np.argsort(-np.nan_to_num(surface.value(corners), nan=-np.inf), kind="stable")
        candidates.extend((corners[i, 0], corners[i, 1]) for i in order)
        xy = np.array(candidates)
        usable = np.isfinite(surface.value(xy)) & np.isfinite(surface.grad(xy)).all(axis=-1)
    chosen = xy[usable][:3] if usable.any() else np.array([[x0 + 0.5 * w, y0 + 0.5 * h]])
    return tuple((round(float(x), 3), round(float(y), 3)) for x, y in chosen)

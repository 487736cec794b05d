"""The numerical search: damped Newton on ∇f = 0 from a grid, polish, dedupe, classify by
the Hessian's eigenvalues."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.surface import Surface

MAX_POINTS = 50


KINDS = ("min", "saddle", "max")


KIND_ORDER = {"min": 0, "saddle": 1, "max": 2}


def start_grid(surface: Surface, n: int) -> np.ndarray:
    """An (n*n, 2) grid of points covering the domain, edges included."""
    (x0, x1), (y0, y1) = surface.domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.stack([gx.ravel(), gy.ravel()], axis=-1)


def newton_step(surface: Surface, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def solve(surface: Surface, p: np.ndarray, iters: int, tol: float) -> np.ndarray:
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
        _, step, ok = newton_step(surface, p[idx])
        length = np.hypot(step[:, 0], step[:, 1])
        step *= np.minimum(1.0, 0.1 * size / np.maximum(length, 1e-300))[:, None]
        p[idx] += step
        small = ok & (length <= tol * size)
        active[idx[~ok | small]] = False
        done[idx[small]] = True
        wandered = ((p[idx] < lo) | (p[idx] > hi)).any(axis=-1)
        active[idx[wandered]] = False
    return p[done]


def polish(surface: Surface, p: np.ndarray, rounds: int = 4) -> np.ndarray:
    """A few undamped Newton steps, kept only where they shrink the gradient."""
    for _ in range(rounds):
        g, step, ok = newton_step(surface, p)
        trial = p + step
        better = ok & (np.hypot(*surface.grad(trial).T) < np.hypot(*g.T))
        p = np.where(better[:, None], trial, p)
    return p


def dedupe(p: np.ndarray, gnorm: np.ndarray, radius: float) -> np.ndarray:
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


def classify_point(surface: Surface, p: np.ndarray, hscale: float, size: float) -> dict[str, Any]:
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


def scales(surface: Surface, grid: np.ndarray) -> tuple[float, float]:
    """Typical gradient and Hessian sizes on the grid (medians of the finite norms)."""
    with np.errstate(all="ignore"):
        g = np.hypot(*surface.grad(grid).T)
        h = np.sqrt((surface.hessian(grid) ** 2).sum(axis=(-2, -1)))
    g, h = g[np.isfinite(g)], h[np.isfinite(h)]
    gscale = float(np.median(g)) if g.size else 1.0
    hscale = float(np.median(h)) if h.size else 0.0
    return gscale, hscale if hscale > 0 else 1.0


def degenerate_flag(flag: bool) -> dict[str, bool]:
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
    starts = start_grid(surface, n)
    gscale, hscale = scales(surface, starts)
    with np.errstate(all="ignore"):
        p = polish(surface, solve(surface, starts, iters, tol))
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
    points = dedupe(p[good], gnorm[good], radius)
    while limit is not None and len(points) > 4 * limit:
        # a continuum of critical points (a flat region, a ridge): a representative spread of
        # them rather than classifying every start (a constant formula gave 1,681, 0.5 s)
        radius = max(8 * radius, size / math.sqrt(4 * limit))
        with np.errstate(all="ignore"):
            points = dedupe(points, np.hypot(*surface.grad(points).T), radius)

    tidy = np.where(np.abs(points) <= 1e-12 * size, 0.0, points) + 0.0  # no -0.0
    kinds, degenerate, values = classify_all(surface, tidy, hscale, size)
    rows = zip(tidy.tolist(), kinds.tolist(), degenerate.tolist(), values.tolist(), strict=True)
    found = [
        {"xy": (q[0], q[1]), "kind": KINDS[k], "value": v, **degenerate_flag(d)}
        for q, k, d, v in rows
    ]
    found.sort(key=lambda c: (KIND_ORDER[c["kind"]], c["value"], c["xy"]))
    return found if limit is None else found[:limit]


def classify_all(
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
            kind[i] = KIND_ORDER[classify_point(surface, p[i], hscale, size)["kind"]]
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

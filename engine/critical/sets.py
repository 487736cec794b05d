"""How a CriticalSet is built (listed points, separable products of 1-D roots, a dense
local-Newton search) and what a run reached (`refine`, `classify`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.critical.index import CriticalSet
from engine.critical.search import (
    KIND_ORDER,
    KINDS,
    classify_all,
    in_domain,
    newton_step,
    polish,
    scales,
    start_grid,
)
from engine.surface import Surface


def scales_of(surface: Surface, n: int = 41) -> tuple[float, float]:
    with np.errstate(all="ignore"):
        return scales(surface, start_grid(surface, n))


def set_from_points(
    surface: Surface, points: Sequence[dict[str, Any]], complete: bool
) -> CriticalSet:
    """A set from listed points ({"xy", "kind", "value"[, "degenerate"]})."""
    xy = np.array([c["xy"] for c in points], dtype=np.float64).reshape(-1, 2)
    return CriticalSet(
        surface,
        xy,
        np.array([KIND_ORDER[c["kind"]] for c in points], dtype=np.int8),
        np.array([c["value"] for c in points], dtype=np.float64),
        np.array([bool(c.get("degenerate")) for c in points], dtype=bool),
        complete=complete,
        scales=scales_of(surface),
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
        scales=scales_of(surface),
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
    gscale, hscale = scales_of(surface)
    p = _local_roots(surface, np.stack([gx.ravel(), gy.ravel()], axis=-1), spacing, iters, gscale)
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
    kind, degenerate, value = classify_all(surface, p, hscale, size)
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


def _local_roots(
    surface: Surface, p: np.ndarray, spacing: float, iters: int, gscale: float
) -> np.ndarray:
    """Newton from every start with steps clamped to `spacing`, polished; the settled roots
    inside the domain (copies of one root included)."""
    size = float(np.hypot(*(np.diff(np.asarray(surface.domain), axis=1).ravel())))
    active = np.arange(len(p))
    with np.errstate(all="ignore"):
        for _ in range(iters):
            _, step, ok = newton_step(surface, p[active])
            length = np.hypot(step[:, 0], step[:, 1])
            step *= np.minimum(1.0, spacing / np.maximum(length, 1e-300))[:, None]
            p[active] += step
            active = active[ok & (length > 1e-15 * size)]
            if not len(active):
                break
        p = polish(surface, p)
        g, step, ok = newton_step(surface, p)
        gnorm = np.hypot(g[:, 0], g[:, 1])
        settled = ok & (np.hypot(step[:, 0], step[:, 1]) <= 1e-9 * size)
    good = (
        in_domain(surface.domain, p, 1e-7 * size)
        & settled
        & np.isfinite(gnorm)
        & (gnorm <= max(1e-6 * gscale, 1e-12))
    )
    return p[good]


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
            _, step, _ok = newton_step(surface, q[live])
            length = np.hypot(step[:, 0], step[:, 1])
            step *= np.minimum(1.0, 0.25 * radius / np.maximum(length, 1e-300))[:, None]
            q[live] += step
            gone = np.hypot(*(q[live] - p[live]).T) > radius  # fails whatever follows
            live = live[(length > 1e-13 * radius) & ~gone]
            if not len(live):
                break
        q = polish(surface, q)
        gnorm = np.hypot(*surface.grad(q).T)
        moved = np.hypot(*(q - p).T)
    ok = np.isfinite(gnorm) & (gnorm <= gtol) & (moved <= radius)
    return q, ok


def classify(surface: Surface, p: np.ndarray, cset: CriticalSet) -> list[dict[str, Any]]:
    """The rows of `p` (critical points) as {"xy", "kind", "value"[, "degenerate"]}."""
    p = np.asarray(p, dtype=np.float64).reshape(-1, 2)
    kind, degenerate, value = classify_all(surface, p, cset.hscale, cset.size)
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

"""Basin-of-attraction maps: thousands of starts per optimizer in one vectorized pass.

    result = basins(surface, configs, grid(surface, 200), steps=500)
    result.labels   # (n_optimizers, n_starts): index into surface.minima(), or
                    # DIVERGED (-1) / NOT_CONVERGED (-2)

Starts are processed in cache-sized blocks (every optimizer on the same block): at 320,000
lanes this is faster than one pass over everything. (Running blocks on threads was slower
here: the many small NumPy calls contend for the GIL.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.noise import Noise
from engine.optimizers import Oracle
from engine.simulate.base import BOUND, Configs, Group, lane_specs
from engine.surfaces import Surface

DIVERGED = -1
NOT_CONVERGED = -2


@dataclass(frozen=True)
class BasinMap:
    labels: np.ndarray  # (O, N) int
    final_xy: np.ndarray  # (O, N, 2), NaN where diverged
    minima: tuple[dict[str, Any], ...]
    tol: float


def grid(surface: Surface, n: int) -> np.ndarray:
    """An n×n grid of starts over the surface's domain, as (n*n, 2), rows along x first."""
    (x0, x1), (y0, y1) = surface.domain
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(xs, ys)
    return np.stack([X.ravel(), Y.ravel()], axis=-1)


def basins(
    surface: Surface, configs: Configs, starts: Any, steps: int, *, tol: float | None = None,
    noise: Noise | None = None, seed: int = 0, block: int = 8192,
) -> BasinMap:  # fmt: skip
    """Label each start by the minimum each optimizer reaches from it within `steps`."""
    specs = lane_specs(configs)
    starts = np.asarray(starts, dtype=np.float64).reshape(-1, 2)
    if not specs or not len(starts) or steps < 1:
        raise ValueError("a basin map needs at least one optimizer, one start and one step")
    noise = noise or Noise()
    order: dict[str, list[int]] = {}
    for i, spec in enumerate(specs):
        order.setdefault(spec["name"], []).append(i)
    groups = [Group(name, members, specs, steps) for name, members in order.items()]
    perm = np.concatenate([g.members for g in groups])
    edges = np.cumsum([0] + [len(g.members) for g in groups])
    spans = list(zip(edges[:-1], edges[1:], strict=True))

    # One noise stream per block, derived from the seed.
    blocks = [starts[i : i + block] for i in range(0, len(starts), block)]
    seeds = np.random.SeedSequence(seed).spawn(len(blocks))

    def run_block(args):
        b, ss = args
        return _run(surface, groups, spans, b, steps, noise, np.random.default_rng(ss))

    finals = [run_block(a) for a in zip(blocks, seeds, strict=True)]
    final = np.concatenate(finals, axis=1)[np.argsort(perm)]  # (O, N, 2), caller's order

    minima = tuple(surface.minima())
    (x0, x1), (y0, y1) = surface.domain
    tol = tol if tol is not None else 1e-2 * max(x1 - x0, y1 - y0)
    return BasinMap(_label(final, minima, tol), final, minima, tol)


def _run(surface, groups, spans, starts, steps, noise, rng) -> np.ndarray:
    x = np.broadcast_to(starts, (spans[-1][1],) + starts.shape).copy()
    slots = [dict(g.opt.init(x[a:b]).slots) for g, (a, b) in zip(groups, spans, strict=True)]
    vector = any(g.opt.vector for g in groups)  # Newton's methods: the surface, as in a race
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            grad = surface.grad(x)
            xi = noise.sample(rng, starts.shape) if noise.active else None
            if xi is not None:
                grad = grad + xi
            oracle = Oracle(surface.value, surface.grad, surface.hessian, xi) if vector else None
            x_new = np.empty_like(x)
            for i, (g, (a, b)) in enumerate(zip(groups, spans, strict=True)):
                x_new[a:b], slots[i] = g.opt.advance(
                    x[a:b], grad[a:b], slots[i], k, g.lr_cols[k - 1], oracle, g.over(k)
                )
            if k % 25 == 0 or k == steps:  # escaped lanes become NaN and stay NaN
                x_new[np.abs(x_new) > BOUND] = np.nan
            x = x_new
    return x


def _label(final: np.ndarray, minima: Sequence[Mapping[str, Any]], tol: float) -> np.ndarray:
    finite = np.all(np.isfinite(final), axis=-1) & np.all(np.abs(final) <= BOUND, axis=-1)
    labels = np.full(final.shape[:-1], NOT_CONVERGED, dtype=np.int64)
    if minima:
        pts = np.array([m["xy"] for m in minima], dtype=np.float64)
        d = np.sqrt(np.sum((final[..., None, :] - pts) ** 2, axis=-1))
        nearest = np.argmin(np.where(np.isfinite(d), d, np.inf), axis=-1)
        close = np.take_along_axis(d, nearest[..., None], axis=-1)[..., 0] < tol
        labels = np.where(close, nearest, labels)
    return np.where(finite, labels, DIVERGED)

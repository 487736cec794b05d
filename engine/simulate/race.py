"""One race in progress: the lanes, the rows recorded so far, the kernel that moves them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from engine.noise import Noise
from engine.simulate.base import (
    _ARRAY_BASE_US,
    _FLOAT_LANE_US,
    _GROUP_US,
    FIELDS,
    KERNELS,
    VECTOR_FIELDS,
    Group,
    lane_specs,
)
from engine.simulate.kernels import ArrayKernel, FloatKernel, _norm
from engine.simulate.tracker import Tracker


class Race:
    """A race's set-up and its block step: the kernel moves the lanes, then whole-array
    passes compute the recorded fields and the tracker's divergence and convergence."""

    def __init__(self, surface, configs, starts, steps, noise, seed, tol, record, stride, kernel):
        specs = lane_specs(configs)
        starts = np.asarray(starts, dtype=np.float64).reshape(-1, 2)
        if not specs or not len(starts) or steps < 1:
            raise ValueError("a race needs at least one optimizer, one start and one step")
        if not np.all(np.isfinite(starts)):
            raise ValueError("start points must be finite")
        unknown = [f for f in record if f not in FIELDS]
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r}; fields are {', '.join(FIELDS)}")
        if int(stride) != stride or stride < 1:
            raise ValueError("stride must be a whole number >= 1")
        if kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {', '.join(KERNELS)}")
        self.surface = surface
        self.record = tuple(f for f in FIELDS if f in record)
        self.noise = noise or Noise()
        self.rng = np.random.default_rng(seed)
        self.n_opt, self.n_start = len(specs), len(starts)
        self.n_lanes = self.n_opt * self.n_start
        stride = int(stride)
        row_steps = list(range(0, steps + 1, stride))
        if row_steps[-1] != steps:
            row_steps.append(steps)
        self.row_steps = np.asarray(row_steps, dtype=np.int64)
        self.n_rows = len(row_steps)
        order: dict[str, list[int]] = {}
        for i, spec in enumerate(specs):
            order.setdefault(spec["name"], []).append(i)
        groups = [Group(name, members, specs, steps) for name, members in order.items()]
        lrs = np.empty((self.n_opt, steps))
        for g in groups:
            lrs[g.members] = g.lrs
        self.lrs = lrs  # (O, steps): the rate of update k is lrs[:, k - 1]
        vector = [g.opt.name for g in groups if g.opt.vector]
        if vector and kernel == "float":
            raise ValueError(f"kernel 'float' runs coordinate-wise rules only, not {vector[0]}")
        if vector:  # second-order rules read the whole vector and the surface: arrays
            kernel = "array"
        if kernel == "auto":
            float_cost = self.n_lanes * _FLOAT_LANE_US
            kernel = "float" if float_cost < _GROUP_US * len(groups) + _ARRAY_BASE_US else "array"
        self.kernel_name = kernel
        make = FloatKernel if kernel == "float" else ArrayKernel
        self.kernel = make(surface, groups, starts, self.n_opt, set(self.record), stride)
        self.tracker = Tracker(surface, self.n_opt, self.n_start, tol)
        self.prev_xy = self.kernel.x0.copy()  # the row before a block, for `update`

    def spans(self, size: int) -> Iterator[tuple[int, int]]:
        for r0 in range(0, self.n_rows, size):
            yield r0, min(r0 + size, self.n_rows)

    def alloc(self, rows: int) -> dict[str, np.ndarray]:
        lanes = (rows, self.n_lanes)
        return {f: np.empty(lanes + ((2,) if f in VECTOR_FIELDS else ())) for f in self.record}

    def block(self, r0: int, r1: int, out: dict[str, np.ndarray]) -> tuple[dict[str, Any], ...]:
        """Rows r0 ... r1 − 1 into `out` (arrays of r1 − r0 rows); the divergence events."""
        steps = self.row_steps[r0:r1]
        first = int(steps[0])
        need_noise = self.noise.active and int(steps[-1]) > 0
        k0 = max(first, 1) if r0 == 0 else int(self.row_steps[r0 - 1]) + 1
        xi = (
            self.noise.sample(self.rng, (int(steps[-1]) - k0 + 1, self.n_start, 2))
            if need_noise
            else None
        )
        rows = self.kernel.advance(steps, k0, xi, self.tracker.alive_lanes(), out.get("xy"))
        xy = rows["xy"]
        with np.errstate(all="ignore"):
            loss = self.surface.value(xy)
        events, cut, cut_after = self.tracker.check(steps, xy, loss)
        _mask(cut, xy, loss, rows["gclean"])
        if "grad_norm" in out:
            _norm(rows["gclean"], out["grad_norm"])
        dist = self.tracker.observe(steps, xy, rows["gclean"])
        if "loss" in out:
            out["loss"][...] = loss
        if "dist_min" in out:
            out["dist_min"][...] = dist
        if "update" in out:
            if "before" in rows:  # a stride: the kernel kept x_{k-1}
                np.subtract(xy, rows["before"], out=out["update"])
            else:
                out["update"][0] = xy[0] - self.prev_xy
                np.subtract(xy[1:], xy[:-1], out=out["update"][1:])
        if "lr" in out:
            k = np.maximum(steps, 1) - 1
            out["lr"][...] = np.repeat(self.lrs[:, k].T, self.n_start, axis=1)
        for f in ("grad", "m", "v"):
            if f in out:
                out[f][...] = rows[f]
                _mask(cut_after, out[f])
        if first == 0:  # the start has no update
            for f in ("lr", "grad", "update", "m", "v"):
                if f in out:
                    out[f][0] = np.nan
        self.prev_xy = xy[-1].copy()
        return events


def _mask(cut: np.ndarray, *arrays: np.ndarray) -> None:
    """NaN from row cut[l] on, in lane l of each array (rows, L, ...)."""
    for lane in np.flatnonzero(cut < len(arrays[0])):
        for a in arrays:
            a[int(cut[lane]) :, lane] = np.nan

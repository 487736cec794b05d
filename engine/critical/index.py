"""`CriticalSet`: every critical point as arrays with fast nearest-point queries (brute
force for a few points, buckets for many, a follower for a run's path)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.critical.search import KIND_ORDER, KINDS
from engine.surface import Surface


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
        code = None if kind is None else KIND_ORDER[kind]
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
        code = None if kind is None else KIND_ORDER[kind]
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

"""What the race knows beyond positions, from the recorded rows a block at a time: loss,
gradient norm, the distance to every minimum, divergence, convergence and the summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine import critical, surface_catalog
from engine.simulate.base import BOUND, UNBOUNDED
from engine.surfaces import Surface


class Tracker:
    """Divergence, distance to the nearest minimum, and convergence, per lane, a block of
    recorded rows at a time (lanes in the caller's order).

    Distances are to every minimum of the surface in its domain (`surface_catalog.critical_set`),
    plus minima found on the way: a lane that settles (small gradient, positive definite
    Hessian) away from every known minimum, where the set may be incomplete (a formula, or
    outside the domain), is refined with Newton's method and its minimum joins the set from
    that step on.
    """

    def __init__(self, surface: Surface, n_opt: int, n_start: int, tol: float | None):
        self.surface = surface
        self.n_start = n_start
        n = n_opt * n_start
        self.crit = surface_catalog.critical_set(surface)
        (x0, x1), (y0, y1) = surface.domain
        self.size = float(np.hypot(x1 - x0, y1 - y0))
        self.tol = tol if tol is not None else 1e-3 * max(x1 - x0, y1 - y0)
        self.gtol = max(1e-6 * self.crit.gscale, 1e-12)  # a critical point's |∇f|
        self.settled = 1e-3 * self.crit.gscale  # |∇f| of a lane worth refining
        self.floor = value_floor(surface)
        n_min = int(np.count_nonzero(self.crit.kind == 0))
        self.has_min = n_min > 0
        # many minima: per-axis searches (rastrigin) or per-lane candidate lists (ackley,
        # levi13) instead of a scan of every minimum
        self.follow = None
        if n_min > 16 and self.crit.axes is None:
            self.follow = self.crit.follower("min", n)
        self.min_xy = self.crit.xy[self.crit.kind == 0]
        self.extra = np.zeros((0, 2))  # minima found on the way
        self.extra_points: list[dict[str, Any]] = []
        self.alive = np.ones(n, dtype=bool)
        self.diverged_at = np.full(n, -1)
        self.reason = np.full(n, "", dtype=object)
        self.unbounded = np.zeros(n, dtype=bool)
        self.near_since = np.full(n, -1)
        self.next_try = np.zeros(n, dtype=np.int64)
        self.backoff = np.full(n, 4, dtype=np.int64)
        self.last_x = np.zeros((n, 2))
        self.last_f = np.zeros(n)

    def alive_lanes(self) -> np.ndarray:
        return self.alive

    def check(self, steps: np.ndarray, x: np.ndarray, f: np.ndarray):
        """Lanes that diverge in this block: (events, cut, cut_after), where cut[l] is the
        first row to blank for positions and losses, cut_after[l] for the update's own data
        (gradient, moments: kept at the step that diverged), len(rows) when nothing is cut."""
        rows, n = f.shape
        cut = np.full(n, rows)
        cut[~self.alive] = 0
        cut_after = cut.copy()
        events: list[dict[str, Any]] = []
        with np.errstate(invalid="ignore"):  # NaN x or f: not fine
            # the common case in three passes: every value finite, above the floor, in bounds
            quiet = bool(f.min() >= self.floor) and bool(np.abs(x).max() <= BOUND)
            if not quiet:
                fine = f >= self.floor
                fine &= np.abs(x[..., 0]) <= BOUND
                fine &= np.abs(x[..., 1]) <= BOUND
        if quiet or (fine | ~self.alive).all():
            hit = np.zeros(n, dtype=bool)
        else:
            bad = ~fine & self.alive
            hit = bad.any(axis=0)
        for lane in np.flatnonzero(hit):
            r = int(np.argmax(bad[:, lane]))
            xr, fr = x[r, lane], f[r, lane]
            nonfinite = not (np.isfinite(fr) and np.all(np.isfinite(xr)))
            fell = (not nonfinite) and fr < self.floor
            if nonfinite:
                why = "non-finite value"
            elif fell:
                why = f"unbounded below: f fell under {self.floor:.4g}"
            else:
                why = f"left |x| > {BOUND:g}"
            k = int(steps[r])
            prev = x[r - 1, lane] if r > 0 else self.last_x[lane]
            prev_f = f[r - 1, lane] if r > 0 else self.last_f[lane]
            self.alive[lane] = False
            self.diverged_at[lane] = k
            self.unbounded[lane] = fell
            self.reason[lane] = why
            self.last_x[lane], self.last_f[lane] = prev, prev_f
            cut[lane], cut_after[lane] = r, r + 1
            events.append(
                {
                    "lane": int(lane),
                    "step": k,
                    "reason": why,
                    "unbounded": bool(fell),
                    "last_xy": [float(prev[0]), float(prev[1])],
                }
            )
        whole = self.alive  # lanes alive through the block end at its last row
        self.last_x[whole] = x[-1, whole]
        self.last_f[whole] = f[-1, whole]
        events.sort(key=lambda e: (e["step"], e["lane"]))
        return tuple(events), cut, cut_after

    def _dist_min(self, x: np.ndarray) -> np.ndarray:
        """(..., 2) → (...): distance to the nearest known minimum (NaN where x is NaN)."""
        if self.follow is not None:
            flat = x.reshape(-1, x.shape[-2], 2) if x.ndim > 2 else x[None]
            d = np.stack([self.follow.distance(row) for row in flat]).reshape(x.shape[:-1])
        elif self.crit.axes is not None:
            _, d = self.crit.nearest(x, "min")
        elif self.has_min:
            d = _nearest_of(x, self.min_xy)
        else:
            d = np.full(x.shape[:-1], np.nan)
        if len(self.extra):
            d = np.fmin(d, _nearest_of(x, self.extra))
        return d

    def observe(self, steps: np.ndarray, x: np.ndarray, grad: np.ndarray | None):
        """(rows, L) distances to the nearest minimum; track when each lane settled there.
        `grad` (rows, L, 2) holds the gradients at x (for `_discover`)."""
        d = self._dist_min(x)
        if grad is not None:
            self._discover(steps, x, grad, d)
        if not (self.has_min or len(self.extra)):
            return d
        inside = d < self.tol  # NaN (diverged) rows: outside
        rows = len(steps)
        last_in = inside[-1]
        out_rows = ~inside
        any_out = out_rows.any(axis=0)
        last_out = rows - 1 - np.argmax(out_rows[::-1], axis=0)  # last row outside
        entered = np.where(any_out, steps[np.minimum(last_out + 1, rows - 1)], steps[0])
        carried = np.where(any_out | (self.near_since < 0), entered, self.near_since)
        self.near_since = np.where(last_in, carried, -1)
        return d

    def _discover(self, steps, x, grad, d) -> None:
        """Refine lanes that settled away from every known minimum: each due lane's first
        such row, all lanes in one batch. A lane tried waits twice as long for its next try
        (4, 8, 16, ... steps), so a lane is refined at most log2(steps) times. A new minimum
        updates `d` from its row on."""
        due = self.alive & (self.next_try <= steps[-1])
        if self.crit.complete and due.any():  # only outside the domain can a minimum be missing
            m = 1e-7 * self.size
            (x0, x1), (y0, y1) = self.surface.domain
            lo, hi = x.min(axis=0), x.max(axis=0)  # (L, 2): each lane's box over the rows
            with np.errstate(invalid="ignore"):
                due &= ~(
                    (lo[:, 0] >= x0 - m)
                    & (hi[:, 0] <= x1 + m)
                    & (lo[:, 1] >= y0 - m)
                    & (hi[:, 1] <= y1 + m)
                )
        due = np.flatnonzero(due)
        if not len(due):
            return
        g = grad[:, due]
        with np.errstate(all="ignore"):
            sq = g[..., 0] * g[..., 0]
            sq += g[..., 1] * g[..., 1]
            r_idx, c_idx = np.nonzero(sq <= self.settled * self.settled)  # NaN: not small
        if not len(r_idx):
            return
        l_idx = due[c_idx]
        if self.crit.complete:  # then only outside the domain can a minimum be missing
            out = ~critical.in_domain(self.surface.domain, x[r_idx, l_idx], 1e-7 * self.size)
            r_idx, l_idx = r_idx[out], l_idx[out]
        after = np.full(len(self.alive), -1)  # per lane: rows up to here are processed
        while len(r_idx):
            with np.errstate(invalid="ignore"):
                now = ~(d[r_idx, l_idx] < self.tol) & (steps[r_idx] >= self.next_try[l_idx])
            now &= r_idx > after[l_idx]
            if not now.any():
                return
            r_idx, l_idx = r_idx[now], l_idx[now]
            lanes = np.unique(l_idx)
            rows = _first_rows(r_idx, l_idx, lanes)  # each lane's earliest candidate row
            pts = x[rows, lanes]
            h = self.surface.hessian(pts)
            ok = (h[:, 0, 0] > 0) & (h[:, 0, 0] * h[:, 1, 1] - h[:, 0, 1] ** 2 > 0)
            q = pts.copy()
            if ok.any():
                q[ok], ok[ok] = critical.refine(self.surface, pts[ok], 0.05 * self.size, self.gtol)
            if ok.any():
                found = critical.classify(self.surface, q[ok], self.crit)
                for r, c in sorted(zip(rows[ok].tolist(), found, strict=True), key=lambda t: t[0]):
                    xy = np.array(c["xy"])
                    if c["kind"] != "min" or self._known(xy):
                        continue
                    self.extra = np.vstack([self.extra, xy[None]])
                    self.extra_points.append(c)
                    d[r:] = np.fmin(d[r:], _nearest_of(x[r:], xy[None]))
            self.next_try[lanes] = steps[rows] + self.backoff[lanes]
            self.backoff[lanes] *= 2
            after[lanes] = rows

    def _known(self, xy: np.ndarray) -> bool:
        radius = 1e-6 * self.size
        _, d = self.crit.nearest(xy[None], "min")
        if d[0] <= radius:
            return True
        return bool(len(self.extra)) and float(np.min(np.hypot(*(self.extra - xy).T))) <= radius

    def summary(self) -> tuple[dict[str, Any], ...]:
        ends = self._ends()
        out = []
        for lane in range(len(self.alive)):
            nearest, nearest_min = ends[lane]
            out.append(
                {
                    "lane": lane,
                    "optimizer": lane // self.n_start,
                    "start": lane % self.n_start,
                    "final_xy": self.last_x[lane].tolist(),
                    "final_loss": float(self.last_f[lane]),
                    "nearest": nearest,
                    "nearest_min": nearest_min,
                    "converged_at": int(self.near_since[lane])
                    if self.near_since[lane] >= 0
                    else None,
                    "diverged_at": int(self.diverged_at[lane])
                    if self.diverged_at[lane] >= 0
                    else None,
                    "reason": self.reason[lane] or None,
                    "unbounded": bool(self.unbounded[lane]),
                }
            )
        return tuple(out)

    def _ends(self) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
        """Per lane: the nearest critical point and the nearest minimum to where it ended.

        From every critical point in the domain, the minima found on the way, and the point
        Newton's method reaches from the lane's end (a run that settled at a critical point
        the set may lack, outside the domain or on a formula, is reported at that point).
        """
        ends = self.last_x
        i_any, d_any = self.crit.nearest(ends)
        i_min, d_min = self.crit.nearest(ends, "min")
        finite = np.all(np.isfinite(ends), axis=1)
        if self.crit.complete:  # inside the domain the set already holds every point
            finite &= ~critical.in_domain(self.surface.domain, ends, 1e-7 * self.size)
        refined: list[dict[str, Any] | None] = [None] * len(ends)
        if finite.any():
            q, ok = critical.refine(self.surface, ends[finite], 0.05 * self.size, self.gtol)
            rows = np.flatnonzero(finite)[ok]
            for r, c in zip(rows, critical.classify(self.surface, q[ok], self.crit), strict=True):
                refined[r] = c
        same = 1e-6 * self.size
        out = []
        for lane in range(len(ends)):
            xy = ends[lane]
            best = self._entry(i_any[lane], d_any[lane])
            best_min = self._entry(i_min[lane], d_min[lane])
            extra = [(p, float(np.hypot(*(np.array(p["xy"]) - xy)))) for p in self.extra_points]
            r = refined[lane]
            if r is not None:
                extra.append((r, float(np.hypot(*(np.array(r["xy"]) - xy)))))
            for p, dist in extra:
                if best is None or dist < best["distance"] - same:
                    best = _as_entry(p, dist, None)
                if p["kind"] == "min" and (best_min is None or dist < best_min["distance"] - same):
                    best_min = _as_entry(p, dist, None)
            out.append((best, best_min))
        return out

    def _entry(self, i: int, dist: float) -> dict[str, Any] | None:
        if i < 0:
            return None
        listed = int(self.crit.listed[i])
        return _as_entry(self.crit.point(int(i)), float(dist), listed if listed >= 0 else None)


def _first_rows(rows: np.ndarray, lanes: np.ndarray, which: np.ndarray) -> np.ndarray:
    """For each lane of `which` (sorted, unique), the smallest row among its (row, lane)."""
    order = np.lexsort((rows, lanes))  # by lane, then row
    sl, sr = lanes[order], rows[order]
    return sr[np.searchsorted(sl, which)]


def _nearest_of(x: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Distance from each point of x (..., 2) to the nearest of a few points (n, 2)."""
    px, py = x[..., 0], x[..., 1]
    best = None
    for cx, cy in pts.tolist():
        dx = px - cx
        dx *= dx
        dy = py - cy
        dy *= dy
        dx += dy
        best = dx if best is None else np.fmin(best, dx, out=best)
    if best is None:
        return np.full(x.shape[:-1], np.nan)
    return np.sqrt(best, out=best)


def _as_entry(p: Mapping[str, Any], distance: float, index: int | None) -> dict[str, Any]:
    """A summary's nearest point; `index` is its place in the surface's critical_points."""
    return {
        "index": index,
        "kind": p["kind"],
        "xy": list(p["xy"]),
        "value": p["value"],
        "distance": distance,
    }


def value_floor(surface: Surface, n: int = 41) -> float:
    """The loss under which a lane counts as falling without end (see UNBOUNDED)."""
    (x0, x1), (y0, y1) = surface.domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    v = surface.value(np.stack([gx, gy], axis=-1))
    v = v[np.isfinite(v)]
    if not v.size:
        return -np.inf
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo if hi > lo else max(abs(lo), 1.0)
    return lo - UNBOUNDED * span

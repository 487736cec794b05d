"""Optimizer races on a 2D surface: several optimizers × several starts × a step budget.

    for chunk in simulate(surface, lanes, starts, steps=500, noise=Noise(0.1), seed=0):
        chunk.xy          # (T, L, 2) positions for steps chunk.start ... chunk.start + T - 1
        chunk.summary     # None until the last chunk

Lane l = o * S + s races optimizer config o from start s (S starts). Row k of the arrays is
the state after k updates: row 0 is the start. For k >= 1, `grad` is the (noisy) gradient
that update k used, `update` is x_k − x_{k−1}, `m` and `v` the optimizer's first and second
moment after it, `lr` the rate it used; row 0 holds NaN there. A lane whose loss or position
becomes non-finite, that leaves |x| > 1e6, or whose loss falls far below anything in the
domain (an unbounded fall, see UNBOUNDED) is diverged at that step: its later rows are NaN
and the others go on. `dist_min` is the distance to the nearest of *every* minimum in the
domain (engine.surface_catalog.critical_set), and the summary's nearest points come from that set.
The comparison is fair by default: same starts, same budget, the same noise for every
optimizer, and no clipping unless a lane asks for it.

Lanes with the same optimizer are stepped together with their hyperparameters stacked as
arrays, so a learning-rate sweep costs one update call per step.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import critical, optimizers, registry, schedules, surface_catalog
from engine.noise import Noise
from engine.surfaces import Surface

BOUND = 1e6
# A lane whose loss falls more than UNBOUNDED times the domain's range of values below the
# domain's lowest value is falling without end (x² − y², x³ − 3xy², many formulas): diverged.
UNBOUNDED = 100.0
FIELDS = ("xy", "loss", "grad_norm", "dist_min", "lr", "grad", "update", "m", "v")


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of a race, for every lane."""

    start: int
    xy: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    dist_min: np.ndarray
    lr: np.ndarray
    grad: np.ndarray
    update: np.ndarray
    m: np.ndarray
    v: np.ndarray
    diverged: tuple[dict[str, Any], ...] = ()
    summary: tuple[dict[str, Any], ...] | None = None

    @property
    def rows(self) -> int:
        return self.xy.shape[0]


@dataclass(frozen=True)
class RaceResult:
    """A whole race: the concatenated arrays (steps + 1 rows) and the per-lane summary."""

    arrays: Mapping[str, np.ndarray]
    diverged: tuple[dict[str, Any], ...]
    summary: tuple[dict[str, Any], ...]


def lane_specs(configs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Normalize optimizer configs ({"name", "params", "schedule", "clip_norm"})."""
    out = []
    for i, c in enumerate(configs):
        sched = c.get("schedule") or {"name": "constant", "params": {}}
        out.append(
            {
                "name": c["name"],
                "params": dict(c.get("params") or {}),
                "schedule": {"name": sched["name"], "params": dict(sched.get("params") or {})},
                "clip_norm": c.get("clip_norm"),
                "label": c.get("label") or _label(c, i),
            }
        )
    return out


def _label(c: Mapping[str, Any], i: int) -> str:
    params = c.get("params") or {}
    parts = [c["name"]]
    if "lr" in params:
        parts.append(f"lr={params['lr']:g}")
    if params.get("momentum"):
        parts.append(f"μ={params['momentum']:g}")
    return " ".join(parts)


class _Group:
    """Optimizer configs sharing one update rule, stacked on a leading axis."""

    def __init__(self, name: str, members: list[int], specs: list[dict], steps: int):
        self.members = np.asarray(members)
        rows = [specs[i] for i in members]
        full = [registry.resolve("optimizer", name, r["params"]) for r in rows]
        clips = [r["clip_norm"] for r in rows]
        clip = (
            None
            if all(c is None for c in clips)
            else np.array([np.inf if c is None else c for c in clips], dtype=np.float64)
        )
        self.opt = optimizers.create(name, clip_norm=clip, **stack_hyperparams(full))
        t = np.arange(steps, dtype=np.float64)
        self.lrs = np.stack(
            [
                np.broadcast_to(
                    schedules.create(
                        r["schedule"]["name"], f["lr"], steps=steps, **r["schedule"]["params"]
                    )(t),
                    (steps,),
                )
                for r, f in zip(rows, full, strict=True)
            ]
        )  # (k, steps): lrs[:, t] is the rate of update t + 1
        self.lr_cols = np.ascontiguousarray(self.lrs.T)[:, :, None, None]  # aligned per step
        self.m_name, self.v_name = self.opt.moments
        # torch keeps no momentum buffer when momentum is 0: show no first moment there
        mu = np.asarray(self.opt.hyper.get("momentum", 1.0), dtype=np.float64)
        self.m_lanes = np.broadcast_to(mu != 0, (len(members),))[:, None, None]
        if not self.m_lanes.any():
            self.m_name = None


def stack_hyperparams(dicts: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-lane parameter dicts (same keys) → one dict; values that differ become arrays."""
    out: dict[str, Any] = {}
    for k in dicts[0]:
        values = [d[k] for d in dicts]
        if all(np.array_equal(np.asarray(v), np.asarray(values[0])) for v in values):
            out[k] = values[0]
        elif isinstance(values[0], list | tuple):  # betas: a pair of per-lane arrays
            out[k] = tuple(np.array([v[j] for v in values], dtype=np.float64) for j in range(2))
        else:
            out[k] = np.array(values)
    return out


def simulate(
    surface: Surface,
    configs: Sequence[Mapping[str, Any]],
    starts: Any,
    steps: int,
    *,
    noise: Noise | None = None,
    seed: int = 0,
    chunk: int = 50,
    tol: float | None = None,
) -> Iterator[Chunk]:
    """Run the race and yield it in chunks of at most `chunk` rows (the first holds row 0)."""
    specs = lane_specs(configs)
    starts = np.asarray(starts, dtype=np.float64).reshape(-1, 2)
    if not specs or not len(starts) or steps < 1 or chunk < 1:
        raise ValueError("a race needs at least one optimizer, one start and one step")
    if not np.all(np.isfinite(starts)):
        raise ValueError("start points must be finite")
    noise = noise or Noise()
    n_opt, n_start = len(specs), len(starts)
    order: dict[str, list[int]] = {}
    for i, spec in enumerate(specs):
        order.setdefault(spec["name"], []).append(i)
    groups = [_Group(name, members, specs, steps) for name, members in order.items()]
    perm = np.concatenate([g.members for g in groups])  # sorted position -> config index
    edges = np.cumsum([0] + [len(g.members) for g in groups])
    spans = list(zip(edges[:-1], edges[1:], strict=True))
    lrs = np.concatenate([g.lrs for g in groups])  # (n_opt, steps), sorted order
    rng = np.random.default_rng(seed)
    tracker = _Tracker(surface, n_opt, n_start, tol)
    buf = _Buffer(perm, n_opt, n_start, min(chunk, steps + 1))

    x = np.broadcast_to(starts, (n_opt, n_start, 2)).copy()  # lanes in sorted order
    slots = [dict(g.opt.init(x[a:b]).slots) for g, (a, b) in zip(groups, spans, strict=True)]
    f, grad = surface.value(x), surface.grad(x)
    gnorm = _norm(grad)
    buf.put(xy=x, loss=f, grad_norm=gnorm, dist_min=tracker.observe(0, x, f, gnorm))

    for k in range(1, steps + 1):
        if buf.full:
            yield buf.flush()
        xi = noise.sample(rng, (n_start, 2)) if noise.active else 0.0
        g_used = grad + xi  # the same noise for every optimizer (common random numbers)
        x_new = np.empty_like(x)
        m = np.full_like(x, np.nan)
        v = np.full_like(x, np.nan)
        for i, (g, (a, b)) in enumerate(zip(groups, spans, strict=True)):
            rate = g.lr_cols[k - 1]
            x_new[a:b], slots[i] = g.opt.advance(x[a:b], g_used[a:b], slots[i], k, rate)
            if g.m_name:
                m[a:b] = np.where(g.m_lanes, slots[i][g.m_name], np.nan)
            if g.v_name:
                v[a:b] = slots[i][g.v_name]
        f_new = surface.value(x_new)
        x_new, f_new, events = tracker.check(k, x_new, f_new, perm)
        grad_new = surface.grad(x_new)
        gnorm = _norm(grad_new)
        buf.put(
            xy=x_new,
            loss=f_new,
            grad_norm=gnorm,
            dist_min=tracker.observe(k, x_new, f_new, gnorm),
            lr=lrs[:, k - 1, None],
            grad=g_used,
            update=x_new - x,
            m=m,
            v=v,
            events=events,
        )
        x, grad = x_new, grad_new
    yield buf.flush(summary=tracker.summary(perm))


def run(
    surface: Surface, configs: Sequence[Mapping[str, Any]], starts: Any, steps: int, **kwargs: Any
) -> RaceResult:
    """The whole race at once: arrays of steps + 1 rows and the summary."""
    chunks = list(simulate(surface, configs, starts, steps, **kwargs))
    arrays = {f: np.concatenate([getattr(c, f) for c in chunks]) for f in FIELDS}
    diverged = tuple(e for c in chunks for e in c.diverged)
    return RaceResult(arrays, diverged, chunks[-1].summary or ())


def _norm(a: np.ndarray) -> np.ndarray:
    return np.hypot(a[..., 0], a[..., 1])


class _Buffer:
    """Preallocated rows in the sorted lane order, flushed as a Chunk in the caller's order."""

    def __init__(self, perm: np.ndarray, n_opt: int, n_start: int, size: int):
        self.inverse = np.argsort(perm)
        self.shape = (n_opt, n_start)
        self.size = size
        self.start = 0
        self._new()

    def _new(self) -> None:
        lanes = (self.size,) + self.shape
        self.arrays = {
            f: np.full(lanes + ((2,) if f in ("xy", "grad", "update", "m", "v") else ()), np.nan)
            for f in FIELDS
        }
        self.rows = 0
        self.events: list[dict[str, Any]] = []

    @property
    def full(self) -> bool:
        return self.rows == self.size

    def put(self, events=(), **values: np.ndarray) -> None:
        for f, a in values.items():
            self.arrays[f][self.rows] = a
        self.rows += 1
        self.events.extend(events)

    def flush(self, summary: tuple[dict[str, Any], ...] | None = None) -> Chunk:
        n_lanes = self.shape[0] * self.shape[1]
        out = {}
        for f, a in self.arrays.items():
            a = a[: self.rows, self.inverse]  # (T, O, S, ...) in the caller's order
            out[f] = a.reshape((self.rows, n_lanes) + a.shape[3:])
        chunk = Chunk(self.start, **out, diverged=tuple(self.events), summary=summary)
        self.start += self.rows
        self._new()
        return chunk


class _Tracker:
    """Divergence, distance to the nearest minimum, and convergence, per lane.

    Distances are to every minimum of the surface in its domain (`surface_catalog.critical_set`),
    plus minima found on the way: a lane that settles (small gradient, positive definite
    Hessian) away from every known minimum, where the set may be incomplete (a formula, or
    outside the domain), is refined with Newton's method and its minimum joins the set.
    """

    def __init__(self, surface: Surface, n_opt: int, n_start: int, tol: float | None):
        self.surface = surface
        self.n_start = n_start
        self.crit = surface_catalog.critical_set(surface)
        (x0, x1), (y0, y1) = surface.domain
        self.size = float(np.hypot(x1 - x0, y1 - y0))
        self.tol = tol if tol is not None else 1e-3 * max(x1 - x0, y1 - y0)
        self.gtol = max(1e-6 * self.crit.gscale, 1e-12)  # a critical point's |∇f|
        self.settled = 1e-3 * self.crit.gscale  # |∇f| of a lane worth refining
        self.floor = _floor(surface)
        n_min = int(np.count_nonzero(self.crit.kind == 0))
        self.has_min = n_min > 0
        # many minima: per-axis searches (rastrigin) or per-lane candidate lists (ackley,
        # levi13) instead of a scan of every minimum per step
        self.follow = None
        if n_min > 16 and self.crit.axes is None:
            self.follow = self.crit.follower("min", n_opt * n_start)
        self.min_xy = self.crit.xy[self.crit.kind == 0]
        self.extra = np.zeros((0, 2))  # minima found on the way
        self.extra_points: list[dict[str, Any]] = []
        shape = (n_opt, n_start)
        self.alive = np.ones(shape, dtype=bool)
        self.all_alive = True
        self.diverged_at = np.full(shape, -1)
        self.reason = np.full(shape, "", dtype=object)
        self.unbounded = np.zeros(shape, dtype=bool)
        self.near_since = np.full(shape, -1)
        self.next_try = np.zeros(shape, dtype=np.int64)
        self.backoff = np.full(shape, 4, dtype=np.int64)
        self.last_x = np.zeros(shape + (2,))
        self.last_f = np.zeros(shape)

    def _lane(self, perm: np.ndarray, o: int, s: int) -> int:
        return int(perm[o]) * self.n_start + int(s)

    def check(self, k: int, x: np.ndarray, f: np.ndarray, perm: np.ndarray):
        """Mark lanes that just diverged; their position and loss become NaN from now on."""
        with np.errstate(invalid="ignore"):  # NaN x or f: not fine
            fine = (f >= self.floor) & (np.max(np.abs(x), axis=-1) <= BOUND)
        if np.all(fine | ~self.alive):  # the common case: nothing new diverged
            return x, f, []
        nonfinite = ~np.isfinite(f) | ~np.all(np.isfinite(x), axis=-1)
        with np.errstate(invalid="ignore"):
            fell = (f < self.floor) & ~nonfinite
        escaped = np.any(np.abs(x) > BOUND, axis=-1) & ~nonfinite & ~fell
        bad = self.alive & (nonfinite | fell | escaped)
        events = []
        if bad.any():
            self.alive &= ~bad
            self.diverged_at[bad] = k
            self.unbounded[bad & fell] = True
            for o, s in zip(*np.nonzero(bad), strict=True):
                if nonfinite[o, s]:
                    why = "non-finite value"
                elif fell[o, s]:
                    why = f"unbounded below: f fell under {self.floor:.4g}"
                else:
                    why = f"left |x| > {BOUND:g}"
                self.reason[o, s] = why
                events.append(
                    {
                        "lane": self._lane(perm, o, s),
                        "step": k,
                        "reason": why,
                        "unbounded": bool(fell[o, s]),
                        "last_xy": self.last_x[o, s].tolist(),
                    }
                )
            x, f = x.copy(), f.copy()
            x[bad], f[bad] = np.nan, np.nan
        return x, f, events

    def _dist_min(self, x: np.ndarray) -> np.ndarray:
        if self.follow is not None:
            d = self.follow.distance(x.reshape(-1, 2)).reshape(x.shape[:-1])
        elif self.crit.axes is not None:
            _, d = self.crit.nearest(x, "min")
        elif self.has_min:
            diff = x[..., None, :] - self.min_xy
            d = np.sqrt(np.min(diff[..., 0] ** 2 + diff[..., 1] ** 2, axis=-1))
        else:
            d = np.full(x.shape[:-1], np.nan)
        if len(self.extra):
            diff = x[..., None, :] - self.extra
            e = np.sqrt(np.min(diff[..., 0] ** 2 + diff[..., 1] ** 2, axis=-1))
            d = np.fmin(d, e)
        return d

    def _discover(self, k: int, x: np.ndarray, gnorm: np.ndarray, d: np.ndarray) -> bool:
        """Refine lanes that settled away from every known minimum; True if one was found."""
        small = gnorm <= self.settled  # NaN: False, and no warning from a comparison
        if not small.any():
            return False
        cand = small & self.alive & ~(d < self.tol) & (k >= self.next_try)
        if not cand.any():
            return False
        if self.crit.complete:  # then only outside the domain can a minimum be missing
            cand &= ~critical.in_domain(self.surface.domain, x, 1e-7 * self.size)
            if not cand.any():
                return False
        pts = x[cand]
        h = self.surface.hessian(pts)
        ok = (h[:, 0, 0] > 0) & (h[:, 0, 0] * h[:, 1, 1] - h[:, 0, 1] ** 2 > 0)  # near a min
        q = pts.copy()
        if ok.any():
            q[ok], ok[ok] = critical.refine(self.surface, pts[ok], 0.05 * self.size, self.gtol)
        found = False
        if ok.any():
            for c in critical.classify(self.surface, q[ok], self.crit):
                xy = np.array(c["xy"])
                if c["kind"] != "min" or self._known(xy):
                    continue
                self.extra = np.vstack([self.extra, xy[None]])
                self.extra_points.append(c)
                found = True
        idx = tuple(np.asarray(i)[~ok] for i in np.nonzero(cand))
        self.next_try[idx] = k + self.backoff[idx]
        self.backoff[idx] *= 2
        return found

    def _known(self, xy: np.ndarray) -> bool:
        radius = 1e-6 * self.size
        _, d = self.crit.nearest(xy[None], "min")
        if d[0] <= radius:
            return True
        return bool(len(self.extra)) and float(np.min(np.hypot(*(self.extra - xy).T))) <= radius

    def observe(self, k: int, x: np.ndarray, f: np.ndarray, gnorm: np.ndarray) -> np.ndarray:
        """Distance to the nearest minimum; track when each lane settled there."""
        alive = self.alive
        if self.all_alive and alive.all():  # x and f are fresh arrays: keep them as they are
            self.last_x, self.last_f = x, f
        else:
            self.all_alive = False
            self.last_x = np.where(alive[..., None], x, self.last_x)
            self.last_f = np.where(alive, f, self.last_f)
        d = self._dist_min(x)
        if self._discover(k, x, gnorm, d):
            d = self._dist_min(x)
        if not (self.has_min or len(self.extra)):
            return d
        inside = alive & (d < self.tol)
        self.near_since = np.where(inside, np.where(self.near_since < 0, k, self.near_since), -1)
        return d

    def summary(self, perm: np.ndarray) -> tuple[dict[str, Any], ...]:
        ends = self._ends()
        out: list[dict[str, Any] | None] = [None] * (len(perm) * self.n_start)
        for o in range(len(perm)):
            for s in range(self.n_start):
                xy, f = self.last_x[o, s], float(self.last_f[o, s])
                lane = self._lane(perm, o, s)
                nearest, nearest_min = ends[o][s]
                out[lane] = {
                    "lane": lane,
                    "optimizer": int(perm[o]),
                    "start": s,
                    "final_xy": xy.tolist(),
                    "final_loss": f,
                    "nearest": nearest,
                    "nearest_min": nearest_min,
                    "converged_at": int(self.near_since[o, s])
                    if self.near_since[o, s] >= 0
                    else None,
                    "diverged_at": int(self.diverged_at[o, s])
                    if self.diverged_at[o, s] >= 0
                    else None,
                    "reason": self.reason[o, s] or None,
                    "unbounded": bool(self.unbounded[o, s]),
                }
        return tuple(out)  # type: ignore[arg-type]

    def _ends(self) -> list[list[tuple[dict[str, Any] | None, dict[str, Any] | None]]]:
        """Per lane: the nearest critical point and the nearest minimum to where it ended.

        From every critical point in the domain, the minima found on the way, and the point
        Newton's method reaches from the lane's end (a run that settled at a critical point
        the set may lack, outside the domain or on a formula, is reported at that point).
        """
        ends = self.last_x
        shape = ends.shape[:-1]
        i_any, d_any = self.crit.nearest(ends)
        i_min, d_min = self.crit.nearest(ends, "min")
        flat = ends.reshape(-1, 2)
        finite = np.all(np.isfinite(flat), axis=1)
        refined: list[dict[str, Any] | None] = [None] * len(flat)
        if finite.any():
            q, ok = critical.refine(self.surface, flat[finite], 0.05 * self.size, self.gtol)
            rows = np.flatnonzero(finite)[ok]
            for r, c in zip(rows, critical.classify(self.surface, q[ok], self.crit), strict=True):
                refined[r] = c
        same = 1e-6 * self.size
        out = []
        for o in range(shape[0]):
            row = []
            for s in range(shape[1]):
                xy = ends[o, s]
                best = self._entry(i_any[o, s], d_any[o, s])
                best_min = self._entry(i_min[o, s], d_min[o, s])
                extra = [(p, float(np.hypot(*(np.array(p["xy"]) - xy)))) for p in self.extra_points]
                r = refined[o * shape[1] + s]
                if r is not None:
                    extra.append((r, float(np.hypot(*(np.array(r["xy"]) - xy)))))
                for p, dist in extra:
                    if best is None or dist < best["distance"] - same:
                        best = _as_entry(p, dist, None)
                    if p["kind"] == "min" and (
                        best_min is None or dist < best_min["distance"] - same
                    ):
                        best_min = _as_entry(p, dist, None)
                row.append((best, best_min))
            out.append(row)
        return out

    def _entry(self, i: int, dist: float) -> dict[str, Any] | None:
        if i < 0:
            return None
        listed = int(self.crit.listed[i])
        return _as_entry(self.crit.point(int(i)), float(dist), listed if listed >= 0 else None)


def _as_entry(p: Mapping[str, Any], distance: float, index: int | None) -> dict[str, Any]:
    """A summary's nearest point; `index` is its place in the surface's critical_points."""
    return {
        "index": index,
        "kind": p["kind"],
        "xy": list(p["xy"]),
        "value": p["value"],
        "distance": distance,
    }


def _floor(surface: Surface, n: int = 41) -> float:
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

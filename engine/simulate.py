"""Optimizer races on a 2D surface: several optimizers × several starts × a step budget.

    for chunk in simulate(surface, lanes, starts, steps=500, noise=Noise(0.1), seed=0):
        chunk.xy          # (T, L, 2) positions for steps chunk.start ... chunk.start + T - 1
        chunk.summary     # None until the last chunk

Lane l = o * S + s races optimizer config o from start s (S starts). Row k of the arrays is
the state after k updates: row 0 is the start. For k >= 1, `grad` is the (noisy) gradient
that update k used, `update` is x_k − x_{k−1}, `m` and `v` the optimizer's first and second
moment after it, `lr` the rate it used; row 0 holds NaN there. A lane whose loss or position
becomes non-finite, or that leaves |x| > 1e6, is diverged at that step: its later rows are NaN
and the others go on. The comparison is fair by default: same starts, same budget, the same
noise for every optimizer, and no clipping unless a lane asks for it.

Lanes with the same optimizer are stepped together with their hyperparameters stacked as
arrays, so a learning-rate sweep costs one update call per step.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import optimizers, registry, schedules
from engine.noise import Noise
from engine.surfaces import Surface

BOUND = 1e6
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
    buf.put(xy=x, loss=f, grad_norm=_norm(grad), dist_min=tracker.observe(0, x, f))

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
        buf.put(
            xy=x_new,
            loss=f_new,
            grad_norm=_norm(grad_new),
            dist_min=tracker.observe(k, x_new, f_new),
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
    """Divergence, distance to the nearest minimum, and convergence, per lane."""

    def __init__(self, surface: Surface, n_opt: int, n_start: int, tol: float | None):
        self.surface = surface
        self.n_start = n_start
        self.minima = np.array([c["xy"] for c in surface.minima()], dtype=np.float64)
        (x0, x1), (y0, y1) = surface.domain
        self.tol = tol if tol is not None else 1e-3 * max(x1 - x0, y1 - y0)
        shape = (n_opt, n_start)
        self.alive = np.ones(shape, dtype=bool)
        self.all_alive = True
        self.diverged_at = np.full(shape, -1)
        self.reason = np.full(shape, "", dtype=object)
        self.near_since = np.full(shape, -1)
        self.last_x = np.zeros(shape + (2,))
        self.last_f = np.zeros(shape)

    def _lane(self, perm: np.ndarray, o: int, s: int) -> int:
        return int(perm[o]) * self.n_start + int(s)

    def check(self, k: int, x: np.ndarray, f: np.ndarray, perm: np.ndarray):
        """Mark lanes that just diverged; their position and loss become NaN from now on."""
        with np.errstate(invalid="ignore"):
            fine = np.isfinite(f) & (np.max(np.abs(x), axis=-1) <= BOUND)  # NaN x: not fine
        if np.all(fine | ~self.alive):  # the common case: nothing new diverged
            return x, f, []
        nonfinite = ~np.isfinite(f) | ~np.all(np.isfinite(x), axis=-1)
        escaped = np.any(np.abs(x) > BOUND, axis=-1) & ~nonfinite
        bad = self.alive & (nonfinite | escaped)
        events = []
        if bad.any():
            self.alive &= ~bad
            self.diverged_at[bad] = k
            for o, s in zip(*np.nonzero(bad), strict=True):
                why = "non-finite value" if nonfinite[o, s] else f"left |x| > {BOUND:g}"
                self.reason[o, s] = why
                events.append(
                    {
                        "lane": self._lane(perm, o, s),
                        "step": k,
                        "reason": why,
                        "last_xy": self.last_x[o, s].tolist(),
                    }
                )
            x, f = x.copy(), f.copy()
            x[bad], f[bad] = np.nan, np.nan
        return x, f, events

    def observe(self, k: int, x: np.ndarray, f: np.ndarray) -> np.ndarray:
        """Distance to the nearest listed minimum; track when each lane settled there."""
        alive = self.alive
        if self.all_alive and alive.all():  # x and f are fresh arrays: keep them as they are
            self.last_x, self.last_f = x, f
        else:
            self.all_alive = False
            self.last_x = np.where(alive[..., None], x, self.last_x)
            self.last_f = np.where(alive, f, self.last_f)
        if not len(self.minima):
            return np.full(x.shape[:-1], np.nan)
        diff = x[..., None, :] - self.minima
        d = np.sqrt(np.min(diff[..., 0] * diff[..., 0] + diff[..., 1] * diff[..., 1], axis=-1))
        inside = alive & (d < self.tol)
        self.near_since = np.where(inside, np.where(self.near_since < 0, k, self.near_since), -1)
        return d

    def summary(self, perm: np.ndarray) -> tuple[dict[str, Any], ...]:
        crit = self.surface.critical_points
        mins = self.surface.minima()
        out: list[dict[str, Any] | None] = [None] * (len(perm) * self.n_start)
        for o in range(len(perm)):
            for s in range(self.n_start):
                xy, f = self.last_x[o, s], float(self.last_f[o, s])
                lane = self._lane(perm, o, s)
                out[lane] = {
                    "lane": lane,
                    "optimizer": int(perm[o]),
                    "start": s,
                    "final_xy": xy.tolist(),
                    "final_loss": f,
                    "nearest": _nearest(crit, xy),
                    "nearest_min": _nearest(mins, xy),
                    "converged_at": int(self.near_since[o, s])
                    if self.near_since[o, s] >= 0
                    else None,
                    "diverged_at": int(self.diverged_at[o, s])
                    if self.diverged_at[o, s] >= 0
                    else None,
                    "reason": self.reason[o, s] or None,
                }
        return tuple(out)  # type: ignore[arg-type]


def _nearest(points: Sequence[Mapping[str, Any]], xy: np.ndarray) -> dict[str, Any] | None:
    if not points:
        return None
    d = [float(np.hypot(*(np.asarray(p["xy"]) - xy))) for p in points]
    i = int(np.argmin(d))
    p = points[i]
    return {
        "index": i,
        "kind": p["kind"],
        "xy": list(p["xy"]),
        "value": p["value"],
        "distance": d[i],
    }

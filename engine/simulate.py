"""Optimizer races on a 2D surface: several optimizers × several starts × a step budget.

    for chunk in simulate(surface, lanes, starts, steps=500, noise=Noise(0.1), seed=0):
        chunk.xy          # (T, L, 2) positions for rows chunk.start ... chunk.start + T - 1
        chunk.summary     # None until the last chunk
    result = run(surface, lanes, starts, 10_000, record=("xy", "loss"), stride=10)

Lane l = o * S + s races optimizer config o from start s (S starts). Row k of the arrays is
the state after k updates: row 0 is the start. For k >= 1, `grad` is the (noisy) gradient
that update k used, `update` is x_k − x_{k−1}, `m` and `v` the optimizer's first and second
moment after it, `lr` the rate it used; row 0 holds NaN there. With `stride` n only every
n-th step is recorded (and the last): row i is step `steps_of_rows[i]`. `record` names the
fields to keep (all by default); the others are None and cost nothing.

A lane whose loss or position becomes non-finite, that leaves |x| > 1e6, or whose loss falls
far below anything in the domain (an unbounded fall, see UNBOUNDED) is diverged at that step
(with a stride: at the first recorded step that shows it): its later rows are NaN and the
others go on. `dist_min` is the distance to the nearest of *every* minimum in the domain
(engine.surface_catalog.critical_set), and the summary's nearest points come from that set.
The comparison is fair by default: same starts, same budget, the same noise for every
optimizer, and no clipping unless a lane asks for it.

How it is fast at both ends of the lane count. The loop only moves the lanes: loss, gradient
norm, distance to the minima, divergence and convergence are computed afterwards from the
recorded rows, a block of rows at a time, in whole-array calls. The loop itself has two
kernels that run the same update rules (`engine.optimizers`, written once against a
namespace) and give the same bits:
- ArrayKernel: lanes with the same optimizer stepped together, their hyperparameters
  stacked as arrays (a learning-rate sweep costs one update call per step); the choice for
  many lanes, where NumPy's per-call cost is spread over thousands of them;
- FloatKernel: each lane on plain Python floats, one coordinate at a time; the choice for a
  few lanes of several optimizers, where a NumPy call would cost more than its arithmetic.
`kernel="auto"` picks the cheaper by a cost estimate; "array" and "float" force one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
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
VECTOR_FIELDS = ("xy", "grad", "update", "m", "v")
KERNELS = ("auto", "array", "float")
# Rough cost of one step (µs) for the kernel choice: a float lane, an optimizer group of the
# array kernel, and the array kernel's fixed part (gradient, noise, recording).
_FLOAT_LANE_US, _GROUP_US, _ARRAY_BASE_US = 6.5, 24.0, 50.0  # measured on Himmelblau


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of a race, for every lane; fields not recorded are None."""

    start: int
    steps: np.ndarray
    xy: np.ndarray | None
    loss: np.ndarray | None
    grad_norm: np.ndarray | None
    dist_min: np.ndarray | None
    lr: np.ndarray | None
    grad: np.ndarray | None
    update: np.ndarray | None
    m: np.ndarray | None
    v: np.ndarray | None
    diverged: tuple[dict[str, Any], ...] = ()
    summary: tuple[dict[str, Any], ...] | None = None

    @property
    def rows(self) -> int:
        return len(self.steps)


class RaceResult:
    """A whole race: the recorded arrays (one row per recorded step), the divergence events
    and the per-lane summary (built on first use: for 10⁵ lanes it is 10⁵ dicts)."""

    def __init__(
        self,
        arrays: Mapping[str, np.ndarray],
        diverged: tuple[dict[str, Any], ...],
        summary: tuple[dict[str, Any], ...] | Callable[[], tuple[dict[str, Any], ...]],
        steps: np.ndarray | None = None,
    ):
        self.arrays = arrays
        self.diverged = diverged
        self.steps = steps  # the step of each row (0, stride, 2·stride, ..., steps)
        self._summary = summary

    @property
    def summary(self) -> tuple[dict[str, Any], ...]:
        if callable(self._summary):
            self._summary = self._summary()
        return self._summary


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
    record: Sequence[str] = FIELDS,
    stride: int = 1,
    kernel: str = "auto",
) -> Iterator[Chunk]:
    """Run the race and yield it in chunks of at most `chunk` rows (the first holds row 0)."""
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    race = _Race(surface, configs, starts, steps, noise, seed, tol, record, stride, kernel)
    for r0, r1 in race.spans(chunk):
        out = race.alloc(r1 - r0)
        events = race.block(r0, r1, out)
        last = r1 == race.n_rows
        yield Chunk(
            r0,
            race.row_steps[r0:r1],
            **{f: out.get(f) for f in FIELDS},
            diverged=events,
            summary=race.tracker.summary() if last else None,
        )


def run(
    surface: Surface,
    configs: Sequence[Mapping[str, Any]],
    starts: Any,
    steps: int,
    *,
    noise: Noise | None = None,
    seed: int = 0,
    chunk: int | None = None,
    tol: float | None = None,
    record: Sequence[str] = FIELDS,
    stride: int = 1,
    kernel: str = "auto",
) -> RaceResult:
    """The whole race at once: the recorded arrays, preallocated and filled in place.

    `chunk` is the rows per block of the whole-array passes (by default about 64k lane-rows:
    few blocks for a few lanes, bounded temporaries for many)."""
    race = _Race(surface, configs, starts, steps, noise, seed, tol, record, stride, kernel)
    whole = race.alloc(race.n_rows)
    diverged: list[dict[str, Any]] = []
    size = chunk or int(np.clip(65536 // race.n_lanes, 16, 2048))
    for r0, r1 in race.spans(max(1, size)):
        diverged.extend(race.block(r0, r1, {f: a[r0:r1] for f, a in whole.items()}))
    return RaceResult(whole, tuple(diverged), race.tracker.summary, race.row_steps)


# --------------------------------------------------------------------------- the race


class _Race:
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
        groups = [_Group(name, members, specs, steps) for name, members in order.items()]
        lrs = np.empty((self.n_opt, steps))
        for g in groups:
            lrs[g.members] = g.lrs
        self.lrs = lrs  # (O, steps): the rate of update k is lrs[:, k - 1]
        if kernel == "auto":
            float_cost = self.n_lanes * _FLOAT_LANE_US
            kernel = "float" if float_cost < _GROUP_US * len(groups) + _ARRAY_BASE_US else "array"
        self.kernel_name = kernel
        make = FloatKernel if kernel == "float" else ArrayKernel
        self.kernel = make(surface, groups, starts, self.n_opt, set(self.record), stride)
        self.tracker = _Tracker(surface, self.n_opt, self.n_start, tol)
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


# --------------------------------------------------------------------------- kernels
# A kernel moves the lanes. `advance(steps, k0, xi, alive)` takes updates k0 ... steps[-1]
# (xi: their noise, (n, S, 2), or None) and returns, at the recorded `steps`, the positions
# "xy" and the clean gradients "gclean" there, plus what is recorded of "grad" (the gradient
# the update used), "m", "v", and "before" (x_{k−1}, kept only under a stride). Arrays are
# (rows, L, ...) in the caller's lane order; rows of a lane that stopped are NaN.


class ArrayKernel:
    """Every lane of an optimizer in one array; one update call per optimizer per step."""

    def __init__(self, surface, groups, starts, n_opt, record, stride):
        self.surface = surface
        self.groups = groups
        self.want = [f for f in ("grad", "m", "v") if f in record]
        self.before = "update" in record and stride > 1
        n_start = len(starts)
        self.shape = (n_opt, n_start)
        perm = np.concatenate([g.members for g in groups])  # sorted position -> config index
        self.identity = bool(np.array_equal(perm, np.arange(n_opt)))
        self.inverse = np.argsort(perm)
        edges = np.cumsum([0] + [len(g.members) for g in groups])
        self.spans = list(zip(edges[:-1], edges[1:], strict=True))
        self.x = np.broadcast_to(starts, (n_opt, n_start, 2)).copy()  # lanes in sorted order
        self.slots = [
            dict(g.opt.init(self.x[a:b]).slots)
            for g, (a, b) in zip(groups, self.spans, strict=True)
        ]
        with np.errstate(all="ignore"):
            self.g = surface.grad(self.x)
        self.x0 = self._caller(self.x).copy()
        self.g0 = self._caller(self.g).copy()
        self.pool: dict[str, np.ndarray] = {}

    def _caller(self, a: np.ndarray) -> np.ndarray:
        """(O, S, ...) in sorted order → (L, ...) in the caller's order."""
        if not self.identity:
            a = a[self.inverse]
        return a.reshape((-1,) + a.shape[2:])

    def advance(self, steps, k0, xi, alive, xy=None):
        steps = steps.tolist()
        lanes = self.shape[0] * self.shape[1]
        out = _rows(len(steps), lanes, self.want, self.before, xy, False, self.pool)
        for f in self.want:  # moments are NaN where a rule keeps none
            out[f].fill(np.nan)
        r = 0
        if steps[0] == 0:
            out["xy"][0], out["gclean"][0] = self.x0, self.g0
            r = 1
        x, grad, slots, groups = self.x, self.g, self.slots, self.groups
        one = len(groups) == 1
        with np.errstate(all="ignore"):
            for k in range(k0, int(steps[-1]) + 1):
                g_used = grad + xi[k - k0] if xi is not None else grad
                if one:
                    grp = groups[0]
                    x_new, slots[0] = grp.opt.advance(x, g_used, slots[0], k, grp.lr_cols[k - 1])
                else:
                    x_new = np.empty_like(x)
                    for i, (grp, (a, b)) in enumerate(zip(groups, self.spans, strict=True)):
                        x_new[a:b], slots[i] = grp.opt.advance(
                            x[a:b], g_used[a:b], slots[i], k, grp.lr_cols[k - 1]
                        )
                x_old, x = x, x_new
                grad = self.surface.grad(x)
                if k == steps[r]:
                    out["xy"][r] = self._caller(x)
                    out["gclean"][r] = self._caller(grad)
                    if self.before:
                        out["before"][r] = self._caller(x_old)
                    if "grad" in out:
                        out["grad"][r] = self._caller(g_used)
                    if "m" in out or "v" in out:
                        self._moments(out, r, slots)
                    r += 1
        self.x, self.g = x, grad
        return out

    def _moments(self, out, r, slots):
        m = np.full(self.shape + (2,), np.nan)
        v = np.full(self.shape + (2,), np.nan)
        for i, (grp, (a, b)) in enumerate(zip(self.groups, self.spans, strict=True)):
            if grp.m_name:
                m[a:b] = np.where(grp.m_lanes, slots[i][grp.m_name], np.nan)
            if grp.v_name:
                v[a:b] = slots[i][grp.v_name]
        if "m" in out:
            out["m"][r] = self._caller(m)
        if "v" in out:
            out["v"][r] = self._caller(v)


def _rows(rows: int, lanes: int, want, before: bool, xy=None, fill=True, pool=None) -> dict:
    """A kernel's output arrays (NaN-filled unless `fill` is False: the kernel writes every
    row); `xy` is the caller's own array if given. `pool` (a dict the kernel keeps) lends
    the same arrays block after block: fresh ones would page-fault on every block."""
    names = ["gclean", *want] + (["before"] if before else []) + ([] if xy is not None else ["xy"])
    out = {}
    for f in names:
        a = pool.get(f) if pool is not None else None
        if a is None or a.shape != (rows, lanes, 2):
            a = np.empty((rows, lanes, 2))
            if pool is not None:
                pool[f] = a
        if fill:
            a.fill(np.nan)
        out[f] = a
    if xy is not None:
        if fill:
            xy.fill(np.nan)
        out["xy"] = xy
    return out


def _norm(g: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """|g| over the last axis of (..., 2): a square root of squares (np.hypot is 6x slower
    here), with np.hypot where the squares would overflow or underflow."""
    gx, gy = g[..., 0], g[..., 1]
    a = np.multiply(gx, gx, out=out)
    a += gy * gy
    np.sqrt(a, out=a)
    with np.errstate(invalid="ignore"):
        edge = ~(a >= 1e-150) | (a == np.inf)  # NaN rows too (cheap: NaN stays NaN)
    if edge.any():
        a[edge] = np.hypot(gx[edge], gy[edge])
    return a


class _Lane:
    """One lane of the float kernel: its rule, plain-float hyperparameters and state."""

    __slots__ = ("rule", "h", "clip", "lrs", "x", "y", "sx", "sy", "gx", "gy", "m", "v")

    def __init__(self, grp: _Group, j: int, start: np.ndarray, grad: np.ndarray):
        opt = grp.opt
        self.rule = opt.rule
        self.h = opt.lane_hyper(j)
        self.clip = opt.lane_clip(j)
        self.lrs = grp.lrs[j].tolist()
        self.x, self.y = float(start[0]), float(start[1])
        self.sx, self.sy = opt.lane_slots(j), opt.lane_slots(j)
        self.gx, self.gy = float(grad[0]), float(grad[1])
        self.m = grp.m_name if grp.m_name and bool(grp.m_lanes[j, 0, 0]) else None
        self.v = grp.v_name


class FloatKernel:
    """Each lane on plain Python floats: a step costs its arithmetic, not NumPy's overhead.

    A lane whose floats overflow or divide by zero (which raise in Python, where NumPy gives
    inf or NaN) goes on in NumPy scalars from that step, with NumPy's answers; a lane that
    leaves |x| > BOUND or turns NaN stops there (the tracker marks it diverged).
    """

    def __init__(self, surface, groups, starts, n_opt, record, stride):
        self.surface = surface
        self.want = [f for f in ("grad", "m", "v") if f in record]
        self.before = "update" in record and stride > 1
        self.n_start = len(starts)
        x = np.broadcast_to(starts, (n_opt, self.n_start, 2))
        with np.errstate(all="ignore"):
            g0 = surface.grad(x)
        self.lanes: list[_Lane] = [None] * (n_opt * self.n_start)  # type: ignore[list-item]
        for grp in groups:
            for j, o in enumerate(grp.members):
                for s in range(self.n_start):
                    self.lanes[o * self.n_start + s] = _Lane(grp, j, starts[s], g0[o, s])
        self.x0 = x.reshape(-1, 2).copy()
        self.g0 = g0.reshape(-1, 2).copy()
        self.pool: dict[str, np.ndarray] = {}

    def advance(self, steps, k0, xi, alive, xy=None):
        out = _rows(len(steps), len(self.lanes), self.want, self.before, xy, True, self.pool)
        base = 0
        if steps[0] == 0:
            out["xy"][0], out["gclean"][0] = self.x0, self.g0
            base = 1
        n = int(steps[-1]) - k0 + 1
        if n <= 0:
            return out
        pick = np.asarray(steps[base:], dtype=np.int64) - k0  # recorded row → step index
        moments = "m" in self.want or "v" in self.want
        grad_fn = self.surface.grad_fn
        noise = xi.transpose(1, 0, 2).tolist() if xi is not None else None  # per start
        lanes, before, rows, mvs = [], [], [], []
        with np.errstate(all="ignore"):
            for i, lane in enumerate(self.lanes):
                if not alive[i]:
                    continue
                nz = noise[i % self.n_start] if noise is not None else None
                before.append((lane.x, lane.y, lane.gx, lane.gy))
                r, mv = _run_lane(lane, grad_fn, k0, n, nz, moments)
                if len(r) < 4 * n:  # it stopped (left the bound): pad with NaN rows
                    r = r + [NAN] * (4 * n - len(r))
                    mv = mv + [NAN] * (4 * n - len(mv)) if mv else mv
                lanes.append(i)
                rows.append(r)
                mvs.append(mv)
        if not lanes:
            return out
        at = slice(base, base + len(pick))
        a = np.array(rows, dtype=np.float64).reshape(len(lanes), n, 4).transpose(1, 0, 2)
        a = a[pick]  # (recorded rows, lanes, 4): x, y, ∂x, ∂y after each step
        out["xy"][at, lanes] = a[..., :2]
        out["gclean"][at, lanes] = a[..., 2:]
        if "grad" in out or self.before:  # the position and gradient before each step
            prev = np.array(rows, dtype=np.float64).reshape(len(lanes), n, 4).transpose(1, 0, 2)
            prev = np.concatenate([np.array(before)[None], prev[:-1]])[pick]
            if "grad" in out:
                g = prev[..., 2:]
                if xi is not None:
                    g = g + xi[pick][:, np.asarray(lanes) % self.n_start]
                out["grad"][at, lanes] = g
            if self.before:
                out["before"][at, lanes] = prev[..., :2]
        if moments and any(mvs):
            filled = [mv if mv else [NAN] * (4 * n) for mv in mvs]
            b = np.array(filled, dtype=np.float64).reshape(len(lanes), n, 4).transpose(1, 0, 2)
            b = b[pick]  # m_x, m_y, v_x, v_y
            if "m" in out:
                out["m"][at, lanes] = b[..., :2]
            if "v" in out:
                out["v"][at, lanes] = b[..., 2:]
        return out


def _run_lane(lane: _Lane, grad_fn, k0: int, n: int, noise, moments: bool):
    """Updates k0 ... k0 + n − 1 of one lane: rows (x, y, ∂x, ∂y) after each, and the
    moments (m_x, m_y, v_x, v_y) when asked; fewer rows if the lane left the bound."""
    rule, h, clip = lane.rule, lane.h, lane.clip
    lrs = lane.lrs[k0 - 1 : k0 - 1 + n]
    x, y, sx, sy, gx, gy = lane.x, lane.y, lane.sx, lane.sy, lane.gx, lane.gy
    mk, vk = lane.m, lane.v
    rows: list[float] = []
    mv: list[float] = []
    add, add_mv = rows.extend, mv.extend
    keep_mv = moments and (mk is not None or vk is not None)
    xp = optimizers.FLOAT
    bound, nan = BOUND, NAN
    convert = None  # a surface written with NumPy functions answers in NumPy scalars
    i = 0
    while i < n:
        k = k0 + i
        try:
            ux, uy = gx, gy
            if noise is not None:
                ex, ey = noise[i]
                ux += ex
                uy += ey
            if clip is not None:  # as optimizers.clip_by_norm
                scale = min(1.0, clip / max(xp.sqrt(ux * ux + uy * uy), 1e-300))
                ux *= scale
                uy *= scale
            lr = lrs[i]
            nx, nsx = rule(x, ux, sx, k, h, lr, xp)
            ny, nsy = rule(y, uy, sy, k, h, lr, xp)
            stop = not (-bound <= nx <= bound and -bound <= ny <= bound)  # NaN too
            if stop:
                ngx = ngy = nan
            else:
                ngx, ngy = grad_fn(nx, ny)
                if convert is None:
                    convert = type(ngx) is not float and xp is optimizers.FLOAT
                if convert:
                    ngx, ngy = float(ngx), float(ngy)
        except (ArithmeticError, ValueError):
            if xp is optimizers.ARRAY:
                raise
            # Python raises where NumPy gives inf or NaN: from this step on, NumPy scalars
            xp, convert = optimizers.ARRAY, False
            x, y, gx, gy = (np.float64(v) for v in (x, y, gx, gy))
            sx = {key: np.float64(v) for key, v in sx.items()}
            sy = {key: np.float64(v) for key, v in sy.items()}
            continue
        x, y, sx, sy, gx, gy = nx, ny, nsx, nsy, ngx, ngy
        add((x, y, gx, gy))
        if keep_mv:
            add_mv((sx.get(mk, nan), sy.get(mk, nan), sx.get(vk, nan), sy.get(vk, nan)))
        i += 1
        if stop:
            break
    lane.x, lane.y, lane.sx, lane.sy, lane.gx, lane.gy = x, y, sx, sy, gx, gy
    return rows, mv


NAN = float("nan")


# --------------------------------------------------------------------------- the tracker


class _Tracker:
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
        self.floor = _floor(surface)
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

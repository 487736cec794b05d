"""The two loops that move the lanes and give the same bits: ArrayKernel (lanes with the
same optimizer stepped together as arrays) and FloatKernel (each lane on Python floats)."""

from __future__ import annotations

import numpy as np

from engine import optimizers
from engine.simulate.base import BOUND, NAN, Group

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
        self.vector = any(g.opt.vector for g in groups)

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
                oracle = self._oracle(xi[k - k0] if xi is not None else None)
                if one:
                    grp = groups[0]
                    x_new, slots[0] = grp.opt.advance(
                        x, g_used, slots[0], k, grp.lr_cols[k - 1], oracle, grp.over(k)
                    )
                else:
                    x_new = np.empty_like(x)
                    for i, (grp, (a, b)) in enumerate(zip(groups, self.spans, strict=True)):
                        x_new[a:b], slots[i] = grp.opt.advance(
                            x[a:b], g_used[a:b], slots[i], k, grp.lr_cols[k - 1], oracle,
                            grp.over(k),
                        )  # fmt: skip
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

    def _oracle(self, noise):
        """The surface for the second-order rules this step (None when no group needs it)."""
        if not self.vector:
            return None
        s = self.surface
        return optimizers.Oracle(s.value, s.grad, s.hessian, noise)

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


class Lane:
    """One lane of the float kernel: its rule, plain-float hyperparameters and state."""

    __slots__ = ("rule", "h", "clip", "lrs", "cycled", "x", "y", "sx", "sy", "gx", "gy", "m", "v")

    def __init__(self, grp: Group, j: int, start: np.ndarray, grad: np.ndarray):
        opt = grp.opt
        self.rule = opt.rule
        self.h = opt.lane_hyper(j)
        self.clip = opt.lane_clip(j)
        self.lrs = grp.lrs[j].tolist()
        # (key, per-step values) of a cycled momentum or β₁ (the lane's own dict h is set)
        self.cycled = None if grp.cycled is None else (grp.cycled[0], grp.cycled[1][j].tolist())
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
        self.lanes: list[Lane] = [None] * (n_opt * self.n_start)  # type: ignore[list-item]
        for grp in groups:
            for j, o in enumerate(grp.members):
                for s in range(self.n_start):
                    self.lanes[o * self.n_start + s] = Lane(grp, j, starts[s], g0[o, s])
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


def _run_lane(lane: Lane, grad_fn, k0: int, n: int, noise, moments: bool):
    """Updates k0 ... k0 + n − 1 of one lane: rows (x, y, ∂x, ∂y) after each, and the
    moments (m_x, m_y, v_x, v_y) when asked; fewer rows if the lane left the bound."""
    rule, h, clip = lane.rule, lane.h, lane.clip
    maximize = h.get("maximize", False)
    lrs = lane.lrs[k0 - 1 : k0 - 1 + n]
    cyc_key, cyc = (None, None) if lane.cycled is None else lane.cycled
    if cyc is not None:
        cyc = cyc[k0 - 1 : k0 - 1 + n]
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
            if maximize:  # as Optimizer.advance: torch negates g first
                ux, uy = -ux, -uy
            lr = lrs[i]
            if cyc is not None:
                h[cyc_key] = cyc[i]
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

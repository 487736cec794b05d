"""The lanes of a run in flat rows: where each parameter lives (`Layout`), the optimizer
groups that update many lanes in one call (`Group`), per-lane schedules, the scratch
buffers of one minibatch (`Work`) and evaluation in cache-sized blocks (`Evaluator`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from engine import mlp, optimizers, registry, schedules
from engine.simulate import stack_hyperparams

Array = np.ndarray


# Cache blocking (this machine: 2 MB of L2 per core). NumPy's elementwise temporaries and a
# batched matmul's operands stay in the cache when one call touches at most about this much.
LANE_BUDGET = 131_072  # floats of forward/backward activations per block of lanes


class Layout:
    """Where each parameter array of a network lives in a lane's flat row."""

    def __init__(self, template: Mapping[str, Array], lanes: int):
        self.lanes = lanes
        self.items, start = [], 0
        for key, p in template.items():  # arrays with the lanes axis first
            size = int(np.prod(p.shape[1:]))
            self.items.append((key, p.shape[1:], start, start + size))
            start += size
        self.size = start
        n = mlp.n_layers(template)
        self.wsel = np.zeros((start, n))  # column l marks the entries of W(l+1)
        for key, _, a, b in self.items:
            if key[0] == "W":
                self.wsel[a:b, int(key[1:]) - 1] = 1.0
        self.wmask = self.wsel.sum(axis=1)
        self.n_layers = n
        where = {key: (shape, a, b) for key, shape, a, b in self.items}
        self.per_layer = [
            [where.get(f"{name}{i}") for name in ("W", "b", "gamma", "beta")]
            for i in range(1, n + 1)
        ]

    def flatten(self, params: Mapping[str, Array]) -> Array:
        L = self.lanes
        return np.concatenate([params[k].reshape(L, -1) for k, *_ in self.items], axis=1)

    def unflatten(self, flat: Array) -> dict[str, Array]:
        L = flat.shape[0]
        return {k: flat[:, a:b].reshape((L, *shape)) for k, shape, a, b in self.items}

    def blocks(self, flat: Array) -> list[Array]:
        """Views (lanes, fan_in + 1, fan_out) of each layer's contiguous [W; b] block."""
        L = flat.shape[0]
        return [
            flat[:, w[1] : b[2]].reshape(L, w[0][0] + 1, w[0][1]) for w, b, _, _ in self.per_layer
        ]

    def layers(self, flat: Array) -> list[tuple]:
        """(W, b, γ, β) views per layer, as mlp.layers gives them."""
        L = flat.shape[0]
        return [
            tuple(None if w is None else flat[:, w[1] : w[2]].reshape(L, *w[0]) for w in layer)
            for layer in self.per_layer
        ]


# gd is torch's SGD without momentum: its lanes join the sgd group (momentum 0 per lane),
# which saves one optimizer call per iteration when both are raced.
AS_SGD = {"momentum": 0.0, "dampening": 0.0, "nesterov": False}


def rule_of(name: str) -> str:
    return "sgd" if name == "gd" else name


class Group:
    """Lanes sharing one optimizer rule: hyperparameters stacked, one update call."""

    def __init__(self, name: str, members: list[int], specs: list[dict], a: int, b: int):
        rows = [specs[i] for i in members]
        full = [
            registry.resolve("optimizer", r["name"], r["params"])
            | (AS_SGD if r["name"] == "gd" else {})
            for r in rows
        ]
        clips = [r.get("clip_norm") for r in rows]
        clip = (
            None
            if all(c is None for c in clips)
            else np.array([np.inf if c is None else c for c in clips], dtype=np.float64)
        )
        self.opt = optimizers.create(name, clip_norm=clip, **stack_hyperparams(full))
        self.a, self.b = a, b
        self.vector = self.opt.vector  # L-BFGS: the trainer is its closure


def lane_schedules(specs, perm, total):
    """Per internal lane: lr_at(t) for an iteration schedule, or a ReduceLROnPlateau."""
    out = []
    for i in perm:
        s = specs[i]
        lr = registry.resolve("optimizer", s["name"], s["params"])["lr"]
        name, params = s["schedule"]["name"], s["schedule"]["params"]
        if name == "reduce_on_plateau":
            rule = schedules.ReduceLROnPlateau(**registry.resolve("schedule", name, params))
            out.append((rule, rule.init(lr)))
        else:
            out.append((schedules.create(name, lr, steps=total, **params), None))
    return out


def cycled_overrides(groups, scheds, steps):
    """Per group: None, or {key: (len(steps), lanes, 1)}: the momentum or β₁ that a lane's
    schedule sets at each of these iterations (torch's cycle_momentum); the group's other
    lanes keep their own value."""
    out = []
    for gr in groups:
        curves = [getattr(rule, "momentum", None) for rule, _ in scheds[gr.a : gr.b]]
        if all(c is None for c in curves):
            out.append(None)
            continue
        key = optimizers.momentum_key(gr.opt.name)
        h = gr.opt.hyper
        own = np.broadcast_to(
            np.asarray(h["betas"][0] if key == "beta1" else h.get("momentum", 0.0), np.float64),
            (gr.b - gr.a,),
        )
        cols = np.stack(
            [
                c(steps) if c is not None else np.full(len(steps), own[j])
                for j, c in enumerate(curves)
            ],
            axis=1,
        )
        out.append({key: cols[:, :, None]})
    return out


class LossOracle:
    """The training loss as L-BFGS sees it in the trainer (its closure): at the group's
    current rows, the values of the pass just made; at any other point of lane j, a full-batch
    pass with lane j's row set to it (`evaluate(j, x) -> (loss, gradient)`)."""

    def __init__(self, evaluate, values, a: int):
        self.evaluate, self.values, self.a = evaluate, values, a

    def value(self, p):
        return self.values[self.a : self.a + len(p)]

    def lane(self, i: int, shape) -> _LaneLoss:
        return _LaneLoss(self.evaluate, self.a + i)


class _LaneLoss:
    def __init__(self, evaluate, j: int):
        self.evaluate, self.j = evaluate, j

    def value_and_grad(self, x):
        return self.evaluate(self.j, x)


class Work:
    """Buffers of one minibatch size for the trainer's passes: gathered inputs (with the
    ones column), linear outputs z, hidden activations (lanes, m, units + 1) whose last
    column stays 1, and backpropagated dL/da. Fresh arrays of these sizes every iteration
    are page-faulted afresh whenever malloc has handed them back to the system."""

    def __init__(self, sizes: list[int], lanes: int, m: int):
        self.x = np.ones((m, sizes[0] + 1))
        self.z = [np.empty((lanes, m, w)) for w in sizes[1:]]
        self.a = [np.ones((lanes, m, w + 1)) for w in sizes[1:-1]]
        self.da = [np.empty((lanes, m, w)) for w in sizes[1:-1]]


class Evaluator:
    """Evaluation-mode forward passes over one fixed input set, into buffers kept between
    calls. Each layer is one GEMM with the bias folded in: the input carries a row of ones
    and (W; b) is one contiguous (fan_in + 1, fan_out) block of the flat row (batch
    normalization with running statistics is an affine map, folded into that block too).
    Activations are kept feature-major, (lanes, units + 1, examples), so that the ones row
    sits apart and the activation writes one contiguous block.

    The work is cut into blocks of lanes (whose weights fit WEIGHTS floats) and of examples
    (whose activations for those lanes fit BUDGET floats), so that every matmul and
    activation runs on operands in the cache: one block over 8 lanes × 1,000 examples of a
    64-unit net took 3× the time of cache-sized blocks."""

    BUDGET = 131_072  # floats of activation buffers per block
    WEIGHTS = 131_072  # floats of weights per block of lanes

    def __init__(self, X: Array, lay: Layout, sizes: list[int]):
        L, n = lay.lanes, len(X)
        self.lanes = max(1, min(L, self.WEIGHTS // lay.size))
        per = self.lanes * (sum(sizes[1:]) + len(sizes))
        self.block = max(1, min(n, self.BUDGET // per))
        self.whole = self.lanes == L and self.block == n  # one block: the whole set
        self.X1T = np.concatenate([X.T, np.ones((1, n))])  # (in + 1, n)
        lb, B = self.lanes, self.block
        self.z = [np.empty((lb, w, B)) for w in sizes[1:]]
        self.a = [np.ones((lb, w + 1, B)) for w in sizes[1:-1]]  # the last row stays 1
        self.lay = lay

    def blocks(
        self, flat: Array, act, running, bn_eps: float = mlp.BN_EPS
    ) -> Iterator[tuple[slice, slice, Array]]:
        """(lanes, rows, raw outputs (lanes, rows, outputs)) per block; the output is a
        view of a buffer that the next block overwrites."""
        mats = self.lay.blocks(flat)
        for i, (_, _, g, beta) in enumerate(self.lay.per_layer):
            if g is not None:  # fold (z − μ)·γ/√(σ² + ε) + β into W and b
                scale = flat[:, g[1] : g[2]] / np.sqrt(running[f"var{i + 1}"] + bn_eps)
                mats[i] = mats[i] * scale[:, None, :]
                mats[i][:, -1, :] += flat[:, beta[1] : beta[2]] - running[f"mean{i + 1}"] * scale
        mats = [m.swapaxes(-1, -2) for m in mats]  # (lanes, fan_out, fan_in + 1)
        L, (n, B) = flat.shape[0], (self.X1T.shape[1], self.block)
        for lo in range(0, L, self.lanes):
            lanes = slice(lo, min(lo + self.lanes, L))
            k = lanes.stop - lo
            ws = mats if k == L else [m[lanes] for m in mats]
            for start in range(0, n, B):
                rows = slice(start, min(start + B, n))
                m = rows.stop - rows.start
                a = self.X1T[:, rows]
                for i, wb in enumerate(ws):
                    z = self.z[i][:k, :, :m]
                    np.matmul(wb, a, out=z)
                    if i == len(ws) - 1:
                        break
                    a = self.a[i][:k, :, :m]
                    act.into(z, a[:, :-1])
                yield lanes, rows, z.swapaxes(-1, -2)

"""The network itself: parameters, the forward and backward passes (batch norm, dropout),
the penalty, the loss and its gradient, the running statistics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypedDict, Unpack

import numpy as np

from engine import activations, losses

Array = np.ndarray


Params = Mapping[str, Array]


BN_EPS = 1e-5


BN_MOMENTUM = 0.1


def init(
    sizes: Sequence[int],
    activation: Any = "relu",
    init: Any = "he_normal",
    rng: np.random.Generator | None = None,
    *,
    batch_norm: bool = False,
    lanes: int | None = None,
) -> dict[str, Array]:
    """Weights from `init` (biases 0; γ 1, β 0), drawn in layer order from `rng`.

    `activation` is only checked here (He's formula already assumes ReLU). With `lanes`, every
    lane gets a copy of the same initial weights.
    """
    activations.get(activation)
    if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
        raise ValueError("sizes must list at least the input and output widths, all ≥ 1")
    if rng is None:
        raise ValueError("init needs a numpy Generator: rng=np.random.default_rng(seed)")
    lead = () if lanes is None else (lanes,)
    params = {}
    n = len(sizes) - 1
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        w = activations.initialize(init, (int(fan_in), int(fan_out)), rng)
        params[f"W{i}"] = np.broadcast_to(w, lead + w.shape).copy()
        params[f"b{i}"] = np.zeros(lead + (int(fan_out),))
        if batch_norm and i < n:
            params[f"gamma{i}"] = np.ones(lead + (int(fan_out),))
            params[f"beta{i}"] = np.zeros(lead + (int(fan_out),))
    return params


def n_layers(params: Params) -> int:
    return sum(1 for k in params if k[0] == "W")


def sizes(params: Params) -> list[int]:
    n = n_layers(params)
    return [params["W1"].shape[-2]] + [params[f"W{i}"].shape[-1] for i in range(1, n + 1)]


def layers(params: Params) -> list[tuple[Array, Array, Array | None, Array | None]]:
    """(W, b, γ, β) per layer, γ and β None without batch normalization."""
    n = n_layers(params)
    return [
        (params[f"W{i}"], params[f"b{i}"], params.get(f"gamma{i}"), params.get(f"beta{i}"))
        for i in range(1, n + 1)
    ]


def init_running(params: Params) -> dict[str, Array]:
    """Batch normalization's running statistics at the start: mean 0, variance 1."""
    out = {}
    for k, v in params.items():
        if k.startswith("gamma"):
            out["mean" + k[5:]] = np.zeros_like(v)
            out["var" + k[5:]] = np.ones_like(v)
    return out


class Trace(NamedTuple):
    """Everything a forward pass computed (a returned value, never a hidden cache)."""

    inputs: list[Array]  # the input of each layer: X, then the (dropped-out) activations
    z: list[Array]  # linear outputs aW + b, the last one is the network's output
    h: list[Array]  # hidden pre-activations (after batch normalization, if any)
    a: list[Array]  # hidden activations before dropout
    norm: list[tuple[Array, Array, Array] | None]  # (batch mean, 1/√(var+ε), ẑ) per hidden layer
    batch_var: list[Array | None]  # biased batch variance (for the running estimate)
    masks: list[Array] | None

    @property
    def out(self) -> Array:
        return self.z[-1]


def dropout_masks(rng: np.random.Generator, rate: float, batch: int, widths: Sequence[int]):
    """Inverted-dropout masks (batch, width) per hidden layer: 0 or 1/(1 − rate)."""
    if rate <= 0:
        return None
    return [(rng.random((batch, w)) >= rate) / (1.0 - rate) for w in widths]


def forward_layers(layers_, X, act, *, running=None, masks=None, wb=None, bn_eps=BN_EPS) -> Trace:
    """The forward pass on a list of (W, b, γ, β) with a bound activation.

    Batch normalization (ε = `bn_eps`) uses the batch's statistics unless `running` is given;
    dropout applies the given masks (None: no dropout). With `wb`, one (fan_in + 1, fan_out) block
    [W; b] per layer, the bias rides inside the matmul: X and every later layer input carry
    a trailing column of ones (the trainer's fast path; the same numbers up to rounding).
    """
    inputs, zs, hs, acts, norms, variances = [X], [], [], [], [], []
    a = X
    last = len(layers_) - 1
    for i, (W, b, g, beta) in enumerate(layers_):
        if wb is None:
            z = np.matmul(a, W)
            z += b[..., None, :]
        else:
            z = np.matmul(a, wb[i])
        zs.append(z)
        if i == last:
            break
        if g is not None:
            if running is None:
                avg = losses.ones(z.shape[-2]) / z.shape[-2]
                mu = (avg @ z)[..., None, :]
                d = z - mu
                var = (avg @ (d * d))[..., None, :]
            else:
                mu, var = (
                    running[f"mean{i + 1}"][..., None, :],
                    running[f"var{i + 1}"][..., None, :],
                )
                d = z - mu
            inv = 1.0 / np.sqrt(var + bn_eps)
            zhat = d * inv
            h = zhat * g[..., None, :] + beta[..., None, :]
            norms.append((mu, inv, zhat))
            variances.append(var if running is None else None)
        else:
            h = z
            norms.append(None)
            variances.append(None)
        hs.append(h)
        if wb is None:
            a = act.fn(h)
            acts.append(a)
            if masks is not None:
                a = a * masks[i]
        else:  # the activation goes into a buffer whose last column is the ones
            buf = np.empty(h.shape[:-1] + (h.shape[-1] + 1,))
            buf[..., -1] = 1.0
            if masks is None:
                acts.append(act.into(h, buf[..., :-1]))
            else:
                acts.append(act.fn(h))
                np.multiply(acts[-1], masks[i], out=buf[..., :-1])
            a = buf
        inputs.append(a)
    return Trace(inputs, zs, hs, acts, norms, variances, masks)


def backward_layers(layers_, trace: Trace, dout, act, *, batch_stats=True, wb=None):
    """([[dW, db, dγ, dβ] per layer], [dL/dz per layer]) from dL/dout.

    `batch_stats` says whether the forward pass normalized with the batch's own statistics
    (then the gradient flows through μ and σ²) or with running statistics (constants). With
    `wb` (see forward_layers) each layer's first entry is the block d[W; b] and db is None.
    """
    grads: list[list[Any]] = [[None] * 4 for _ in layers_]
    deltas = [dout] * len(layers_)
    dz = dout
    for i in range(len(layers_) - 1, -1, -1):
        deltas[i] = dz
        grads[i][0] = np.matmul(trace.inputs[i].swapaxes(-1, -2), dz)
        if wb is None:  # the bias: a sum over the batch (BLAS: much faster than .sum here)
            grads[i][1] = losses.ones(dz.shape[-2]) @ dz
        if i == 0:
            break
        k = i - 1
        W = layers_[i][0] if wb is None else wb[i][..., :-1, :]
        da = np.matmul(dz, W.swapaxes(-1, -2))
        if trace.masks is not None:
            da = da * trace.masks[k]
        dh = act.backward(da, trace.h[k], trace.a[k])  # da is a fresh array: ours to reuse
        if trace.norm[k] is None:
            dz = dh
            continue
        _, inv, zhat = trace.norm[k]
        ones = losses.ones(dh.shape[-2])
        grads[k][2] = ones @ (dh * zhat)
        grads[k][3] = ones @ dh
        dzhat = dh * layers_[k][2][..., None, :]
        if batch_stats:
            n = dzhat.shape[-2]
            mean_d = ((ones @ dzhat) / n)[..., None, :]
            mean_dz = ((ones @ (dzhat * zhat)) / n)[..., None, :]
            dzhat = dzhat - mean_d - zhat * mean_dz
        dz = dzhat * inv
    return grads, deltas


def _as_dict(grads: list[list[Any]]) -> dict[str, Array]:
    out = {}
    for i, (dW, db, dg, dbeta) in enumerate(grads, start=1):
        out[f"W{i}"], out[f"b{i}"] = dW, db
        if dg is not None:
            out[f"gamma{i}"], out[f"beta{i}"] = dg, dbeta
    return out


def penalty(params: Params, l1: float = 0.0, l2: float = 0.0) -> Array:
    """l1·Σ|W| + l2·ΣW² over the weight matrices (per lane)."""
    total = 0.0
    for i in range(1, n_layers(params) + 1):
        W = params[f"W{i}"]
        if l1:
            total = total + l1 * np.abs(W).sum(axis=(-2, -1))
        if l2:
            total = total + l2 * (W * W).sum(axis=(-2, -1))
    return total


def prepare(params, X, activation, loss, mode, running, dropout, rng):
    """(activation, loss, X as float64, the running statistics to use, dropout masks)."""
    if mode not in ("train", "eval"):
        raise ValueError("mode must be 'train' or 'eval'")
    act, lossf = activations.get(activation), losses.get(loss)
    X = np.asarray(X, dtype=np.float64)
    has_bn = "gamma1" in params
    if mode == "eval":
        if has_bn and running is None:
            raise ValueError("eval mode with batch normalization needs the running statistics")
        return act, lossf, X, (running if has_bn else None), None
    widths = sizes(params)[1:-1]
    if dropout and rng is None:
        raise ValueError("dropout draws its masks from a Generator: pass rng=")
    return act, lossf, X, None, dropout_masks(rng, dropout, X.shape[-2], widths)


def forward(
    params: Params,
    X: Array,
    *,
    activation: Any = "relu",
    mode: str = "eval",
    running: Mapping[str, Array] | None = None,
    dropout: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Trace:
    """The forward pass; `trace.out` is the last layer's raw output (no link)."""
    act, _, X, run, masks = prepare(params, X, activation, "mse", mode, running, dropout, rng)
    return forward_layers(layers(params), X, act, running=run, masks=masks)


def predict(
    params: Params, X: Array, *, activation: Any = "relu", loss: Any = "mse", running=None
) -> Array:
    """Evaluation-mode outputs through the loss's link: probabilities, or values."""
    out = forward(params, X, activation=activation, mode="eval", running=running).out
    return losses.output(losses.get(loss).name, out)


class Options(TypedDict, total=False):
    """The keyword options of every function that evaluates the loss (defaults: DEFAULTS)."""

    activation: Any  # of the hidden layers: a name or an activations entry
    loss: Any  # a name or a losses entry
    l1: float  # penalty l1·Σ|W|
    l2: float  # penalty l2·ΣW²
    mode: str  # "train" (batch statistics) or "eval" (`running` statistics)
    running: Mapping[str, Array] | None


DEFAULTS: Options = {
    "activation": "relu",
    "loss": "mse",
    "l1": 0.0,
    "l2": 0.0,
    "mode": "train",
    "running": None,
}


def options(given: Mapping[str, Any]) -> dict[str, Any]:
    """`given` over the defaults; an unknown option is a TypeError, as for any keyword."""
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
    return {**DEFAULTS, **given}


def loss_and_grad(
    params: Params, X: Array, y: Array, *, dropout: float = 0.0,
    rng: np.random.Generator | None = None, **opts: Unpack[Options],
) -> tuple[Array, dict[str, Array]]:  # fmt: skip
    """The loss (data loss + penalty; one per lane) and its gradient under the same keys."""
    o = options(opts)
    act, lossf, X, run, masks = prepare(
        params, X, o["activation"], o["loss"], o["mode"], o["running"], dropout, rng
    )
    value, grads, _ = evaluate(params, X, y, act, lossf, o["l1"], o["l2"], run, masks)
    return value, grads


def evaluate(params, X, y, act, lossf, l1, l2, running, masks):
    """Forward, loss (+ penalty) and backward: (value, grads dict, (trace, deltas))."""
    ls = layers(params)
    trace = forward_layers(ls, X, act, running=running, masks=masks)
    value, dout = lossf(trace.out, y)
    grads, deltas = backward_layers(ls, trace, dout, act, batch_stats=running is None)
    grads = _as_dict(grads)
    if l1 or l2:
        value = value + penalty(params, l1, l2)
        for i in range(1, len(ls) + 1):
            W = params[f"W{i}"]
            grads[f"W{i}"] = grads[f"W{i}"] + l1 * np.sign(W) + 2.0 * l2 * W
    return value, grads, (trace, deltas)


def loss_value(
    params: Params, X: Array, y: Array, *, masks: Sequence[Array] | None = None,
    **opts: Unpack[Options],
) -> Array:  # fmt: skip
    """The loss of `loss_and_grad` without a backward pass; dropout only through `masks`."""
    o = options(opts)
    act, lossf, X, run, _ = prepare(
        params, X, o["activation"], o["loss"], o["mode"], o["running"], 0.0, None
    )
    trace = forward_layers(layers(params), X, act, running=run, masks=masks)
    return lossf(trace.out, y, grad=False)[0] + penalty(params, o["l1"], o["l2"])


def update_running(
    running: Mapping[str, Array], trace: Trace, momentum: float = BN_MOMENTUM
) -> dict[str, Array]:
    """torch BatchNorm1d's update: r ← (1 − m)·r + m·batch statistic (unbiased variance)."""
    out = dict(running)
    n = trace.z[0].shape[-2]
    for i, (norm, var) in enumerate(zip(trace.norm, trace.batch_var, strict=True), start=1):
        if norm is None or var is None:
            continue
        mean, unbiased = norm[0][..., 0, :], var[..., 0, :] * n / max(n - 1, 1)
        out[f"mean{i}"] = (1.0 - momentum) * running[f"mean{i}"] + momentum * mean
        out[f"var{i}"] = (1.0 - momentum) * running[f"var{i}"] + momentum * unbiased
    return out

"""A multi-layer perceptron as pure functions on a dict of arrays.

    params = mlp.init([2, 16, 16, 2], init="he_normal", rng=rng)      # W1, b1, ..., W3, b3
    loss, grads = mlp.loss_and_grad(params, X, y, activation="relu", loss="cross_entropy")

`Wi` is (fan_in, fan_out) (Keras' layout; torch's nn.Linear stores the transpose) and `bi`
is (fan_out,). Hidden layer i computes zᵢ = aᵢ₋₁Wᵢ + bᵢ, then (with batch normalization)
ẑᵢ = (zᵢ − μ)/√(σ² + ε), hᵢ = γᵢẑᵢ + βᵢ, then aᵢ = act(hᵢ), then (with dropout) aᵢ·maskᵢ.
The last layer is linear: the loss applies its own link (sigmoid, softmax).

Batch normalization adds `gammaI` (scale γ, starts at 1) and `betaI` (shift β, starts at 0)
for each hidden layer I. In "train" mode it normalizes with the batch's statistics; in
"eval" mode with running statistics {"meanI", "varI"} that `update_running` keeps like
torch's BatchNorm1d (momentum 0.1, unbiased variance for the running estimate, ε = 1e-5).
Dropout is inverted (kept units are scaled by 1/(1−p) in training, nothing changes at
evaluation) and its masks come from the Generator, one mask per example and unit, shared by
every lane. L1 and L2 penalties l1·Σ|W| + l2·ΣW² (Keras' kernel regularizers: weights only,
not biases) are added to the loss and to its gradient.

Every array may carry a leading lanes axis: `Wi` (lanes, fan_in, fan_out), `bi`
(lanes, fan_out), X (batch, in) shared or (lanes, batch, in); losses then come per lane.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from engine import activations, losses, registry

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


def forward_layers(layers_, X, act, *, running=None, masks=None, wb=None) -> Trace:
    """The forward pass on a list of (W, b, γ, β) with a bound activation.

    Batch normalization uses the batch's statistics unless `running` is given; dropout
    applies the given masks (None: no dropout). With `wb`, one (fan_in + 1, fan_out) block
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
            inv = 1.0 / np.sqrt(var + BN_EPS)
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


def _setup(params, X, activation, loss, mode, running, dropout, rng):
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
    act, _, X, run, masks = _setup(params, X, activation, "mse", mode, running, dropout, rng)
    return forward_layers(layers(params), X, act, running=run, masks=masks)


def predict(
    params: Params, X: Array, *, activation: Any = "relu", loss: Any = "mse", running=None
) -> Array:
    """Evaluation-mode outputs through the loss's link: probabilities, or values."""
    out = forward(params, X, activation=activation, mode="eval", running=running).out
    return losses.output(losses.get(loss).name, out)


def loss_and_grad(
    params: Params,
    X: Array,
    y: Array,
    *,
    activation: Any = "relu",
    loss: Any = "mse",
    l1: float = 0.0,
    l2: float = 0.0,
    dropout: float = 0.0,
    rng: np.random.Generator | None = None,
    mode: str = "train",
    running: Mapping[str, Array] | None = None,
) -> tuple[Array, dict[str, Array]]:
    """The loss (data loss + penalty; one per lane) and its gradient under the same keys."""
    act, lossf, X, run, masks = _setup(params, X, activation, loss, mode, running, dropout, rng)
    value, grads, _ = _full(params, X, y, act, lossf, l1, l2, run, masks)
    return value, grads


def _full(params, X, y, act, lossf, l1, l2, running, masks):
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
    params: Params,
    X: Array,
    y: Array,
    *,
    activation: Any = "relu",
    loss: Any = "mse",
    l1: float = 0.0,
    l2: float = 0.0,
    mode: str = "train",
    running: Mapping[str, Array] | None = None,
    masks: Sequence[Array] | None = None,
) -> Array:
    """The loss of `loss_and_grad` without a backward pass; dropout only through `masks`."""
    act, lossf, X, run, _ = _setup(params, X, activation, loss, mode, running, 0.0, None)
    trace = forward_layers(layers(params), X, act, running=run, masks=masks)
    return lossf(trace.out, y, grad=False)[0] + penalty(params, l1, l2)


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


# --------------------------------------------------------------------------- teaching tools


def numerical_grad(
    params: Params,
    X: Array,
    y: Array,
    *,
    activation: Any = "relu",
    loss: Any = "mse",
    l1: float = 0.0,
    l2: float = 0.0,
    mode: str = "train",
    running: Mapping[str, Array] | None = None,
    masks: Sequence[Array] | None = None,
    eps: float = 1e-5,
) -> dict[str, Array]:
    """Central differences (L(p + ε) − L(p − ε))/2ε, one parameter at a time, as course notes
    write it: 2 forward passes per parameter (that is the point of the comparison).

    Dropout only through fixed `masks`; lanes are summed, which leaves each lane's own
    derivative.
    """
    kw = dict(activation=activation, loss=loss, l1=l1, l2=l2, mode=mode, running=running)
    work = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    out = {}
    for key, p in work.items():
        g = np.empty_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for j in range(flat.size):
            keep = flat[j]
            flat[j] = keep + eps
            up = np.sum(loss_value(work, X, y, masks=masks, **kw))
            flat[j] = keep - eps
            down = np.sum(loss_value(work, X, y, masks=masks, **kw))
            flat[j] = keep
            gflat[j] = (up - down) / (2.0 * eps)
        out[key] = g
    return out


def gradient_check(
    params: Params,
    X: Array,
    y: Array,
    *,
    activation: Any = "relu",
    loss: Any = "mse",
    l1: float = 0.0,
    l2: float = 0.0,
    mode: str = "train",
    running: Mapping[str, Array] | None = None,
    dropout: float = 0.0,
    rng: np.random.Generator | None = None,
    eps: float = 1e-5,
) -> dict[str, Any]:
    """Backprop against central differences, per parameter array (concept 15).

    Returns {"layers": [{"layer", "params", "max_abs", "rel"}], "max_abs", "rel",
    "backprop", "numerical"}; per layer (W, b and γ, β together) `rel` is
    ‖g_bp − g_num‖ / (‖g_bp‖ + ‖g_num‖). The engine has no clock: to
    show that backprop is faster, time `loss_and_grad` and `numerical_grad` yourself.
    With dropout, one set of masks is drawn from `rng` and used by both.
    """
    act, lossf, X, run, masks = _setup(params, X, activation, loss, mode, running, dropout, rng)
    bp = _full(params, X, y, act, lossf, l1, l2, run, masks)[1]
    num = numerical_grad(
        params,
        X,
        y,
        activation=act,
        loss=lossf,
        l1=l1,
        l2=l2,
        mode=mode,
        running=running,
        masks=masks,
        eps=eps,
    )
    rows = []
    for i in range(1, n_layers(params) + 1):
        keys = [k for k in ("W", "b", "gamma", "beta") if f"{k}{i}" in params]
        a = np.concatenate([np.ravel(bp[f"{k}{i}"]) for k in keys])
        b = np.concatenate([np.ravel(num[f"{k}{i}"]) for k in keys])
        denom = np.linalg.norm(a) + np.linalg.norm(b)
        rows.append(
            {
                "layer": i,
                "params": [f"{k}{i}" for k in keys],
                "max_abs": float(np.max(np.abs(a - b))),
                "rel": float(np.linalg.norm(a - b) / denom) if denom > 0 else 0.0,
            }
        )
    return {
        "layers": rows,
        "max_abs": max(r["max_abs"] for r in rows),
        "rel": max(r["rel"] for r in rows),
        "backprop": bp,
        "numerical": num,
    }


def forward_trace(
    params: Params,
    X: Array,
    y: Array,
    *,
    activation: Any = "relu",
    loss: Any = "mse",
    optimizer: Mapping[str, Any] | None = None,
    state: Mapping[str, Any] | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
) -> dict[str, Any]:
    """One training iteration, stage by stage (concept 1), for a tiny network.

    Returns {"layers": [{"input", "W", "b", "z", "a"}] (a: the activation; the output layer's
    is the loss's link), "loss", "dloss_dout", "deltas": dL/dz per layer, "grads",
    "update" (new − old per array), "new_params", "new_loss", "state"}. `optimizer` is
    {"name", "params"} (default plain gradient descent, lr 0.1); pass the returned `state`
    back to take the next iteration.
    """
    from engine import optimizers  # the optimizer modules need not load for plain MLP use

    act, lossf = activations.get(activation), losses.get(loss)
    X = np.asarray(X, dtype=np.float64)
    ls = layers(params)
    if any(g is not None for _, _, g, _ in ls):
        raise ValueError("forward_trace shows plain layers: no batch normalization")
    value, g, (trace, deltas) = _full(params, X, y, act, lossf, l1, l2, None, None)
    spec = optimizer or {"name": "gd", "params": {"lr": 0.1}}
    opt = optimizers.create(spec["name"], **dict(spec.get("params") or {}))
    state = dict(state) if state else {k: opt.init(v) for k, v in params.items()}
    new, new_state = {}, {}
    for k, v in params.items():
        new[k], new_state[k] = opt.step(v, g[k], state[k])
    rows = [
        {
            "input": trace.inputs[i],
            "W": W,
            "b": b,
            "z": trace.z[i],
            "a": trace.a[i] if i < len(ls) - 1 else losses.output(lossf.name, trace.out),
        }
        for i, (W, b, _, _) in enumerate(ls)
    ]
    new_loss = loss_value(new, X, y, activation=act, loss=lossf, l1=l1, l2=l2)
    return {
        "layers": rows,
        "loss": value,
        "dloss_dout": deltas[-1],
        "deltas": deltas,
        "grads": g,
        "update": {k: new[k] - params[k] for k in params},
        "new_params": new,
        "new_loss": new_loss,
        "state": new_state,
    }


def class_labels(loss: Any, t: Array) -> Array:
    """Integer class labels from targets in `loss`'s own format."""
    name = losses.get(loss).name
    t = np.asarray(t)
    if t.ndim >= 2 and t.shape[-1] > 1:
        return t.argmax(axis=-1)
    t = t.reshape(t.shape[:-1]) if t.ndim >= 2 else t
    if name == "cross_entropy":
        return t.astype(np.int64)
    real = registry.get("loss", name).info["labels"] == "real"
    return (t > (0.5 if real else 0.0)).astype(np.int64)


def accuracy(loss: Any, out: Array, labels: Array) -> Array:
    """Share of correct class predictions (per lane) from raw outputs."""
    hits = losses.predict(losses.get(loss).name, out) == labels
    return np.count_nonzero(hits, axis=-1) / hits.shape[-1]


def loss_and_accuracy_along(
    params: Params,
    direction: Params,
    ts: Array,
    X: Array,
    y: Array,
    *,
    activation: Any = "relu",
    loss: Any = "cross_entropy",
    running: Mapping[str, Array] | None = None,
) -> tuple[Array, Array]:
    """Loss and accuracy at params + t·direction for every t (concept 14), one lane per t.

    Loss changes smoothly with t; accuracy only jumps when a prediction flips. Keys missing
    from `direction` stay fixed. Without `running`, batch normalization uses batch statistics.
    """
    ts = np.asarray(ts, dtype=np.float64).reshape(-1)
    moved = {}
    for k, p in params.items():
        d = np.asarray(direction.get(k, np.zeros_like(p)), dtype=np.float64)
        moved[k] = p + ts.reshape((-1,) + (1,) * np.ndim(p)) * d
    act, lossf = activations.get(activation), losses.get(loss)
    trace = forward_layers(layers(moved), np.asarray(X, dtype=np.float64), act, running=running)
    value = lossf(trace.out, y, grad=False)[0]
    return value, accuracy(lossf, trace.out, class_labels(lossf, y))


def random_direction(params: Params, rng: np.random.Generator) -> dict[str, Array]:
    """A Gaussian direction in weight space, each unit's incoming weights rescaled to the norm
    of that unit's weights ("filter normalization", Li et al. 2018); biases, γ, β fixed."""
    out = {}
    for k, p in params.items():
        if k[0] != "W":
            continue
        d = rng.normal(size=np.shape(p))
        scale = np.linalg.norm(p, axis=-2, keepdims=True) / np.linalg.norm(
            d, axis=-2, keepdims=True
        )
        out[k] = d * scale
    return out

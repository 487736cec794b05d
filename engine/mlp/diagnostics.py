"""What the teaching views read from a network: central-difference gradients and the
gradient check, a forward pass traced layer by layer, class labels and accuracy, and the loss
and accuracy along one direction in weight space."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Unpack

import numpy as np

from engine import activations, losses, optimizers, registry
from engine.mlp.network import (
    Array,
    Options,
    Params,
    evaluate,
    forward_layers,
    layers,
    loss_value,
    n_layers,
    options,
    prepare,
)


def numerical_grad(
    params: Params, X: Array, y: Array, *, masks: Sequence[Array] | None = None,
    eps: float = 1e-5, **opts: Unpack[Options],
) -> dict[str, Array]:  # fmt: skip
    """Central differences (L(p + ε) − L(p − ε))/2ε, one parameter at a time, as course notes
    write it: 2 forward passes per parameter (that is the point of the comparison).

    Dropout only through fixed `masks`; lanes are summed, which leaves each lane's own
    derivative. `opts`: the loss's options (network.Options).
    """
    kw = options(opts)
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
    params: Params, X: Array, y: Array, *, dropout: float = 0.0,
    rng: np.random.Generator | None = None, eps: float = 1e-5, **opts: Unpack[Options],
) -> dict[str, Any]:  # fmt: skip
    """Backprop against central differences, per parameter array (concept 15).

    Returns {"layers": [{"layer", "params", "max_abs", "rel"}], "max_abs", "rel",
    "backprop", "numerical"}; per layer (W, b and γ, β together) `rel` is
    ‖g_bp − g_num‖ / (‖g_bp‖ + ‖g_num‖). The engine has no clock: to
    show that backprop is faster, time `loss_and_grad` and `numerical_grad` yourself.
    With dropout, one set of masks is drawn from `rng` and used by both.
    """
    o = options(opts)
    act, lossf, X, run, masks = prepare(
        params, X, o["activation"], o["loss"], o["mode"], o["running"], dropout, rng
    )
    bp = evaluate(params, X, y, act, lossf, o["l1"], o["l2"], run, masks)[1]
    num = numerical_grad(
        params, X, y, masks=masks, eps=eps, **{**o, "activation": act, "loss": lossf}
    )
    rows = [_layer_row(i, params, bp, num) for i in range(1, n_layers(params) + 1)]
    return {
        "layers": rows,
        "max_abs": max(r["max_abs"] for r in rows),
        "rel": max(r["rel"] for r in rows),
        "backprop": bp,
        "numerical": num,
    }


def _layer_row(i: int, params: Params, bp: Params, num: Params) -> dict[str, Any]:
    """Layer i's arrays (W, b and γ, β together): largest difference and relative error."""
    keys = [k for k in ("W", "b", "gamma", "beta") if f"{k}{i}" in params]
    a = np.concatenate([np.ravel(bp[f"{k}{i}"]) for k in keys])
    b = np.concatenate([np.ravel(num[f"{k}{i}"]) for k in keys])
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return {
        "layer": i,
        "params": [f"{k}{i}" for k in keys],
        "max_abs": float(np.max(np.abs(a - b))),
        "rel": float(np.linalg.norm(a - b) / denom) if denom > 0 else 0.0,
    }


def forward_trace(
    params: Params, X: Array, y: Array, *, activation: Any = "relu", loss: Any = "mse",
    optimizer: Mapping[str, Any] | None = None, state: Mapping[str, Any] | None = None,
    l1: float = 0.0, l2: float = 0.0,
) -> dict[str, Any]:  # fmt: skip
    """One training iteration, stage by stage (concept 1), for a tiny network.

    Returns {"layers": [{"input", "W", "b", "z", "a"}] (a: the activation; the output layer's
    is the loss's link), "loss", "dloss_dout", "deltas": dL/dz per layer, "grads",
    "update" (new − old per array), "new_params", "new_loss", "state"}. `optimizer` is
    {"name", "params"} (default plain gradient descent, lr 0.1); pass the returned `state`
    back to take the next iteration.
    """

    act, lossf = activations.get(activation), losses.get(loss)
    X = np.asarray(X, dtype=np.float64)
    ls = layers(params)
    if any(g is not None for _, _, g, _ in ls):
        raise ValueError("forward_trace shows plain layers: no batch normalization")
    value, g, (trace, deltas) = evaluate(params, X, y, act, lossf, l1, l2, None, None)
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

"""Teaching tools: what a lesson shows step by step, computed by the engine's own functions.

`training_step` (one MLP iteration stage by stage, concept 1), `along_direction` (loss and
accuracy along one weight direction, concept 14) and `compare_gradients` (backprop against
central differences, concept 15; the app adds the timings, the engine has no clock). Each
returns a plain dict with a `kind` the claims (engine/claims/tools.py) can read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine import datasets, losses, mlp

Array = np.ndarray


def tiny_network(
    data: datasets.Dataset, hidden: Sequence[int], activation: Any, init: str, loss: str, seed: int
) -> tuple[dict[str, Array], Array]:
    """Initial weights of [features, *hidden, outputs] and the training targets."""
    out = losses.units(losses.get(loss).name, data.task, data.n_classes)
    sizes = [data.n_features, *hidden, out]
    params = mlp.init(sizes, activation, init, np.random.default_rng([seed, 1]))
    return params, losses.targets(loss, data.y_train, data.task, data.n_classes)


def checkable_network(
    data: datasets.Dataset, hidden: Sequence[int], activation: Any, init: str, loss: str, seed: int
) -> tuple[dict[str, Array], Array]:
    """`tiny_network` with small random biases (σ = 0.1), for the gradient check: with zero
    biases a hidden unit whose inputs are all 0 sits exactly on a ReLU kink, where the
    derivative is undefined and central differences straddle it (a 0.4 relative error)."""
    params, T = tiny_network(data, hidden, activation, init, loss, seed)
    rng = np.random.default_rng([seed, 2])
    for key in sorted(params):
        if key.startswith("b"):
            params[key] = params[key] + rng.normal(0.0, 0.1, params[key].shape)
    return params, T


def training_step(
    data: datasets.Dataset,
    *,
    hidden: Sequence[int] = (3,),
    activation: Any = "sigmoid",
    init: str = "xavier_normal",
    loss: str = "binary_cross_entropy",
    optimizer: Mapping[str, Any] | None = None,
    batch_size: int = 4,
    seed: int = 0,
    step: int = 0,
) -> dict[str, Any]:
    """Iteration `step + 1` of a tiny MLP, stage by stage (concept 1), after replaying the
    first `step` iterations. Minibatches follow one seeded permutation per epoch.

    Returns {"kind", "step", "sizes", "batch", "X", "y", "trace"} where trace is
    mlp.forward_trace's dict (layers, loss, deltas, grads, update, new_params, new_loss).
    """
    optimizer = optimizer or {"name": "gd", "params": {"lr": 0.5}}
    params, T = tiny_network(data, hidden, activation, init, loss, seed)
    n = len(T)
    bs = min(int(batch_size), n)
    per_epoch = -(-n // bs)
    order_rng = np.random.default_rng([seed, 2])
    state, order = None, None
    for k in range(step + 1):
        if k % per_epoch == 0:
            order = order_rng.permutation(n)
        j = k % per_epoch
        idx = order[j * bs : (j + 1) * bs]
        tr = mlp.forward_trace(
            params, data.X_train[idx], T[idx], activation=activation, loss=loss,
            optimizer=optimizer, state=state,
        )  # fmt: skip
        if k < step:
            params, state = tr["new_params"], tr["state"]
    return {
        "kind": "training_step",
        "step": step,
        "sizes": mlp.sizes(params),
        "batch": idx,
        "X": data.X_train[idx],
        "y": T[idx],
        "params": params,
        "activation": activation,
        "loss": loss,
        "optimizer": dict(optimizer),
        "trace": tr,
    }


def along_direction(
    params: Mapping[str, Array],
    X: Array,
    y: Array,
    *,
    activation: Any,
    loss: str,
    ts: Array,
    direction_seed: int = 0,
    running: Mapping[str, Array] | None = None,
) -> dict[str, Any]:
    """Loss and accuracy at params + t·d for a random filter-normalized direction d (concept 14)."""
    d = mlp.random_direction(params, np.random.default_rng(direction_seed))
    ts = np.asarray(ts, dtype=np.float64)
    value, acc = mlp.loss_and_accuracy_along(
        params, d, ts, X, y, activation=activation, loss=loss, running=running
    )
    return {"kind": "accuracy_along", "ts": ts, "loss": value, "accuracy": acc, "n": len(X)}


def compare_gradients(
    params: Mapping[str, Array], backprop: Mapping[str, Array], numerical: Mapping[str, Array]
) -> dict[str, Any]:
    """Per layer: max |difference| and ‖bp − num‖ / (‖bp‖ + ‖num‖) (as mlp.gradient_check)."""
    rows = []
    for i in range(1, mlp.n_layers(params) + 1):
        keys = [f"{k}{i}" for k in ("W", "b", "gamma", "beta") if f"{k}{i}" in params]
        a = np.concatenate([np.ravel(backprop[k]) for k in keys])
        b = np.concatenate([np.ravel(numerical[k]) for k in keys])
        denom = float(np.linalg.norm(a) + np.linalg.norm(b))
        rows.append(
            {
                "layer": i,
                "params": keys,
                "n": int(a.size),
                "max_abs": float(np.max(np.abs(a - b))),
                "rel": float(np.linalg.norm(a - b)) / denom if denom > 0 else 0.0,
                "backprop_norm": float(np.linalg.norm(a)),
                "numerical_norm": float(np.linalg.norm(b)),
            }
        )
    return {
        "kind": "gradient_check",
        "layers": rows,
        "max_abs": max(r["max_abs"] for r in rows),
        "rel": max(r["rel"] for r in rows),
        "n_params": sum(r["n"] for r in rows),
    }

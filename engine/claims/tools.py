"""Checks on the teaching tools' outputs (engine/teaching.py): one training step, loss and
accuracy along a direction, backprop against central differences."""

from __future__ import annotations

import numpy as np

from engine import activations
from engine.claims.base import claim


@claim("training_step", "", tol=1e-12)
def _update_is_minus_lr_grad(s, tol):
    """Every weight changes by exactly −lr × its gradient (plain gradient descent)."""
    opt = s["optimizer"]
    lr = float((opt.get("params") or {}).get("lr", 0.001))
    tr = s["trace"]
    err = max(float(np.max(np.abs(tr["update"][k] + lr * tr["grads"][k]))) for k in tr["grads"])
    ok = opt["name"] in ("gd", "sgd") and err <= tol
    return ok, f"largest |Δw + lr·∂L/∂w| = {err:.3g} (lr {lr:g})"


@claim("training_step", "")
def _loss_decreases_after_step(s):
    """The loss on the same minibatch is lower after the update than before."""
    tr = s["trace"]
    a, b = float(tr["loss"]), float(tr["new_loss"])
    return b < a, f"loss {a:.6g} → {b:.6g}"


@claim("training_step", "", tol=1e-12)
def _forward_is_consistent(s, tol):
    """Each layer computes z = input·W + b and a = act(z); the gradients match backprop's chain."""
    tr, act = s["trace"], activations.get(s["activation"])
    err = 0.0
    for i, layer in enumerate(tr["layers"]):
        z = layer["input"] @ layer["W"] + layer["b"]
        err = max(err, float(np.max(np.abs(z - layer["z"]))))
        if i < len(tr["layers"]) - 1:
            err = max(err, float(np.max(np.abs(act.fn(z) - layer["a"]))))
        dW = layer["input"].T @ tr["deltas"][i]
        err = max(err, float(np.max(np.abs(dW - tr["grads"][f"W{i + 1}"]))))
    return err <= tol, f"largest mismatch {err:.3g}"


@claim("accuracy_along", "max_levels", min_flat=0.5)
def _accuracy_staircase(a, max_levels, min_flat):
    """Accuracy takes ≤ `max_levels` values and stays flat between ≥ `min_flat` of neighbours."""
    acc = np.asarray(a["accuracy"])
    levels = len(np.unique(acc))
    flat = float(np.mean(acc[1:] == acc[:-1]))
    ok = levels <= max_levels and flat >= min_flat
    return ok, f"{levels} accuracy levels over {len(acc)} points; flat {flat:.0%}"


@claim("accuracy_along", "min_distinct")
def _loss_smooth(a, min_distinct):
    """The loss changes between every pair of neighbours and takes ≥ `min_distinct` values."""
    loss = np.asarray(a["loss"])
    distinct = len(np.unique(loss))
    moving = bool(np.all(loss[1:] != loss[:-1]))
    return distinct >= min_distinct and moving, f"{distinct} loss values; always moving {moving}"


@claim("gradient_check", "", max_rel=1e-6)
def _gradients_agree(g, max_rel):
    """In every layer backprop and central differences agree: relative difference < `max_rel`."""
    worst = max(g["layers"], key=lambda r: r["rel"])
    ok = all(r["rel"] < max_rel for r in g["layers"])
    return ok, f"largest relative difference {worst['rel']:.3g} (layer {worst['layer']})"

"""Checks on a training run (a train.Result; lane = optimizer). A few re-evaluate the trained
network on its data: they read the run's context ({"data", "config"})."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine import losses, mlp, train
from engine.claims.base import Array, claim


def _row(res: train.Result, field: str, lane: int) -> Array:
    return res.arrays[field][:, lane]


def _summ(res: train.Result, lane: int) -> dict[str, Any]:
    return res.summary[lane]


@claim("train", "lane value", split="val")
def _accuracy_at_least(res, lane, value, split):
    """The final accuracy on `split` ("train" or "val") is at least `value`."""
    a = _summ(res, lane)[f"final_{split}_acc"]
    return a >= value, f"final {split} accuracy {a:.3f} (≥ {value:g})"


@claim("train", "lane value", split="val")
def _accuracy_at_most(res, lane, value, split):
    """The final accuracy on `split` is at most `value` (underfitting, or a failed run)."""
    a = _summ(res, lane)[f"final_{split}_acc"]
    return not a > value, f"final {split} accuracy {a:.3f} (≤ {value:g})"


@claim("train", "lane value", split="train")
def _loss_at_most(r, lane, value, split):
    """The final loss on `split` ("train" or "val") is at most `value`."""
    a = _summ(r, lane)[f"final_{split}_loss"]
    return a <= value, f"final {split} loss {a:.4g} (≤ {value:g})"


@claim("train", "lane value", split="train")
def _loss_at_least(r, lane, value, split):
    """The final loss on `split` stays at least `value` (the model cannot fit the data)."""
    a = _summ(r, lane)[f"final_{split}_loss"]
    return a >= value, f"final {split} loss {a:.4g} (≥ {value:g})"


@claim("train", "lane epoch", rise=0.1)
def _val_loss_rises_after(r, lane, epoch, rise):
    """Val loss is lowest by `epoch`, then ends ≥ (1 + rise)× that, while the train loss falls."""
    va, tr = _row(r, "val_loss", lane), _row(r, "train_loss", lane)
    best = int(np.nanargmin(va))
    last = int(np.flatnonzero(np.isfinite(va))[-1])
    ok = best <= epoch and va[last] >= (1 + rise) * va[best] and tr[last] < tr[best]
    return ok, (
        f"val loss lowest {va[best]:.3g} at epoch {best} (≤ {epoch}), {va[last]:.3g} at "
        f"epoch {last}; train loss {tr[best]:.3g} → {tr[last]:.3g}"
    )


@claim("train", "lane ratio")
def _val_loss_stays_near_best(r, lane, ratio):
    """The final validation loss is at most `ratio` × the best one (little overfitting)."""
    va = _row(r, "val_loss", lane)
    last = va[np.flatnonzero(np.isfinite(va))[-1]]
    best = np.nanmin(va)
    return last <= ratio * best, f"final {last:.3g}, best {best:.3g} (×{last / best:.3g})"


@claim("train", "lane", before=None)
def _early_stops(r, lane, before):
    """Early stopping ends the lane (before epoch `before`) and restores its best weights."""
    s = _summ(r, lane)
    ok = (
        s["reason"] == "early_stop"
        and s["restored_best"]
        and s["best_epoch"] is not None
        and s["best_val_loss"] is not None
        and s["best_epoch"] < s["stopped_epoch"]
        and (before is None or s["stopped_epoch"] < before)
        and abs(s["final_val_loss"] - s["best_val_loss"]) <= 1e-9 * max(1.0, s["best_val_loss"])
    )
    return ok, (
        f"{s['reason']} at epoch {s['stopped_epoch']}, best epoch {s['best_epoch']}, "
        f"restored {s['restored_best']}, final val loss {s['final_val_loss']:.4g} "
        f"(best {s['best_val_loss']})"
    )


def _lane_params(r: train.Result, lane: int) -> dict[str, Array]:
    return {k: v[lane] for k, v in r.params.items()}


@claim("train", "lane", tol=1e-12)
def _hidden_units_identical(r, lane, tol):
    """In every hidden layer all units have the same weights in and out (broken symmetry: no)."""
    p = _lane_params(r, lane)
    n = mlp.n_layers(p)
    spread = 0.0
    for i in range(1, n):
        spread = max(
            spread,
            float(np.ptp(p[f"W{i}"], axis=-1).max()),
            float(np.ptp(p[f"b{i}"])),
            float(np.ptp(p[f"W{i + 1}"], axis=-2).max()),
        )
    moved = max(float(np.abs(p[f"W{i}"]).max()) for i in range(1, n + 1))
    ok = n > 1 and spread <= tol
    return ok, f"largest difference between units {spread:.3g}; largest weight {moved:.3g}"


@claim("train", "lane at_least", tol=0.01)
def _sparse_weights(r, lane, at_least, tol):
    """A share ≥ `at_least` of all weights ends within ±`tol` of zero (what L1 does)."""
    p = _lane_params(r, lane)
    w = np.concatenate([np.ravel(p[f"W{i}"]) for i in range(1, mlp.n_layers(p) + 1)])
    q = float(np.mean(np.abs(w) < tol))
    return q >= at_least, f"{q:.0%} of {w.size} weights within ±{tol:g} of 0"


def _grad_norms(r, lane, epoch):
    g = r.arrays["grad_norm"][epoch, lane]
    return g, " ".join(f"{x:.3g}" for x in g)


@claim("train", "lane factor", epoch=1)
def _grad_norm_shrinks_toward_input(r, lane, factor, epoch):
    """In `epoch`, ‖∂L/∂W‖ of the last layer is ≥ `factor` × that of the first layer."""
    g, text = _grad_norms(r, lane, epoch)
    q = g[-1] / g[0]
    return bool(q >= factor), f"per-layer gradient norms (input → output) {text}: ×{q:.3g}"


@claim("train", "lane factor", epoch=1)
def _grad_norm_even(r, lane, factor, epoch):
    """In `epoch`, the largest per-layer ‖∂L/∂W‖ is at most `factor` × the smallest."""
    g, text = _grad_norms(r, lane, epoch)
    q = np.max(g) / np.min(g)
    return bool(q <= factor), f"per-layer gradient norms (input → output) {text}: ×{q:.3g}"


@claim("train", "lane other", factor=1.0)
def _smaller_weights_than(r, lane, other, factor):
    """The lane's final ‖W‖ (all weight matrices) times `factor` is below `other`'s."""
    a, b = (_weight_norm(_lane_params(r, i)) for i in (lane, other))
    return a * factor < b, f"‖W‖ {a:.3g} against {b:.3g} (×{factor:g})"


def _weight_norm(p: Mapping[str, Array]) -> float:
    return float(np.sqrt(sum(np.sum(p[f"W{i}"] ** 2) for i in range(1, mlp.n_layers(p) + 1))))


@claim("train", "lane other", split="val")
def _lower_loss_than(r, lane, other, split):
    """The lane's final loss on `split` ("train" or "val") is below `other`'s."""
    a, b = (_summ(r, i)[f"final_{split}_loss"] for i in (lane, other))
    return a < b, f"final {split} loss {a:.4g} against {b:.4g}"


@claim("train", "value")
def _iterations_per_epoch(r, value):
    """One epoch takes `value` iterations (⌈training samples / batch size⌉)."""
    m = r.meta
    got = m["iterations_per_epoch"]
    return got == value, f"{m['n_train']} samples / batch {m['batch_size']} → {got} per epoch"


@claim("train", "lane value")
def _iterations(r, lane, value):
    """The lane took `value` updates in all."""
    got = _summ(r, lane)["iterations"]
    return got == value, f"{got} iterations"


@claim("train", "value")
def _n_params(r, value):
    """The network has `value` trainable parameters."""
    return r.meta["n_params"] == value, f"{r.meta['n_params']} parameters"


def _rises(r, lane) -> tuple[float, int]:
    it = _row(r, "it_loss", lane)
    it = it[np.isfinite(it)]
    return float(np.mean(np.diff(it) > 0)) if len(it) > 1 else 0.0, len(it)


@claim("train", "lane at_least")
def _bumpy_loss(r, lane, at_least):
    """The minibatch loss rises from one iteration to the next in ≥ `at_least` of them."""
    q, n = _rises(r, lane)
    return q >= at_least, f"rose in {q:.0%} of {n} iterations"


@claim("train", "lane at_most")
def _smooth_loss(r, lane, at_most):
    """The minibatch loss rises from one iteration to the next in ≤ `at_most` of them."""
    q, n = _rises(r, lane)
    return q <= at_most, f"rose in {q:.0%} of {n} iterations"


def _split(context, split):
    d, cfg = context["data"], context["config"]
    X, y = (d.X_train, d.y_train) if split == "train" else (d.X_val, d.y_val)
    model = {**cfg, **(cfg.get("model") or {})}
    return X, y, d, model


@claim("train", "lane loss", context=True, split="train", factor=1.0)
def _same_loss_under(r, context, lane, loss, split, factor):
    """The final loss on `split` is `factor` × `loss` of the same network (sparse vs one-hot)."""
    X, y, d, model = _split(context, split)
    p = _lane_params(r, lane)
    if losses.units(loss, d.task, d.n_classes) != p[f"W{mlp.n_layers(p)}"].shape[-1]:
        raise ValueError(f"same_loss_under: {loss!r} does not fit this network's outputs")
    running = None if r.running is None else {k: v[lane] for k, v in r.running.items()}
    T = losses.targets(loss, y, d.task, d.n_classes)
    act = model.get("activation", "relu")
    mode = "eval" if running is not None else "train"
    other = float(mlp.loss_value(p, X, T, activation=act, loss=loss, mode=mode, running=running))
    own = _summ(r, lane)[f"final_{split}_loss"]
    ok = abs(own - factor * other) <= 1e-9 * max(1.0, abs(own))
    return ok, f"{own:.10g} against {factor:g} × {loss} {other:.10g}"


@claim("train", "lane", context=True, at_least=None, at_most=None)
def _prediction_bias(r, context, lane, at_least, at_most):
    """The mean of prediction − target on the validation set lies in [at_least, at_most]."""
    X, y, _, model = _split(context, "val")
    p = _lane_params(r, lane)
    act = model.get("activation", "relu")
    pred = mlp.predict(p, X, activation=act, loss=model["loss"])[..., 0]
    bias = float(np.mean(pred - y))
    ok = (at_least is None or bias >= at_least) and (at_most is None or bias <= at_most)
    return ok, f"mean(prediction − target) = {bias:.3f} in [{at_least}, {at_most}]"

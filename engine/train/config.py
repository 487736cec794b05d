"""A training config checked and completed (`check`): every field against the registry's
"mlp_setting" entries, ValueError("field: message") otherwise; and how many numbers a run
records (`output_numbers`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine import activations, losses, optimizers, registry, schedules
from engine.simulate import lane_specs

Array = np.ndarray


MAX_LANES = 8


# A lane whose loss grows past this many times its untrained loss (or past this many times 1,
# whichever is larger), or whose gradient norm in any layer passes DIVERGE_GRAD_NORM, is
# marked diverged at that iteration: a run that is blowing up, long before inf or NaN.
DIVERGE_LOSS_FACTOR = 1e4


DIVERGE_GRAD_NORM = 1e6


def _field(name: str, cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(f"{name}: {msg}")


def _value(cfg: Mapping[str, Any], entry: str, key: str, default: Any = None) -> Any:
    """cfg[key] checked against the registered parameter (its default if absent)."""
    p = registry.get("mlp_setting", entry).param(key)
    v = cfg.get(key, p.default if default is None else default)
    name = key if entry in ("model", "training", "reporting") else f"{entry}.{key}"
    if p.type == "bool":
        _field(name, isinstance(v, bool | np.bool_), "must be true or false")
        return bool(v)
    if p.type == "choice":
        return v  # names (or {"name", "params"}) are checked by their own registries
    values = list(v) if p.type == "int_list" else [v]
    for x in values:
        ok = isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)
        _field(name, ok and np.isfinite(x), "must be a finite number")
        _field(name, p.low <= x <= p.high, f"must be in [{p.low}, {p.high}]")
        _field(name, p.type == "float" or int(x) == x, "must be an integer")
    if p.type == "int_list":
        return [int(x) for x in values]
    return int(v) if p.type == "int" else float(v)


def output_numbers(plan: Mapping[str, Any]) -> dict[str, int]:
    """How many numbers a run of `plan` (what `check` returns) records, by kind: an upper
    bound that decides its memory and its bytes on the wire. `iterations`: the per-iteration
    losses and rates; `epochs`: the per-epoch rows (losses, accuracies, norms, histograms);
    `grids`: decision-boundary grids (values and confidence)."""
    lanes = len(plan["specs"])
    epochs = plan["epochs"]
    its = epochs * -(-len(plan["y"]) // plan["batch_size"])
    layers = len(plan["sizes"]) - 1
    per_epoch = lanes * (12 + layers * (2 + plan["hist_bins"]))
    every = plan["grid_every"]
    grids = 0
    if every and (plan["sizes"][0] <= 2 or plan.get("grid_features")):
        shots = epochs // every + 1 + lanes  # on schedule, the last, and when a lane stops
        grids = min(shots, epochs + 1) * lanes * 2 * plan["grid_size"] ** 2
    return {"iterations": its * (2 * lanes + 1), "epochs": epochs * per_epoch, "grids": grids}


def check(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config with defaults filled in; ValueError naming the field if anything is off.

    Model keys may sit at the top level or under "model" (the run request's shape).
    """
    d = _check_data(config.get("data"))
    X, y, task, k = d["X"], d["y"], d["task"], d["n_classes"]
    cfg = {**config, **(config.get("model") or {})}
    hidden = _value(cfg, "model", "hidden")
    loss = cfg.get("loss", "cross_entropy" if task != "regression" else "mse")
    try:
        lossf, act = losses.get(loss), activations.get(_value(cfg, "model", "activation"))
        out = losses.units(lossf.name, task, k)
        init = _value(cfg, "model", "init")
        activations.initialize(init, (1, 1), np.random.default_rng(0))
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"model: {e}") from None
    specs = lane_specs(cfg.get("optimizers") or [])
    _field("optimizers", 1 <= len(specs) <= MAX_LANES, f"give 1 to {MAX_LANES} optimizers")
    es = cfg.get("early_stopping")
    if es is not None:
        es = {k: _value(es, "early_stopping", k) for k in ("patience", "restore_best", "min_delta")}
    n = len(y)
    size = n if cfg.get("batch_size") == "full" else min(_value(cfg, "training", "batch_size"), n)
    if _value(cfg, "model", "batch_norm") and (size == 1 or n % size == 1):
        # torch's BatchNorm1d cannot train on one example; never a silent last batch of one
        last = f"the last minibatch ({n} = {n // size}×{size} + 1)"
        last = "every minibatch" if size == 1 else last
        _field("batch_size", False, f"with batch norm {last} would hold one example; choose a "
               "batch size that leaves at least two, or full")  # fmt: skip
    _check_lane_settings(specs, task != "regression" and len(d["Xv"]) > 0)
    if any(optimizers.needs_closure(s["name"]) for s in specs):  # one loss, evaluated again
        _field("batch_size", size >= n, "L-BFGS trains on the full batch: set batch_size to full")
        _field("dropout", not _value(cfg, "model", "dropout"),
               "L-BFGS needs the same loss at every evaluation: set dropout to 0")  # fmt: skip
        _field("batch_norm", not _value(cfg, "model", "batch_norm"),
               "L-BFGS needs the same loss at every evaluation: turn batch norm off")  # fmt: skip
    epochs = _value(cfg, "training", "epochs")
    per_epoch = -(-n // size)
    pick = _grid_features(cfg, X.shape[1])
    drawn = X.shape[1] <= 2 or pick is not None
    grid = _value(cfg, "reporting", "grid_every", max(1, epochs // 25) if drawn else 0)
    return {
        **d,
        "sizes": [X.shape[1], *hidden, out],
        "activation": act,
        "init": init,
        "loss": lossf,
        "dropout": _value(cfg, "model", "dropout"),
        "batch_norm": _value(cfg, "model", "batch_norm"),
        "bn_momentum": _value(cfg, "model", "bn_momentum"),
        "bn_eps": _value(cfg, "model", "bn_eps"),
        "l1": _value(cfg, "training", "l1"),
        "l2": _value(cfg, "training", "l2"),
        "batch_size": size,
        "epochs": epochs,
        "early_stopping": es,
        "specs": _check_specs(specs, epochs * per_epoch),
        "grid_every": grid,
        "grid_size": _value(cfg, "reporting", "grid_size"),
        "grid_features": pick,
        "hist_bins": _value(cfg, "reporting", "hist_bins"),
        "chunk_epochs": _value(cfg, "reporting", "chunk_epochs", -(-32 // per_epoch)),
    }


def _grid_features(cfg: Mapping[str, Any], n_features: int) -> list[int] | None:
    """The two features a boundary of a >2-feature set is drawn over (None: no such grid)."""
    if cfg.get("grid_features") is None:
        return None
    pick = _value(cfg, "reporting", "grid_features")
    _field("grid_features", len(pick) == 2 and pick[0] != pick[1], "give two different features")
    _field("grid_features", n_features > 2, "only for data with more than two features")
    _field("grid_features", max(pick) < n_features,
           f"feature numbers must be below {n_features} (0-based columns)")  # fmt: skip
    return pick


def _check_data(data: Any) -> dict[str, Any]:
    """The dataset's arrays (a datasets.Dataset or a mapping), checked."""
    _field("data", data is not None, "give the arrays: data=datasets.make(name, rng=...)")
    get = data.get if isinstance(data, Mapping) else lambda k, d=None: getattr(data, k, d)
    X, y = np.asarray(get("X_train"), np.float64), np.asarray(get("y_train"))
    task, k = get("task"), int(get("n_classes", 0) or 0)
    _field("data.task", task in losses.TASKS, f"must be one of {list(losses.TASKS)}")
    _field("data", X.ndim == 2 and len(X) == len(y) >= 1, "X_train must be (n, features)")
    Xv = np.asarray(get("X_val"), np.float64).reshape(-1, X.shape[1])
    yv = np.asarray(get("y_val"))
    _field("data", len(Xv) == len(yv), "X_val and y_val differ in length")
    _field("data", np.isfinite(X).all() and np.isfinite(Xv).all(), "features must be finite")
    return {
        "X": X,
        "y": y,
        "Xv": Xv,
        "yv": yv,
        "task": task,
        "n_classes": k,
        "feature_names": list(get("feature_names", ()) or ()),
        "class_names": list(get("class_names", ()) or ()),
    }


def _check_lane_settings(specs, has_val_accuracy: bool) -> None:
    """What a lane's optimizer and schedule need of the run: ReduceLROnPlateau's mode "max"
    watches the validation accuracy; L-BFGS' line search takes no gradient clipping."""
    for i, s in enumerate(specs):
        sched = s["schedule"]
        if sched["name"] == "reduce_on_plateau" and sched["params"].get("mode") == "max":
            _field(f"optimizers[{i}].schedule.params.mode", has_val_accuracy,
                   "max watches the validation accuracy: a classification run with a "
                   "validation share (min watches the loss)")  # fmt: skip
        if optimizers.needs_closure(s["name"]) and s.get("clip_norm") is not None:
            msg = "L-BFGS evaluates its own gradients in its line search: no clipping"
            _field(f"optimizers[{i}].clip_norm", False, msg)


def _check_specs(specs, total_iters):
    for i, s in enumerate(specs):
        try:
            optimizers.create(s["name"], **s["params"])
            h = registry.resolve("optimizer", s["name"], s["params"])
            name, params = s["schedule"]["name"], s["schedule"]["params"]
            if name == "reduce_on_plateau":
                schedules.ReduceLROnPlateau(**registry.resolve("schedule", name, params))
            else:
                rule = schedules.create(name, h["lr"], steps=total_iters, **params)
                try:
                    optimizers.check_cycle(s["name"], rule)
                except ValueError as e:
                    raise ValueError(f"optimizers[{i}].schedule.params.{e}") from None
        except (KeyError, TypeError, ValueError) as e:
            if str(e).startswith(f"optimizers[{i}]"):
                raise
            msg = str(e.args[0]) if e.args else str(e)
            name, sep, rest = msg.partition(": ")  # "nesterov: ..." names its parameter
            if sep and name in s["params"]:
                raise ValueError(f"optimizers[{i}].params.{name}: {rest}") from None
            raise ValueError(f"optimizers[{i}]: {e}") from None
    return specs

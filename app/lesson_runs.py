"""The lessons' computations: the teaching views and the preset runner, in the service.

The teaching views (training step, accuracy along a direction, gradient check) call the
engine's teaching tools (engine/teaching.py) and add what only the service has: the clock,
the digits file, the response's shape. `run_preset` runs a preset exactly as the dashboard
would (its run validated by the same request model, computed by its kind's functions in
app/kinds/), so a claim is checked on what a class sees.

    result, context = run_preset(preset)
    for check, ok, detail in claims.check_claim(preset["claim"], result, context): ...
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from fastapi import HTTPException
from pydantic import TypeAdapter

from app import lr_finder, sweeps
from app.kinds import race, training
from app.lesson_models import REQUESTS
from app.schemas import RunRequest
from app.settings import Settings
from app.validation import fail
from engine import claims, losses, mlp, simulate, teaching, train

BACKPROP_REPEATS = 5
_RUN = TypeAdapter(RunRequest)


def lesson_data(spec: dict[str, Any], seed: int, loss: str, where: tuple = ()):
    """The request's dataset (as a run draws it); 422 if it or the loss does not fit."""
    try:
        data = training.make_data(spec, seed)
    except (ValueError, TypeError, KeyError) as e:
        raise fail([*where, "dataset"], str(e.args[0]) if e.args else "invalid dataset") from None
    try:
        losses.units(loss, data.task, data.n_classes)
    except ValueError as e:
        raise fail([*where, "loss"], str(e)) from None
    return data


# --------------------------------------------------------------------------- one training step


def training_step(config: dict[str, Any], data) -> dict[str, Any]:
    """The engine's trace of iteration `step` + 1 (a validated TrainingStepRequest)."""
    opt = {**config["optimizer"], "params": race.engine_params(config["optimizer"]["params"])}
    keys = ("hidden", "activation", "init", "loss", "batch_size", "seed", "step")
    with np.errstate(all="ignore"):  # a huge rate overflows: the view shows inf/null, quietly
        return teaching.training_step(data, optimizer=opt, **{k: config[k] for k in keys})


def training_step_view(config: dict[str, Any], data) -> dict[str, Any]:
    """The view: forward, backward and update per layer, and the checks that it adds up."""
    s = training_step(config, data)
    tr, act, opt = s["trace"], s["activation"], config["optimizer"]
    n = len(tr["layers"])
    output = f"output ({losses.get(s['loss']).link})"
    forward = [
        {
            "layer": i + 1,
            **{k: layer[k] for k in ("input", "W", "b", "z", "a")},
            "activation": act if i < n - 1 else output,
        }
        for i, layer in enumerate(tr["layers"])
    ]
    backward = [
        {"layer": i + 1, "delta": tr["deltas"][i]}
        | {f"{k}_grad": tr["grads"][f"{k}{i + 1}"] for k in "Wb"}
        for i in range(n)
    ]
    update = [
        {"layer": i + 1}
        | {f"{k}_change": tr["update"][f"{k}{i + 1}"] for k in "Wb"}
        | {f"{k}_new": tr["new_params"][f"{k}{i + 1}"] for k in "Wb"}
        for i in range(n)
    ]
    claim = [{"type": "forward_is_consistent"}, {"type": "loss_decreases_after_step"}]
    if opt["name"] in ("gd", "sgd") and not opt["params"].get("momentum"):
        claim.append({"type": "update_is_minus_lr_grad"})
    checks = {c["type"]: {"ok": ok, "detail": d} for c, ok, d in claims.check_claim(claim, s)}
    return {
        "step": s["step"],
        "sizes": s["sizes"],
        "batch": {"index": s["batch"], "X": s["X"], "y": s["y"]},
        "forward": forward,
        "loss": float(tr["loss"]),
        "dloss_dout": tr["dloss_dout"],
        "backward": backward,
        "update": update,
        "new_loss": float(tr["new_loss"]),
        "optimizer": opt,
        "lr": opt["params"].get("lr"),
        "checks": checks,
    }


# --------------------------------------------------------------------------- accuracy vs loss


def accuracy_along(run: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """Train lane `body["lane"]` of `run` (validated), then loss and accuracy along one
    random weight direction.

    The lane is trained alone: every lane of a run starts from the same weights and sees the
    same minibatches, so on its own it follows the same path (at a fraction of the cost).
    """
    lane = body["lane"]
    data = training.make_data(run["dataset"], run["seed"])
    config = training.engine_config({**run, "optimizers": [run["optimizers"][lane]]}, data)
    res = train.run(config, run["seed"])
    params = {k: v[0] for k, v in res.params.items()}
    running = None if res.running is None else {k: v[0] for k, v in res.running.items()}
    ts = body["ts"]
    grid = np.linspace(ts["low"], ts["high"], ts["count"])
    val = body["split"] == "val"
    X, y = (data.X_val, data.y_val) if val else (data.X_train, data.y_train)
    plan = train.check(config)
    T = losses.targets(plan["loss"].name, y, data.task, data.n_classes)
    out = teaching.along_direction(
        params, X, T, activation=plan["activation"], loss=plan["loss"].name, ts=grid,
        direction_seed=body["direction_seed"], running=running,
    )  # fmt: skip
    out["trained"] = {"epochs": int(res.summary[0]["stopped_epoch"]), "lane": lane}
    out["final_val_acc"] = float(res.summary[0]["final_val_acc"])
    return out


def accuracy_view(run: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    a = accuracy_along(run, body)
    loss, acc = np.asarray(a["loss"]), np.asarray(a["accuracy"])
    return {
        "ts": a["ts"],
        "loss": loss,
        "accuracy": acc,
        "n_examples": a["n"],
        "split": body["split"],
        "lane": body["lane"],
        "epochs_trained": a["trained"]["epochs"],
        "distinct_accuracy": len(np.unique(acc)),
        "distinct_loss": len(np.unique(loss)),
        "final_val_acc": a["final_val_acc"],
    }


# --------------------------------------------------------------------------- gradient check


def gradient_check(config: dict[str, Any], data) -> tuple[dict[str, Any], dict[str, float]]:
    """Backprop against central differences on the first examples: the engine's comparison
    (with both gradients per layer) and the timings (backprop: the best of a few calls)."""
    params, T = teaching.checkable_network(
        data, config["hidden"], config["activation"], config["init"], config["loss"],
        config["seed"],
    )  # fmt: skip
    m = config["n_examples"]
    X, T = data.X_train[:m], T[:m]
    kw = {k: config[k] for k in ("activation", "loss", "l1", "l2")}
    t_bp = np.inf
    for _ in range(BACKPROP_REPEATS):  # one call is a few microseconds
        t0 = time.perf_counter()
        _, bp = mlp.loss_and_grad(params, X, T, **kw)
        t_bp = min(t_bp, time.perf_counter() - t0)
    t1 = time.perf_counter()
    num = mlp.numerical_grad(params, X, T, eps=config["eps"], **kw)
    t_num = time.perf_counter() - t1
    out = teaching.compare_gradients(params, bp, num)
    for row in out["layers"]:
        row["backprop"] = {k: np.ravel(bp[k]) for k in row["params"]}
        row["numerical"] = {k: np.ravel(num[k]) for k in row["params"]}
    out["n_examples"] = len(X)
    return out, {"backprop": t_bp, "numerical": t_num}


def gradient_check_view(config: dict[str, Any], data) -> dict[str, Any]:
    out, t = gradient_check(config, data)
    return {
        **{k: out[k] for k in ("layers", "max_abs", "rel", "n_params", "n_examples")},
        "eps": config["eps"],
        "forward_passes": {"backprop": 1, "numerical": 2 * out["n_params"]},
        "time_backprop_s": t["backprop"],
        "time_numerical_s": t["numerical"],
        "speedup": t["numerical"] / t["backprop"] if t["backprop"] > 0 else None,
    }


# --------------------------------------------------------------------------- presets


def run_preset(preset: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    """What the preset's claim reads: (result, context).

    A preset with a `lesson` ({"endpoint", "body"}) is checked on that teaching view's
    engine output; a `sweep` on the sweep's document (app.sweeps.run_local: GET
    /api/sweeps/{id}'s); a run with an `lr_finder` block on the range test's document
    (app.lr_finder.compute: POST /api/lr-finder's) and the run's context, which the claims
    that train at the suggested rate read; otherwise on its `run`, validated by the service's
    request model.
    """
    lesson = preset.get("lesson")
    if lesson is not None:
        return run_lesson(lesson["endpoint"], lesson["body"], preset), {}
    if preset.get("sweep") is not None:
        return sweeps.run_local(copy.deepcopy(preset["sweep"])), {}
    run = _RUN.validate_python(preset["run"]).model_dump(mode="json")
    if preset.get("lr_finder") is not None:
        body = {**copy.deepcopy(preset["lr_finder"]), "base": run}
        data = training.make_data(run["dataset"], run["seed"])
        doc = lr_finder.compute(lr_finder.validate(body, Settings()), data)
        config = training.engine_config(run, data)
        return doc, {"data": data, "config": config, "seed": run["seed"]}
    if run["kind"] == race.NAME:
        surface, configs, starts, steps, kw = race.engine_args(run)
        return simulate.run(surface, configs, starts, steps, chunk=race.ENGINE_CHUNK, **kw), {}
    data = training.make_data(run["dataset"], run["seed"])
    config = training.engine_config(run, data)
    return train.run(config, run["seed"]), {"data": data, "config": config}


def run_lesson(
    endpoint: str, body: Mapping[str, Any], preset: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A teaching view's engine output for a request body (validated by its model)."""
    if endpoint not in REQUESTS:
        raise ValueError(f"unknown lesson endpoint {endpoint!r}")
    config = REQUESTS[endpoint].model_validate(body).model_dump(mode="json")
    if endpoint == "accuracy-vs-loss":
        if preset is None or config.get("preset") != preset.get("id"):
            raise ValueError("accuracy-vs-loss: the body must name its own preset")
        run = _RUN.validate_python(preset["run"]).model_dump(mode="json")
        return accuracy_along(run, config)
    data = lesson_data(config["dataset"], config["seed"], config["loss"])
    if endpoint == "training-step":
        return training_step(config, data)
    return gradient_check(config, data)[0]


def within(where: tuple, check: Any, *args: Any) -> None:
    """Run a check that raises 422s about a run, naming the field inside this body."""
    try:
        check(*args)
    except HTTPException as e:
        first = (e.detail or {}).get("detail", [{}])[0] if isinstance(e.detail, dict) else {}
        loc = list(first.get("loc", ["body"]))[1:]
        raise fail([*where, *loc], first.get("msg", str(e.detail))) from None

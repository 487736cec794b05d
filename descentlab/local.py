"""`race` and `train`: runs computed here with the engine, checked as the service checks them.

The keyword arguments are the fields of a `POST /api/runs` request (README, "REST API").
They are validated by the same pydantic models and the same limit and engine checks as the
service's (app/localrun.py), so a bad value raises `InvalidRequest` whose message names the
field exactly as the REST API's 422 does. The limits are the server's settings
(`DESCENTLAB_MAX_STEPS`, ... in the environment).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from descentlab.data import DataError, from_arrays
from descentlab.errors import InvalidRequest
from descentlab.progress import bar
from descentlab.results import RaceResult, TrainResult, make_result

Spec = str | dict[str, Any]


def plain(value: Any) -> Any:
    """NumPy arrays and scalars, tuples → the JSON types a request holds (NaN stays NaN,
    for the checks to refuse by name)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def named(spec: Spec | None) -> Any:
    """ "adam" → {"name": "adam"}; a dict as it is."""
    return {"name": spec} if isinstance(spec, str) else spec


def lanes(optimizers: Spec | Sequence[Spec]) -> Any:
    """Optimizer names or {"name", "params", "schedule", ...} dicts, one or a list."""
    if isinstance(optimizers, str | dict):
        optimizers = [optimizers]
    return [named(o) for o in optimizers] if isinstance(optimizers, Sequence) else optimizers


def points(starts: Any) -> Any:
    """One start (x, y) or a list of them."""
    starts = plain(starts)
    if (
        isinstance(starts, list)
        and len(starts) == 2
        and all(isinstance(v, int | float) for v in starts)
    ):
        return [starts]
    return starts


def race_request(
    surface: Spec,
    optimizers: Spec | Sequence[Spec],
    starts: Any,
    steps: int | None = None,
    noise: float | dict[str, Any] | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """The body of `POST /api/runs` for a race (fields left None take the service's defaults)."""
    body: dict[str, Any] = {
        "kind": "surface",
        "surface": named(surface),
        "optimizers": lanes(optimizers),
        "starts": points(starts),
        "steps": steps,
        "noise": {"sigma": noise} if isinstance(noise, int | float) else noise,
        "seed": seed,
    }
    return plain({k: v for k, v in body.items() if v is not None})


def train_request(dataset: Spec | None, optimizers: Spec | Sequence[Spec], **fields: Any) -> dict:
    """The body of `POST /api/runs` for MLP training (fields left None: the defaults)."""
    body = {"kind": "mlp", "dataset": named(dataset), "optimizers": lanes(optimizers), **fields}
    return plain({k: v for k, v in body.items() if v is not None})


def run(request: dict[str, Any], progress: bool = False, **kw: Any) -> RaceResult | TrainResult:
    """Validate and compute a whole run request (a dict, the body of `POST /api/runs`)."""
    from app import localrun
    from app.settings import get_settings

    try:
        config = localrun.validate_config(plain(request), get_settings(), **kw)
    except localrun.ConfigError as e:
        raise InvalidRequest(e.message, e.more) from None
    return _compute(config, progress, **kw)


def _compute(config: dict[str, Any], progress: bool, **kw: Any) -> RaceResult | TrainResult:
    from app import localrun

    total, unit = localrun.total(config)
    with bar(total, unit, progress) as update:
        events = localrun.run_config(config, update, **kw)
    doc = localrun.result_document(config, events)
    return make_result(config, doc)


def race(
    surface: Spec,
    optimizers: Spec | Sequence[Spec],
    starts: Any,
    steps: int | None = 500,
    noise: float | dict[str, Any] | None = None,
    seed: int | None = 0,
    *,
    progress: bool = False,
) -> RaceResult:
    """Race optimizers on a 2D surface, here, with the engine.

    Arguments (the fields of a REST race request):
      surface     a name ("himmelblau", "rosenbrock", ...; see GET /api/catalog), or
                  {"name": ..., "params": {...}}, or {"formula": "x**2 - y**2",
                  "domain": [[-2, 2], [-2, 2]]}
      optimizers  names ("adam") or dicts {"name": "sgd", "params": {"lr": 0.01,
                  "momentum": 0.9}, "schedule": {"name": "cosine", "params": {}},
                  "clip_norm": None, "label": "heavy ball"}: torch's names and defaults
      starts      one (x, y) or a list of them; every optimizer runs from every start
      steps       number of steps (default 500)
      noise       gradient noise: σ as a number, or {"sigma": σ} / {"batch_size": b}
      seed        the noise's seed
      progress    show a progress bar

    Returns a RaceResult: `.figure()` (the paths on the contour, a plotly Figure),
    `.figure("loss")`, `.paths` (steps+1, lanes, 2), `.loss`, `.summary`, `.final_loss`,
    `.table()`. Raises InvalidRequest naming the field, as the REST API's 422 would:

        dl.race("himmelblau", {"name": "sgd", "params": {"lr": -1}}, starts=(0, 0))
        # InvalidRequest: 422: optimizers.0.params.lr: Input should be greater than or ...
    """
    body = race_request(surface, optimizers, starts, steps, noise, seed)
    return run(body, progress)  # type: ignore[return-value]


def train(
    dataset: Spec | None = None,
    optimizers: Spec | Sequence[Spec] = "adam",
    *,
    X: Any = None,
    y: Any = None,
    val_fraction: float = 0.2,
    task: str | None = None,
    feature_names: Sequence[str] | None = None,
    model: dict[str, Any] | None = None,
    loss: str | None = None,
    batch_size: int | str | None = None,
    epochs: int | None = None,
    l1: float | None = None,
    l2: float | None = None,
    early_stopping: dict[str, Any] | None = None,
    grid_every: int | None = None,
    grid_size: int | None = None,
    seed: int | None = 0,
    progress: bool = False,
) -> TrainResult:
    """Train small MLPs side by side (one per optimizer, the same initial weights and
    minibatches), here, with the engine.

    The data: a built-in dataset by name (default "moons"; "circle", "xor", "gaussians", "spiral",
    "plane", "sine", "digits") or as a dict with its parameters ({"name": "moons",
    "n_samples": 400, "noise": 0.2, "val_fraction": 0.2}); or your own arrays `X` (n, d) and
    `y` (n,): integer, boolean or string labels are classes, floats a regression target
    (`task="classification"` or `"regression"` overrides), `val_fraction` of the rows held
    out for validation (drawn from `seed`), `feature_names` for the axes, `dataset` then
    only the name shown (default "arrays"). Two features (or one) draw a decision boundary
    (or a prediction curve); more train and draw every curve but the boundary.

    The other arguments are the fields of a REST MLP request, defaults as there:
      optimizers      names or dicts, as in `race` (torch's names and defaults)
      model           {"hidden": [16, 16], "activation": "relu", "init": "he_normal",
                      "dropout": 0.0, "batch_norm": False}
      loss            "cross_entropy" (default; "mse" when the task is a regression), "mse", ...
      batch_size      32, or "full"
      epochs          100
      l1, l2          penalties (0)
      early_stopping  {"patience": 10, "restore_best": True} or None (off)
      grid_every, grid_size   the decision-boundary grids (every k epochs; points per axis)
      seed            weights, minibatch order and the dataset's draw
      progress        show a progress bar

    Returns a TrainResult: `.figure()` (loss curves, a plotly Figure), `.figure("boundary")`
    (decision boundaries), `.loss` / `.val_loss` (epochs+1, lanes), `.summary`,
    `.final_loss`, `.table()`. Raises InvalidRequest naming the field (`epochs: ...`,
    `X: ...`).
    """
    fields = {
        "model": model,
        "loss": loss,
        "batch_size": batch_size,
        "epochs": epochs,
        "l1": l1,
        "l2": l2,
        "early_stopping": early_stopping,
        "grid_every": grid_every,
        "grid_size": grid_size,
        "seed": seed,
    }
    spec, data, fields["loss"] = own_data(dataset, X, y, val_fraction, task, feature_names,
                                          seed, loss)  # fmt: skip
    body = train_request(spec, optimizers, **fields)
    if data is None:
        return run(body, progress)  # type: ignore[return-value]
    from app import localrun
    from app.settings import get_settings

    try:
        config = localrun.validate_config(body, get_settings(), data=data)
    except localrun.ConfigError as e:
        raise InvalidRequest(e.message, e.more) from None
    config["dataset"] = shown_dataset(dataset, data, val_fraction)
    return _compute(config, progress, data=data)  # type: ignore[return-value]


def own_data(
    dataset: Spec | None, X: Any, y: Any, val_fraction: float, task: str | None,
    feature_names: Sequence[str] | None, seed: int | None, loss: str | None,
) -> tuple[Spec, Any, str | None]:  # fmt: skip
    """What an MLP request trains on: (its dataset spec, the Dataset of the caller's arrays
    or None, its loss: "mse" for a regression unless one was given). With arrays the spec is
    a stand-in the service's model checks; the caller passes the Dataset along."""
    if X is None and y is None:
        dataset = "moons" if dataset is None else dataset
        regression = _task_of(dataset) == "regression"
        return dataset, None, "mse" if loss is None and regression else loss
    if X is None or y is None:
        raise InvalidRequest(f"{'X' if X is None else 'y'}: give both X and y, or neither")
    if dataset is not None and not isinstance(dataset, str):
        raise InvalidRequest("dataset: give a dataset or arrays X and y, not both")
    try:
        data = from_arrays(
            X, y, val_fraction=val_fraction, seed=seed or 0, task=task, feature_names=feature_names
        )
    except DataError as e:
        raise InvalidRequest(str(e)) from None
    stand_in = {"name": "moons", "val_fraction": val_fraction}
    return stand_in, data, "mse" if loss is None and data.task == "regression" else loss


def shown_dataset(name: Any, data: Any, val_fraction: float) -> dict[str, Any]:
    """A result's `dataset` when it trained on arrays: a name to show and the sizes."""
    return {"name": name or "arrays", "n_samples": len(data.X_train) + len(data.X_val),
            "val_fraction": val_fraction}  # fmt: skip


def _task_of(dataset: Spec | None) -> str | None:
    from engine import registry

    name = dataset.get("name") if isinstance(dataset, dict) else dataset
    try:
        return registry.get("dataset", name).info.get("task")
    except (KeyError, TypeError, ValueError):
        return None  # the request's check names an unknown dataset

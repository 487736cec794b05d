"""Lessons: the presets (GET /api/presets, /api/presets/{id}) and the teaching views.

- POST /api/lessons/training-step: one MLP iteration of a tiny network, stage by stage.
- POST /api/lessons/accuracy-vs-loss: loss and accuracy along one weight direction.
- POST /api/lessons/gradient-check: backprop against numerical gradients, with timings.

The numbers come from engine.lessons (pure); the clock and the limits live here. Compute
runs in a worker thread (run_in_threadpool); bodies are strict JSON (NaN → null).
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model, model_validator
from starlette.concurrency import run_in_threadpool

from app import presets as preset_data
from app.deps import SettingsDep
from app.jsonutil import ORJSONResponse
from app.mlpjob import _digits_bytes, check_mlp_run, make_data
from app.schemas import STRICT, MlpDataset, MlpRun, Problem, Real, Whole, _params_model
from app.validation import fail
from engine import activations, lessons, losses, mlp, optimizers, registry

router = APIRouter(tags=["lessons"])

E404 = {404: {"model": Problem, "description": "no preset with this id"}}
E4XX = {
    413: {"model": Problem, "description": "body too large"},
    422: {"model": Problem, "description": "invalid request; the message names the field"},
}
MAX_LESSON_EPOCHS = 300
MAX_LESSON_WORK = 2e8  # epochs × samples × weights of the lane accuracy-vs-loss trains
BACKPROP_REPEATS = 5

Activation = Literal[tuple(activations.names(hidden_only=True))]  # type: ignore[valid-type]
Init = Literal[tuple(registry.names("initializer"))]  # type: ignore[valid-type]
LossName = Literal[tuple(registry.names("loss"))]  # type: ignore[valid-type]
Seed = Whole(0, 2**32 - 1)


# --------------------------------------------------------------------------- presets


class PresetOut(preset_data.Preset):
    """A preset as served: its topic, its key within the topic (1–9) and its URL."""

    topic: str
    index: int = Field(description="position in its topic: keys 1–9 open the first nine")
    url: str = Field(description="the dashboard URL that opens this preset")


class TopicOut(preset_data.Topic):
    presets: list[str] = Field(description="preset ids in key order")


class PresetCatalog(BaseModel):
    version: int
    topics: list[TopicOut]
    presets: list[PresetOut]
    claim_types: list[dict[str, Any]] = Field(description="the vocabulary of claim checks")
    hideable: list[str] = Field(description="control names a preset's view.hide may list")


@lru_cache(maxsize=1)
def _served() -> dict[str, Any]:
    """The presets with every lesson body checked against its endpoint's request model."""
    cat = preset_data.catalog()
    for p in cat["presets"]:
        lesson = p.get("lesson")
        if lesson:
            model = REQUESTS[lesson["endpoint"]]
            model.model_validate(lesson["body"])
    return {**cat, "claim_types": lessons.claim_types(), "hideable": list(preset_data.HIDEABLE)}


@router.get("/api/presets", response_model=PresetCatalog)
async def get_presets() -> Any:
    """Every lesson preset with its texts in English and Korean, grouped in topics."""
    return ORJSONResponse(_served())


@router.get("/api/presets/{preset_id}", response_model=PresetOut, responses=E404)
async def get_preset(preset_id: Annotated[str, Path(max_length=100)]) -> Any:
    """One preset by id (the id in ?preset=<id>)."""
    preset = preset_data.by_id().get(preset_id)
    if preset is None:
        raise HTTPException(404, f"preset_id: unknown preset {preset_id!r}; see GET /api/presets")
    return ORJSONResponse(preset)


# --------------------------------------------------------------------------- request models


def _step_optimizers() -> Any:
    """Optimizer specs without schedule or clipping: one update, as the registry describes."""
    models = []
    for e in registry.entries("optimizer"):
        params = _params_model("optimizer", e, "Lesson")
        name = "".join(part.title() for part in e.name.split("_"))
        models.append(
            create_model(
                f"Lesson{name}Optimizer",
                __config__=STRICT,
                name=(Literal[e.name], ...),  # type: ignore[valid-type]
                params=(params, Field(default_factory=params)),
            )
        )
    from typing import Union

    return Annotated[Union[tuple(models)], Field(discriminator="name")]  # noqa: UP007


StepOptimizer = _step_optimizers()
_dataset = TypeAdapter(MlpDataset)


def _default_dataset(name: str, n: int, noise: float) -> Any:
    return Field(
        default_factory=lambda: _dataset.validate_python(
            {"name": name, "n_samples": n, "noise": noise, "val_fraction": 0.2}
        )
    )


class TrainingStepRequest(BaseModel):
    """A tiny network (≤ 2 hidden layers of ≤ 8 units) and which iteration to show."""

    model_config = STRICT
    dataset: MlpDataset = _default_dataset("xor", 40, 0.05)  # type: ignore[valid-type]
    hidden: Annotated[list[Whole(1, 8)], Field(max_length=2)] = [3]
    activation: Activation = "sigmoid"  # type: ignore[valid-type]
    init: Init = "xavier_normal"  # type: ignore[valid-type]
    loss: LossName = "binary_cross_entropy"  # type: ignore[valid-type]
    optimizer: StepOptimizer = Field(  # type: ignore[valid-type]
        default_factory=lambda: TypeAdapter(StepOptimizer).validate_python(
            {"name": "gd", "params": {"lr": 0.5}}
        )
    )
    batch_size: Whole(1, 16) = 4
    seed: Seed = 0
    step: Whole(0, 500, description="iterations already taken") = 0


class Ts(BaseModel):
    model_config = STRICT
    low: Real(ge=-10, le=10) = -1.0
    high: Real(ge=-10, le=10) = 1.0
    count: Whole(3, 1001) = 201

    @model_validator(mode="after")
    def _order(self) -> Ts:
        if not self.low < self.high:
            raise ValueError("low must be below high")
        return self


class AccuracyRequest(BaseModel):
    """A classification run (or a preset's) trained briefly, then cut along one direction."""

    model_config = ConfigDict(
        **STRICT,
        json_schema_extra={  # exactly one of the two: the handler's check, in the schema
            "oneOf": [
                {"required": ["preset"], "properties": {"preset": {"type": "string"}}},
                {"required": ["run"], "properties": {"run": {"type": "object"}}},
            ]
        },
    )
    preset: Annotated[str, Field(pattern=preset_data.SLUG, max_length=60)] | None = None
    run: MlpRun | None = None
    lane: Whole(0, 7) = 0
    ts: Ts = Field(default_factory=Ts)
    direction_seed: Seed = 0
    split: Literal["train", "val"] = "val"


class GradientCheckRequest(BaseModel):
    """A small network (≤ 3 hidden layers of ≤ 16 units) checked on a few examples."""

    model_config = STRICT
    dataset: MlpDataset = _default_dataset("moons", 40, 0.2)  # type: ignore[valid-type]
    hidden: Annotated[list[Whole(1, 16)], Field(max_length=3)] = [4, 3]
    activation: Activation = "tanh"  # type: ignore[valid-type]
    init: Init = "xavier_normal"  # type: ignore[valid-type]
    loss: LossName = "cross_entropy"  # type: ignore[valid-type]
    l1: Real(ge=0, le=1) = 0.0
    l2: Real(ge=0, le=1) = 0.0
    n_examples: Whole(1, 64) = 16
    eps: Real(ge=1e-8, le=1e-2) = 1e-5
    seed: Seed = 0


REQUESTS: dict[str, type[BaseModel]] = {
    "training-step": TrainingStepRequest,
    "accuracy-vs-loss": AccuracyRequest,
    "gradient-check": GradientCheckRequest,
}


# --------------------------------------------------------------------------- responses


class Layer(BaseModel):
    layer: int
    input: list[Any]
    W: list[Any]
    b: list[Any]
    z: list[Any]
    a: list[Any] = Field(description="the activation (the output layer: the loss's link)")
    activation: str


class Backward(BaseModel):
    layer: int
    delta: list[Any] = Field(description="∂L/∂z of the layer, per example")
    W_grad: list[Any] = Field(description="∂L/∂W")
    b_grad: list[Any] = Field(description="∂L/∂b")


class Update(BaseModel):
    layer: int
    W_change: list[Any] = Field(description="new W − old W")
    b_change: list[Any] = Field(description="new b − old b")
    W_new: list[Any]
    b_new: list[Any]


class TrainingStep(BaseModel):
    step: int
    sizes: list[int]
    batch: dict[str, list[Any]]
    forward: list[Layer]
    loss: float | None
    dloss_dout: list[Any]
    backward: list[Backward]
    update: list[Update]
    new_loss: float | None
    optimizer: dict[str, Any]
    lr: float | None
    checks: dict[str, Any] = Field(description="the concept-1 claims, checked on these numbers")


class AccuracyAlong(BaseModel):
    ts: list[float]
    loss: list[float | None]
    accuracy: list[float | None]
    n_examples: int
    split: str
    lane: int
    epochs_trained: int
    distinct_accuracy: int
    distinct_loss: int
    final_val_acc: float | None


class GradLayer(BaseModel):
    layer: int
    params: list[str]
    n: int
    max_abs: float | None
    rel: float | None
    backprop_norm: float | None
    numerical_norm: float | None
    backprop: dict[str, list[float | None]]
    numerical: dict[str, list[float | None]]


class GradientCheck(BaseModel):
    layers: list[GradLayer]
    max_abs: float | None
    rel: float | None
    n_params: int
    n_examples: int
    eps: float
    forward_passes: dict[str, int]
    time_backprop_s: float = Field(description="one forward + backward pass (best of 5)")
    time_numerical_s: float = Field(description="2 forward passes per parameter (one run)")
    speedup: float | None


# --------------------------------------------------------------------------- handlers


def _data(spec: dict[str, Any], seed: int, loss: str, where: tuple = ()):
    """The request's dataset (as a run draws it); 422 if it or the loss does not fit."""
    try:
        data = make_data(spec, seed)
    except (ValueError, TypeError, KeyError) as e:
        raise fail([*where, "dataset"], str(e.args[0]) if e.args else "invalid dataset") from None
    try:
        losses.units(loss, data.task, data.n_classes)
    except ValueError as e:
        raise fail([*where, "loss"], str(e)) from None
    return data


def _within(where: tuple, check: Any, *args: Any) -> None:
    """Run a check that raises 422s about a run, naming the field inside this body."""
    try:
        check(*args)
    except HTTPException as e:
        first = (e.detail or {}).get("detail", [{}])[0] if isinstance(e.detail, dict) else {}
        loc = list(first.get("loc", ["body"]))[1:]
        raise fail([*where, *loc], first.get("msg", str(e.detail))) from None


@router.post("/api/lessons/training-step", response_model=TrainingStep, responses=E4XX)
async def create_training_step(body: TrainingStepRequest) -> Any:
    """Iteration step + 1 of a tiny MLP: forward pass, loss, backward pass and update."""
    config = body.model_dump(mode="json")
    data = _data(config["dataset"], config["seed"], config["loss"])
    opt = config["optimizer"]
    try:
        optimizers.create(opt["name"], **_engine_params(opt["params"]))
    except (ValueError, TypeError) as e:
        raise fail(["optimizer", "params"], str(e)) from None
    return ORJSONResponse(await run_in_threadpool(_training_step, config, data))


def _engine_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if k == "betas" else v for k, v in params.items()}


def _training_step(config: dict[str, Any], data) -> dict[str, Any]:
    opt = {**config["optimizer"], "params": _engine_params(config["optimizer"]["params"])}
    keys = ("hidden", "activation", "init", "loss", "batch_size", "seed", "step")
    s = lessons.training_step(data, optimizer=opt, **{k: config[k] for k in keys})
    tr, act = s["trace"], s["activation"]
    n = len(tr["layers"])
    forward = [
        {
            "layer": i + 1,
            **{k: layer[k] for k in ("input", "W", "b", "z", "a")},
            "activation": act if i < n - 1 else f"output ({losses.get(s['loss']).link})",
        }
        for i, layer in enumerate(tr["layers"])
    ]
    backward = [
        {
            "layer": i + 1,
            "delta": tr["deltas"][i],
            "W_grad": tr["grads"][f"W{i + 1}"],
            "b_grad": tr["grads"][f"b{i + 1}"],
        }
        for i in range(n)
    ]
    update = [
        {
            "layer": i + 1,
            "W_change": tr["update"][f"W{i + 1}"],
            "b_change": tr["update"][f"b{i + 1}"],
            "W_new": tr["new_params"][f"W{i + 1}"],
            "b_new": tr["new_params"][f"b{i + 1}"],
        }
        for i in range(n)
    ]
    claim = [{"type": "forward_is_consistent"}, {"type": "loss_decreases_after_step"}]
    if opt["name"] in ("gd", "sgd") and not opt["params"].get("momentum"):
        claim.append({"type": "update_is_minus_lr_grad"})
    checks = {c["type"]: {"ok": ok, "detail": d} for c, ok, d in lessons.check_claim(claim, s)}
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
        "optimizer": config["optimizer"],
        "lr": opt["params"].get("lr"),
        "checks": checks,
    }


@router.post(
    "/api/lessons/accuracy-vs-loss",
    response_model=AccuracyAlong,
    responses=E4XX,
)
async def create_accuracy_vs_loss(body: AccuracyRequest, settings: SettingsDep) -> Any:
    """Train a classifier briefly, then loss and accuracy along one random weight direction."""
    if (body.preset is None) == (body.run is None):
        raise fail(["preset"], "give either a preset id or a run (not both)")
    if body.preset is not None:
        preset = preset_data.by_id().get(body.preset)
        if preset is None or preset["run"]["kind"] != "mlp":
            raise fail(["preset"], f"no MLP preset {body.preset!r}; see GET /api/presets")
        run = MlpRun.model_validate(preset["run"]).model_dump(mode="json")
        where: tuple = ("preset",)
    else:
        run = body.run.model_dump(mode="json")  # type: ignore[union-attr]
        where = ("run",)
    _within(where, check_mlp_run, run, settings)
    if run["epochs"] > MAX_LESSON_EPOCHS:
        raise fail([*where, "epochs"], f"at most {MAX_LESSON_EPOCHS} epochs for this view")
    data = _data(run["dataset"], run["seed"], run["loss"], where)
    if data.task == "regression":
        raise fail([*where, "dataset"], "accuracy needs a classification dataset")
    if body.lane >= len(run["optimizers"]):
        raise fail(["lane"], f"the run has {len(run['optimizers'])} lanes")
    if body.split == "val" and not len(data.X_val):
        raise fail(["split"], "the run has no validation set (its val_fraction is 0)")
    sizes = [data.n_features, *run["model"]["hidden"], max(data.n_classes, 1)]
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    work = run["epochs"] * len(data.X_train) * weights  # only the chosen lane is trained
    if work > MAX_LESSON_WORK:
        raise fail(
            [*where, "epochs"],
            f"epochs × samples × weights is about {work:,.0f}; at most "
            f"{MAX_LESSON_WORK:,.0f} for this view",
        )
    request = body.model_dump(mode="json")
    return ORJSONResponse(await run_in_threadpool(_accuracy, run, request))


def _accuracy(run: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    a = lessons.accuracy_of_run(run, request, raw=_raw(run))
    loss, acc = np.asarray(a["loss"]), np.asarray(a["accuracy"])
    return {
        "ts": a["ts"],
        "loss": loss,
        "accuracy": acc,
        "n_examples": a["n"],
        "split": request["split"],
        "lane": request["lane"],
        "epochs_trained": a["trained"]["epochs"],
        "distinct_accuracy": len(np.unique(acc)),
        "distinct_loss": len(np.unique(loss)),
        "final_val_acc": a["final_val_acc"],
    }


def _raw(run: dict[str, Any]) -> bytes | None:
    return _digits_bytes() if run["dataset"]["name"] == "digits" else None


@router.post(
    "/api/lessons/gradient-check",
    response_model=GradientCheck,
    responses=E4XX,
)
async def create_gradient_check(body: GradientCheckRequest) -> Any:
    """Backprop and central-difference gradients per layer, their difference and timings."""
    config = body.model_dump(mode="json")
    data = _data(config["dataset"], config["seed"], config["loss"])
    return ORJSONResponse(await run_in_threadpool(_gradient_check, config, data))


def _gradient_check(config: dict[str, Any], data) -> dict[str, Any]:
    params, T = lessons.tiny_network(
        data, config["hidden"], config["activation"], config["init"], config["loss"],
        config["seed"],
    )  # fmt: skip
    m = config["n_examples"]
    X, T = data.X_train[:m], T[:m]
    kw = {k: config[k] for k in ("activation", "loss", "l1", "l2")}
    t_bp = np.inf
    for _ in range(BACKPROP_REPEATS):  # the best of a few: one call is a few microseconds
        t0 = time.perf_counter()
        _, bp = mlp.loss_and_grad(params, X, T, **kw)
        t_bp = min(t_bp, time.perf_counter() - t0)
    t1 = time.perf_counter()
    num = mlp.numerical_grad(params, X, T, eps=config["eps"], **kw)
    t_num = time.perf_counter() - t1
    out = lessons.compare_gradients(params, bp, num)
    for row in out["layers"]:
        row["backprop"] = {k: np.ravel(bp[k]) for k in row["params"]}
        row["numerical"] = {k: np.ravel(num[k]) for k in row["params"]}
    return {
        **{k: out[k] for k in ("layers", "max_abs", "rel", "n_params")},
        "n_examples": len(X),
        "eps": config["eps"],
        "forward_passes": {"backprop": 1, "numerical": 2 * out["n_params"]},
        "time_backprop_s": t_bp,
        "time_numerical_s": t_num,
        "speedup": t_num / t_bp if t_bp > 0 else None,
    }

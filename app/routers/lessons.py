"""Lessons: the presets (GET /api/presets, /api/presets/{id}) and the teaching views.

- POST /api/lessons/training-step: one MLP iteration of a tiny network, stage by stage.
- POST /api/lessons/accuracy-vs-loss: loss and accuracy along one weight direction.
- POST /api/lessons/gradient-check: backprop against numerical gradients, with timings.

The models are in app/lesson_models.py, the computations in app/lesson_runs.py (on the
engine's teaching tools); the limits live here. Compute runs in a worker thread
(run_in_threadpool); bodies are strict JSON (NaN → null).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app import lesson_runs
from app import presets as preset_data
from app.deps import SettingsDep
from app.jsonutil import ORJSONResponse
from app.kinds import race, training
from app.lesson_models import (
    REQUESTS,
    AccuracyAlong,
    AccuracyRequest,
    GradientCheck,
    GradientCheckRequest,
    TrainingStep,
    TrainingStepRequest,
)
from app.schemas import INVALID, MlpRun, problems
from app.validation import fail
from engine import claims, optimizers

router = APIRouter(tags=["lessons"])

E404 = problems(e404="no preset with this id")
E4XX = problems(e413="body too large", e422=INVALID)
MAX_LESSON_EPOCHS = 300
MAX_LESSON_WORK = 2e8  # epochs × samples × weights of the lane accuracy-vs-loss trains

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
    return {**cat, "claim_types": claims.claim_types(), "hideable": list(preset_data.HIDEABLE)}


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


# --------------------------------------------------------------------------- handlers


@router.post("/api/lessons/training-step", response_model=TrainingStep, responses=E4XX)
async def create_training_step(body: TrainingStepRequest) -> Any:
    """Iteration step + 1 of a tiny MLP: forward pass, loss, backward pass and update."""
    config = body.model_dump(mode="json")
    data = lesson_runs.lesson_data(config["dataset"], config["seed"], config["loss"])
    opt = config["optimizer"]
    try:
        optimizers.create(opt["name"], **race.engine_params(opt["params"]))
    except (ValueError, TypeError) as e:
        raise fail(["optimizer", "params"], str(e)) from None
    view = await run_in_threadpool(lesson_runs.training_step_view, config, data)
    return ORJSONResponse(view)


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
        if preset is None or (preset.get("run") or {}).get("kind") != "mlp":
            raise fail(["preset"], f"no MLP preset {body.preset!r}; see GET /api/presets")
        run = MlpRun.model_validate(preset["run"]).model_dump(mode="json")
        where: tuple = ("preset",)
    else:
        run = body.run.model_dump(mode="json")  # type: ignore[union-attr]
        where = ("run",)
    lesson_runs.within(where, training.check, run, settings)
    _check_accuracy_run(run, body, where)
    request = body.model_dump(mode="json")
    return ORJSONResponse(await run_in_threadpool(lesson_runs.accuracy_view, run, request))


def _check_accuracy_run(run: dict[str, Any], body: AccuracyRequest, where: tuple) -> None:
    """This view's own limits: a short classification run whose one lane trains quickly."""
    if run["epochs"] > MAX_LESSON_EPOCHS:
        raise fail([*where, "epochs"], f"at most {MAX_LESSON_EPOCHS} epochs for this view")
    data = lesson_runs.lesson_data(run["dataset"], run["seed"], run["loss"], where)
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


@router.post(
    "/api/lessons/gradient-check",
    response_model=GradientCheck,
    responses=E4XX,
)
async def create_gradient_check(body: GradientCheckRequest) -> Any:
    """Backprop and central-difference gradients per layer, their difference and timings."""
    config = body.model_dump(mode="json")
    data = lesson_runs.lesson_data(config["dataset"], config["seed"], config["loss"])
    view = await run_in_threadpool(lesson_runs.gradient_check_view, config, data)
    return ORJSONResponse(view)

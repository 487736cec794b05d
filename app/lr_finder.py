"""The learning-rate range test at the service boundary: request model, checks, `compute`.

POST /api/lr-finder (app/routers/lr_finder.py) and `dl.lr_find` go through here:

    body (LrFinderRequest) → `check` (the base's checks as a run's, 422s naming base.<field>;
    the work limit on num_iter iterations) → `compute(config)` (module level, picklable: a
    worker process may run it) → the document:

    {"lrs", "losses" (raw minibatch loss per iteration), "smoothed", "suggested_lr" (number
     or null), "suggested_index", "min_loss_lr", "iterations", "num_iter", "stopped"
     ("diverged" | "end"), "optimizer", the range parameters, "skip_start", "skip_end",
     "base" (the normalized base), "elapsed_s"}; NaN and ±inf are null.

The names and defaults are torch-lr-finder's (davidtvs/pytorch-lr-finder); the test itself
is `engine.train.range_test` (its docstring says exactly what is computed). The base's own
lr and schedule are replaced by the test's rates; its epochs and early stopping are unused
(but checked, as a run's: the base is a POST /api/runs body).
"""

from __future__ import annotations

import math
import time
from typing import Annotated, Any, Literal

from fastapi import HTTPException
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from app import localrun, uploads
from app.kinds import training
from app.schemas import STRICT, MlpOptimizer, MlpRun, Real, Whole
from app.settings import Settings
from app.validation import fail, field_path
from engine import datasets, optimizers, train

RANGE = train.RANGE_TEST_DEFAULTS  # torch-lr-finder's defaults, from the engine
SKIP_START, SKIP_END = 10, 5  # torch-lr-finder's plot(skip_start=10, skip_end=5)


class LrFinderBase(MlpRun):
    """A POST /api/runs body of kind "mlp" with exactly one optimizer (its lr is replaced)."""

    optimizers: Annotated[list[MlpOptimizer], Field(min_length=1, max_length=1)]


class LrFinderRequest(BaseModel):
    """Leslie Smith's range test: the rate rises from start_lr to end_lr over num_iter
    minibatches (torch-lr-finder's names and defaults)."""

    model_config = STRICT
    base: LrFinderBase
    start_lr: Real(ge=1e-12, le=1e6) = Field(
        RANGE["start_lr"], description="the first iteration's rate"
    )
    end_lr: Real(gt=0, le=1e6) = Field(RANGE["end_lr"], description="the last iteration's rate")
    num_iter: Whole(2, 10_000) = Field(
        RANGE["num_iter"], description="iterations (minibatches) of the test"
    )
    step_mode: Literal["exp", "linear"] = Field(
        RANGE["step_mode"], description="exp: start·(end/start)^(i/(n−1)); linear: evenly spaced"
    )
    smooth_f: Real(ge=0, lt=1) = Field(
        RANGE["smooth_f"],
        description="exponential smoothing of the loss: s = f·loss + (1−f)·s (0: none)",
    )
    diverge_th: Real(gt=1, le=1e6) = Field(
        RANGE["diverge_th"], description="stop once the smoothed loss passes diverge_th × its best"
    )


Number = float | None


class LrFinderResult(BaseModel):
    lrs: list[float]
    losses: list[Number] = Field(description="the raw minibatch loss of each iteration")
    smoothed: list[Number]
    suggested_lr: Number = Field(
        description="steepest descent of the smoothed loss after skipping the first 10 and "
        "last 5 points (torch-lr-finder's suggestion); null with too few points"
    )
    suggested_index: int | None
    min_loss_lr: float = Field(description="the rate at the lowest smoothed loss")
    iterations: int
    num_iter: int
    stopped: Literal["diverged", "end"]
    optimizer: str
    start_lr: float
    end_lr: float
    step_mode: Literal["exp", "linear"]
    smooth_f: float
    diverge_th: float
    skip_start: int
    skip_end: int
    base: dict[str, Any]
    elapsed_s: float


ADAPTER: TypeAdapter = TypeAdapter(LrFinderRequest)


def check(config: dict[str, Any], s: Settings, data: datasets.Dataset | None = None) -> None:
    """A validated request (`LrFinderRequest` dumped) against the server's limits and the
    engine's checks: HTTPException 422 naming the field (base.<field>, end_lr, num_iter).

    `data`: the notebook API's own arrays instead of the base's dataset spec."""
    if not config["end_lr"] > config["start_lr"]:
        raise fail(["end_lr"], "must be greater than start_lr")
    base = config["base"]
    if len(base["optimizers"]) != 1:
        raise fail(["base", "optimizers"], "a range test takes exactly one optimizer")
    try:
        training.check(base, s, data=data)  # the base as a run: limits, dataset, engine
    except HTTPException as e:
        raise _prefixed(e) from None
    if data is None:
        data = training.make_data(base["dataset"], base["seed"])
    amount = work(config, len(data.X_train), data.X_train.shape[1])
    if amount > s.max_mlp_work:
        raise fail(
            ["num_iter"],
            f"num_iter × (batch size × weights + a per-layer overhead) is about {amount:,.0f}; "
            f"at most {s.max_mlp_work:,.0f} on this server",
        )


# What one layer of one pass costs beyond its multiply-adds (NumPy calls, the update), in
# the unit of max_mlp_work (weights × samples); batch norm or dropout: PASS_SLOW times more.
# Measured: ~1.4e9 units/s for large matmuls, ~11 µs per layer and pass for small ones
# (~60 µs with batch norm and dropout); rounded up, so a small network's long test (many
# cheap iterations) is counted at what it costs in time.
LAYER_PASS = 3e4
PASS_SLOW = 4


def work(config: dict[str, Any], rows: int, features: int) -> float:
    """The test's work in the unit of `max_mlp_work` (optimizers × epochs × samples ×
    weights): num_iter passes of one lane (L-BFGS: its evaluations) over a minibatch, each
    batch size × weights plus a per-layer overhead."""
    base = config["base"]
    model = base["model"]
    sizes = [features, *model["hidden"], 10]
    n_params = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    size = rows if base["batch_size"] == "full" else min(int(base["batch_size"]), rows)
    o = base["optimizers"][0]
    extra = (
        optimizers.evaluations_per_step(o["name"], o.get("params"))
        if optimizers.needs_closure(o["name"])
        else 0
    )
    slow = PASS_SLOW if model.get("batch_norm") or model.get("dropout") else 1
    per_pass = size * n_params + LAYER_PASS * slow * (len(sizes) - 1)
    return float((1 + extra) * config["num_iter"] * per_pass)


def _prefixed(e: HTTPException) -> HTTPException:
    """A run check's 422 about the base, its field named base.<field>."""
    detail = e.detail if isinstance(e.detail, dict) else {"message": str(e.detail)}
    message = str(detail.get("message", "invalid base"))
    field, sep, msg = message.partition(": ")
    if not sep:
        field, msg = "", message
    return fail(["base", *field_path(field)] if field else ["base"], msg)


def validate(raw: Any, settings: Settings, data: datasets.Dataset | None = None) -> dict:
    """The service's checks on a parsed request body (for the notebook API); the normalized
    config, or localrun.ConfigError whose message names the field as the 422 would."""
    try:
        config = ADAPTER.validate_python(raw).model_dump(mode="json")
    except ValidationError as e:
        lines = localrun._merge([localrun._describe(err) for err in e.errors()])
        extra = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        raise localrun.ConfigError(lines[0] + extra, lines[1:]) from None
    if config["base"]["dataset"].get("name") == uploads.NAME:
        uploads.serve_file_unless_served(settings.db)  # uploaded to the local server
    try:
        check(config, settings, data=data)
    except HTTPException as e:
        detail = e.detail if isinstance(e.detail, dict) else {"message": str(e.detail)}
        message = str(detail.get("message", "invalid config"))
        raise localrun.ConfigError(localrun._with_hint(message)) from None
    return config


def compute(config: dict[str, Any], data: datasets.Dataset | None = None) -> dict[str, Any]:
    """Run a validated (`check`ed) request; the document (see the module docstring).

    ValueError("field: message") if the engine refuses it (not after `check`)."""
    t0 = time.monotonic()
    base = config["base"]
    if data is None:
        data = training.make_data(base["dataset"], base["seed"])
    result = train.range_test(
        training.engine_config(base, data),
        start_lr=config["start_lr"],
        end_lr=config["end_lr"],
        num_iter=config["num_iter"],
        step_mode=config["step_mode"],
        smooth_f=config["smooth_f"],
        diverge_th=config["diverge_th"],
        rng_seed=base["seed"],
        skip_start=SKIP_START,
        skip_end=SKIP_END,
    )
    return {
        "lrs": _numbers(result.lrs),
        "losses": _numbers(result.losses),
        "smoothed": _numbers(result.smoothed),
        "suggested_lr": result.suggested_lr,
        "suggested_index": result.suggested_index,
        "min_loss_lr": result.min_loss_lr,
        "iterations": result.iterations,
        "num_iter": result.num_iter,
        "stopped": result.stopped,
        "optimizer": base["optimizers"][0]["name"],
        **{k: config[k] for k in ("start_lr", "end_lr", "step_mode", "smooth_f", "diverge_th")},
        "skip_start": SKIP_START,
        "skip_end": SKIP_END,
        "base": base,
        "elapsed_s": time.monotonic() - t0,
    }


def _numbers(values: Any) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in values.tolist()]

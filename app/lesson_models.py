"""The lessons' request and response models (the teaching views' REST contract).

Defaults are the views' own; every number is bounded so that one request stays small.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from app import presets as preset_data
from app.schemas import STRICT, MlpDataset, MlpRun, Real, Whole, by_name, mlp_trainable
from engine import activations, registry

Activation = Literal[tuple(activations.names(hidden_only=True))]  # type: ignore[valid-type]
Init = Literal[tuple(registry.names("initializer"))]  # type: ignore[valid-type]
LossName = Literal[tuple(registry.names("loss"))]  # type: ignore[valid-type]
Seed = Whole(0, 2**32 - 1)


# optimizer specs without schedule or clipping: one update, as the registry describes
# one training step by hand: every MLP optimizer but L-BFGS (whose step is a closure's loop)
StepOptimizer = by_name(
    "optimizer",
    "Optimizer",
    "Lesson",
    keep=lambda e: mlp_trainable(e) and not e.info.get("closure"),
)
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

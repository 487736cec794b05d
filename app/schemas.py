"""Request and response models at the service boundary, generated from the engine registry.

Every optimizer and schedule gets its own parameter model (bounds, defaults and help from
the registry, `extra="forbid"`), joined in discriminated unions on `name`; run requests are a
discriminated union on `kind`. Nothing here is listed twice: a new optimizer registered in
the engine appears in the schema, the catalog and the forms.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    create_model,
)

from engine import registry, schedules
from engine.registry import Param

STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


def _whole(v: Any) -> Any:
    """300.0 is an integer to JSON Schema (and to a client's JSON library): take it as 300.
    Anything else reaches the strict check: "300", true and 300.5 stay 422s."""
    if isinstance(v, float) and v.is_integer() and abs(v) <= 2**53:
        return int(v)
    return v


WHOLE = BeforeValidator(_whole)  # with Field(strict=True) on every integer of a request


def Whole(ge: int | None, le: int | None, **field: Any) -> Any:  # noqa: N802 - a type, as Annotated is
    """A request's integer in [ge, le]: strict (no strings, no booleans), 300.0 taken."""
    return Annotated[int, Field(strict=True, ge=ge, le=le, **field), WHOLE]


def Real(**field: Any) -> Any:  # noqa: N802 - a type, as Annotated is
    """A request's finite number (bounds as Field's ge, gt, le): no strings, no booleans."""
    return Annotated[float, Field(strict=True, allow_inf_nan=False, **field)]


Finite = Real()


def _bounded(p: Param, base: Any) -> Any:
    return Real(ge=p.low, le=p.high) if base is float else Whole(p.low, p.high)


def _field_type(p: Param) -> Any:
    if p.type == "float":
        t: Any = _bounded(p, float)
    elif p.type == "int":
        t = _bounded(p, int)
    elif p.type == "bool":
        t = Annotated[bool, Field(strict=True)]
    elif p.type == "choice":
        t = Literal[tuple(p.choices)]  # type: ignore[valid-type]
    elif p.type == "pair":
        one = _bounded(p, float)
        t = tuple[one, one]  # type: ignore[valid-type]
    elif p.type == "schedule_list":  # SequentialLR's parts: the schedules it can chain
        t = Annotated[list[_sequential_part()], Field(min_length=1, max_length=8)]  # type: ignore
    elif p.type == "float_list":
        t = Annotated[list[_bounded(p, float)], Field(max_length=64)]
    else:  # int_list
        t = Annotated[list[_bounded(p, int)], Field(max_length=64)]
    return t | None if p.nullable else t


@functools.cache
def _sequential_part() -> Any:
    """One schedule inside SequentialLR: {"name", "params"} of a schedule it can chain."""
    return by_name("schedule", "Schedule", "Part", keep=lambda e: e.name in schedules.COMPOSABLE)


def _default(p: Param) -> Any:
    """A parameter's default as its field holds it (lists as lists; SequentialLR's parts as
    their models, so that the schema's default serializes as it validates)."""
    if p.default is None or p.type not in ("int_list", "float_list", "schedule_list"):
        return Field(default=p.default, description=p.help_en)
    if p.type == "schedule_list":
        parts = TypeAdapter(_field_type(p)).validate_python(list(p.default))
        return Field(default_factory=lambda: list(parts), description=p.help_en)
    return Field(default=list(p.default), description=p.help_en)


def _params_model(kind: str, entry: registry.Entry, prefix: str = "") -> type[BaseModel]:
    fields = {p.name: (_field_type(p), _default(p)) for p in entry.params}
    name = "".join(part.title() for part in entry.name.split("_"))
    return create_model(f"{prefix}{name}{kind.title()}Params", __config__=STRICT, **fields)


def by_name(
    kind: str,
    suffix: str,
    prefix: str = "",
    keep: Any = None,
    params: bool = True,
    **extra: Any,
) -> Any:
    """One strict model per registry entry of `kind` (those `keep(entry)` admits), told apart
    by `name`: {"name": ..., "params": {...}} (or the parameters as fields with
    `params=False`) plus the `extra` fields; their discriminated union (one model alone)."""
    models = []
    for e in registry.entries(kind):
        if keep is not None and not keep(e):
            continue
        if params:
            model = _params_model(kind, e, prefix)
            fields = {"params": (model, Field(default_factory=model))}
        else:
            fields = {
                p.name: (_field_type(p), Field(default=p.default, description=p.help_en))
                for p in e.params
            }
        name = "".join(part.title() for part in e.name.split("_"))
        models.append(
            create_model(
                f"{prefix}{name}{suffix}",
                __config__=STRICT,
                __doc__=e.help_en,
                name=(Literal[e.name], ...),  # type: ignore[valid-type]
                **fields,
                **extra,
            )
        )
    if len(models) == 1:
        return models[0]
    return Annotated[Union[tuple(models)], Field(discriminator="name")]  # noqa: UP007


def _surface_run_only(entry: Any) -> bool:
    return not entry.info.get("mlp_only")


def mlp_trainable(entry: Any) -> bool:
    """An optimizer the MLP trainer runs (second-order and whole-vector rules are races only)."""
    return not entry.info.get("race_only")


def _optimizer_fields(schedule: Any) -> dict[str, Any]:
    """What a race or MLP lane adds to an optimizer: its schedule, clipping and label."""
    return {
        "schedule": (schedule | None, None),
        "clip_norm": (
            Real(gt=0, le=1e6) | None,
            Field(None, description="clip each lane's gradient norm (off: null)"),
        ),
        "label": (Annotated[str, Field(max_length=60)] | None, None),
    }


SurfaceSchedule = by_name("schedule", "Schedule", keep=_surface_run_only)


SurfaceOptimizer = by_name("optimizer", "Optimizer", **_optimizer_fields(SurfaceSchedule))


SurfaceName = Literal[tuple(registry.names("surface"))]  # type: ignore[valid-type]
Domain = tuple[tuple[Finite, Finite], tuple[Finite, Finite]]


class SurfaceByName(BaseModel):
    """A catalogue surface by name, with its parameters (e.g. {"kappa": 10})."""

    model_config = STRICT
    name: SurfaceName = Field(description="a surface from GET /api/catalog")  # type: ignore
    params: dict[str, Finite] = Field(default_factory=dict)


class SurfaceByFormula(BaseModel):
    """A typed formula in x and y, parsed against a whitelist (never eval'd)."""

    model_config = STRICT
    formula: Annotated[str, Field(min_length=1, max_length=500)] = Field(
        description='e.g. "x**2 - y**2"'
    )
    domain: Domain | None = None


def _surface_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        return "by_formula" if "formula" in value else "by_name"
    return "by_formula" if hasattr(value, "formula") else "by_name"


SurfaceRef = Annotated[
    Annotated[SurfaceByName, Tag("by_name")] | Annotated[SurfaceByFormula, Tag("by_formula")],
    Discriminator(_surface_tag),
]
UNION_TAGS = ("by_name", "by_formula")


class NoiseSpec(BaseModel):
    """Gradient noise: σ, or a simulated minibatch (σ/√batch_size, σ = 1 if not given)."""

    model_config = STRICT
    sigma: Real(ge=0, le=1000) | None = None
    batch_size: Whole(1, 100_000) | None = None


Point = tuple[
    Real(ge=-1e6, le=1e6),
    Real(ge=-1e6, le=1e6),
]


class SurfaceRun(BaseModel):
    """A race of 1–8 optimizers from one or more starts on a 2D surface."""

    model_config = STRICT
    kind: Literal["surface"]
    surface: SurfaceRef
    optimizers: Annotated[list[SurfaceOptimizer], Field(min_length=1, max_length=64)]
    starts: Annotated[list[Point], Field(min_length=1, max_length=1024)]
    steps: Whole(1, 1_000_000) = 500
    noise: NoiseSpec = Field(default_factory=NoiseSpec)
    seed: Whole(0, 2**32 - 1) = 0


MlpSchedule = by_name("schedule", "Schedule", "Mlp")
MlpOptimizer = by_name(
    "optimizer", "Optimizer", "Mlp", keep=mlp_trainable, **_optimizer_fields(MlpSchedule)
)


class UploadedDataset(BaseModel):
    """A CSV uploaded with POST /api/datasets, by its id."""

    model_config = STRICT
    name: Literal["uploaded"]
    id: Annotated[str, Field(min_length=1, max_length=64, description="from POST /api/datasets")]
    val_fraction: Real(ge=0.0, le=0.9) = Field(0.2, description="share held out for validation")
    standardize: Annotated[bool, Field(strict=True)] = Field(
        False, description="scale each feature to mean 0, std 1 (the training rows' statistics)"
    )


_BUILT_IN = by_name("dataset", "Dataset", params=False)
MlpDataset = Annotated[
    Union[(*get_args(get_args(_BUILT_IN)[0]), UploadedDataset)],  # noqa: UP007
    Field(discriminator="name"),
]
_MODEL = registry.get("mlp_setting", "model")
# an initializer by name, or with torch's arguments: {"name": "he_normal", "params": {"mode": ...}}
InitializerSpec = by_name("initializer", "Initializer")
MlpModel = create_model(
    "MlpModelParams",
    __base__=_params_model("", _MODEL, "MlpBase"),
    init=(
        Annotated[
            Annotated[_field_type(_MODEL.param("init")), Tag("name")]
            | Annotated[InitializerSpec, Tag("spec")],
            Discriminator(lambda v: "name" if isinstance(v, str) else "spec"),
        ],
        Field(default=_MODEL.param("init").default, description=_MODEL.param("init").help_en),
    ),
)
EarlyStopping = _params_model("", registry.get("mlp_setting", "early_stopping"))
_TRAINING = {p.name: p for p in registry.get("mlp_setting", "training").params}


class MlpReporting(BaseModel):
    """What the run reports beyond the defaults (the engine's "reporting" settings)."""

    model_config = STRICT
    grid_features: Annotated[list[Whole(0, 4095)], Field(min_length=2, max_length=2)] | None = (
        Field(
            None,
            description="with more than two features: the two (0-based columns) the decision "
            "boundary is drawn over, the others held at their mean",
        )
    )


class MlpRun(BaseModel):
    """1–8 optimizers training the same small network side by side on a dataset."""

    model_config = STRICT
    kind: Literal["mlp"]
    dataset: MlpDataset
    model: MlpModel = Field(default_factory=MlpModel)  # type: ignore[valid-type]
    loss: _field_type(_TRAINING["loss"]) = _TRAINING["loss"].default  # type: ignore
    optimizers: Annotated[list[MlpOptimizer], Field(min_length=1, max_length=8)]
    batch_size: _field_type(_TRAINING["batch_size"]) | Literal["full"] = Field(  # type: ignore
        _TRAINING["batch_size"].default, description='1 (SGD) … the full set ("full")'
    )
    epochs: _field_type(_TRAINING["epochs"]) = _TRAINING["epochs"].default  # type: ignore
    l1: _field_type(_TRAINING["l1"]) = 0.0  # type: ignore
    l2: _field_type(_TRAINING["l2"]) = 0.0  # type: ignore
    early_stopping: EarlyStopping | None = None  # type: ignore[valid-type]
    grid_every: Whole(1, 100_000) | None = Field(
        None, description="decision-boundary grid every k epochs (default: about 25 per run)"
    )
    grid_size: Whole(2, 100) = Field(40, description="grid points per axis")
    reporting: MlpReporting | None = None
    seed: Whole(0, 2**32 - 1) = 0


RunRequest = Annotated[SurfaceRun | MlpRun, Field(discriminator="kind")]


class RunLinks(BaseModel):
    self: str
    events: str
    export_csv: str
    export_json: str


class RunCreated(BaseModel):
    id: str
    status: str
    links: RunLinks
    result: dict[str, Any] | None = Field(None, description="with ?wait=true: the whole run")


class RunInfo(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "cancelled", "failed", "interrupted"]
    created: float
    started: float | None = None
    finished: float | None = None
    config: dict[str, Any]
    summary: list[dict[str, Any]] | None = None
    error: str | None = None
    result: dict[str, Any] | None = None


class RunList(BaseModel):
    runs: list[RunInfo]
    total: int
    limit: int
    offset: int


class Problem(BaseModel):
    """Every error body: a message naming the field, and the details."""

    message: str
    detail: Any = None


INVALID = "invalid request; the message names the field"


class DatasetInfo(BaseModel):
    """An uploaded CSV as stored: use it in a run as {"name": "uploaded", "id": ...}."""

    id: str
    name: str
    rows: int
    features: list[str]
    n_features: int
    target: str
    task: Literal["classification", "regression"]
    classes: list[str] = Field(description="class names, in the order of the model's outputs")
    class_counts: list[int]
    bytes: int = Field(description="size of the uploaded file")
    created: float


class DatasetList(BaseModel):
    datasets: list[DatasetInfo]


class ExampleInfo(BaseModel):
    file: str
    url: str
    rows: int
    features: list[str]
    target: str
    task: Literal["classification", "regression"]
    classes: list[str]


class ExampleList(BaseModel):
    examples: list[ExampleInfo]


def problems(**described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI error responses with the Problem body: problems(e404="no run with this id")."""
    return {int(code[1:]): {"model": Problem, "description": d} for code, d in described.items()}


class FormulaCheck(BaseModel):
    model_config = STRICT
    formula: Annotated[str, Field(max_length=2000)]
    domain: Domain | None = None
    grid_n: Whole(0, 400) = 0


class FormulaResult(BaseModel):
    ok: bool
    message: str | None = None
    column: int | None = None
    text: str | None = None
    surface: dict[str, Any] | None = None
    grid: dict[str, Any] | None = None
    values: dict[str, float] | None = Field(
        default=None,
        description="fractions of the domain where f is finite, overflows (±inf), is "
        "undefined (not a number), and is clipped in the picture",
    )
    warning: str | None = Field(
        default=None, description="set when f overflows or is too large to draw somewhere"
    )


class BasinRequest(BaseModel):
    """A basin-of-attraction map: every grid start raced by each optimizer."""

    model_config = STRICT
    surface: SurfaceRef
    optimizers: Annotated[list[SurfaceOptimizer], Field(min_length=1, max_length=16)]
    n: Whole(2, 400, description="grid of n×n starts") = 80
    steps: Whole(1, 100_000) = 300
    noise: NoiseSpec = Field(default_factory=NoiseSpec)
    seed: Whole(0, 2**32 - 1) = 0


class BasinMap(BaseModel):
    n: int
    x: list[float]
    y: list[float]
    labels: list[list[int]] = Field(
        description="per optimizer, n*n labels, rows along x: "
        "index into minima, -1 diverged, -2 not converged"
    )
    minima: list[dict[str, Any]]
    tol: float
    elapsed_s: float

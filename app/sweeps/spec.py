"""A sweep request → its plan: the base run, the axes' values, one run config per cell.

    plan = build_plan(raw_request, settings)   # 422s (HTTPException) naming the field
    plan.cells[i]                               # the validated run request of cell i
    plan.points[i]                              # {"optimizers.0.params.lr": 0.01, "seed": 3}

A cell is exactly the run `POST /api/runs` would make of its config, so a sweep's table
matches running each cell alone. The axes are dotted paths into the base request (digits index
lists); their values are a list, {"log_range": [lo, hi, n]} or {"range": [lo, hi, n]}. Cells
are the cartesian product in the order the axes are given, the last axis fastest.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import HTTPException
from pydantic import BaseModel, Discriminator, Field, Tag, TypeAdapter, ValidationError

from app.errors import field_name
from app.kinds import kind_of, race, training
from app.schemas import STRICT, RunRequest, Whole
from app.settings import Settings
from app.validation import fail

ADAPTER: TypeAdapter = TypeAdapter(RunRequest)
MAX_AXES = 6
MAX_VALUES = 1000  # values of one axis
METRICS = {
    "surface": ("final_loss",),
    "mlp": ("final_loss", "final_val_loss", "final_val_acc"),
}
HIGHER_IS_BETTER = {"final_val_acc"}


class LogRange(BaseModel):
    """n rates spaced evenly on a log scale from lo to hi (both included), as np.geomspace."""

    model_config = STRICT
    log_range: tuple[float, float, Whole(1, MAX_VALUES)]


class LinRange(BaseModel):
    """n values spaced evenly from lo to hi (both included), as np.linspace."""

    model_config = STRICT
    range: tuple[float, float, Whole(1, MAX_VALUES)]


AxisValues = Annotated[list[Any], Field(min_length=1, max_length=MAX_VALUES)]


def _axis_tag(v: Any) -> str:  # the tags are left out of a 422's field (app/errors.py)
    if isinstance(v, dict):
        return "axis-log-range" if "log_range" in v else "axis-range"
    return "axis-values"


AxisSpec = Annotated[
    Annotated[AxisValues, Tag("axis-values")]
    | Annotated[LogRange, Tag("axis-log-range")]
    | Annotated[LinRange, Tag("axis-range")],
    Discriminator(_axis_tag),
]


class SweepRequest(BaseModel):
    """A base run request and the axes to vary; one run per combination of the axes' values."""

    model_config = STRICT
    base: RunRequest = Field(  # type: ignore[valid-type]
        description="a POST /api/runs body: a race with one optimizer and one start, or an "
        "MLP run with one optimizer"
    )
    axes: Annotated[
        dict[str, AxisSpec],
        Field(min_length=1, max_length=MAX_AXES),
    ] = Field(
        description='dotted paths into base ("optimizers.0.params.lr", "optimizers.0.name", '
        '"seed", "starts.0", …) → a list of values, {"log_range": [lo, hi, n]} or '
        '{"range": [lo, hi, n]}'
    )
    metric: Literal["final_loss", "final_val_loss", "final_val_acc"] = Field(
        "final_loss", description="what each cell reports as its value (val_* for MLP runs)"
    )
    name: Annotated[str, Field(max_length=80)] | None = None


@dataclass
class Plan:
    """A validated sweep: what is stored, and what the executors compute."""

    kind: str
    metric: str
    name: str | None
    base: dict[str, Any]  # the base run request, as given (cells are made from it)
    axes: dict[str, list[Any]]  # expanded, in order
    cells: list[dict[str, Any]] = field(repr=False)  # one validated run request per cell
    points: list[dict[str, Any]] = field(repr=False)

    @property
    def n_cells(self) -> int:
        return len(self.points)

    def spec(self) -> dict[str, Any]:
        """What the store keeps (and `from_spec` rebuilds the plan from)."""
        return {"base": self.base, "axes": self.axes, "metric": self.metric, "name": self.name}

    @property
    def normalized_base(self) -> dict[str, Any]:
        """The base with every default filled in (as GET /api/runs shows a config)."""
        return _validated(self.base)


def build_plan(raw: Any, settings: Settings) -> Plan:
    """Validate a sweep request (the raw JSON or a SweepRequest); 422 naming the field."""
    try:
        req = raw if isinstance(raw, SweepRequest) else SweepRequest.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        raise fail(list(err["loc"]), err["msg"]) from None
    # cells are made from the base as given: a new optimizer name takes the parameters
    # written there, not the old optimizer's defaults
    base = req.base.model_dump(mode="json", exclude_unset=True)
    kind = _base(base)["kind"]
    if req.metric not in METRICS[kind]:
        raise fail(["metric"], f"a {kind} sweep reports one of {', '.join(METRICS[kind])}")
    axes = {path: _values(path, spec) for path, spec in req.axes.items()}
    n = math.prod(len(v) for v in axes.values())
    if n > settings.max_sweep_cells:
        sizes = " × ".join(str(len(v)) for v in axes.values())
        raise fail(["axes"], f"{sizes} = {n:,} cells; at most {settings.max_sweep_cells:,} on "
                   "this server")  # fmt: skip
    for path, values in axes.items():
        _check_axis(base, path, values, settings)
    points, cells = [], []
    for combo in itertools.product(*axes.values()):
        point = dict(zip(axes, combo, strict=True))
        cells.append(_cell(base, point))
        points.append(point)
    _check_work(kind, cells, settings)
    return Plan(kind, req.metric, req.name, base, axes, cells, points)


def from_spec(spec: dict[str, Any], with_cells: bool = False) -> Plan:
    """The plan of a stored sweep (validated when it was admitted: no limits applied again);
    its cells' run configs only `with_cells` (to compute them; a table needs the points)."""
    base, axes = spec["base"], spec["axes"]
    points = [dict(zip(axes, c, strict=True)) for c in itertools.product(*axes.values())]
    cells = [_cell(base, p) for p in points] if with_cells else []
    return Plan(base["kind"], spec["metric"], spec.get("name"), base, axes, cells, points)


# --------------------------------------------------------------------------- the base


def _validated(config: dict[str, Any]) -> dict[str, Any]:
    return ADAPTER.validate_python(config).model_dump(mode="json")


def _base(raw: dict[str, Any]) -> dict[str, Any]:
    try:
        base = _validated(raw)
    except ValidationError as e:
        raise _pydantic_422(e, ["base"]) from None
    if len(base["optimizers"]) != 1:
        raise fail(["base", "optimizers"], "a sweep's base runs one optimizer: sweep over "
                   "optimizers.0.name (and its params) instead")  # fmt: skip
    if base["kind"] == race.NAME and len(base["starts"]) != 1:
        raise fail(["base", "starts"], "a sweep's base runs from one start: sweep over "
                   "starts.0 instead")  # fmt: skip
    return base


def _pydantic_422(e: ValidationError, prefix: list[Any], what: str = "") -> HTTPException:
    """The first error of a run request's validation, at `prefix` + its field."""
    err = e.errors()[0]
    loc = list(err.get("loc", ()))
    if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        loc.append(str((err.get("ctx") or {}).get("discriminator", "")).strip("'"))
    inner = field_name(["body", *loc])
    where = [*prefix] if inner == "body" or what else [*prefix, inner]
    msg = err.get("msg", "invalid value")
    return fail(where, f"{what}{inner}: {msg}" if what else msg)


# --------------------------------------------------------------------------- the axes


def _finite(v: Any) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, list | tuple):
        return all(_finite(x) for x in v)
    if isinstance(v, dict):
        return all(_finite(x) for x in v.values())
    return True


def _key(v: Any) -> str:
    return json.dumps(v, sort_keys=True)


def _values(path: str, spec: Any) -> list[Any]:
    where = ["axes", path]
    if isinstance(spec, LogRange | LinRange):
        lo, hi, n = spec.log_range if isinstance(spec, LogRange) else spec.range
        key = "log_range" if isinstance(spec, LogRange) else "range"
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise fail([*where, key], "the ends must be finite numbers")
        if key == "log_range" and (lo <= 0 or hi <= 0):
            raise fail([*where, key], "a log range's ends must be positive")
        with np.errstate(all="ignore"):
            values = np.geomspace(lo, hi, n) if key == "log_range" else np.linspace(lo, hi, n)
        if n > 1:  # the ends exactly as written (geomspace rounds them)
            values[0], values[-1] = lo, hi
        out = [float(v) for v in values]
        if not all(math.isfinite(v) for v in out):
            raise fail([*where, key], "the values between these ends overflow")
    else:
        for i, v in enumerate(spec):
            if not _finite(v):
                raise fail([*where, i], "not a finite number")
        out = list(spec)
    if len({_key(v) for v in out}) < len(out):
        raise fail(where, "the same value twice: every cell of a sweep differs")
    return out


def _check_axis(base: dict[str, Any], path: str, values: list[Any], s: Settings) -> None:
    """Every value of one axis, set alone on the base, is a valid run (schema, server limits
    and engine checks): a 422 names the axis and the value. A numeric axis is checked at its
    two ends (the bounds are monotone), any other at every value."""
    where = ["axes", path]
    parts = _parts(path)
    if parts[0] == "kind":
        raise fail(where, "a sweep keeps its base's kind")
    if parts[:2] in (["surface", "formula"], ["surface", "domain"]):
        raise fail(where, "a sweep keeps its base's formula (sweep over surface.name instead)")
    _resolve(base, parts, where)
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    picks = sorted({0, len(values) - 1}) if numeric else range(len(values))
    kind = kind_of(base)
    for i in picks:
        value = values[i]
        try:
            config = _validated(_set(base, parts, value))
        except ValidationError as e:
            raise _pydantic_422(e, where, f"value {value!r}: ") from None
        got = _get(config, parts)
        if got != value:  # 300.0 taken as 300 is fine; a value the model drops is not
            raise fail(where, f"value {value!r} does not reach the run (it became {got!r})")
        try:
            kind.check(config, s)
        except HTTPException as e:
            detail = e.detail if isinstance(e.detail, dict) else {"message": str(e.detail)}
            raise fail(where, f"value {value!r}: {detail.get('message', 'invalid')}") from None


def _parts(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def _resolve(base: dict[str, Any], parts: list[str | int], where: list[Any]) -> None:
    """The path leads somewhere in the base: lists are indexed within their length; a key
    may be new (then the request model says whether it exists)."""
    node: Any = base
    for depth, p in enumerate(parts):
        if not str(p) or (isinstance(p, str) and not p.replace("_", "").isalnum()):
            raise fail(where, "not a path: dotted names and list indices, e.g. "
                       "optimizers.0.params.lr")  # fmt: skip
        if isinstance(node, list):
            if not isinstance(p, int) or p >= len(node):
                raise fail(where, f"{'.'.join(map(str, parts[: depth + 1]))}: the base has no "
                           f"such element (it has {len(node)})")  # fmt: skip
            node = node[p]
        elif isinstance(node, dict):
            if isinstance(p, int):
                raise fail(where, f"{'.'.join(map(str, parts[:depth]))} is not a list")
            node = node.get(p)
        elif node is None:
            return  # a new object below this key: the model decides
        else:
            raise fail(where, f"{'.'.join(map(str, parts[:depth]))} holds a value, not fields")


def _get(config: Any, parts: list[str | int]) -> Any:
    for p in parts:
        config = config[p] if isinstance(config, list) else (config or {}).get(p)
    return config


def _set(base: dict[str, Any], parts: list[str | int], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    node: Any = out
    for p in parts[:-1]:
        if isinstance(node, list):
            node = node[p]
        else:
            if node.get(p) is None:
                node[p] = {}
            node = node[p]
    node[parts[-1]] = copy.deepcopy(value)
    return out


def _cell(base: dict[str, Any], point: dict[str, Any]) -> dict[str, Any]:
    """The validated run request of one cell (422 naming the combination if it is not one)."""
    config = base
    for path, value in point.items():
        config = _set(config, _parts(path), value)
    try:
        return _validated(config)
    except ValidationError as e:
        raise _pydantic_422(e, ["axes"], f"the cell {point}: ") from None


# --------------------------------------------------------------------------- total work


def cell_work(kind: str, config: dict[str, Any], sizes: dict[str, tuple[int, int]]) -> float:
    """One cell's work in the unit of its kind's limit: lane-steps (races) or
    optimizers×epochs×samples×weights (MLPs); `sizes` caches datasets' (rows, features)."""
    if kind == race.NAME:
        return race.lane_steps(config)
    key = json.dumps([config["dataset"], config["seed"]], sort_keys=True)
    if key not in sizes:
        data = training.make_data(config["dataset"], config["seed"])
        sizes[key] = data.X_train.shape
    rows, features = sizes[key]
    return training.work(config, rows, features)


def _check_work(kind: str, cells: list[dict[str, Any]], s: Settings) -> None:
    sizes: dict[str, tuple[int, int]] = {}
    try:
        total = sum(cell_work(kind, c, sizes) for c in cells)
    except (ValueError, TypeError, KeyError) as e:
        raise fail(["base", "dataset"], str(e.args[0]) if e.args else "invalid dataset") from None
    limit = s.max_sweep_lane_steps if kind == race.NAME else s.max_sweep_mlp_work
    unit = "lane-steps" if kind == race.NAME else "optimizers×epochs×samples×weights"
    if total > limit:
        raise fail(["axes"], f"the sweep's cells add up to {total:,.0f} {unit}; at most "
                   f"{limit:,.0f} on this server: fewer values or a smaller base")  # fmt: skip

"""Learning-rate schedules: the closed forms of torch.optim.lr_scheduler as plain functions.

    lr_at = schedules.create("cosine", lr=0.1, T_max=100)
    lr_at(0)              # 0.1: the rate of the first update
    lr_at(np.arange(200)) # the whole curve in one call (the UI's preview)

`lr_at(t)` is the rate after t calls of torch's `scheduler.step()`, so update k (1-based)
uses `lr_at(k - 1)`. Everything broadcasts: `lr` may be an array of per-lane base rates
(then pass a scalar t, or `t[:, None]` for per-lane curves).

Where torch needs the run's length (CosineAnnealingLR's T_max, OneCycleLR's total_steps)
and none is given, `create(..., steps=N)` fills it in. CyclicLR and OneCycleLR cycle the
momentum too, as torch's do by default (`cycle_momentum=True`): their `lr_at` then carries
`lr_at.momentum(t)`, the momentum (or Adam's β₁) the optimizer is given at each step, which
the race and the trainer apply. OneCycleLR holds its final rate after `total_steps` where
torch raises an error. CosineAnnealingLR follows torch's recursive step(), not its closed
form (they drift 1e-11 apart near each trough). `reduce_on_plateau` reacts to a metric, so
it is not a function of t: see `ReduceLROnPlateau` (MLP runs).

The package: base.py (registration), closed_forms.py (every schedule that is a function of
t, each registered with its parameters and texts), keras.py (Keras' schedules under their
own names, each saying how it differs from torch's), plateau.py (ReduceLROnPlateau). A new
schedule is one `@register(...)` function in closed_forms.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import registry
from engine.registry import Param
from engine.schedules import closed_forms, keras  # noqa: F401 - registers the schedules
from engine.schedules.base import BUILDERS, COMPOSABLE, Schedule
from engine.schedules.plateau import PlateauState, ReduceLROnPlateau

__all__ = ["COMPOSABLE", "PlateauState", "ReduceLROnPlateau", "Schedule", "create", "names"]


def names(*, include_mlp_only: bool = True) -> list[str]:
    return [
        e.name
        for e in registry.entries("schedule")
        if include_mlp_only or not e.info.get("mlp_only")
    ]


def create(name: str, lr: Any = 1e-3, *, steps: int | None = None, **params: Any) -> Schedule:
    """`lr_at(t)` for schedule `name` with base rate `lr`; `steps` fills run-length defaults."""
    if name == "reduce_on_plateau":
        raise ValueError(
            "reduce_on_plateau follows a validation metric: use ReduceLROnPlateau (MLP runs)"
        )
    if name == "sequential":
        return _sequential(lr, steps, **params)
    entry = registry.get("schedule", name)
    values = registry.resolve("schedule", name, params)
    for key in ("T_max", "total_steps", "decay_steps"):
        if key in values and values[key] is None:
            if steps is None:
                raise ValueError(f"schedule {name!r} needs {key} (or the run's steps)")
            warm = values.get("total_iters", 0) if name == "warmup_cosine" else 0
            if values.get("warmup_target") is not None:  # Keras' CosineDecay with a warm-up
                warm = values.get("warmup_steps", 0)
            rest = steps - warm
            values[key] = max(int(rest), 2 if key == "total_steps" else 1)
    for p in entry.params:
        _check(name, p, values[p.name])
    if name == "multistep" and list(values["milestones"]) != sorted(values["milestones"]):
        raise ValueError("schedule 'multistep': milestones must be increasing")
    if name == "keras_piecewise_constant_decay":
        b = list(values["boundaries"])
        if b != sorted(set(b)) or not b:
            raise ValueError("boundaries: give at least one, strictly increasing")
        if values["values"] is not None and len(values["values"]) != len(b) + 1:
            raise ValueError("values: give one more value than there are boundaries")
    return BUILDERS[name](lr, **values)


def _sequential(lr: Any, steps: int | None, **params: Any) -> Schedule:
    """torch's SequentialLR: schedule i runs from milestone i − 1 (its own step 0 there) to
    milestone i, each from the base rate lr (as torch resets each at its milestone)."""
    values = registry.resolve("schedule", "sequential", params)
    parts, milestones = list(values["schedulers"]), [int(m) for m in values["milestones"]]
    if not parts:
        raise ValueError("schedulers: give at least one schedule")
    if len(milestones) != len(parts) - 1:
        raise ValueError("milestones: give one fewer milestone than there are schedulers")
    if milestones != sorted(set(milestones)) or (milestones and milestones[0] < 1):
        raise ValueError("milestones: give increasing steps, from 1 on")
    edges = [0, *milestones]
    rules: list[Schedule] = []

    def lr_at(t):
        t = np.asarray(t, dtype=np.float64)
        which = np.searchsorted(np.asarray(milestones, dtype=np.float64), t, side="right")
        out = None
        for i, rule in enumerate(rules):
            value = rule(np.maximum(t - edges[i], 0.0))
            out = value if out is None else np.where(which == i, value, out)
        return out

    for i, part in enumerate(parts):
        name = part.get("name") if isinstance(part, dict) else None
        if name not in COMPOSABLE:
            raise ValueError(
                f"schedulers: {name!r} cannot be chained; use one of {', '.join(COMPOSABLE)}"
            )
        end = edges[i + 1] if i + 1 < len(edges) else steps
        span = None if end is None else max(end - edges[i], 1)
        given = part.get("params") or {}
        try:
            rule = create(name, lr, steps=span, **given)
        except (TypeError, ValueError) as e:
            raise ValueError(f"schedulers.{i}: {e}") from None
        if name == "multiplicative" and i > 0:
            # torch's MultiplicativeLR has no closed form: at its milestone it multiplies the
            # rate the schedule before it left (lr_at(milestone − 1)), not the base rate
            factor = registry.resolve("schedule", name, given)["factor"]
            rule = _continued(lr_at(edges[i] - 1), factor)
        rules.append(rule)
    return lr_at


def _continued(start: Any, factor: float) -> Schedule:
    """start·factor^(t + 1): a MultiplicativeLR that takes over from another schedule."""
    return lambda t: start * factor ** (np.asarray(t, dtype=np.float64) + 1.0)


def _check(schedule: str, p: Param, value: Any) -> None:
    if value is None:
        if not p.nullable:
            raise ValueError(f"schedule {schedule!r}: {p.name} is required")
        return
    if p.type == "choice":
        if value not in p.choices:
            raise ValueError(f"schedule {schedule!r}: {p.name} must be one of {list(p.choices)}")
        return
    values = list(value) if p.type in ("int_list", "float_list") else [value]
    for v in values:
        if p.type in ("int", "int_list") and (isinstance(v, bool) or int(v) != v):
            raise ValueError(f"schedule {schedule!r}: {p.name} must be an integer")
        if (
            not np.isfinite(v)
            or (p.low is not None and v < p.low)
            or (p.high is not None and v > p.high)
        ):
            raise ValueError(f"schedule {schedule!r}: {p.name} must be in [{p.low}, {p.high}]")

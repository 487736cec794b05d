"""The claim vocabulary's machinery: check types registered with `@claim`, and the evaluator.

A check type is a function of a result (and its arguments) that returns (ok, detail); its
kind says which results it reads. The families live beside this module: race.py,
training.py, tools.py (the teaching tools' outputs) and sweeps.py (sweeps, range tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from engine import simulate, train

Array = np.ndarray
KINDS = (
    "race",
    "train",
    "training_step",
    "accuracy_along",
    "gradient_check",
    "sweep",
    "lr_range",
)


class Outcome(NamedTuple):
    check: Mapping[str, Any]
    ok: bool
    detail: str


@dataclass(frozen=True)
class ClaimType:
    """One kind of check: the result kind it reads, its arguments and what it asserts."""

    name: str
    kind: str
    required: tuple[str, ...]
    optional: Mapping[str, Any]
    doc: str
    fn: Callable[..., tuple[bool, str]]
    context: bool = False  # needs the run's data and config (run_preset's context)

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.name,
            "kind": self.kind,
            "required": list(self.required),
            "optional": dict(self.optional),
            "doc": self.doc,
        }


CLAIM_TYPES: dict[str, ClaimType] = {}


def claim(kind: str, required: str = "", context: bool = False, **optional: Any):
    """Register a check function; its docstring's first line is the documentation."""

    def deco(fn):
        name = fn.__name__.lstrip("_")
        doc = (fn.__doc__ or "").strip().splitlines()[0]
        CLAIM_TYPES[name] = ClaimType(
            name, kind, tuple(required.split()), optional, doc, fn, context
        )
        return fn

    return deco


def claim_types() -> list[dict[str, Any]]:
    """The vocabulary of checks, as plain data (for the API's documentation)."""
    return [c.as_dict() for c in CLAIM_TYPES.values()]


def result_kind(result: Any) -> str:
    if isinstance(result, simulate.RaceResult):
        return "race"
    if isinstance(result, train.Result):
        return "train"
    if isinstance(result, Mapping) and "cells" in result and "axes" in result:
        return "sweep"  # a sweep document (its own "kind" is the kind of its runs)
    if isinstance(result, Mapping) and "lrs" in result and "suggested_lr" in result:
        return "lr_range"
    if isinstance(result, Mapping) and result.get("kind") in KINDS:
        return result["kind"]
    raise TypeError(f"not a result the claims can read: {type(result).__name__}")


def validate_check(check: Mapping[str, Any], kind: str | None = None) -> ClaimType:
    """The check's type, after checking its arguments (ValueError naming the problem)."""
    name = check.get("type")
    if name not in CLAIM_TYPES:
        raise ValueError(f"type: unknown check {name!r}; known: {', '.join(CLAIM_TYPES)}")
    ct = CLAIM_TYPES[name]
    missing = [a for a in ct.required if a not in check]
    unknown = sorted(set(check) - {"type", *ct.required, *ct.optional})
    if missing or unknown:
        what = f"needs {missing}" if missing else f"has no argument {unknown[0]!r}"
        raise ValueError(f"{name}: {what}; arguments: {list(ct.required) + list(ct.optional)}")
    if kind is not None and ct.kind != kind:
        raise ValueError(f"{name}: checks a {ct.kind} result, not a {kind} result")
    return ct


def check_claim(
    claim: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    result: Any,
    context: Mapping[str, Any] | None = None,
) -> list[Outcome]:
    """Evaluate every check of `claim` against `result`: [(check, ok, detail)].

    A malformed check (unknown type or argument, wrong result kind, lane out of range) is a
    ValueError, not a failed check. `context` ({"data", "config"} from run_preset) is needed
    only by the checks that re-evaluate the trained network on its data.
    """
    checks = [claim] if isinstance(claim, Mapping) else list(claim)
    if not checks:
        raise ValueError("a claim needs at least one check")
    kind = result_kind(result)
    out = []
    for check in checks:
        ct = validate_check(check, kind)
        if ct.context and not context:
            raise ValueError(f"{ct.name}: needs the run's context (data and config)")
        args = {**ct.optional, **{k: v for k, v in check.items() if k != "type"}}
        _check_lanes(args, result, kind)
        with np.errstate(all="ignore"):
            if ct.context:
                ok, detail = ct.fn(result, context, **args)
            else:
                ok, detail = ct.fn(result, **args)
        out.append(Outcome(dict(check), bool(ok), detail))
    return out


def _check_lanes(args: Mapping[str, Any], result: Any, kind: str) -> None:
    if kind == "race":
        n = result.arrays["xy"].shape[1]
    elif kind == "train":
        n = len(result.summary)
    else:
        return
    for key in ("lane", "other"):
        if key in args and not (isinstance(args[key], int) and 0 <= args[key] < n):
            raise ValueError(f"{key}: {args[key]!r} is not a lane (the run has {n})")

"""Checks beyond the schema: the server's limits, and a dry build of every engine object.

Both raise a 422 whose message names the field, e.g. `steps: at most 5000 on this server`
or `surface.formula: unknown name 'z' at column 5 (use x and y)`.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from app import jobs
from app.formulas import Analyses, AnalysisTooLong
from app.settings import Settings
from engine import formula, optimizers, schedules


def fail(loc: list[Any], msg: str) -> HTTPException:
    field = ".".join(str(p) for p in loc)
    return HTTPException(
        422,
        {
            "message": f"{field}: {msg}",
            "detail": [{"loc": ["body", *loc], "field": field, "msg": msg, "type": "value_error"}],
        },
    )


def at_most(loc: list[Any], value: float, limit: float, unit: str = "") -> None:
    """The server's limit on one field: `steps: at most 5000 steps on this server`."""
    if value > limit:
        raise fail(loc, f"at most {limit}{' ' + unit if unit else ''} on this server")


async def prepare_surface(ref: dict[str, Any], analyses: Analyses, s: Settings) -> None:
    """A formula surface's analysis, off the event loop and within the server's budget
    (then `check_surface_run` finds it cached); a catalogue surface needs none."""
    if ref.get("formula") is None:
        return
    _check_length(ref["formula"], s)
    try:
        await analyses.prepare(ref["formula"], ref.get("domain"))
    except AnalysisTooLong as e:
        raise fail(["surface", "formula"], str(e)) from None


def check_surface_run(config: dict[str, Any], s: Settings) -> None:
    n_opt, n_start, steps = len(config["optimizers"]), len(config["starts"]), config["steps"]
    at_most(["optimizers"], n_opt, s.max_optimizers, "optimizers")
    at_most(["starts"], n_start, s.max_starts, "start points")
    at_most(["steps"], steps, s.max_steps, "steps")
    if n_opt * n_start * steps > s.max_lane_steps:
        raise fail(
            ["steps"],
            f"optimizers × starts × steps is {n_opt * n_start * steps:,}; "
            f"at most {s.max_lane_steps:,} on this server",
        )
    ref = config["surface"]
    if ref.get("formula") is not None:
        _check_length(ref["formula"], s)
    try:
        jobs.build_surface(ref)
    except formula.FormulaError as e:
        where = ["surface", "domain"] if str(e).startswith("domain") else ["surface", "formula"]
        raise fail(where, str(e)) from None
    except (ValueError, TypeError, KeyError) as e:
        raise fail(["surface", "params"], _text(e)) from None
    for i, spec in enumerate(jobs.engine_configs(config["optimizers"])):
        try:
            opt = optimizers.create(spec["name"], **spec["params"])
        except (ValueError, TypeError, KeyError) as e:
            raise fail(["optimizers", i, "params"], _text(e)) from None
        sched = spec["schedule"]
        if sched is not None:
            try:
                schedules.create(
                    sched["name"], opt.hyper["lr"], steps=steps, **(sched.get("params") or {})
                )
            except (ValueError, TypeError, KeyError) as e:
                raise fail(["optimizers", i, "schedule", "params"], _text(e)) from None


def _check_length(text: str, s: Settings) -> None:
    at_most(["surface", "formula"], len(text), s.max_formula_length, "characters")


def _text(e: Exception) -> str:
    return str(e.args[0]) if e.args else type(e).__name__

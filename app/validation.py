"""What every kind's checks beyond the schema share (each kind's `check` is in app/kinds/).

The checks raise a 422 whose message names the field, e.g. `steps: at most 5000 on this server`
or `surface.formula: unknown name 'z' at column 5 (use x and y)`.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from app.formulas import Analyses, AnalysisTooLong
from app.settings import Settings


def fail(loc: list[Any], msg: str, where: str = "body") -> HTTPException:
    """A 422 naming the field, in the shape of every 422 (`detail` a list, as FastAPI's);
    `where` is "body" or "query"."""
    field = ".".join(str(p) for p in loc)
    return HTTPException(
        422,
        {
            "message": f"{field}: {msg}",
            "detail": [{"loc": [where, *loc], "field": field, "msg": msg, "type": "value_error"}],
        },
    )


def at_most(loc: list[Any], value: float, limit: float, unit: str = "") -> None:
    """The server's limit on one field: `steps: at most 5000 steps on this server`."""
    if value > limit:
        raise fail(loc, f"at most {limit}{' ' + unit if unit else ''} on this server")


async def prepare_surface(ref: dict[str, Any], analyses: Analyses, s: Settings) -> None:
    """A formula surface's analysis, off the event loop and within the server's budget
    (then the race's `check` finds it cached); a catalogue surface needs none."""
    if ref.get("formula") is None:
        return
    check_formula_length(ref["formula"], s)
    try:
        await analyses.prepare(ref["formula"], ref.get("domain"))
    except AnalysisTooLong as e:
        raise fail(["surface", "formula"], str(e)) from None


def check_formula_length(text: str, s: Settings) -> None:
    at_most(["surface", "formula"], len(text), s.max_formula_length, "characters")


def error_text(e: Exception) -> str:
    """An engine error's message (its first argument), for a 422."""
    return str(e.args[0]) if e.args else type(e).__name__


def field_path(field: str) -> list[str | int]:
    """An engine message's field, `optimizers[1].params.lr`, as a location list."""
    parts = field.replace("[", ".").replace("]", "").split(".")
    return [int(p) if p.isdigit() else p for p in parts]


def query_digits(query: Any, *names: str) -> None:
    """Integers in a URL's query are written in digits (a sign allowed): "0.0" or "1e3" is a
    422 naming the parameter, although a JSON body may write 300.0 for an integer."""
    for name in names:
        raw = query.get(name)
        if raw is not None and not raw.lstrip("-").isdigit():
            raise fail([name], "must be a whole number written in digits", "query")

"""The catalog (everything in the engine's registry), surface grids, formulas."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response

from app import formulas, jsonutil
from app.deps import AnalysesDep, SettingsDep
from app.formulas import AnalysisTooLong
from app.jsonutil import ORJSONResponse
from app.kinds import race
from app.lru import SizedLRU
from app.schemas import FormulaCheck, FormulaResult, problems
from app.validation import at_most, query_digits
from engine import critical, formula, registry, surfaces

router = APIRouter(prefix="/api", tags=["catalog"])


@router.get("/catalog")
async def get_catalog() -> dict[str, Any]:
    """Surfaces (domains, critical points), optimizers (Keras presets), schedules; en/ko help."""
    return _catalog()


@lru_cache(maxsize=1)
def _catalog() -> dict[str, Any]:
    return {"version": 1, **registry.catalog()}


@router.get(
    "/surfaces/{name}/grid",
    responses=problems(e404="unknown surface", e422="bad grid size or surface parameter"),
)
async def get_surface_grid(
    name: str,
    request: Request,
    settings: SettingsDep,
    n: Annotated[int, Query(ge=2, le=1000)] = 120,
) -> Any:
    """Values on an n×n grid over the surface's domain, for the contour (cached)."""
    query_digits(request.query_params, "n")
    if name not in registry.names("surface"):
        raise HTTPException(404, f"name: unknown surface {name!r}; see GET /api/catalog")
    if n > settings.max_grid_n:
        raise HTTPException(422, f"n: at most {settings.max_grid_n} on this server")
    entry = registry.get("surface", name)
    params: dict[str, float] = {}
    for p in entry.params:
        raw = request.query_params.get(p.name)
        if raw is not None:
            try:
                params[p.name] = float(raw)
            except ValueError:
                raise HTTPException(422, f"{p.name}: must be a number") from None
    key = (name, n, tuple(sorted(params.items())))

    def make() -> bytes:
        return jsonutil.dumps(race.contour_grid(surfaces.get(name, **params), n))

    try:  # computed in a thread: a new grid takes milliseconds the event loop has not got
        body = await asyncio.to_thread(GRIDS.get_or_make, key, make, len)
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    return Response(body, media_type="application/json")


# encoded grids: about a hundred of the usual size, bounded
GRIDS: SizedLRU[bytes] = SizedLRU(16_000_000)


def _value_warning(report: dict[str, float]) -> str | None:
    """A sentence for a formula whose values overflow (or are too large to draw) somewhere."""
    if report["overflow"] == 0 and report["clipped"] == 0:
        return None
    pct = lambda v: f"{100 * v:.3g}%"  # noqa: E731
    parts = []
    if report["overflow"] > 0:
        parts.append(f"f overflows to infinity on {pct(report['overflow'])} of the domain")
    else:
        parts.append("f grows too large to draw in part of the domain")
    parts.append(f"it is finite on {pct(report['finite'])}")
    if report["clipped"] > 0:
        parts.append(f"the picture clips the largest values ({pct(report['clipped'])} of it)")
    return "; ".join(parts) + "."


@router.post(
    "/formulas/check",
    response_model=FormulaResult,
    responses=problems(e422="malformed request (not a malformed formula)"),
)
async def check_formula(body: FormulaCheck, analyses: AnalysesDep, settings: SettingsDep) -> Any:
    """A formula's validity and, if valid, its critical points, log-scale hint and grid.

    `values` tells where f is usable (fractions of the domain: finite, overflow, undefined,
    clipped in the picture) and `warning` says in a sentence when it overflows somewhere.
    """
    at_most(["grid_n"], body.grid_n, settings.max_grid_n)
    at_most(["formula"], len(body.formula), settings.max_formula_length, "characters")
    try:  # the analysis in a helper process; the grid and the report in a thread
        await analyses.prepare(body.formula, body.domain)
    except AnalysisTooLong as e:
        return {"ok": False, "message": str(e), "column": None}
    return ORJSONResponse(await asyncio.to_thread(_check, body))


def _check(body: FormulaCheck) -> dict[str, Any]:
    try:
        surface = formulas.surface(body.formula, body.domain)
    except formula.FormulaError as e:
        return {"ok": False, "message": str(e), "column": e.column}
    grid = race.contour_grid(surface, body.grid_n) if body.grid_n >= 2 else None
    report = critical.value_report(surface)
    return {
        "ok": True,
        "text": surface.formula,
        "surface": surface.info(),
        "grid": grid,
        "values": report,
        "warning": _value_warning(report),
    }

"""/api/lr-finder: Leslie Smith's learning-rate range test on an MLP run's setup, returned whole
(app/lr_finder.py: the request, the checks and the computation)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter

from app import lr_finder
from app.deps import SettingsDep
from app.errors import problem
from app.jsonutil import ORJSONResponse
from app.schemas import INVALID, problems
from app.validation import fail, field_path

router = APIRouter(prefix="/api", tags=["lr-finder"])
_running: dict[int, int] = {}  # range tests computing, per app (they run in its threads)


@router.post(
    "/lr-finder",
    response_model=lr_finder.LrFinderResult,
    responses=problems(
        e413="body too large", e422=INVALID, e429="too many range tests at once; see Retry-After"
    ),
)
async def range_test(request: lr_finder.LrFinderRequest, settings: SettingsDep) -> Any:
    """The loss of one optimizer lane while its rate rises from start_lr to end_lr, one
    minibatch per rate; the suggested rate is the steepest descent of the smoothed loss
    (torch-lr-finder's names, defaults and suggestion)."""
    config = request.model_dump(mode="json")
    await asyncio.to_thread(lr_finder.check, config, settings)  # builds the dataset
    key = id(settings)
    if _running.get(key, 0) >= settings.max_lr_finders:
        return problem(429, f"{settings.max_lr_finders} range tests are computing; retry "
                       "shortly", headers={"Retry-After": "1"})  # fmt: skip
    _running[key] = _running.get(key, 0) + 1
    try:
        doc = await asyncio.to_thread(lr_finder.compute, config)
    except ValueError as e:  # the engine's own check (check() passed: not expected)
        field, sep, msg = str(e).partition(": ")
        raise fail(["base", *field_path(field)] if sep else ["base"], msg or str(e)) from None
    finally:
        _running[key] -= 1
    return ORJSONResponse(doc)

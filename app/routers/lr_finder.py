"""/api/lr-finder: Leslie Smith's learning-rate range test on an MLP run's setup, returned whole
(app/lr_finder.py: the request, the checks and the computation)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request

from app import lr_finder
from app.deps import SettingsDep
from app.errors import problem
from app.jsonutil import ORJSONResponse
from app.schemas import INVALID, problems
from app.validation import fail, field_path

router = APIRouter(prefix="/api", tags=["lr-finder"])


@router.post(
    "/lr-finder",
    response_model=lr_finder.LrFinderResult,
    responses=problems(
        e413="body too large", e422=INVALID, e429="too many range tests at once; see Retry-After"
    ),
)
async def range_test(
    request: lr_finder.LrFinderRequest, settings: SettingsDep, http: Request
) -> Any:
    """The loss of one optimizer lane while its rate rises from start_lr to end_lr, one
    minibatch per rate; the suggested rate is the steepest descent of the smoothed loss
    (torch-lr-finder's names, defaults and suggestion)."""
    config = request.model_dump(mode="json")
    await asyncio.to_thread(lr_finder.check, config, settings)  # builds the dataset
    state = http.app.state  # range tests computing in this app's threads
    if getattr(state, "lr_finders", 0) >= settings.max_lr_finders:
        return problem(429, f"{settings.max_lr_finders} range tests are computing; retry "
                       "shortly", headers={"Retry-After": "1"})  # fmt: skip
    state.lr_finders = getattr(state, "lr_finders", 0) + 1
    try:
        doc = await asyncio.to_thread(lr_finder.compute, config)
    except ValueError as e:  # the engine's own check (check() passed: not expected)
        field, sep, msg = str(e).partition(": ")
        raise fail(["base", *field_path(field)] if sep else ["base"], msg or str(e)) from None
    finally:
        state.lr_finders -= 1
    return ORJSONResponse(doc)

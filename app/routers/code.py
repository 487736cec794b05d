"""/api/runs/{id}/code: a run as a standalone PyTorch or Keras script (app/export_code)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from app import export_code
from app.deps import ManagerDep
from app.schemas import INVALID, problems
from app.validation import fail

router = APIRouter(prefix="/api/runs", tags=["runs"])

PYTHON = {200: {"content": {"text/x-python": {}}, "description": "the script"}}


@router.get(
    "/{run_id}/code",
    response_class=Response,
    responses={**PYTHON, **problems(e404="no run with this id", e422=INVALID)},
)
async def get_code(
    run_id: str,
    manager: ManagerDep,
    framework: Annotated[
        Literal["pytorch", "keras"], Query(description="the script's framework")
    ] = "pytorch",
) -> Response:
    """The run as a standalone script (NumPy + the framework) that prints each lane's final
    loss as its last line, {"final_loss": [...]}; 422 names what cannot be exported."""
    info = manager.get(run_id, touch=False)
    if info is None:
        raise HTTPException(404, "no run with this id")
    try:
        text = await asyncio.to_thread(export_code.generate, run_id, info["config"], framework)
    except export_code.CodeRefused as e:
        raise fail(e.field.split("."), f"{framework}: {e.message}") from None
    name = f"descentlab-{run_id}-{framework}.py"
    return Response(
        text,
        media_type="text/x-python; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )

"""/api/sweeps: launch a sweep, stream its progress, read and export its table, cancel,
resume and delete it (app/sweeps/ does the work)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from app import jsonutil, sse
from app.deps import AnalysesDep, ClientDep, SettingsDep, SweepsDep
from app.errors import problem
from app.run_state import TooManyRuns
from app.schemas import INVALID, problems
from app.sweeps import table
from app.sweeps.spec import SweepRequest, build_plan
from app.validation import prepare_surface

router = APIRouter(prefix="/api/sweeps", tags=["sweeps"])
E404 = problems(e404="no sweep with this id")
SSE_DOC = sse.sse_doc(
    ["meta", "progress", "done", "error"],
    "meta (axes, cells), progress (cells just finished), then done or error",
)


class SweepLinks(BaseModel):
    self: str
    events: str
    export_csv: str
    export_json: str


class SweepCreated(BaseModel):
    id: str
    status: str
    n_cells: int
    links: SweepLinks


class SweepHead(BaseModel):
    id: str | None
    name: str | None = None
    status: str
    kind: str
    metric: str
    n_cells: int
    done: int
    created: float | None = None
    finished: float | None = None
    error: str | None = None


class SweepTable(SweepHead):
    higher_is_better: bool
    base: dict[str, Any]
    axes: dict[str, list[Any]]
    cells: list[dict[str, Any]]


class SweepList(BaseModel):
    sweeps: list[SweepHead]


def links(sweep_id: str) -> dict[str, str]:
    base = f"/api/sweeps/{sweep_id}"
    return {"self": base, "events": f"{base}/events",
            "export_csv": f"{base}/export?format=csv",
            "export_json": f"{base}/export?format=json"}  # fmt: skip


def _found(doc: Any) -> Any:
    if doc is None:
        raise HTTPException(404, "no sweep with this id")
    return doc


def _json(doc: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(jsonutil.dumps(doc), status, headers, "application/json")


@router.post(
    "",
    status_code=201,
    response_model=SweepCreated,
    responses=problems(e413="body too large", e422=INVALID, e429="too many sweeps computing"),
)
async def create_sweep(
    sweep: SweepRequest,
    sweeps: SweepsDep,
    settings: SettingsDep,
    client: ClientDep,
    analyses: AnalysesDep,
) -> Any:
    """Validate a sweep (every value of every axis a valid run, the cells within the
    server's limits) and start it; 201 with its id before any cell is computed."""
    if sweep.base.kind == "surface" and getattr(sweep.base.surface, "formula", None):
        ref = sweep.base.surface.model_dump(mode="json")
        await prepare_surface(ref, analyses, settings)  # its analysis within the budget
    plan = await asyncio.to_thread(build_plan, sweep, settings)
    try:
        created = await asyncio.to_thread(sweeps.submit, plan, client)
    except TooManyRuns as e:
        return problem(429, e.message, headers={"Retry-After": str(e.retry_after)})
    body = {"id": created.id, "status": created.status, "n_cells": plan.n_cells,
            "links": links(created.id)}  # fmt: skip
    return _json(body, 201, {"Location": f"/api/sweeps/{created.id}"})


@router.get("", response_model=SweepList)
async def list_sweeps(sweeps: SweepsDep) -> Any:
    """Sweeps, newest first (the last 100), without their cells."""
    return _json({"sweeps": await asyncio.to_thread(sweeps.list)})


@router.get("/{sweep_id}", response_model=SweepTable, responses=E404)
async def get_sweep(sweep_id: str, sweeps: SweepsDep) -> Any:
    """The table: one cell per combination of the axes' values (pending ones too)."""
    return _json(_found(await asyncio.to_thread(sweeps.document, sweep_id)))


@router.get("/{sweep_id}/events", responses={200: SSE_DOC, **E404, **problems(e422=INVALID)})
async def sweep_events(
    sweep_id: str, sweeps: SweepsDep, resume: sse.ResumeFrom
) -> StreamingResponse:
    """Server-Sent Events: meta, progress (the cells just finished), then done or error."""
    sent = await sweeps.log_length(sweep_id)
    if sent == 0:
        raise HTTPException(404, "no sweep with this id")
    start = resume.start(sent, "sweep")
    return sse.response(sweeps.stream(sweep_id, start))


@router.get(
    "/{sweep_id}/export",
    responses={**E404, 200: {"content": {"text/csv": {}, "application/json": {}}}},
)
async def export_sweep(
    sweep_id: str,
    sweeps: SweepsDep,
    format: Literal["csv", "json"] = "json",  # noqa: A002
) -> Response:
    """The table as CSV (one row per cell: index, each axis, status, value, …) or JSON."""
    doc = _found(await asyncio.to_thread(sweeps.document, sweep_id))
    name = f"sweep-{sweep_id}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "json":
        return _json(doc, 200, headers)
    return StreamingResponse(table.csv_text(doc), 200, headers, "text/csv; charset=utf-8")


async def _head(sweeps: Any, sweep_id: str) -> Any:
    doc = _found(await asyncio.to_thread(sweeps.document, sweep_id))
    return {k: doc[k] for k in SweepHead.model_fields}


@router.post("/{sweep_id}/cancel", response_model=SweepHead, responses=E404)
async def cancel_sweep(sweep_id: str, sweeps: SweepsDep) -> Any:
    """Stop an active sweep: its workers stop at their next cell, the finished cells stay,
    its status becomes `cancelled` (an ended sweep is left as it is)."""
    if await asyncio.to_thread(sweeps.cancel, sweep_id) is None:
        raise HTTPException(404, "no sweep with this id")
    return await _settled(sweeps, sweep_id)


async def _settled(sweeps: Any, sweep_id: str) -> Any:
    """The sweep's head once its driver has ended it (a cancel takes one batch at most)."""
    await asyncio.to_thread(sweeps.wait_ended, sweep_id, 15.0)
    return await _head(sweeps, sweep_id)


@router.delete("/{sweep_id}", response_model=SweepHead, responses=E404)
async def delete_sweep(sweep_id: str, sweeps: SweepsDep) -> Any:
    """An active sweep is cancelled (it stays readable, with its finished cells); an ended
    one is removed (later reads are 404). The answer is the sweep's head after the call."""
    stopped = await asyncio.to_thread(sweeps.cancel, sweep_id)
    if stopped is None:
        raise HTTPException(404, "no sweep with this id")
    if stopped:
        return await _settled(sweeps, sweep_id)
    head = await _head(sweeps, sweep_id)
    await asyncio.to_thread(sweeps.delete, sweep_id)
    return head


@router.post(
    "/{sweep_id}/resume",
    response_model=SweepHead,
    responses={**E404, **problems(e409="nothing to resume", e429="too many sweeps computing")},
)
async def resume_sweep(sweep_id: str, sweeps: SweepsDep, client: ClientDep) -> Any:
    """Compute the missing cells of an interrupted (a restart), cancelled or failed sweep."""
    try:
        out = await asyncio.to_thread(sweeps.resume, sweep_id, client)
    except TooManyRuns as e:
        return problem(429, e.message, headers={"Retry-After": str(e.retry_after)})
    if out is None:
        raise HTTPException(404, "no sweep with this id")
    if isinstance(out, str):
        raise HTTPException(409, f"{out}: nothing to resume")
    return await _head(sweeps, sweep_id)

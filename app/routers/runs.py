"""/api/runs: launch, stream, read, list, cancel and export runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse

from app import jsonutil, results, sse
from app.deps import AddressDep, AnalysesDep, ClientDep, ManagerDep, SettingsDep
from app.errors import problem
from app.events import Event
from app.kinds import ALL_FIELDS, kind_of, race
from app.run_state import TooManyRuns
from app.schemas import INVALID, RunCreated, RunInfo, RunList, RunRequest, problems
from app.validation import prepare_surface, query_digits

router = APIRouter(prefix="/api/runs", tags=["runs"])

E404 = problems(e404="no run with this id")
E422 = problems(e422=INVALID)
SSE_DOC = sse.sse_doc(
    ["meta", "frame", "diverged", "stopped", "done", "error"],
    "events meta, frame, diverged, stopped (an MLP lane's early stop), done, error; each with "
    "an id; the data of each is a JSON object",
)


FIELDS_DOC = (
    "comma-separated arrays to include (e.g. xy,loss for a lean interactive re-run; the rest "
    "can be fetched later with GET /api/runs/{id}?fields=...); default: all"
)


_NAME = "(?:" + "|".join(sorted(ALL_FIELDS)) + ")"
# documented in the schema and applied exactly by parse_fields (whose message names the
# unknown array, where a pattern mismatch would only print the pattern)
FIELDS_PATTERN = f"^{_NAME}(?:,{_NAME})*$"


def fields_query():
    return Query(
        description=FIELDS_DOC, max_length=200, json_schema_extra={"pattern": FIELDS_PATTERN}
    )


def parse_fields(fields: str | None) -> frozenset[str] | None:
    """The `fields` query as a set of array names (None: all); 422 names an unknown one."""
    if fields is None:
        return None
    names = fields.split(",")
    unknown = [n for n in names if n not in ALL_FIELDS]
    if unknown:
        what = f"unknown array {unknown[0][:40]!r}" if unknown[0] else "an empty name"
        raise HTTPException(422, f"fields: {what}; arrays are {', '.join(sorted(ALL_FIELDS))}")
    return frozenset(names)


def only(result: dict[str, Any] | None, names: frozenset[str] | None) -> dict[str, Any] | None:
    """A result with only the asked arrays (its meta, summary and events whole)."""
    if result is None or names is None:
        return result
    return {**result, "arrays": {k: v for k, v in result["arrays"].items() if k in names}}


def links(run_id: str) -> dict[str, str]:
    base = f"/api/runs/{run_id}"
    return {
        "self": base,
        "events": f"{base}/events",
        "export_csv": f"{base}/export?format=csv",
        "export_json": f"{base}/export?format=json",
    }


@router.post(
    "",
    status_code=201,
    response_model=RunCreated,
    responses={
        **problems(
            e413="body too large", e422=INVALID, e429="too many active runs; see Retry-After"
        ),
    },
)
async def create_run(
    run_request: RunRequest,
    manager: ManagerDep,
    settings: SettingsDep,
    client: ClientDep,
    address: AddressDep,
    analyses: AnalysesDep,
    wait: Annotated[bool, Query(description="compute now and include the whole result")] = False,
    persist: Annotated[
        bool,
        Query(
            description="false: keep it out of the history (with "
            "wait=true, for interactive re-runs)"
        ),
    ] = True,
    fields: Annotated[str, fields_query()] = None,  # type: ignore[assignment] - absent: all
) -> Any:
    """Validate and admit a run; 201 with its id before anything streams."""
    names = parse_fields(fields)
    config = run_request.model_dump(mode="json")
    if config["kind"] == race.NAME and config["surface"].get("formula") is None:
        race.check(config, settings)  # a catalogue surface: microseconds
    else:  # a formula's analysis in a helper process; a dataset's build: in a thread
        if config["kind"] == race.NAME:
            await prepare_surface(config["surface"], analyses, settings)
        await asyncio.to_thread(kind_of(config).check, config, settings)
    try:
        run = await asyncio.to_thread(  # a formula's parse and the store's write
            manager.submit, config["kind"], config, client, persist, address
        )
    except TooManyRuns as e:
        return problem(429, e.message, headers={"Retry-After": str(e.retry_after)})
    headers = {"Location": f"/api/runs/{run.id}"}
    if not wait:
        head = {"id": run.id, "status": run.status, "links": links(run.id), "result": None}
        return Response(jsonutil.dumps(head), 201, headers, "application/json")
    await manager.wait(run.id)
    status = (manager.get(run.id) or {"status": run.status})["status"]
    head = {"id": run.id, "status": status, "links": links(run.id)}
    return await result_response(head, manager.events(run.id) or [], names, 201, headers)


async def result_response(
    head: dict[str, Any],
    events: list[Event],
    names: frozenset[str] | None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """`{**head, "result": the run's result}`: streamed a megabyte at a time from the event
    log's bytes (never a second whole copy in memory), or built off the event loop when the
    log came back from the store without spans."""
    parts = results.result_parts(events, names) if events else None
    if parts is None:

        def body() -> bytes:
            full = results.result_from_events(events, raw=True) if events else None
            return jsonutil.dumps({**head, "result": only(full, names)})

        return Response(await asyncio.to_thread(body), status_code, headers, "application/json")

    async def stream() -> AsyncIterator[bytes]:
        yield jsonutil.dumps(head)[:-1] + b',"result":'
        for piece in parts:
            yield piece
        yield b"}"

    return StreamingResponse(stream(), status_code, headers, "application/json")


@router.get("", response_model=RunList)
async def list_runs(
    manager: ManagerDep,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Any:
    """Run history, newest first, paged."""
    query_digits(request.query_params, "limit", "offset")
    rows, total = manager.store.list(limit, offset)
    live = {r["id"]: manager.get(r["id"], touch=False) for r in rows if r["id"] in manager.runs}
    return {
        "runs": [live.get(r["id"], r) for r in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.get("/{run_id}", response_model=RunInfo, responses={**E404, **E422})
async def get_run(
    run_id: str,
    manager: ManagerDep,
    result: Annotated[bool, Query(description="include the arrays")] = True,
    fields: Annotated[str, fields_query()] = None,  # type: ignore[assignment] - absent: all
) -> Any:
    """Status, config, timestamps, summary and (once finished) the full result."""
    names = parse_fields(fields)
    info = _found(manager.get(run_id))
    events = (await asyncio.to_thread(manager.events, run_id) if result else None) or []
    return await result_response(info, events, names)


@router.get("/{run_id}/events", responses={200: SSE_DOC, **E404, **E422})
async def stream_events(
    run_id: str, manager: ManagerDep, resume: sse.ResumeFrom
) -> StreamingResponse:
    """Server-Sent Events; a reconnect with Last-Event-ID resumes without loss or duplicates."""
    _found(manager.get(run_id))
    start = resume.start(await manager.log_length(run_id), "run")
    return sse.response(manager.stream(run_id, start))


@router.post("/{run_id}/cancel", response_model=RunInfo, responses=E404)
async def cancel_run(run_id: str, manager: ManagerDep) -> Any:
    """Stop a queued or running run: its stream ends with a final `done` event and the run
    stays in the history as `cancelled` (a finished run is left as it is)."""
    return {**_found(await asyncio.to_thread(manager.cancel, run_id)), "result": None}


@router.delete("/{run_id}", response_model=RunInfo, responses=E404)
async def delete_run(run_id: str, manager: ManagerDep) -> Any:
    """Delete a run: a queued or running one is cancelled first (its open streams end with a
    final `done` event), then it is removed from the history; afterwards every read is 404.
    The answer is the run as it was, with status `cancelled` if it was still active."""
    return {**_found(await asyncio.to_thread(manager.delete, run_id)), "result": None}


@router.get(
    "/{run_id}/export",
    responses={
        **E404,
        **problems(e409="the run has not finished yet"),
        200: {"content": {"text/csv": {}, "application/json": {}}},
    },
)
async def export_run(
    run_id: str, manager: ManagerDep, format: Literal["csv", "json"] = "json"
) -> Response:  # noqa: A002
    """One row per lane and step (CSV), or config + arrays + summary (JSON)."""
    info = _found(manager.get(run_id))
    events = await asyncio.to_thread(manager.events, run_id)
    if events is None:
        raise HTTPException(409, f"run {run_id} is {info['status']}; export it when it ends")
    result = await asyncio.to_thread(results.result_from_events, events)
    name = f"descentlab-{run_id}"
    if format == "json":
        body = await asyncio.to_thread(
            jsonutil.dumps,
            {"id": run_id, "status": info["status"], "config": info["config"], **result},
        )
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
        )
    return Response(
        await asyncio.to_thread(results.to_csv, result),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _found(info: dict[str, Any] | None) -> dict[str, Any]:
    if info is None:
        raise HTTPException(404, "no run with this id")
    return info

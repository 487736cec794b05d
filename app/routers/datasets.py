"""/api/datasets: upload a CSV (a user's own data), list, read and delete uploads; the
example CSVs the upload box offers."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response

from app import uploads
from app.deps import ClientDep, SettingsDep
from app.schemas import INVALID, DatasetInfo, DatasetList, ExampleList, problems
from app.settings import Settings
from app.validation import fail
from engine import tabular

router = APIRouter(prefix="/api/datasets", tags=["datasets"])
# its own path: under /api/datasets, "examples" would also match /{dataset_id} (GET, DELETE)
examples = APIRouter(prefix="/api/example-datasets", tags=["datasets"])

EXAMPLES = Path(__file__).resolve().parent.parent / "example_data"
EXAMPLE_FILES = ("moons.csv", "iris.csv", "wine.csv")
E404 = problems(e404="no dataset with this id")
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "target": {"type": "string", "maxLength": 200},
                        "task": {"type": "string", "enum": list(tabular.TASKS)},
                        "name": {"type": "string", "maxLength": 100},
                    },
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}
CSV_TEXT = {200: {"content": {"text/csv": {}}, "description": "the CSV text"}}


def _store(request: Request) -> uploads.DatasetStore:
    return request.app.state.datasets


@router.post(
    "",
    status_code=201,
    response_model=DatasetInfo,
    openapi_extra=UPLOAD_BODY,
    responses=problems(
        e409="the server holds as many datasets as it keeps; delete one",
        e413="the file is larger than the server takes (1 MB by default)",
        e415="neither multipart/form-data nor text/csv",
        e422=INVALID + " (for a CSV: the row and the column)",
    ),
)
async def create_dataset(
    request: Request,
    settings: SettingsDep,
    client: ClientDep,
    target: Annotated[
        str | None, Query(max_length=200, description="the label column (default: the last)")
    ] = None,
    task: Annotated[
        Literal["classification", "regression"] | None,
        Query(description="override the detected task"),
    ] = None,
    name: Annotated[str | None, Query(max_length=100, description="a name to show")] = None,
) -> Any:
    """Upload a CSV (multipart field `file`, or the body as text/csv); 201 with its
    description. 422 names the row and column of a bad cell; nothing is stored then."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("multipart/form-data", "text/csv", "text/plain"):
        raise HTTPException(
            415, "body: send the CSV as multipart/form-data (field 'file') or as a text/csv body"
        )
    body = await request.body()
    filename = None
    if kind == "multipart/form-data":
        try:
            raw, filename, form = await asyncio.to_thread(
                uploads.read_form, request.headers["content-type"], body
            )
        except uploads.FormError as e:
            field, _, msg = str(e).partition(": ")
            raise fail([field], msg) from None
        target = target if target is not None else form.get("target") or None
        task = task if task is not None else form.get("task") or None  # checked by the engine
        name = name if name is not None else form.get("name") or None
    else:
        raw = body
    if len(raw) > settings.max_dataset_bytes:
        raise HTTPException(
            413, f"file: larger than {settings.max_dataset_bytes:,} bytes (this server's limit)"
        )
    table = await asyncio.to_thread(_parse, raw, target, task, settings)
    store = _store(request)
    if await asyncio.to_thread(store.count) >= settings.max_datasets:
        raise HTTPException(
            409, f"the server keeps at most {settings.max_datasets} datasets; delete one first"
        )
    shown = (name or filename or "uploaded.csv")[:100]
    return await asyncio.to_thread(store.insert, table, shown, client, len(raw))


def _parse(raw: bytes, target: str | None, task: str | None, s: Settings) -> tabular.Table:
    """The CSV as a table; a 422 naming the field, the row and the column otherwise."""
    try:
        return tabular.from_csv(
            raw, target, task, max_rows=s.max_dataset_rows,
            max_features=s.max_dataset_features, max_classes=s.max_dataset_classes,
        )  # fmt: skip
    except tabular.TableError as e:
        where = "query" if e.field in ("target", "task") else "body"
        field = e.field if e.field in ("target", "task") else "file"
        err = fail([field], str(e), where)
        err.detail["detail"][0].update(row=e.row, column=e.column)
        raise err from None


@router.get("", response_model=DatasetList)
async def list_datasets(request: Request) -> Any:
    """Every uploaded dataset, newest first."""
    return {"datasets": await asyncio.to_thread(_store(request).list)}


@examples.get("", response_model=ExampleList)
async def list_examples() -> Any:
    """The example CSVs the upload box offers (their text at /api/example-datasets/{file})."""
    return {"examples": _examples()}


@lru_cache(maxsize=1)
def _examples() -> list[dict[str, Any]]:
    out = []
    for file in EXAMPLE_FILES:
        t = tabular.from_csv((EXAMPLES / file).read_bytes())
        out.append(
            {
                "file": file,
                "url": f"/api/example-datasets/{file}",
                "rows": t.n_rows,
                "features": list(t.features),
                "target": t.target,
                "task": t.task,
                "classes": list(t.classes),
            }
        )
    return out


@examples.get(
    "/{file}",
    response_class=Response,
    responses={**CSV_TEXT, **problems(e404="no example with this name")},
)
async def get_example(file: str) -> Response:
    """One example CSV's text."""
    if file not in EXAMPLE_FILES:
        raise HTTPException(404, f"file: no example {file[:40]!r}; see GET /api/example-datasets")
    return Response(
        (EXAMPLES / file).read_bytes(),
        media_type="text/csv; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/{dataset_id}", response_model=DatasetInfo, responses=E404)
async def get_dataset(dataset_id: str, request: Request) -> Any:
    """One uploaded dataset's description."""
    info = await asyncio.to_thread(_store(request).get, dataset_id)
    if info is None:
        raise HTTPException(404, "no dataset with this id")
    return info


@router.delete("/{dataset_id}", response_model=DatasetInfo, responses=E404)
async def delete_dataset(dataset_id: str, request: Request) -> Any:
    """Delete an uploaded dataset; the answer is its description (runs that used it keep
    their results; new runs naming it are 422s)."""
    store = _store(request)
    info = await asyncio.to_thread(store.get, dataset_id)
    if info is None or not await asyncio.to_thread(store.delete, dataset_id):
        raise HTTPException(404, "no dataset with this id")
    return info

"""Error handling at the boundary: every 4xx names the field, no 500 leaks a traceback.

- Validation errors (including NaN, Infinity or 1e999 in a body) are 422 with strict JSON.
- Bodies over the size limit are 413, checked before they are read in full.
- Anything unexpected is a 500 with a plain message; details go to the server log only.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.jsonutil import ORJSONResponse
from engine import registry, schedules

log = logging.getLogger("descentlab")


RUN_KINDS = ("surface", "mlp")


AXIS_TAGS = ("axis-values", "axis-log-range", "axis-range")  # app/sweeps/spec.py


def field_name(loc: tuple | list) -> str:
    """`optimizers.0.params.lr` from pydantic's loc, without the tags of tagged unions."""
    parts: list[str] = []
    prev: object = None
    for p in loc:
        tag = isinstance(p, str) and (
            (prev in ("body", "base") and p in RUN_KINDS)  # a run, or a sweep's base
            or (isinstance(prev, int) and p in registry.names("optimizer"))
            or (isinstance(prev, int) and p in schedules.COMPOSABLE)  # SequentialLR's parts
            or (prev == "optimizer" and p in registry.names("optimizer"))
            or (prev == "schedule" and p in registry.names("schedule"))
            or (prev == "dataset" and (p in registry.names("dataset") or p == "uploaded"))
            or (prev == "init" and p in ("name", "spec"))  # an initializer: a name or a spec
            or (prev == "spec" and p in registry.names("initializer"))
            or p in ("by_name", "by_formula")
            or p in AXIS_TAGS  # a sweep axis: a list of values or a range
            or p.startswith("constrained-")  # a member tag of `int | Literal["full"]`
            or "[" in p
        )
        if p not in ("body", "query", "path", "header") and not tag:
            parts.append(str(p))
        prev = p
    return ".".join(parts) or "body"


def problem(status: int, message: str, detail: Any = None, headers=None) -> ORJSONResponse:
    return ORJSONResponse(
        {"message": message, "detail": detail}, status_code=status, headers=headers
    )


def validation_problem(errors: list[dict[str, Any]]) -> ORJSONResponse:
    detail = []
    for e in errors:
        loc = list(e.get("loc", ()))
        kind = e.get("type", "value_error")
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            loc.append(str((e.get("ctx") or {}).get("discriminator", "")).strip("'"))
        if kind == "json_invalid":
            loc = ["body"]
        detail.append(
            {
                "loc": loc,
                "field": field_name(loc),
                "msg": e.get("msg", "invalid value"),
                "type": kind,
            }
        )
    first = detail[0] if detail else {"field": "body", "msg": "invalid request"}
    more = f" (and {len(detail) - 1} more)" if len(detail) > 1 else ""
    return problem(422, f"{first['field']}: {first['msg']}{more}", detail)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ORJSONResponse:
        errors = list(exc.errors())
        for e in errors:  # JSON decode errors carry the raw text; keep messages short
            if e.get("type") == "json_invalid":
                where = (e.get("loc") or ("", "?"))[-1]
                e["msg"] = f"not valid JSON (near character {where}; numbers must be finite)"
        return validation_problem(errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ORJSONResponse:
        if exc.status_code == 405:
            exc.headers = {"Allow": allowed_methods(request)}
        detail = exc.detail
        if isinstance(detail, dict) and "message" in detail:
            return problem(
                exc.status_code,
                detail["message"],
                detail.get("detail"),
                getattr(exc, "headers", None),
            )
        return problem(exc.status_code, str(detail), None, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ORJSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal error: the server could not handle this request")


METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """Every method some route serves on this path (Starlette's 405 names only the first
    route that matched the path, so `/api/runs` would advertise GET and hide POST): each
    method is tried against the router's own matching; a mount (static files) serves GET."""
    scope = {**request.scope, "root_path": request.scope.get("app_root_path", "")}
    allowed: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Mount):
            if route.matches(scope)[0] == Match.FULL:
                allowed |= {"GET", "HEAD"}
            continue
        allowed.update(m for m in METHODS if route.matches({**scope, "method": m})[0] == Match.FULL)
    return ", ".join(sorted(allowed))


class BodyLimit:
    """ASGI middleware: 413 for bodies over `limit` bytes (declared or actually sent);
    `paths` gives some paths a limit of their own (an uploaded file's)."""

    def __init__(self, app: ASGIApp, limit: int, paths: dict[str, tuple[int, str]] | None = None):
        self.app = app
        self.default = (limit, f"body: the request body is larger than {limit} bytes")
        self.paths = paths or {}  # path -> (limit, the 413's message)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self.paths.get(scope.get("path", "").rstrip("/"), self.default)
        limit = rule[0]
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._reject(scope, receive, send, rule[1])
            return
        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH"):
            # no length declared (chunked): read the body here, up to the limit, so an
            # oversize one is a 413 before the app sees it (a parser would answer 400)
            messages, seen = [], 0
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break
                seen += len(message.get("body", b""))
                if seen > limit:
                    await self._reject(scope, receive, send, rule[1])
                    return
                if not message.get("more_body", False):
                    break
            replay = iter(messages)

            async def replayed() -> Message:
                return next(replay, None) or await receive()

            await self.app(scope, replayed, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._reject(scope, receive, send, rule[1])

    async def _reject(self, scope: Scope, receive: Receive, send: Send, message: str) -> None:
        response = problem(413, message)
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass

"""What every event stream of the API shares: its OpenAPI description, where a reconnect
resumes (`Last-Event-ID` or `?after=`), the response, and following a growing log.

Runs, sweeps and class sessions each keep an append-only log of `app.events.Event`s whose
id is their index, and a `Doorbell` rung on every append; `follow` sends what is new,
waits for the bell (or a heartbeat's time) and ends after the final event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from app.doorbell import Doorbell
from app.events import Event
from app.validation import query_digits

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse_doc(events: Sequence[str], description: str, id_digits: int = 9) -> dict[str, Any]:
    """A stream's response in OpenAPI (before 3.2, `schema` describes each event)."""
    return {
        "content": {
            "text/event-stream": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "event": {"type": "string", "enum": list(events)},
                        "data": {"type": "string", "contentMediaType": "application/json"},
                        "id": {"type": "string", "pattern": f"^[0-9]{{1,{id_digits}}}$"},
                        "retry": {"type": "integer", "minimum": 0},
                    },
                }
            }
        },
        "description": description,
    }


@dataclass(frozen=True)
class From:
    """Where a stream request asks to resume: its `Last-Event-ID` header or `?after=`."""

    last_event_id: str | None
    after: int | None

    def start(self, sent: int, noun: str) -> int:
        """The id to resume after (-1: from the start); 422 past what the log has sent."""
        header = self.last_event_id
        start = int(header) if header is not None else (-1 if self.after is None else self.after)
        if start >= sent:  # an id this log has not sent (yet): nothing to resume after
            name = "Last-Event-ID" if header is not None else "after"
            raise HTTPException(
                422, f"{name}: {start} is past this {noun}'s last event id ({sent - 1}) so far"
            )
        return start


async def _resume_from(
    request: Request,
    last_event_id: Annotated[str, Header(pattern=r"^[0-9]{1,9}$")] = None,  # type: ignore[assignment]
    after: Annotated[  # type: ignore[assignment] - absent: from the start
        int, Query(ge=-1, le=10**9, description="resume after this id")
    ] = None,
) -> From:
    query_digits(request.query_params, "after")
    return From(last_event_id, after)


ResumeFrom = Annotated[From, Depends(_resume_from)]


def response(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(body, media_type="text/event-stream", headers=HEADERS)


async def follow(
    events: list[Event],
    bell: Doorbell,
    sent: int,
    over: Callable[[], bool],
    heartbeat: float,
    cut_off: Callable[[int], bytes | None] = lambda sent: None,
) -> AsyncIterator[bytes]:
    """The log's events from index `sent` on, as they are appended, until `over()` and all
    are sent; a keep-alive comment after `heartbeat` quiet seconds; `cut_off(sent)` may end
    the stream early with a last event of its own (a shutdown's)."""
    while True:
        armed = bell.arm()
        while sent < len(events):
            yield events[sent].sse()
            sent += 1
        if over() and sent >= len(events):
            return
        last = cut_off(sent)
        if last is not None:
            yield last
            return
        if not await bell.wait(armed, heartbeat):
            yield b": keep-alive\n\n"

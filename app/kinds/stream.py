"""What every run kind shares: the stop signal, the palette, and engine chunks → events.

A kind's job runs in a worker (a thread or a compute process). It calls `emit(event, data)`
for each event, and `checkpoint()` between chunks, which raises `Stop` when the run is
cancelled or out of time. Frames are coalesced so that at most about 30 are emitted per
second, and a frame is always flushed before a chunk's own events (a divergence, an early
stop), so the log reads in step order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

# Okabe–Ito: colour-blind-safe, one colour per optimizer, the same in every chart (the page
# reads each lane's colour from the run's `meta`).
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#F0E442", "#000000")

Emit = Callable[[str, dict[str, Any]], None]
Checkpoint = Callable[[], None]  # raises Stop
Config = dict[str, Any]  # a validated run request


def color(i: int) -> str:
    """The colour of optimizer lane `i`."""
    return OKABE_ITO[i % len(OKABE_ITO)]


class Stop(Exception):
    """Raised at a checkpoint: the run was cancelled, interrupted or ran out of time."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def stream_chunks(
    chunks: Iterable[Any],
    emit: Emit,
    checkpoint: Callable[[], None],
    interval: float,
    payload: Callable[[list[Any]], dict[str, Any]],
    events_of: Callable[[Any], list[tuple[str, dict[str, Any]]]],
) -> dict[str, Any]:
    """Engine chunks → `frame` events (at most one per `interval`) and their own events.

    A frame is flushed before the events of its last chunk (a divergence, an early stop), so
    the log reads in order; the last chunk carries the summary, which is returned.
    """
    pending: list[Any] = []
    last = 0.0
    for chunk in chunks:
        checkpoint()
        pending.append(chunk)
        now = time.monotonic()
        events = events_of(chunk)
        if events or chunk.summary is not None or now - last >= interval:
            emit("frame", payload(pending))
            pending, last = [], now
            for name, data in events:
                emit(name, data)
        if chunk.summary is not None:
            return {"summary": list(chunk.summary)}
    raise RuntimeError("the computation ended without a summary")


def csv_cell(v: Any) -> Any:
    """A CSV cell: empty for a missing or non-finite number."""
    return "" if v is None or v != v or v in (float("inf"), float("-inf")) else v

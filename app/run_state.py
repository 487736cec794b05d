"""One run's state: its request, status, event log and the watchers' wake-up; and the
admission refusal (429) the run manager raises."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from app.doorbell import Doorbell
from app.events import Event


class TooManyRuns(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass(eq=False)
class Run:
    id: str
    kind: str
    config: dict[str, Any]
    client: str
    created: float
    address: str = ""  # the peer address (a coarse flood guard; `client` is the browser)
    admitted: float = field(default_factory=time.monotonic)  # the wall-time limit counts from here
    status: str = "queued"
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    summary: Any = None
    events: list[Event] = field(default_factory=list)
    stop: tuple[str, str] | None = None  # (status, message) asked for by cancel/shutdown
    watchers: int = 0
    persist: bool = True  # False: an interactive re-run, never written to the history
    cache_key: bytes | None = None  # an interactive race the result cache may keep
    deleted: bool = False  # DELETE: gone for readers; it counts as active until it stops
    last_seen: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    bell: Doorbell = field(default_factory=Doorbell)  # wakes its streams and waiters
    _size: int | None = None

    def size(self) -> int:
        """Bytes of its event log (what keeping it in memory costs)."""
        if self._size is None or not self.done.is_set():
            self._size = sum(len(e.payload) for e in self.events)
        return self._size

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
            "config": self.config,
            "summary": self.summary,
            "error": self.error,
        }

"""Stream events, encoded once: the same bytes go to every watcher, the store and replays.

A run's log is a list of `Event`s whose ids are their positions. Stored logs are one line
per event (`id<TAB>name<TAB>json`), zlib-compressed; compact JSON never holds a raw newline.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from app import jsonutil


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    event: str
    payload: bytes  # the `data` as strict JSON (non-finite numbers already null)

    @classmethod
    def make(cls, index: int, event: str, data: Any) -> Event:
        return cls(index, event, jsonutil.dumps(data))

    @property
    def data(self) -> Any:
        return jsonutil.loads(self.payload)

    def sse(self) -> bytes:
        return b"id: %d\nevent: %s\ndata: %s\n\n" % (self.id, self.event.encode(), self.payload)


def encode_log(events: list[Event]) -> bytes:
    lines = b"".join(b"%d\t%s\t%s\n" % (e.id, e.event.encode(), e.payload) for e in events)
    return zlib.compress(lines, 1)


def decode_log(blob: bytes) -> list[Event]:
    events = []
    for line in zlib.decompress(blob).splitlines():
        index, name, payload = line.split(b"\t", 2)
        events.append(Event(int(index), name.decode(), payload))
    return events

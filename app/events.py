"""Stream events, encoded once: the same bytes go to every watcher, the store and replays.

A run's log is a list of `Event`s whose ids are their positions. Stored logs are one line
per event (`id<TAB>name<TAB>json`), zlib-compressed; compact JSON never holds a raw newline.

A `frame` event also remembers where each of its top-level values lies in its bytes, so a
whole result can be spliced from the frames' bytes (`results.result_from_events(raw=True)`)
instead of decoding and re-encoding every number.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from app import jsonutil

Spans = tuple[tuple[str, int, int], ...]


def encode_spans(data: dict[str, Any]) -> tuple[bytes, Spans]:
    """`jsonutil.dumps(data)` (the same bytes) and where each top-level value lies in it."""
    parts, spans, pos = [b"{"], [], 1
    for i, (key, value) in enumerate(data.items()):
        head = (b"," if i else b"") + jsonutil.dumps(str(key)) + b":"
        body = jsonutil.dumps(value)
        pos += len(head)
        spans.append((str(key), pos, pos + len(body)))
        pos += len(body)
        parts += (head, body)
    parts.append(b"}")
    return b"".join(parts), tuple(spans)


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    event: str
    payload: bytes  # the `data` as strict JSON (non-finite numbers already null)
    spans: Spans | None = None  # a frame's top-level values: (key, start, end) in payload

    @classmethod
    def make(cls, index: int, event: str, data: Any) -> Event:
        if event == "frame" and isinstance(data, dict):
            return cls(index, event, *encode_spans(data))
        return cls(index, event, jsonutil.dumps(data))

    def part(self, key: str) -> bytes | None:
        """The JSON bytes of top-level value `key` (None: not recorded)."""
        for k, start, end in self.spans or ():
            if k == key:
                return self.payload[start:end]
        return None

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

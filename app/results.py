"""A run's result document from its event log: meta, arrays [row][lane], events, summary.

The same for every kind: frames concatenate along rows. For a client the arrays can be
spliced from the frames' JSON bytes without decoding them (`raw=True`, `result_parts`); the
CSV export asks the run's kind for its rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson

from app import jsonutil
from app.events import Event
from app.kinds import kind_of
from app.kinds.stream import csv_cell


def result_from_events(events: list[Event], raw: bool = False) -> dict[str, Any]:
    """The whole run from its event log: meta, arrays [row][lane], diverged, summary.

    `raw=True` (for a client, not for Python code): each array is one `orjson.Fragment`
    spliced from the frames' bytes, nothing decoded (when every frame kept its spans).
    """
    frames = [ev for ev in events if ev.event == "frame"]
    spliced = _spliced(frames) if raw else None
    if spliced is not None:
        small = [ev for ev in events if ev.event != "frame"]
        return {**result_from_events(small), "arrays": spliced}
    meta: dict[str, Any] = {}
    arrays: dict[str, list] = {}
    diverged, final = [], None
    for ev in events:
        name, data = ev.event, ev.data
        if name == "meta":
            meta = data
        elif name == "frame":
            for f in data:
                if f not in ("start", "rows"):
                    arrays.setdefault(f, []).extend(_tolist(data[f]))
        elif name == "diverged":
            diverged.append(data)
        elif name in ("done", "error"):
            final = data
    return {
        "meta": meta,
        "arrays": arrays,
        "diverged": diverged,
        "summary": (final or {}).get("summary"),
        "final": final,
    }


def _spliced(frames: list[Event]) -> dict[str, orjson.Fragment] | None:
    """Each array's rows over every frame: the frames' JSON arrays joined, never decoded
    (None: a frame without spans, e.g. read back from the store, or a value not an array)."""
    rows: dict[str, list[bytes]] = {}
    for ev in frames:
        if ev.spans is None:
            return None
        for key, start, end in ev.spans:
            if key not in ("start", "rows"):
                if ev.payload[start : start + 1] != b"[":
                    return None
                inner = ev.payload[start + 1 : end - 1]  # "[r0,r1,...]" without its brackets
                chunks = rows.setdefault(key, [])
                if inner:
                    chunks.append(inner)
    return {key: orjson.Fragment(b"[" + b",".join(chunks) + b"]") for key, chunks in rows.items()}


def result_parts(
    events: list[Event], names: frozenset[str] | None = None, piece: int = 1 << 20
) -> Iterator[bytes] | None:
    """The JSON of `result_from_events(events, raw=True)` (arrays limited to `names`) as
    pieces of about `piece` bytes, never the whole at once: the frames' array bytes are
    copied out a piece at a time. None when a frame has no spans (decode instead)."""
    frames = [ev for ev in events if ev.event == "frame"]
    if any(ev.spans is None for ev in frames) or not all(
        ev.payload[start : start + 1] == b"["
        for ev in frames
        for key, start, _ in ev.spans or ()
        if key not in ("start", "rows")
    ):
        return None
    small = result_from_events([ev for ev in events if ev.event != "frame"])
    keys: list[str] = []
    for ev in frames:
        for key, _, _ in ev.spans or ():
            wanted = names is None or key in names
            if key not in ("start", "rows") and key not in keys and wanted:
                keys.append(key)

    def pieces() -> Iterator[bytes]:
        buf = bytearray(b'{"meta":' + jsonutil.dumps(small["meta"]) + b',"arrays":{')
        for i, key in enumerate(keys):
            buf += (b"," if i else b"") + jsonutil.dumps(key) + b":["
            first = True
            for ev in frames:
                for k, start, end in ev.spans or ():
                    if k == key and end - start > 2:  # not an empty "[]"
                        if not first:
                            buf += b","
                        buf += memoryview(ev.payload)[start + 1 : end - 1]
                        first = False
                        if len(buf) >= piece:
                            yield bytes(buf)
                            buf.clear()
            buf += b"]"
        rest = {k: small[k] for k in ("diverged", "summary", "final")}
        buf += b"}," + jsonutil.dumps(rest)[1:]
        yield bytes(buf)

    return pieces()


def _tolist(a: Any) -> list:
    return a.tolist() if isinstance(a, np.ndarray) else list(a)


def to_csv(result: dict[str, Any]) -> str:
    """Races: one row per lane and step. MLP runs: one row per lane and epoch."""
    kind = kind_of(result["meta"].get("kind", "surface"))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(kind.CSV_COLUMNS)
    w.writerows([csv_cell(v) for v in row] for row in kind.csv_rows(result))
    return out.getvalue()

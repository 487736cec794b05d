"""Jobs: turn a validated run request into engine calls and a list of stream events.

A job runs in a worker thread. It calls `emit(event, data)` for each event, and
`ctx.checkpoint()` between chunks, which raises when the run is cancelled or out of time.
Frames are coalesced so that at most about 30 are emitted per second, and a frame is always
flushed before a `diverged` event, so the log reads in step order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import orjson

from app import formulas, jsonutil
from app.events import Event
from engine import noise as noise_mod
from engine import simulate, surfaces
from engine.surfaces import Surface

# Okabe–Ito: colour-blind-safe, one colour per optimizer, the same in every chart.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#F0E442", "#000000")
FRAME_FIELDS = simulate.FIELDS
ENGINE_CHUNK = 50  # rows per engine block: a few ms of compute, frames coalesce to ~30/s

Emit = Callable[[str, dict[str, Any]], None]


class Stop(Exception):
    """Raised at a checkpoint: the run was cancelled, interrupted or ran out of time."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def build_surface(ref: dict[str, Any]) -> Surface:
    """The engine surface of a request's `surface` object (formula surfaces are cached)."""
    if ref.get("formula") is not None:
        domain = ref.get("domain")
        return formulas.surface(ref["formula"], domain)
    return surfaces.get(ref["name"], **(ref.get("params") or {}))


def engine_configs(optimizers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Request optimizer specs → the engine's lane configs (betas as tuples, etc.)."""
    out = []
    for o in optimizers:
        params = {
            k: tuple(v) if isinstance(v, list) and k == "betas" else v
            for k, v in (o.get("params") or {}).items()
        }
        sched = o.get("schedule")
        out.append(
            {
                "name": o["name"],
                "params": params,
                "schedule": sched,
                "clip_norm": o.get("clip_norm"),
                "label": o.get("label"),
            }
        )
    return out


def surface_meta(run_id: str, config: dict[str, Any], surface: Surface) -> dict[str, Any]:
    specs = simulate.lane_specs(engine_configs(config["optimizers"]))
    starts = config["starts"]
    lanes = [
        {
            "lane": o * len(starts) + s,
            "optimizer": o,
            "start": s,
            "name": spec["name"],
            "label": spec["label"],
            "color": OKABE_ITO[o % len(OKABE_ITO)],
        }
        for o, spec in enumerate(specs)
        for s in range(len(starts))
    ]
    return {
        "run_id": run_id,
        "kind": "surface",
        "steps": config["steps"],
        "n_lanes": len(lanes),
        "lanes": lanes,
        "starts": starts,
        "optimizers": config["optimizers"],
        "surface": surface.info(),
        "fields": list(FRAME_FIELDS),
    }


def surface_job(
    run_id: str,
    config: dict[str, Any],
    emit: Emit,
    checkpoint: Callable[[], None],
    interval: float,
    meta_sent: bool = False,
) -> dict[str, Any]:
    """Run a surface race; returns the summary (also sent in the `done` event).

    The `meta` event is emitted first unless the caller already sent it (the service sends
    it at admission, so a queued run's stream starts at once).
    """
    surface = build_surface(config["surface"])
    if not meta_sent:
        emit("meta", surface_meta(run_id, config, surface))
    chunks = simulate.simulate(
        surface,
        engine_configs(config["optimizers"]),
        np.array(config["starts"]),
        config["steps"],
        noise=noise_mod.from_config(config.get("noise")),
        seed=config.get("seed", 0),
        chunk=ENGINE_CHUNK,
    )
    return stream_chunks(
        chunks,
        emit,
        checkpoint,
        interval,
        frame_payload,
        lambda c: [("diverged", e) for e in c.diverged],
    )


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


def frame_payload(chunks: list[simulate.Chunk]) -> dict[str, Any]:
    """Consecutive engine chunks as one frame: arrays indexed [row][lane](...)."""
    payload: dict[str, Any] = {"start": chunks[0].start, "rows": sum(c.rows for c in chunks)}
    for f in FRAME_FIELDS:
        payload[f] = np.concatenate([getattr(c, f) for c in chunks])
    return payload


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

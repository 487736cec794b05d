"""Run kinds: each module owns one kind from request to export, with the same interface.

    NAME                    the request's `kind`
    FIELDS                  the arrays its frames carry (`?fields=` chooses among them)
    check(config, settings) the server's limits and the engine's own checks (422 naming the field)
    job(run_id, config, emit, checkpoint, interval, meta_sent=False) -> {"summary": [...]}
    last_step(frame)        the last step/epoch a frame holds (progress bars)
    CSV_COLUMNS, csv_rows(result)   the CSV export

A new kind (sweeps, sessions) is a module here plus its request model in app/schemas.py.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from app.kinds import race, training
from app.kinds.stream import OKABE_ITO, Emit, Stop, color, stream_chunks

KINDS: dict[str, ModuleType] = {race.NAME: race, training.NAME: training}
ALL_FIELDS = frozenset(f for kind in KINDS.values() for f in kind.FIELDS)

__all__ = ["ALL_FIELDS", "KINDS", "OKABE_ITO", "Emit", "Stop", "color", "kind_of", "stream_chunks"]


def kind_of(config: dict[str, Any] | str) -> ModuleType:
    """The module of a request's kind (or of a kind's name)."""
    return KINDS[config if isinstance(config, str) else config["kind"]]

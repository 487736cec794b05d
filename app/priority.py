"""Helper processes (compute workers, formula analyses) yield the cores to the server process,
so requests and streams come first."""

from __future__ import annotations

import contextlib
import os

NICE = 10


def lower_priority() -> None:  # pragma: no cover - runs in a child process
    with contextlib.suppress(OSError):
        os.nice(NICE)

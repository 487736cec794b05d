"""The notebook API's fixtures: a real server (`python -m app.cli serve` on a free port, as
tests/app/test_server.py starts it), shared by the module's tests, and figure helpers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.app.test_server import running


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running(tmp_path_factory.mktemp("server")) as (base, _proc, _log):
        yield base


def values(a: Any) -> np.ndarray:
    """A trace's array as NumPy, whether a list or plotly's typed-array JSON
    ({"dtype": "f8", "bdata": base64, "shape": "r, c"})."""
    if isinstance(a, dict) and "bdata" in a:
        out = np.frombuffer(base64.b64decode(a["bdata"]), dtype=np.dtype(a["dtype"]))
        shape = a.get("shape")
        if shape:
            out = out.reshape([int(s) for s in str(shape).split(",")])
        return out.astype(np.float64)
    return np.asarray(a if a is not None else [], dtype=np.float64)


def points(trace: dict[str, Any]) -> int:
    """How many finite values a trace draws (its z cells, else its y values)."""
    key = "z" if trace.get("z") is not None else "y"
    v = values(trace.get(key))
    return int(np.isfinite(v).sum())

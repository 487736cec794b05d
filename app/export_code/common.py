"""What every generated script shares: Python literals of numbers and arrays, the refusal
error, and how optimizers and schedules are named in torch.optim and keras.optimizers.

Every number is written with `repr`, so it reads back as the same float64 bit for bit; big
arrays are embedded as base64 of their float64 bytes (exact, a third of the text)."""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

from engine import registry

# An array with more numbers than this is embedded as base64 bytes, not as a list.
INLINE_NUMBERS = 2000


class CodeRefused(ValueError):
    """A run (or a lane's option) the script cannot reproduce; `field` names it (dotted)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def num(v: Any) -> str:
    """A Python literal of one value: floats by repr (exact), bools, None, ints, tuples."""
    if isinstance(v, bool | np.bool_):
        return "True" if v else "False"
    if v is None:
        return "None"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        f = float(v)
        if math.isnan(f):
            return 'float("nan")'
        if math.isinf(f):
            return 'float("inf")' if f > 0 else '-float("inf")'
        return repr(f)
    if isinstance(v, tuple | list):
        inner = ", ".join(num(x) for x in v)
        if isinstance(v, tuple):
            return f"({inner},)" if len(v) == 1 else f"({inner})"
        return f"[{inner}]"
    if isinstance(v, str):
        return repr(v)
    raise TypeError(f"no literal for {type(v).__name__}")


def mapping(d: dict[str, Any] | None) -> str:
    """A Python literal of a dict of plain values (None for None)."""
    if d is None:
        return "None"
    return "{" + ", ".join(f"{k!r}: {num(v)}" for k, v in d.items()) + "}"


def comment(text: Any) -> str:
    """Text safe inside a `#` comment: one line, printable characters only (a label with a
    line break cannot end the comment and start code)."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))


def kwargs(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={num(v)}" for k, v in values.items())


def array(name: str, a: Any, dtype: str = "float64") -> str:
    """`name = np.array(...)`: a nested list when small, base64 float64 bytes otherwise."""
    a = np.asarray(a)
    if a.size <= INLINE_NUMBERS:
        rows = _nested(a)
        return f"{name} = np.array({rows}, dtype=np.{dtype})"
    raw = base64.b64encode(np.ascontiguousarray(a, dtype=np.dtype(dtype)).tobytes()).decode()
    lines = [raw[i : i + 96] for i in range(0, len(raw), 96)]
    body = "\n".join(f'    "{line}"' for line in lines)
    shape = num(tuple(int(s) for s in a.shape))
    return (
        f"# {a.size:,} numbers: the float64 bytes in base64 (exact)\n"
        f"{name} = np.frombuffer(base64.b64decode(\n{body}\n), dtype=np.{dtype}).reshape({shape})"
    )


def _nested(a: np.ndarray) -> str:
    if a.ndim == 0:
        return num(a.item())
    if a.ndim == 1:
        return "[" + ", ".join(num(x.item()) for x in a) + "]"
    inner = ",\n    ".join(_nested(row) for row in a)
    return "[\n    " + inner + ",\n]" if a.ndim == 2 else "[" + inner + "]"


def differs(kind: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a registry entry that differ from its defaults, in its order."""
    entry = registry.get(kind, name)
    values = registry.resolve(kind, name, params)
    out = {}
    for p in entry.params:
        v = values[p.name]
        if isinstance(v, list):
            v = tuple(v)
        d = tuple(p.default) if isinstance(p.default, list) else p.default
        if not _same(v, d):
            out[p.name] = v
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b and type(a) is type(b)
    return a == b


def resolved(kind: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Every parameter of a registry entry, defaults filled in (lists as tuples)."""
    values = registry.resolve(kind, name, params)
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}

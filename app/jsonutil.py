"""JSON through orjson: NumPy arrays serialized, NaN and Infinity written as null."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse

OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _default(obj: Any) -> Any:
    if hasattr(obj, "tolist"):  # numpy scalars and non-contiguous arrays
        return obj.tolist()
    if isinstance(obj, tuple | set | frozenset):
        return list(obj)
    if hasattr(obj, "items"):  # MappingProxyType
        return dict(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def dumps(obj: Any) -> bytes:
    """Bytes of strict JSON: non-finite floats (Python or NumPy) become null."""
    return orjson.dumps(obj, default=_default, option=OPTIONS)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


class ORJSONResponse(JSONResponse):
    """The service's default response class: never NaN or Infinity in a body."""

    def render(self, content: Any) -> bytes:
        return dumps(content)

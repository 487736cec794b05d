"""A least-recently-used cache bounded in bytes, for encoded responses (contour grids)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class ByteCache:
    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], bytes]) -> bytes:
        """The cached bytes of `key`, or `make()`'s (kept unless larger than a quarter)."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        body = make()  # outside the lock: two threads may make the same, harmlessly
        if len(body) <= self.limit // 4:
            with self._lock:
                if key not in self._items:
                    self._items[key] = body
                    self.size += len(body)
                    while self.size > self.limit:
                        _, old = self._items.popitem(last=False)
                        self.size -= len(old)
        return body

    def __len__(self) -> int:
        return len(self._items)

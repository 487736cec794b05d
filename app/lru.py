"""Least-recently-used caches bounded in bytes: one structure for every cache of the service
(encoded contour grids, interactive race results)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from app import jsonutil

V = TypeVar("V")


class SizedLRU(Generic[V]):
    """Values with a size in bytes, at most `limit` in all, least recently used out first; a
    value larger than a quarter of the limit is not kept (it would push out everything)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self.hits = self.misses = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            hit = self.items.get(key)
            if hit is None:
                self.misses += 1
                return None
            self.items.move_to_end(key)
            self.hits += 1
            return hit[0]

    def put(self, key: Hashable, value: V, size: int) -> None:
        if size > self.limit // 4:
            return
        with self._lock:
            if key in self.items:
                return
            self.items[key] = (value, size)
            self.size += size
            while self.size > self.limit:
                _, (_, old) = self.items.popitem(last=False)
                self.size -= old

    def get_or_make(self, key: Hashable, make: Callable[[], V], size: Callable[[V], int]) -> V:
        """The cached value of `key`, or `make()`'s (made outside the lock: two threads may
        make the same, harmlessly)."""
        hit = self.get(key)
        if hit is not None:
            return hit
        value = make()
        self.put(key, value, size(value))
        return value

    def __len__(self) -> int:
        return len(self.items)


class ResultCache(SizedLRU[tuple[tuple[Any, ...], Any]]):
    """Recent interactive races by request: runs are deterministic, so the same config gives
    the same events; a repeat (a class opening the same lesson, a slider moved back) is
    answered with a copy of them."""

    @staticmethod
    def key(kind: str, config: dict[str, Any]) -> bytes:
        return kind.encode() + b":" + jsonutil.dumps(config)

    def keep(self, key: bytes, events: list[Any], summary: Any) -> None:
        """Keep a finished run's events after its `meta` (which names the run)."""
        kept = tuple(events[1:])
        self.put(key, (kept, summary), len(key) + sum(len(e.payload) for e in kept))

"""Runs waiting for a compute slot, taken round-robin by client.

One client's four long runs and another's short race: the second client's race is the next
one taken after the first client's current run, not after all four. Within a client, runs
keep their order. Thread-safe; `take` blocks until there is work or the queue is closed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from typing import Generic, TypeVar

T = TypeVar("T")


class FairQueue(Generic[T]):
    def __init__(self) -> None:
        self._queues: OrderedDict[str, deque[T]] = OrderedDict()  # client → its runs, in turn
        self._cond = threading.Condition()
        self._closed = False

    def put(self, client: str, item: T) -> int:
        """Queue `item`; returns how many queued items are taken before it (at most)."""
        with self._cond:
            ahead = self._ahead(client)
            self._queues.setdefault(client, deque()).append(item)
            self._cond.notify()
            return ahead

    def ahead(self, client: str) -> int:
        """How many queued items a new one of `client` would wait for."""
        with self._cond:
            return self._ahead(client)

    def _ahead(self, client: str) -> int:
        mine = len(self._queues.get(client, ()))
        return sum(min(len(q), mine + 1) for c, q in self._queues.items() if c != client) + mine

    def take(self, timeout: float | None = None) -> T | None:
        """The next item in round-robin order (None: closed, or nothing within `timeout`)."""
        with self._cond:
            while not self._queues:
                if self._closed or not self._cond.wait(timeout):
                    return None
            client, queue = next(iter(self._queues.items()))
            item = queue.popleft()
            del self._queues[client]
            if queue:  # the client's next run goes to the back of the round
                self._queues[client] = queue
            return item

    def remove(self, client: str, item: T) -> bool:
        """Take `item` out if it is still waiting (False: a runner already has it)."""
        with self._cond:
            queue = self._queues.get(client)
            if queue is None or item not in queue:
                return False
            queue.remove(item)
            if not queue:
                del self._queues[client]
            return True

    def drain(self) -> list[T]:
        """Everything still waiting, in order; the queue is left empty."""
        with self._cond:
            items = [item for queue in self._queues.values() for item in queue]
            self._queues.clear()
            return items

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._queues.values())

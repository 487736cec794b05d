"""Rate limits of a class session: a token bucket per student (guesses, tries) and a window
of failed lookups per network address (so join codes cannot be enumerated).

Successful joins are never counted per address: a whole class often shares one address
behind a school's NAT.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field


@dataclass
class Bucket:
    """`capacity` actions at once, refilled at `rate` per second."""

    capacity: float
    rate: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def take(self, now: float | None = None) -> float:
        """0 when allowed (a token is spent), else the seconds until one is back."""
        now = time.monotonic() if now is None else now
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class FailureWindow:
    """At most `limit` failures per address in any `window` seconds; the oldest addresses are
    forgotten past `max_addresses` (memory stays bounded under a flood of addresses)."""

    def __init__(self, limit: int, window: float, max_addresses: int = 10_000):
        self.limit = limit
        self.window = window
        self.max_addresses = max_addresses
        self.seen: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self.seen.get(address)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, address: str, now: float | None = None) -> int:
        """0 when this address may try again, else whole seconds to wait (at least 1)."""
        now = time.monotonic() if now is None else now
        times = self._recent(address, now)
        if len(times) < self.limit:
            return 0
        return max(1, math.ceil(times[0] + self.window - now))

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        times = self._recent(address, now)
        times.append(now)
        self.seen[address] = times
        self.seen.move_to_end(address)
        while len(self.seen) > self.max_addresses:
            self.seen.popitem(last=False)

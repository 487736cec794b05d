"""The wake-up of everyone streaming one thing (a run's log, a class session's snapshots).

A waiter arms the bell before it looks for news, then waits on what `arm` gave it; a ring
sets that event and leaves a fresh one for the next waiters. So a change that lands
between the look and the wait is never missed. Ring on the event loop (from a thread:
`loop.call_soon_threadsafe(bell.ring)`).
"""

from __future__ import annotations

import asyncio


class Doorbell:
    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def arm(self) -> asyncio.Event:
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def ring(self) -> None:
        event, self._event = self._event, None
        if event is not None:
            event.set()

    @staticmethod
    async def wait(armed: asyncio.Event, timeout: float) -> bool:
        """True when rung, False after `timeout` seconds (time for a keep-alive)."""
        try:
            await asyncio.wait_for(armed.wait(), timeout=timeout)
        except TimeoutError:
            return False
        return True

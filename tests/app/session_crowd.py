"""A simulated class over HTTP: n students join one session, each holds its own SSE stream,
and the time from the teacher's push to each stream's receipt of it is measured.

Used by the live session test (tests/app/test_session_live.py) and by bench/session.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

RUN = {
    "kind": "surface",
    "surface": {"name": "himmelblau"},
    "optimizers": [
        {"name": "sgd", "params": {"lr": 0.01}},
        {"name": "adam", "params": {"lr": 0.1}},
    ],  # fmt: skip
    "starts": [[0.0, 0.0]],
    "steps": 200,
}


@dataclass
class Listener:
    """One student's stream: every event with the moment it arrived."""

    events: list[tuple[float, str, Any]] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def first(self, name: str, test) -> float | None:
        return next((t for t, n, d in self.events if n == name and test(d)), None)


async def listen(client: httpx.AsyncClient, url: str, who: Listener) -> None:
    async with client.stream("GET", url, headers={"Accept": "text/event-stream"}) as r:
        r.raise_for_status()
        name, data = "", []
        async for line in r.aiter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif not line and data:
                who.events.append((time.perf_counter(), name, json.loads("\n".join(data))))
                name, data = "", []
                who.ready.set()
                who.changed.set()
                if who.events[-1][1] == "end":
                    return


async def until(listeners: list[Listener], name: str, test, timeout: float) -> list[float | None]:
    """When each listener first got a `name` event passing `test` (None: not in time)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        got = [w.first(name, test) for w in listeners]
        if all(t is not None for t in got):
            return got
        await asyncio.sleep(0.005)
    return [w.first(name, test) for w in listeners]


def percentile(values: list[float], q: float) -> float:
    xs = sorted(values)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


class Classroom:
    """A session with a teacher and n students on the server at `base`."""

    def __init__(self, base: str, n: int):
        self.base, self.n = base, n
        limits = httpx.Limits(max_connections=n + 20, max_keepalive_connections=n + 20)
        self.client = httpx.AsyncClient(base_url=base, limits=limits, timeout=30)
        self.listeners = [Listener() for _ in range(n)]
        self.tasks: list[asyncio.Task] = []
        self.code = self.auth = ""
        self.students: list[dict[str, Any]] = []

    async def __aenter__(self) -> Classroom:
        r = await self.client.post("/api/sessions", json={"title": f"{self.n} students"})
        r.raise_for_status()
        self.code = r.json()["code"]
        self.auth = r.json()["teacher_token"]
        await self.push({"phase": "watch", "run": RUN})
        self.students = await asyncio.gather(*(self.join(f"student {i}") for i in range(self.n)))
        url = f"/api/sessions/{self.code}/events"
        self.tasks = [asyncio.create_task(listen(self.client, url, w)) for w in self.listeners]
        await asyncio.wait_for(asyncio.gather(*(w.ready.wait() for w in self.listeners)), 30)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.client.aclose()

    async def join(self, name: str) -> dict[str, Any]:
        r = await self.client.post(f"/api/sessions/{self.code}/join", json={"name": name})
        r.raise_for_status()
        return r.json()

    async def push(self, patch: dict[str, Any]) -> dict[str, Any]:
        r = await self.client.put(
            f"/api/sessions/{self.code}/state", json=patch,
            headers={"Authorization": f"Bearer {self.auth}"},
        )  # fmt: skip
        r.raise_for_status()
        return r.json()

    async def fanout(self, phase: str, timeout: float = 10.0) -> list[float]:
        """Seconds from the teacher's push of `phase` to each stream's `state` with it."""
        t0 = time.perf_counter()
        pushed = await self.push({"phase": phase})
        got = await until(self.listeners, "state",
                          lambda d: d["phase"] == phase and d["updated"] >= pushed["updated"],
                          timeout)  # fmt: skip
        return [t - t0 if t is not None else float("inf") for t in got]

    async def guess_all(self, timeout: float = 10.0) -> tuple[float, float, list[int]]:
        """Every student posts a guess at once: (seconds to post them all, seconds until
        every stream's pool counted them all, the status codes)."""
        # the posts on a client of their own: httpx looks through its pool's connections on
        # every request, and this one's holds every open stream
        limits = httpx.Limits(max_connections=self.n + 10, max_keepalive_connections=self.n + 10)
        poster = httpx.AsyncClient(base_url=self.base, limits=limits, timeout=30)
        t0 = time.perf_counter()

        async def one(i: int, s: dict[str, Any]) -> int:
            r = await poster.post(
                f"/api/sessions/{self.code}/guesses",
                json={"guesses": [[-3 + 0.03 * i, 2.0], [3.0, 2 - 0.02 * i]]},
                headers={"Authorization": f"Bearer {s['student_token']}"},
            )
            return r.status_code

        codes = await asyncio.gather(*(one(i, s) for i, s in enumerate(self.students)))
        posted = time.perf_counter() - t0
        await poster.aclose()
        got = await until(self.listeners, "guesses", lambda d: d["count"] == self.n, timeout)
        pooled = max((t - t0 if t is not None else float("inf")) for t in got)
        return posted, pooled, list(codes)

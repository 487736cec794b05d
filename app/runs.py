"""The run manager: admission, worker threads, the event log, streaming and shutdown.

Each run owns an append-only event log. A worker thread appends to it; streams (any number,
at any time, also after the run ended or after a restart) read from it by index, so an
event's id is its index and `Last-Event-ID: n` resumes at n + 1 with nothing lost or
repeated. Compute never runs on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from app import sse
from app.events import Event
from app.fairqueue import FairQueue
from app.kinds import Stop, kind_of, race
from app.lru import ResultCache
from app.pool import ComputePool, WorkerError
from app.run_state import Run, TooManyRuns
from app.settings import Settings
from app.store import Store

ACTIVE = ("queued", "running")
FRESH_S = 10.0  # an unstored result this recent is never forgotten (its client reads it)
log = logging.getLogger("descentlab.runs")


def _release_memory() -> None:
    """Give freed heap back to the system (glibc keeps it after large results are dropped)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class RunManager:
    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.runs: dict[str, Run] = {}
        # Admitted runs wait in a round-robin queue by client; one runner thread per compute
        # slot takes the next and relays it to a worker process (workers=0: computes it itself)
        self.queue: FairQueue[Run] = FairQueue()
        self.n_runners = settings.workers or settings.threads
        self.runners: list[threading.Thread] = []
        self.busy = 0
        self.compute: ComputePool | None = None
        self.cache = ResultCache(settings.cache_bytes)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.shutting_down = False
        self.grace_over = False
        self._lock = threading.Lock()
        self._janitor: asyncio.Task | None = None
        self._pruned = time.monotonic()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        if self.settings.workers > 0:
            self.compute = await asyncio.to_thread(
                ComputePool, self.settings.workers, self.settings.db
            )
        self.store.mark_interrupted()
        await asyncio.to_thread(self._prune)
        for i in range(self.n_runners):
            runner = threading.Thread(target=self._runner, name=f"descentlab-run-{i}", daemon=True)
            runner.start()
            self.runners.append(runner)
        self._janitor = asyncio.create_task(self._sweep())

    def _prune(self) -> None:
        """The history's retention policy (keep_runs, keep_days); never fails the server."""
        try:
            self.store.prune(self.settings.keep_runs, self.settings.keep_days)
        except Exception:  # noqa: BLE001 - logged: a full disk must not stop the service
            log.exception("could not prune the run history")
        self._pruned = time.monotonic()
        _release_memory()

    def _runner(self) -> None:
        while (run := self.queue.take()) is not None:
            with self._lock:
                self.busy += 1
            try:
                self._work(run)
            finally:
                with self._lock:
                    self.busy -= 1

    def begin_shutdown(self, grace: float = 2.0) -> None:
        """Stop every active run (status interrupted) so open streams get a final event."""
        self.shutting_down = True
        reason = ("interrupted", "the server is shutting down")
        for run in self.queue.drain():  # never started: ended at once
            run.stop = reason
            self._end_stopped(run, Stop(*reason))
        active = [r for r in list(self.runs.values()) if r.status in ACTIVE]
        for run in active:
            run.stop = reason
        deadline = time.monotonic() + grace
        for run in active:
            run.done.wait(max(0.0, deadline - time.monotonic()))
        self.grace_over = True
        for run in list(self.runs.values()):
            self._notify(run)

    async def close(self) -> None:
        if not self.shutting_down:
            await asyncio.to_thread(self.begin_shutdown)
        if self._janitor:
            self._janitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._janitor
        self.queue.close()
        for runner in self.runners:
            await asyncio.to_thread(runner.join, 5.0)
        if self.compute is not None:
            await asyncio.to_thread(self.compute.close)

    async def _sweep(self) -> None:
        """Cancel runs nobody watches (after abandon_after_s for runs nobody can read later,
        idle_timeout_s for stored ones); fail queued runs past their time limit."""
        s = self.settings
        while True:
            await asyncio.sleep(min(0.5, s.idle_timeout_s / 4, s.abandon_after_s / 4))
            now = time.monotonic()
            if now - self._pruned > 60:
                await asyncio.to_thread(self._prune)
            for run in list(self.runs.values()):
                if run.status not in ACTIVE or run.stop is not None:
                    continue
                idle = now - run.last_seen
                if run.watchers == 0 and (
                    idle > s.idle_timeout_s or (not run.persist and idle > s.abandon_after_s)
                ):
                    reason = ("cancelled", "cancelled: no client was watching this run")
                    await asyncio.to_thread(self.stop_run, run, reason)
                elif run.status == "queued" and now - run.admitted > s.run_wall_time_s:
                    await asyncio.to_thread(self.stop_run, run, self._too_long())
            # forget finished runs after a while: the store has them
            for run_id, run in list(self.runs.items()):
                linger = 2 if run.persist else 1800  # the store has persisted ones
                if run.done.is_set() and run.watchers == 0 and now - run.last_seen > linger:
                    self.runs.pop(run_id, None)

    # ------------------------------------------------------------------ submit

    def active_count(self, client: str | None = None) -> int:
        return sum(
            1
            for r in self.runs.values()
            if r.status in ACTIVE and (client is None or r.client == client)
        )

    def submit(
        self,
        kind: str,
        config: dict[str, Any],
        client: str,
        persist: bool = True,
        address: str = "",
    ) -> Run:
        """Admit a validated run and queue it for a compute slot (429 past the caps)."""
        s = self.settings
        with self._lock:
            if self.shutting_down:
                raise TooManyRuns("the server is shutting down", 5)
            if self.active_count() >= s.max_concurrent_runs:
                raise TooManyRuns(
                    f"the server is busy: {s.max_concurrent_runs} runs are "
                    "already computing or waiting; retry shortly",
                    2,
                )
            if self.active_count(client) >= s.max_runs_per_client:
                raise TooManyRuns(
                    f"you already have {s.max_runs_per_client} active runs; "
                    "wait for one to finish or cancel it",
                    2,
                )
            from_address = sum(
                1 for r in self.runs.values() if r.status in ACTIVE and r.address == address
            )
            if address and from_address >= s.max_runs_per_address:
                raise TooManyRuns(
                    f"{s.max_runs_per_address} runs from your network address are already "
                    "active; retry shortly",
                    2,
                )
            run = Run(uuid.uuid4().hex[:12], kind, config, client, time.time(), address)
            self.runs[run.id] = run
        if kind == "surface":  # the stream starts at once, even while the run is queued
            meta = race.meta(run.id, config, race.build_surface(config["surface"]))
            ahead = self.queue.ahead(client)
            meta["queue"] = {"ahead": ahead, "computing": self.busy, "slots": self.n_runners}
            run.events.append(Event.make(0, "meta", meta))
        run.persist = persist
        if persist:
            self.store.insert(run.id, kind, client, run.created, config)
        else:
            with self._lock:
                self._forget_old_ephemeral(client)
            if kind == "surface" and self.settings.cache_bytes:
                run.cache_key = ResultCache.key(kind, config)
                hit = self.cache.get(run.cache_key)
                if hit is not None:
                    self._replay(run, *hit)
                    return run
        self.queue.put(client, run)
        return run

    def _replay(self, run: Run, events: tuple[Event, ...], summary: Any) -> None:
        """A cached run's events after the new run's own `meta`: done at once."""
        run.status, run.started = "done", time.time()
        run.events.extend(events)
        run.summary, run.finished = summary, time.time()
        run.cache_key = None
        run.done.set()
        self._notify(run)

    def _forget_old_ephemeral(self, client: str, keep: int = 8) -> None:
        """Interactive re-runs live in memory only: a client's newest few stay exportable,
        within a byte budget per client and one for all clients (oldest forgotten first)."""
        s = self.settings
        ended = sorted(
            (r for r in list(self.runs.values()) if not r.persist and r.done.is_set()),
            key=lambda r: r.created,
            reverse=True,  # newest first
        )
        mine_n = mine_bytes = total = 0
        fresh = time.time() - FRESH_S  # just finished: its client is still reading it
        for run in ended:
            size = run.size()
            total += size
            protected = run.watchers > 0 or (run.finished or 0) > fresh  # counted, kept
            if run.client == client:
                mine_n += 1
                mine_bytes += size
                if (mine_n > keep or mine_bytes > s.ephemeral_bytes_per_client) and not protected:
                    self.runs.pop(run.id, None)
                    total -= size
                    continue
            if total > s.ephemeral_bytes and not protected:
                self.runs.pop(run.id, None)
                total -= size

    def _too_long(self) -> tuple[str, str]:
        limit = self.settings.run_wall_time_s
        return ("failed", f"the run exceeded its time limit of {limit:g} s")

    def stop_run(self, run: Run, reason: tuple[str, str]) -> None:
        """Ask a run to stop; one still waiting in the queue ends at once."""
        if run.status not in ACTIVE or run.stop is not None:
            return
        run.stop = reason
        if run.status == "queued" and self.queue.remove(run.client, run):
            self._end_stopped(run, Stop(*reason))

    def _work(self, run: Run) -> None:
        if run.stop is not None:  # stopped while it waited
            self._end_stopped(run, Stop(*run.stop))
            return
        limit = self.settings.run_wall_time_s
        waited = time.monotonic() - run.admitted
        if waited > limit:
            self._end_stopped(run, Stop(*self._too_long()))
            return
        run.status, run.started = "running", time.time()
        if run.persist:
            self.store.set_running(run.id, run.started)
        t0 = time.monotonic()
        try:
            out = self._compute(run, limit, waited)
        except Stop as stop:
            self._end_stopped(run, stop)
        except Exception as exc:  # noqa: BLE001 - a client gets a message, never a traceback
            message = (
                str(exc)
                if isinstance(exc, WorkerError)
                else f"the run failed: {type(exc).__name__}"
            )
            self._end(run, "failed", "error", {"status": "failed", "message": message}, message)
        else:
            run.summary = out["summary"]
            final = {"status": "done", "summary": run.summary, "elapsed_s": time.monotonic() - t0}
            self._end(run, "done", "done", final)

    def _compute(self, run: Run, limit: float, waited: float) -> dict[str, Any]:
        """The run's job, in a compute worker (its events arrive encoded) or in this thread;
        returns {"summary": ...} or raises Stop."""
        interval = self.settings.frame_interval_s
        if self.compute is not None:

            def append(event: str, payload: bytes, spans: Any) -> None:
                run.events.append(Event(len(run.events), event, payload, spans))
                self._notify(run)

            return self.compute.run(
                run.kind, run.id, run.config, append, lambda: run.stop, interval,
                bool(run.events), limit, waited,
            )  # fmt: skip

        def emit(event: str, data: dict[str, Any]) -> None:
            run.events.append(Event.make(len(run.events), event, data))
            self._notify(run)

        def checkpoint() -> None:
            if run.stop is not None:
                raise Stop(*run.stop)
            if time.monotonic() - run.admitted > limit:
                raise Stop(*self._too_long())

        job = kind_of(run.kind).job
        return job(run.id, run.config, emit, checkpoint, interval, meta_sent=bool(run.events))

    def _end_stopped(self, run: Run, stop: Stop) -> None:
        if stop.status == "cancelled":
            data = {"status": "cancelled", "summary": None, "message": stop.message}
            self._end(run, "cancelled", "done", data, stop.message)
        else:
            data = {"status": stop.status, "message": stop.message}
            self._end(run, stop.status, "error", data, stop.message)

    def _end(
        self, run: Run, status: str, name: str, data: dict[str, Any], error: str | None = None
    ) -> None:
        """The final event: stored first, then logged and the status set (durable before any
        client hears it); a result the store refuses ends the run failed instead."""
        finished = time.time()
        final = Event.make(len(run.events), name, data)
        summary = run.summary if status == "done" else None
        try:
            if run.persist and not run.deleted:
                self.store.finish(run.id, status, finished, summary, error, [*run.events, final])
        except Exception:  # noqa: BLE001 - logged; the client gets a message
            log.exception("could not store run %s", run.id)
            status, summary = "failed", None
            error = "the run could not be stored (the server's disk may be full)"
            final = Event.make(len(run.events), "error", {"status": status, "message": error})
        if run.cache_key is not None and status == "done" and not run.deleted:
            self.cache.keep(run.cache_key, [*run.events, final], summary)
        run.finished, run.summary, run.error = finished, summary, error
        run.events.append(final)
        run.status = status
        run.done.set()
        self._notify(run)
        if not run.persist:  # its bytes are known now
            with self._lock:
                self._forget_old_ephemeral(run.client)

    # ------------------------------------------------------------------ read

    def _notify(self, run: Run) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return

        loop.call_soon_threadsafe(run.bell.ring)

    def _live(self, run_id: str) -> Run | None:
        """The run in memory, unless it was deleted (its store row is gone too)."""
        run = self.runs.get(run_id)
        return run if run is None or not run.deleted else None

    def get(self, run_id: str, touch: bool = True) -> dict[str, Any] | None:
        """A run's info; `touch` counts as watching it (keeps it from the idle timeout)."""
        run = self._live(run_id)
        if run is not None:
            if touch:
                run.last_seen = time.monotonic()
            return run.info()
        return self.store.get(run_id)

    def events(self, run_id: str) -> list[Event] | None:
        run = self._live(run_id)
        if run is not None:
            return list(run.events) if run.status not in ACTIVE else None
        return self.store.events(run_id)

    async def log_length(self, run_id: str) -> int:
        """How many events the run has logged so far (0: unknown run)."""
        run = self._live(run_id)
        if run is not None:
            return len(run.events)
        return len(await asyncio.to_thread(self.store.events, run_id) or [])

    def cancel(self, run_id: str) -> dict[str, Any] | None:
        """Stop a queued or running run; it stays in the history as `cancelled`."""
        run = self._live(run_id)
        if run is None:
            return self.store.get(run_id)
        self.stop_run(run, ("cancelled", "cancelled by a client"))
        return run.info()

    def delete(self, run_id: str) -> dict[str, Any] | None:
        """Remove a run from the history and from memory (cancelled first if still active);
        open streams get their final event, later reads are 404. The info as it was."""
        run = self._live(run_id)
        info = run.info() if run is not None else self.store.get(run_id)
        if info is None:
            return None
        if run is not None:
            run.deleted = True
            self.stop_run(run, ("cancelled", "deleted by a client"))
            if info["status"] in ACTIVE:
                info["status"] = "cancelled"
        self.store.delete(run_id)
        return info

    async def wait(self, run_id: str) -> None:
        run = self.runs[run_id]
        run.watchers += 1
        try:  # woken by _notify, like a stream: no thread held per waiting request
            while not run.done.is_set():
                armed = run.bell.arm()
                if run.done.is_set():
                    break
                await run.bell.wait(armed, 1.0)
        finally:
            run.watchers -= 1
            run.last_seen = time.monotonic()

    async def stream(
        self, run_id: str, after: int, disconnected: Callable[[], Any] | None = None
    ) -> AsyncIterator[bytes]:
        """SSE bytes for events after id `after`; live until the run's final event."""
        yield b"retry: 2000\n\n"
        run = self.runs.get(run_id)
        if run is None:  # finished earlier, maybe before a restart: replay the log
            for ev in (await asyncio.to_thread(self.store.events, run_id) or [])[
                max(after + 1, 0) :
            ]:
                yield ev.sse()
            return
        run.watchers += 1

        def cut_off(sent: int) -> bytes | None:
            if self.grace_over and not run.done.is_set():  # a worker that hangs on
                final = {"status": "interrupted", "message": "the server is shutting down"}
                return Event.make(sent, "error", final).sse()
            return None

        sent = min(max(after + 1, 0), len(run.events))
        try:
            async for chunk in sse.follow(
                run.events, run.bell, sent, run.done.is_set, self.settings.heartbeat_s, cut_off
            ):
                yield chunk
        finally:
            run.watchers -= 1
            run.last_seen = time.monotonic()

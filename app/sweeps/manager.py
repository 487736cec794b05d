"""The sweep manager: admission, one driver thread per sweep, the event log and streams.

A sweep's cells go to the shared executor (a local process pool by default, Dask when a
scheduler is configured), created on the first sweep. Each finished batch is committed to
the store, then added to the table and announced (`progress`); the final status is stored
before the final event. Streams read the log by index, as a run's do (`Last-Event-ID`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from app import sse
from app.doorbell import Doorbell
from app.events import Event
from app.run_state import TooManyRuns
from app.settings import Settings
from app.store import Store
from app.sweeps import driver, table
from app.sweeps.executors import make_executor
from app.sweeps.spec import Plan, from_spec
from app.sweeps.store import SweepStore

ACTIVE = ("queued", "running")
RESUMABLE = ("interrupted", "cancelled", "failed")
PROGRESS_S = 0.1  # at most ten progress events a second
LINGER_S = 60.0  # an ended sweep stays in memory this long after its last reader
log = logging.getLogger("descentlab.sweeps")


class ExecutorError(RuntimeError):
    """The sweep's executor could not be started (the message is for the client)."""


class Sweep:
    def __init__(self, sweep_id: str, client: str, plan: Plan, created: float):
        self.id, self.client, self.plan, self.created = sweep_id, client, plan, created
        self.status = "queued"
        self.rows: dict[int, dict[str, Any]] = {}
        self.events: list[Event] = []
        self.bell = Doorbell()
        self.ended = threading.Event()
        self.stop: tuple[str, str] | None = None
        self.finished: float | None = None
        self.error: str | None = None
        self.deleted = False
        self.watchers = 0
        self.last_seen = time.monotonic()

    def head(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "created": self.created,
                "finished": self.finished, "error": self.error}  # fmt: skip

    def document(self) -> dict[str, Any]:
        return table.document(self.plan, self.head(), dict(self.rows))


class SweepManager:
    def __init__(self, settings: Settings, store: Store, executor: Any = None):
        self.settings = settings
        self.db = SweepStore(store)
        self.sweeps: dict[str, Sweep] = {}
        self._executor = executor
        self._lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.threads: list[threading.Thread] = []
        self.closing = False

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.db.mark_interrupted)
        await asyncio.to_thread(self._prune)

    def _prune(self) -> None:
        """The run history's retention (DESCENTLAB_KEEP_RUNS, _KEEP_DAYS), for sweeps too."""
        try:
            self.db.prune(self.settings.keep_runs, self.settings.keep_days)
        except Exception:  # noqa: BLE001 - logged: a full disk must not stop the service
            log.exception("could not prune the sweeps")

    @property
    def executor(self) -> Any:
        with self._lock:
            if self._executor is None:
                try:
                    self._executor = make_executor(self.settings)
                except Exception as e:  # noqa: BLE001 - e.g. no Dask scheduler there
                    where = self.settings.dask_scheduler
                    what = f"the Dask scheduler at {where}" if where else "the sweep workers"
                    raise ExecutorError(f"could not start {what}: {type(e).__name__}") from None
            return self._executor

    # ------------------------------------------------------------------ admit

    def _admit(self, client: str) -> None:
        s = self.settings
        active = [w for w in self.sweeps.values() if w.status in ACTIVE]
        if self.closing:
            raise TooManyRuns("the server is shutting down", 5)
        if len(active) >= s.max_active_sweeps:
            raise TooManyRuns(f"{s.max_active_sweeps} sweeps are already computing on this "
                              "server; retry when one has finished", 10)  # fmt: skip
        if sum(1 for w in active if w.client == client) >= s.max_sweeps_per_client:
            raise TooManyRuns(f"you already have {s.max_sweeps_per_client} sweeps computing; "
                              "wait for one or cancel it", 10)  # fmt: skip

    def submit(self, plan: Plan, client: str) -> Sweep:
        """Admit a validated sweep (429 past the caps), store it and start its driver."""
        self._forget_old()
        with self._lock:
            self._admit(client)
            sweep = Sweep(uuid.uuid4().hex[:12], client, plan, time.time())
            self.sweeps[sweep.id] = sweep
        try:
            self.db.insert(sweep.id, client, sweep.created, plan)
        except Exception:
            self.sweeps.pop(sweep.id, None)
            raise
        self._launch(sweep)
        return sweep

    def resume(self, sweep_id: str, client: str) -> Sweep | str | None:
        """Compute an interrupted, cancelled or failed sweep's missing cells (None: unknown
        id; a string: why it cannot)."""
        live = self._live(sweep_id)
        if live is not None and live.status in ACTIVE:
            return f"the sweep is {live.status}"
        head = self.db.head(sweep_id)
        if head is None:
            return None
        if head["status"] not in RESUMABLE:
            return f"a {head['status']} sweep has nothing left to compute"
        with self._lock:
            self._admit(client)
            sweep = Sweep(sweep_id, head["client"] or client, from_spec(head["spec"], True),
                          head["created"])  # fmt: skip
            sweep.rows = self.db.rows(sweep_id)
            self.sweeps[sweep_id] = sweep
        self.db.set_status(sweep_id, "queued")
        self._launch(sweep)
        return sweep

    def _launch(self, sweep: Sweep) -> None:
        self._emit(sweep, "meta", self._meta(sweep))
        if sweep.rows:  # a resumed sweep's stream starts with what it has
            rows = sorted(sweep.rows.items())
            self._emit(sweep, "progress", self._progress(sweep, rows))
        t = threading.Thread(target=self._drive, args=(sweep,), name=f"sweep-{sweep.id}",
                             daemon=True)  # fmt: skip
        self.threads = [x for x in self.threads if x.is_alive()] + [t]
        t.start()

    def _meta(self, sweep: Sweep) -> dict[str, Any]:
        p = sweep.plan
        return {**table.head_of(p, sweep.head(), len(sweep.rows)), "axes": p.axes,
                "base": p.base}  # fmt: skip

    def _progress(self, sweep: Sweep, rows: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
        return {"done": len(sweep.rows), "total": sweep.plan.n_cells,
                "cells": [table.cell(sweep.plan, i, r) for i, r in rows]}  # fmt: skip

    # ------------------------------------------------------------------ compute

    def _drive(self, sweep: Sweep) -> None:
        t0 = time.monotonic()
        buffered: list[tuple[int, dict[str, Any]]] = []
        last = [0.0]

        def on_rows(rows: list[tuple[int, dict[str, Any]]]) -> None:
            if not rows or sweep.deleted:
                return
            self.db.add_rows(sweep.id, rows)  # durable before anyone hears of them
            sweep.rows.update(rows)
            buffered.extend(rows)
            if time.monotonic() - last[0] >= PROGRESS_S:
                flush()

        def flush() -> None:
            if buffered:
                self._emit(sweep, "progress", self._progress(sweep, sorted(buffered)))
                buffered.clear()
            last[0] = time.monotonic()

        token = None
        try:
            ex = self.executor
            token = ex.token(sweep.id)
            sweep.status = "running"
            self.db.set_status(sweep.id, "running")
            pending = [i for i in range(sweep.plan.n_cells) if i not in sweep.rows]
            task_s = self.settings.sweep_task_s
            complete = driver.drive(sweep.plan, pending, ex, on_rows, lambda: sweep.stop
                                    is not None, token, task_s)  # fmt: skip
            flush()
            if complete:
                self._end(sweep, "done", None, time.monotonic() - t0)
            else:
                status, message = sweep.stop or ("cancelled", "cancelled")
                self._end(sweep, status, message, time.monotonic() - t0)
        except ExecutorError as exc:
            self._end(sweep, "failed", str(exc), 0.0)
        except Exception as exc:  # noqa: BLE001 - the client gets a message, never a traceback
            log.exception("sweep %s failed", sweep.id)
            flush()
            self._end(sweep, "failed", f"the sweep failed: {type(exc).__name__}", 0.0)
        finally:
            if token is not None:
                self.executor.release(token)

    def _end(self, sweep: Sweep, status: str, message: str | None, elapsed: float) -> None:
        finished = time.time()
        if not sweep.deleted:
            try:
                self.db.set_status(sweep.id, status, finished, message)
            except Exception:  # noqa: BLE001 - logged; the stream still ends
                log.exception("could not store sweep %s", sweep.id)
                status, message = "failed", "the sweep could not be stored"
        sweep.finished, sweep.error = finished, message
        sweep.status = status
        done, total = len(sweep.rows), sweep.plan.n_cells
        if status in ("done", "cancelled"):
            data = {"status": status, "done": done, "total": total, "elapsed_s": elapsed}
            if message:
                data["message"] = message
            self._emit(sweep, "done", data)
        else:
            self._emit(sweep, "error", {"status": status, "message": message, "done": done,
                                        "total": total})  # fmt: skip
        sweep.ended.set()
        sweep.plan.cells = []  # the cells' run configs: only a resume needs them again
        self._notify(sweep)
        self._prune()

    def _emit(self, sweep: Sweep, name: str, data: dict[str, Any]) -> None:
        sweep.events.append(Event.make(len(sweep.events), name, data))
        self._notify(sweep)

    def _notify(self, sweep: Sweep) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(sweep.bell.ring)

    # ------------------------------------------------------------------ read and stop

    def _live(self, sweep_id: str) -> Sweep | None:
        sweep = self.sweeps.get(sweep_id)
        return sweep if sweep is None or not sweep.deleted else None

    def _forget_old(self) -> None:
        now = time.monotonic()
        for sid, w in list(self.sweeps.items()):
            if w.ended.is_set() and w.watchers == 0 and now - w.last_seen > LINGER_S:
                self.sweeps.pop(sid, None)

    def document(self, sweep_id: str) -> dict[str, Any] | None:
        self._forget_old()
        sweep = self._live(sweep_id)
        if sweep is not None:
            sweep.last_seen = time.monotonic()
            return sweep.document()
        head = self.db.head(sweep_id)
        if head is None:
            return None
        return table.document(from_spec(head["spec"]), head, self.db.rows(sweep_id))

    def list(self) -> list[dict[str, Any]]:
        out = self.db.list()
        for item in out:  # live counts are newer than the store's
            live = self._live(item["id"])
            if live is not None:
                item["status"], item["done"] = live.status, len(live.rows)
        return out

    def cancel(self, sweep_id: str, reason: str = "cancelled by a client") -> bool | None:
        """Stop an active sweep (True); False if it had ended; None if unknown."""
        sweep = self._live(sweep_id)
        if sweep is None or sweep.status not in ACTIVE:
            return None if sweep is None and self.db.head(sweep_id) is None else False
        if sweep.stop is None:
            sweep.stop = ("cancelled", reason)
        return True

    def wait_ended(self, sweep_id: str, timeout: float) -> None:
        """Block until an active sweep's driver has ended it (a cancel: one batch at most)."""
        sweep = self._live(sweep_id)
        if sweep is not None:
            sweep.ended.wait(timeout)

    def delete(self, sweep_id: str) -> bool:
        sweep = self._live(sweep_id)
        if sweep is not None:
            sweep.deleted = True
            if sweep.stop is None:
                sweep.stop = ("cancelled", "deleted by a client")
            self.sweeps.pop(sweep_id, None)
            self._notify(sweep)
        return self.db.delete(sweep_id) or sweep is not None

    def events_of_stored(self, sweep_id: str) -> list[Event] | None:
        """The log of a sweep no longer in memory: meta, its cells, the final event."""
        head = self.db.head(sweep_id)
        if head is None:
            return None
        plan, rows = from_spec(head["spec"]), self.db.rows(sweep_id)
        sweep = Sweep(sweep_id, head["client"] or "", plan, head["created"])
        sweep.status, sweep.finished, sweep.error = head["status"], head["finished"], head["error"]
        sweep.rows = rows
        out = [Event.make(0, "meta", self._meta(sweep))]
        ordered = sorted(rows.items())
        for k in range(0, len(ordered), 500):
            chunk = ordered[k : k + 500]
            data = {"done": k + len(chunk), "total": plan.n_cells,
                    "cells": [table.cell(plan, i, r) for i, r in chunk]}  # fmt: skip
            out.append(Event.make(len(out), "progress", data))
        status = head["status"]
        if status in ACTIVE:
            return out
        final = {"status": status, "done": len(rows), "total": plan.n_cells}
        name = "done" if status in ("done", "cancelled") else "error"
        if head["error"]:
            final["message"] = head["error"]
        out.append(Event.make(len(out), name, final))
        return out

    async def stream(self, sweep_id: str, after: int) -> AsyncIterator[bytes]:
        yield b"retry: 2000\n\n"
        sweep = self._live(sweep_id)
        if sweep is None:
            for ev in (await asyncio.to_thread(self.events_of_stored, sweep_id) or [])[
                max(after + 1, 0) :
            ]:
                yield ev.sse()
            return
        sweep.watchers += 1
        sent = min(max(after + 1, 0), len(sweep.events))
        over = lambda: sweep.ended.is_set() or sweep.deleted  # noqa: E731
        try:
            async for chunk in sse.follow(
                sweep.events, sweep.bell, sent, over, self.settings.heartbeat_s
            ):
                yield chunk
        finally:
            sweep.watchers -= 1
            sweep.last_seen = time.monotonic()

    async def log_length(self, sweep_id: str) -> int:
        sweep = self._live(sweep_id)
        if sweep is not None:
            return len(sweep.events)
        return len(await asyncio.to_thread(self.events_of_stored, sweep_id) or [])

    async def close(self) -> None:
        self.closing = True
        for sweep in list(self.sweeps.values()):
            if sweep.status in ACTIVE and sweep.stop is None:
                sweep.stop = ("interrupted", "the server stopped before this sweep finished")
        for t in self.threads:
            await asyncio.to_thread(t.join, 15.0)
        if self._executor is not None:
            await asyncio.to_thread(self._executor.close)

"""Compute in worker processes: one per core, started once, so runs use every core and the
server's event loop (and its GIL) only moves bytes.

    pool = ComputePool(2)
    out = pool.run(kind, run_id, config, on_event, should_stop, interval, meta_sent, limit)

`run` blocks the calling thread (a relay thread of the run manager) until a worker is free
and the job ends. The worker encodes every event's JSON itself (`app.events.Event.make`:
non-finite numbers as null, a frame's spans) and sends the bytes; `on_event(name, payload,
spans)` appends them to the run's log. A stop asked for by the parent (cancel, idle,
shutdown) is a flag the job's checkpoint reads between engine chunks; the wall-time limit is
checked there too. A worker that dies (killed, out of memory) is replaced and its run fails
with a message.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from app import uploads
from app.events import Event
from app.kinds import Stop, kind_of
from app.priority import lower_priority

POLL_S = 0.02  # how often the relay looks at the stop flag while a worker computes
PRELOAD = ["app.kinds", "engine.simulate", "engine.train"]


def _worker(conn, flags, slot: int, db=None) -> None:  # pragma: no cover - a child process
    lower_priority()
    if db is not None:  # uploaded datasets, read from the run history's file
        uploads.serve_file(db)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(_one_job(conn, flags, slot, *job))


def _one_job(conn, flags, slot, kind, run_id, config, interval, meta_sent, limit, waited):
    """One job in a worker: its events sent as they come; the last message, returned. The
    time limit counts from admission: `waited` seconds of it went by in the queue."""

    t0 = time.monotonic() - waited

    def emit(event: str, data: Any) -> None:
        ev = Event.make(0, event, data)
        conn.send(("event", event, ev.payload, ev.spans))

    def checkpoint() -> None:
        if flags[slot]:
            raise Stop("cancelled", "stopped")
        if time.monotonic() - t0 > limit:
            raise Stop("failed", f"the run exceeded its time limit of {limit:g} s")

    try:
        out = kind_of(kind).job(run_id, config, emit, checkpoint, interval, meta_sent=meta_sent)
        return ("done", out["summary"])
    except Stop as stop:
        return ("stop", stop.status, stop.message)
    except Exception as exc:  # noqa: BLE001 - the parent reports a message, no traceback
        return ("fail", type(exc).__name__)


class WorkerError(RuntimeError):
    """A job failed in its worker (or the worker died): the message is for the client."""


class ComputePool:
    def __init__(self, workers: int, db=None):
        self.db = db  # the SQLite file of the uploaded datasets, for the workers to read
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(PRELOAD)
        self.n = workers
        self.flags = self.ctx.Array("b", workers, lock=False)
        self.free: queue.Queue[int] = queue.Queue()
        self.procs: list[Any] = [None] * workers
        self.conns: list[Any] = [None] * workers
        self.closed = False
        self._lock = threading.Lock()
        for slot in range(workers):
            self._start(slot)
            self.free.put(slot)

    def _start(self, slot: int) -> None:
        old, conn = self.procs[slot], self.conns[slot]
        if conn is not None:
            conn.close()
        if old is not None:  # a dead one is reaped; a live one (a broken pipe) is stopped
            old.kill()
            old.join(timeout=1)
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(
            target=_worker,
            args=(child, self.flags, slot, self.db),
            daemon=True,
            name=f"descentlab-{slot}",
        )
        proc.start()
        child.close()
        self.procs[slot], self.conns[slot] = proc, parent

    def run(
        self,
        kind: str,
        run_id: str,
        config: dict[str, Any],
        on_event: Callable[[str, bytes, Any], None],
        should_stop: Callable[[], tuple[str, str] | None],
        interval: float,
        meta_sent: bool,
        limit: float,
        waited: float = 0.0,
    ) -> dict[str, Any]:
        """Run one job in a free worker; returns {"summary": ...} or raises Stop."""
        while True:  # wait for a worker, but give up if the run is stopped meanwhile
            stop = should_stop()
            if stop is not None or self.closed:
                raise Stop(*(stop or ("interrupted", "the server is shutting down")))
            try:
                slot = self.free.get(timeout=POLL_S * 5)
                break
            except queue.Empty:
                continue
        try:
            job = (kind, run_id, config, interval, meta_sent, limit, waited)
            return self._relay(slot, job, on_event, should_stop)
        finally:
            self.free.put(slot)

    def _relay(self, slot, job, on_event, should_stop) -> dict[str, Any]:
        self.flags[slot] = 0
        try:
            if not self.procs[slot].is_alive():  # died while idle: a fresh one takes the job
                raise BrokenPipeError
            self.conns[slot].send(job)
        except (OSError, ValueError):
            with self._lock:
                self._start(slot)
            self.conns[slot].send(job)
        conn = self.conns[slot]
        while True:
            # asked on every message too: a worker streaming frames faster than POLL_S would
            # otherwise never let a cancel through
            if should_stop() is not None:
                self.flags[slot] = 1
            if not conn.poll(POLL_S):
                if not self.procs[slot].is_alive():
                    with self._lock:
                        self._start(slot)
                    raise WorkerError("the run failed: its compute worker stopped")
                continue
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                with self._lock:
                    self._start(slot)
                raise WorkerError("the run failed: its compute worker stopped") from None
            if msg[0] == "event":
                on_event(msg[1], msg[2], msg[3])
            elif msg[0] == "done":
                return {"summary": msg[1]}
            elif msg[0] == "stop":
                asked = should_stop()
                raise Stop(*(asked or (msg[1], msg[2])))
            else:
                raise WorkerError(f"the run failed: {msg[1]}")

    def close(self) -> None:
        self.closed = True
        for slot in range(self.n):
            self.flags[slot] = 1
            with contextlib.suppress(OSError, ValueError):
                self.conns[slot].send(None)
        for proc in self.procs:
            proc.join(timeout=2)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=1)
        for conn in self.conns:
            conn.close()

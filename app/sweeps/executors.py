"""Where a sweep's cells are computed: this process, a local process pool, or a Dask cluster.

    ex = make_executor(settings)      # Dask when DESCENTLAB_DASK_SCHEDULER is set, else a pool
    fut = ex.submit(kind, metric, items, token)   # a future: done(), result(), cancel()

Every executor runs the same `cells.compute_batch`, so the results are the same bits
whichever ran them. A cancel is a token each batch checks between cells: a shared flag in
the local pool, a named `distributed.Event` on a cluster; batches still waiting are
cancelled outright.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing as mp
import os
import threading
import uuid
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from app.sweeps import cells

MAX_TOKENS = 64  # sweeps computing at once in one local pool (each holds one stop flag)


class SerialExecutor:
    """In the calling thread, one batch at a time (tests, small sweeps, `workers=0`)."""

    name = "serial"
    workers = 1

    def __init__(self) -> None:
        self._stopped: set[Any] = set()

    def submit(
        self, kind: str, metric: str, items: list, token: Any = None, tables: Any = None
    ) -> cf.Future:
        fut: cf.Future = cf.Future()
        if token in self._stopped:
            fut.cancel()
            return fut
        fut.set_result(cells.compute_batch(kind, metric, items, None, tables))
        return fut

    def token(self, sweep_id: str) -> Any:
        return ("serial", sweep_id, uuid.uuid4().hex)

    def stop(self, token: Any) -> None:
        self._stopped.add(token)

    def release(self, token: Any) -> None:
        self._stopped.discard(token)

    def broken(self, exc: BaseException) -> bool:
        return False

    def restart(self) -> None:
        pass

    def close(self) -> None:
        pass


class LocalExecutor:
    """A pool of worker processes on this machine (all cores by default), started once.

    The workers run at a lower priority than the interactive runs' workers."""

    name = "local"

    def __init__(self, workers: int | None = None, db: Any = None):
        self.workers = workers or os.cpu_count() or 1
        self.db = None if db is None or str(db) == ":memory:" else str(db)
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(["app.sweeps.cells", "engine.simulate", "engine.train"])
        self.flags = self.ctx.Array("b", MAX_TOKENS, lock=False)
        # the workers hold the reading end; this process alone the writing one
        self._lifeline, self._alive = self.ctx.Pipe(duplex=False)
        self._free = list(range(MAX_TOKENS))
        self._lock = threading.Lock()
        self.pool = self._pool()

    def _pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            self.workers,
            self.ctx,
            initializer=cells.init_worker,
            initargs=(self.flags, self.db, self._lifeline),
        )

    def submit(
        self, kind: str, metric: str, items: list, token: Any = None, tables: Any = None
    ) -> cf.Future:
        return self.pool.submit(cells.compute_batch, kind, metric, items, token, tables)

    def token(self, sweep_id: str) -> Any:
        with self._lock:
            if not self._free:
                raise RuntimeError("too many sweeps computing at once")
            slot = self._free.pop()
        self.flags[slot] = 0
        return ("flag", slot)

    def stop(self, token: Any) -> None:
        self.flags[token[1]] = 1

    def release(self, token: Any) -> None:
        with self._lock:
            self.flags[token[1]] = 0
            self._free.append(token[1])

    def broken(self, exc: BaseException) -> bool:
        return isinstance(exc, BrokenProcessPool)

    def restart(self) -> None:
        """A worker died (killed, out of memory): a fresh pool takes the next batches."""
        with self._lock:
            old, self.pool = self.pool, self._pool()
        old.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        for slot in range(MAX_TOKENS):
            self.flags[slot] = 1
        self.pool.shutdown(wait=True, cancel_futures=True)
        self._alive.close()


class DaskExecutor:
    """A Dask distributed cluster (`dask scheduler` + `dask worker tcp://…` on each machine,
    each with this project installed): one task per batch of cells."""

    name = "dask"

    def __init__(self, address: Any):
        from distributed import Client

        # `address`: "tcp://host:8786", or a LocalCluster (tests, benchmarks)
        self.client = Client(address, set_as_default=False)
        self.workers = max(1, sum(self.client.nthreads().values()))

    def submit(
        self, kind: str, metric: str, items: list, token: Any = None, tables: Any = None
    ) -> Any:
        return self.client.submit(
            cells.compute_batch, kind, metric, items, token, tables, pure=False
        )

    def token(self, sweep_id: str) -> Any:
        return ("dask", f"descentlab-stop-{sweep_id}-{uuid.uuid4().hex[:8]}")

    def stop(self, token: Any) -> None:
        from distributed import Event

        Event(token[1], client=self.client).set()

    def release(self, token: Any) -> None:
        from distributed import Event

        with contextlib.suppress(Exception):  # the scheduler forgets it anyway
            Event(token[1], client=self.client).clear()

    def broken(self, exc: BaseException) -> bool:
        from distributed import KilledWorker

        return isinstance(exc, KilledWorker)

    def restart(self) -> None:
        pass  # the scheduler reassigns work of a lost worker itself

    def close(self) -> None:
        self.client.close()


def make_executor(settings: Any, workers: int | None = None) -> Any:
    """Dask when a scheduler is configured, else a local pool (`sweep_workers` processes,
    all cores by default; 0: in this process)."""
    if settings.dask_scheduler:
        return DaskExecutor(settings.dask_scheduler)
    n = settings.sweep_workers if workers is None else workers
    if n == 0:
        return SerialExecutor()
    return LocalExecutor(n or None, settings.db)

"""Feed a sweep's pending cells to an executor in batches, and collect the rows.

Cells are taken in a spread-out order (see `spread`). Batches are sized from the measured
time per cell so that a task runs about `task_s` (never under 0.1 s: a Dask task's overhead
is a few milliseconds) and the remaining work splits into the same number of tasks per
worker, so that no worker idles at the end. At most two batches per worker are in flight,
so a cancel has little to undo and a second sweep gets its share of the workers soon.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import math
import time
from collections.abc import Callable
from typing import Any

from app.kinds import race
from app.sweeps import cells
from app.sweeps.spec import Plan, cell_work

POLL_S = 0.01
WAKE_S = 0.05  # the longest a local wait sleeps before it looks at the stop flag again
MIN_TASK_S = 0.1  # a task's least work: a Dask task's overhead is a few milliseconds
MAX_BATCH = 2000
RETRIES = 2  # a batch whose worker died is tried again this often, then its cells fail
STOP_WAIT_S = 10.0  # how long a cancel waits for running batches to return their rows

Rows = list[tuple[int, dict[str, Any]]]


def first_estimate(plan: Plan) -> float:
    """Seconds per cell before any is measured (a rough cost model of either kind)."""
    work = cell_work(plan.kind, plan.cells[0], {})
    return 2e-4 + 4e-6 * work if plan.kind == race.NAME else 1e-3 + 7e-9 * work


def drive(
    plan: Plan,
    pending: list[int],
    executor: Any,
    on_rows: Callable[[Rows], None],
    should_stop: Callable[[], bool],
    token: Any = None,
    task_s: float = 0.15,
) -> bool:
    """Compute the `pending` cells; `on_rows` gets each batch's rows as it returns. True when
    all were computed, False when `should_stop()` stopped it (the rows so far delivered)."""
    queue = collections.deque(spread(pending))
    tables = cells.uploaded_tables(plan.cells) if plan.kind == "mlp" else None
    inflight: dict[Any, tuple[list[int], int]] = {}
    per_cell = first_estimate(plan)
    slots = 2 * executor.workers
    while queue or inflight:
        if should_stop():
            _stop(executor, token, inflight, on_rows)
            return False
        while queue and len(inflight) < slots:
            # sized from all the cells not yet computed (queued and in flight), so that
            # consecutive tasks are equal: a cluster's round-robin placement stays balanced
            left = len(queue) + sum(len(idx) for idx, _ in inflight.values())
            size = batch_size(left, per_cell, executor.workers, task_s)
            idx = [queue.popleft() for _ in range(min(size, len(queue)))]
            inflight[_submit(executor, plan, idx, token, tables)] = (idx, 0)
        done = _wait(list(inflight))
        if not done:
            continue
        for fut in done:
            idx, tries = inflight.pop(fut)
            try:
                rows, seconds, _stopped = fut.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker or a lost task
                if executor.broken(exc) and tries < RETRIES:
                    executor.restart()
                    inflight[_submit(executor, plan, idx, token, tables)] = (idx, tries + 1)
                    continue
                on_rows([(i, _failed(exc)) for i in idx])
                continue
            if rows:
                per_cell = 0.5 * per_cell + 0.5 * seconds / len(rows)
            on_rows(rows)
            missing = idx[len(rows) :]  # a batch stopped early (its sweep's token was set)
            queue.extendleft(reversed(missing))
    return True


def spread(items: list[int]) -> list[int]:
    """The cells in van der Corput order (bit-reversed ranks): any run of them is an evenly
    strided sample of the whole sweep, so batches cost alike (a cheap optimizer's cells and
    a dear one's mixed) and a plot fills in everywhere at once, coarse to fine."""
    bits = max(1, (len(items) - 1).bit_length())
    order = sorted(range(len(items)), key=lambda r: int(f"{r:0{bits}b}"[::-1], 2))
    return [items[r] for r in order]


def batch_size(remaining: int, per_cell: float, workers: int, task_s: float) -> int:
    """Cells in the next task: the remaining work split into an equal number of tasks per
    worker, each about `task_s` long and never under MIN_TASK_S (unless the sweep is)."""
    per_cell = max(per_cell, 1e-6)
    rounds = max(1, round(remaining * per_cell / (workers * task_s)))
    even = math.ceil(remaining / (workers * rounds))
    floor = math.ceil(MIN_TASK_S / per_cell)
    return max(1, min(max(even, floor), MAX_BATCH, remaining))


def _wait(futures: list[Any]) -> list[Any]:
    """The futures done after a short wait: woken by the first to finish for a local pool's
    (or this process's) futures; a Dask cluster's are looked at every POLL_S."""
    if all(isinstance(f, cf.Future) for f in futures):
        done, _ = cf.wait(futures, timeout=WAKE_S, return_when=cf.FIRST_COMPLETED)
        return list(done)
    done = [f for f in futures if f.done()]
    if not done:
        time.sleep(POLL_S)
    return done


def _submit(executor: Any, plan: Plan, idx: list[int], token: Any, tables: Any) -> Any:
    items = [(i, plan.cells[i]) for i in idx]
    return executor.submit(plan.kind, plan.metric, items, token, tables)


def _failed(exc: BaseException) -> dict[str, Any]:
    msg = "its worker stopped" if "Broken" in type(exc).__name__ else type(exc).__name__
    return {"status": "failed", "value": None, "final_loss": None, "diverged": False,
            "error": f"the cell could not be computed: {msg}"}  # fmt: skip


def _stop(executor: Any, token: Any, inflight: dict, on_rows: Callable[[Rows], None]) -> None:
    """Cancel: waiting batches are dropped, running ones stop at their next cell and return
    what they finished."""
    if token is not None:
        executor.stop(token)
    for fut in list(inflight):
        if fut.cancel():
            inflight.pop(fut)
    deadline = time.monotonic() + STOP_WAIT_S
    while inflight and time.monotonic() < deadline:
        for fut in [f for f in inflight if f.done()]:
            inflight.pop(fut)
            try:
                rows = fut.result()[0]
            except Exception:  # noqa: BLE001, S112 - cancelled or lost: nothing to keep
                continue
            on_rows(rows)
        time.sleep(POLL_S)

"""Feed a sweep's pending cells to an executor in batches, and collect the rows.

Batches are sized from the measured time per cell so that a task runs about `task_s`
(≥ 0.1 s: a Dask task's overhead is a few milliseconds), and never so large that the last
batches leave workers idle. At most two batches per worker are in flight, so a cancel has
little to undo and a second sweep gets its share of the workers soon.
"""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable
from typing import Any

from app.kinds import race
from app.sweeps import cells
from app.sweeps.spec import Plan, cell_work

POLL_S = 0.01
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
    task_s: float = 0.25,
) -> bool:
    """Compute the `pending` cells; `on_rows` gets each batch's rows as it returns. True when
    all were computed, False when `should_stop()` stopped it (the rows so far delivered)."""
    queue = collections.deque(pending)
    tables = cells.uploaded_tables(plan.cells) if plan.kind == "mlp" else None
    inflight: dict[Any, tuple[list[int], int]] = {}
    per_cell = first_estimate(plan)
    slots = 2 * executor.workers
    while queue or inflight:
        if should_stop():
            _stop(executor, token, inflight, on_rows)
            return False
        while queue and len(inflight) < slots:
            size = max(1, min(round(task_s / max(per_cell, 1e-6)),
                              math.ceil(len(queue) / slots), 2000))  # fmt: skip
            idx = [queue.popleft() for _ in range(min(size, len(queue)))]
            inflight[_submit(executor, plan, idx, token, tables)] = (idx, 0)
        done = [f for f in inflight if f.done()]
        if not done:
            time.sleep(POLL_S)
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

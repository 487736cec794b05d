"""Sweeps: one base run, axes of values, one run per combination; on a pool or a cluster.

spec.py      request → Plan (422s naming the field; limits on cells and total work)
cells.py     one cell computed (exactly the run its config describes), batches of them
executors.py this process, a local process pool (default), a Dask cluster
driver.py    batches sized to the measured cost, fed to an executor, rows collected
store.py     sweeps and their finished cells in the run history's SQLite file
table.py     the table (GET /api/sweeps/{id}) and its CSV
manager.py   the service's side: admission, driver threads, event log, streams, resume

doc = run_local({"base": {...}, "axes": {"optimizers.0.params.lr": {"log_range":
                 [1e-4, 1, 25]}, "seed": [0, 1, 2]}})      # the CLI, notebooks, lessons
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException

from app.settings import Settings
from app.sweeps import driver, table
from app.sweeps.executors import DaskExecutor, LocalExecutor, SerialExecutor, make_executor
from app.sweeps.spec import Plan, SweepRequest, build_plan

__all__ = [
    "DaskExecutor",
    "LocalExecutor",
    "Plan",
    "SerialExecutor",
    "SweepRequest",
    "build_plan",
    "make_executor",
    "plan_or_error",
    "run_local",
]


def plan_or_error(raw: Any, settings: Settings) -> Plan:
    """`build_plan` for callers outside the service: ConfigError naming the field."""
    from app import uploads
    from app.localrun import ConfigError

    uploads.serve_file_unless_served(settings.db)  # a local server's uploads, if it has any
    try:
        return build_plan(raw, settings)
    except HTTPException as e:
        detail = e.detail if isinstance(e.detail, dict) else {"message": str(e.detail)}
        raise ConfigError(str(detail.get("message", "invalid sweep"))) from None


def run_local(
    spec: Any,
    settings: Settings | None = None,
    executor: Any = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Compute a sweep here (a SerialExecutor unless one is given) and return its table, as
    GET /api/sweeps/{id} would (id None). `on_progress(done, total)` after each batch."""
    settings = settings or Settings()
    plan = spec if isinstance(spec, Plan) else plan_or_error(spec, settings)
    ex = executor or SerialExecutor()
    rows: dict[int, dict[str, Any]] = {}
    created = time.time()

    def on_rows(batch: list[tuple[int, dict[str, Any]]]) -> None:
        rows.update(batch)
        if on_progress is not None:
            on_progress(len(rows), plan.n_cells)

    try:
        driver.drive(plan, list(range(plan.n_cells)), ex, on_rows, lambda: False, None,
                     settings.sweep_task_s)  # fmt: skip
    finally:
        if executor is None:
            ex.close()
    head = {"id": None, "status": "done", "created": created, "finished": time.time()}
    return table.document(plan, head, rows)

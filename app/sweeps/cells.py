"""One sweep cell computed: the run its config describes, reduced to the table's row.

A cell is computed exactly as `POST /api/runs` computes that config (the same engine call,
the same seeds), but records nothing it does not report: a race keeps no arrays, an MLP run
draws no boundary grids. The summary is the same either way (tests/app/test_sweeps.py), so
the cell's numbers are the run's. Everything here is deterministic: whichever process or
machine computes a cell, it gets the same bits.

    compute_batch(kind, metric, [(index, config), ...], stop) -> (rows, seconds, stopped)

`stop` is a token a batch checks between cells (see `stopper`): None, ("flag", slot) for the
local pool's shared flags, or ("dask", name) for a Dask Event.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from app.kinds import race, training
from engine import simulate, train

_FLAGS: Any = None  # the local pool's shared stop flags (set in each worker by `init_worker`)
DASK_POLL_S = 0.1  # a Dask Event is a round trip to the scheduler: asked at most this often


def _num(v: Any) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


def race_cell(config: dict[str, Any]) -> dict[str, Any]:
    surface, configs, starts, steps, kw = race.engine_args(config)
    with np.errstate(all="ignore"):
        out = simulate.run(surface, configs, starts, steps, record=(), **kw)
    s = out.summary[0]
    nearest = s.get("nearest_min") or s.get("nearest") or {}
    return {
        "final_loss": _num(s["final_loss"]),
        "diverged": s["diverged_at"] is not None,
        "final_xy": [_num(v) for v in s["final_xy"]],
        "distance": _num(nearest.get("distance")),
        "converged_at": s["converged_at"],
        "diverged_at": s["diverged_at"],
    }


def mlp_cell(config: dict[str, Any]) -> dict[str, Any]:
    data = training.make_data(config["dataset"], config["seed"])
    engine_config = {**training.engine_config(config, data), "grid_every": 0}
    last = None
    for chunk in train.train(engine_config, rng_seed=config["seed"]):
        last = chunk
    s = last.summary[0]
    return {
        "final_loss": _num(s["final_loss"]),
        "diverged": s["diverged_at"] is not None,
        "final_val_loss": _num(s.get("final_val_loss")),
        "final_val_acc": _num(s.get("final_val_acc")),
        "final_train_acc": _num(s.get("final_train_acc")),
        "epochs": s.get("stopped_epoch"),
        "diverged_at": s["diverged_at"],
    }


CELLS = {race.NAME: race_cell, training.NAME: mlp_cell}


def compute_cell(kind: str, metric: str, config: dict[str, Any]) -> dict[str, Any]:
    """A cell's row (without index and point): status, value, final_loss, diverged, extras.
    An error in the engine fails this cell only, with its message."""
    try:
        row = CELLS[kind](config)
    except Exception as e:  # noqa: BLE001 - one failed cell; the sweep goes on
        msg = str(e.args[0]) if e.args else type(e).__name__
        return {"status": "failed", "value": None, "final_loss": None, "diverged": False,
                "error": msg[:300]}  # fmt: skip
    return {"status": "done", "value": row.get(metric), **row, "error": None}


def uploaded_tables(configs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The uploaded datasets some cells train on, by id (None: none do)."""
    from app import uploads

    ids = {c["dataset"]["id"] for c in configs
           if c.get("kind") == training.NAME and c["dataset"]["name"] == uploads.NAME}  # fmt: skip
    out = {}
    for data_id in ids:
        try:
            out[data_id] = uploads.table(data_id)
        except KeyError:
            continue  # deleted since the sweep was admitted: those cells fail with a message
    return out or None


def stopper(token: Any):
    """A function that says whether the batch holding `token` should stop."""
    if token is None:
        return lambda: False
    if token[0] == "flag":
        slot = token[1]
        return lambda: bool(_FLAGS is not None and _FLAGS[slot])
    from distributed import Event  # a Dask worker: the sweep's cancel is a named Event

    event, asked = Event(token[1]), [0.0, False]

    def stopped() -> bool:
        now = time.monotonic()
        if now - asked[0] >= DASK_POLL_S:
            asked[0], asked[1] = now, event.is_set()
        return asked[1]

    return stopped


def compute_batch(
    kind: str,
    metric: str,
    items: list[tuple[int, dict[str, Any]]],
    token: Any = None,
    tables: dict[str, Any] | None = None,
) -> tuple[list[tuple[int, dict[str, Any]]], float, bool]:
    """Cells one after another (a task of an executor): their rows, the seconds it took,
    and whether it stopped early (a cancel: the rows so far are returned). `tables`: the
    uploaded datasets the cells train on, sent along (a worker may have no store)."""
    from app import uploads

    for data_id, t in (tables or {}).items():
        uploads.remember(data_id, t)
    stopped = stopper(token)
    t0 = time.perf_counter()
    rows = []
    for index, config in items:
        if stopped():
            return rows, time.perf_counter() - t0, True
        rows.append((index, compute_cell(kind, metric, config)))
    return rows, time.perf_counter() - t0, False


def init_worker(flags: Any, db: Any, lifeline: Any) -> None:  # pragma: no cover - a child
    """A local pool process: the shared stop flags, uploads from the run store's file, a
    lower priority than the interactive runs' workers (a sweep never slows a slider), and
    an exit when the server is gone (`lifeline` reads EOF once its process has ended, even
    after a SIGKILL; a pool's own workers would wait for work forever)."""
    global _FLAGS
    import contextlib
    import os
    import threading

    from app import uploads
    from app.priority import NICE

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv()
        os._exit(0)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()
    _FLAGS = flags
    with contextlib.suppress(OSError):
        os.nice(NICE + 5)
    if db is not None:
        uploads.serve_file(db)

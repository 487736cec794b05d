"""A sweep's table as the API returns it (GET /api/sweeps/{id}), and its CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from app.sweeps.spec import HIGHER_IS_BETTER, Plan

COMMON = ("status", "value", "final_loss", "diverged")
EXTRAS = {
    "surface": ("final_xy", "distance", "converged_at", "diverged_at"),
    "mlp": ("final_val_loss", "final_val_acc", "final_train_acc", "epochs", "diverged_at"),
}
PENDING = {"status": "pending", "value": None, "final_loss": None, "diverged": False, "error": None}


def cell(plan: Plan, index: int, row: dict[str, Any] | None) -> dict[str, Any]:
    return {"index": index, "point": plan.points[index], **(row or PENDING)}


def document(plan: Plan, head: dict[str, Any], rows: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The table: the sweep's head (id, status, times) and one cell per combination."""
    return {
        **head_of(plan, head, len(rows)),
        "base": plan.base,
        "axes": plan.axes,
        "cells": [cell(plan, i, rows.get(i)) for i in range(plan.n_cells)],
    }


def head_of(plan: Plan, head: dict[str, Any], done: int) -> dict[str, Any]:
    return {
        "id": head.get("id"),
        "name": plan.name,
        "status": head.get("status"),
        "kind": plan.kind,
        "metric": plan.metric,
        "higher_is_better": plan.metric in HIGHER_IS_BETTER,
        "n_cells": plan.n_cells,
        "done": done,
        "created": head.get("created"),
        "finished": head.get("finished"),
        "error": head.get("error"),
    }


def _csv_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, list | dict):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def csv_text(doc: dict[str, Any]) -> Iterator[str]:
    """One row per cell: index, one column per axis, the numbers, the error."""
    columns = ["index", *doc["axes"], *COMMON, *EXTRAS[doc["kind"]], "error"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for c in doc["cells"]:
        flat = {**c, **c["point"]}
        writer.writerow([_csv_value(flat.get(col)) for col in columns])
        if buf.tell() > 65536:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()

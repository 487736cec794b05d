"""`dl.sweep`: many runs (a base request × axes of values) computed here, on all cores.

    s = dl.sweep(base={"kind": "surface", "surface": {"name": "rosenbrock"},
                       "optimizers": [{"name": "sgd"}], "starts": [[-1.5, 2]], "steps": 300,
                       "noise": {"sigma": 0.5}},
                 axes={"optimizers.0.name": ["sgd", "adam"],
                       "optimizers.0.params.lr": {"log_range": [1e-4, 1, 25]},
                       "seed": [0, 1, 2, 3, 4]})
    s.figure()                # final loss vs learning rate, one curve per optimizer (IQR band)
    s.figure("heatmap")       # two numeric axes
    s.rows, s.to_csv("t.csv") # one row per cell

The request is the body of `POST /api/sweeps`, checked as the service checks it (a bad axis
raises `InvalidRequest` naming `axes.<path>`). With DESCENTLAB_DASK_SCHEDULER set (or
`scheduler=`), the cells run on that Dask cluster instead; the numbers are the same.
"""

from __future__ import annotations

from typing import Any

from descentlab.errors import InvalidRequest
from descentlab.local import plain
from descentlab.progress import bar
from descentlab.results import _plotly


class SweepResult:
    """A sweep's table (the document GET /api/sweeps/{id} returns) and its figures."""

    def __init__(self, doc: dict[str, Any]):
        self.doc = doc
        self.axes: dict[str, list[Any]] = doc["axes"]
        self.cells: list[dict[str, Any]] = doc["cells"]
        self.metric: str = doc["metric"]

    def __repr__(self) -> str:
        return f"<SweepResult {self.doc['n_cells']} cells of {' × '.join(self.axes)}>"

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per cell: the axes' values, then the numbers (pandas.DataFrame-ready)."""
        return [{**c["point"], **{k: v for k, v in c.items() if k != "point"}} for c in self.cells]

    def to_csv(self, path: str | None = None) -> str:
        """The CSV the API's export gives; written to `path` if given."""
        from app.sweeps import table

        text = "".join(table.csv_text(self.doc))
        if path is not None:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        return text

    def best(self) -> dict[str, Any] | None:
        """The cell with the best value (lowest loss, highest accuracy), not diverged."""
        ok = [c for c in self.cells if c["value"] is not None and not c["diverged"]]
        sign = -1 if self.doc["higher_is_better"] else 1
        return min(ok, key=lambda c: sign * c["value"]) if ok else None

    def figure(self, kind: str = "curves", x: str | None = None, by: str | None = None,
               y: str | None = None, log_y: bool = True):  # fmt: skip
        """ "curves": the metric vs `x` (default: the learning rate), one curve per `by`
        (default: the optimizer), median and IQR over the rest; "heatmap": `x` × `y`."""
        from app.sweeps import figures

        if kind == "curves":
            return _plotly(figures.sensitivity(self.doc, x, by, log_y))
        if kind == "heatmap":
            return _plotly(figures.heatmap(self.doc, x, y))
        raise ValueError(f"kind: 'curves' or 'heatmap', not {kind!r}")


def sweep(
    base: dict[str, Any],
    axes: dict[str, Any],
    metric: str = "final_loss",
    name: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> SweepResult:
    """Compute a sweep here: `workers` processes (default: one per core; 0: this process),
    or the Dask cluster at `scheduler` (default: DESCENTLAB_DASK_SCHEDULER)."""
    from app import localrun, sweeps
    from app.settings import get_settings

    settings = get_settings()
    if scheduler:
        settings = settings.model_copy(update={"dask_scheduler": scheduler})
    request = plain({"base": base, "axes": axes, "metric": metric, "name": name})
    try:
        plan = sweeps.plan_or_error({k: v for k, v in request.items() if v is not None}, settings)
    except localrun.ConfigError as e:
        raise InvalidRequest(e.message, e.more) from None
    small = plan.n_cells <= 16 and not settings.dask_scheduler
    executor = sweeps.make_executor(settings, 0 if small and workers is None else workers)
    try:
        with bar(plan.n_cells, "cells", progress) as update:
            doc = sweeps.run_local(plan, settings, executor, lambda k, n: update(k))
    finally:
        executor.close()
    return SweepResult(doc)

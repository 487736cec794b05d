"""What `dl.race`, `dl.train` and `Client.wait` return: a run's result with its figures.

The figures are the CLI report's (app/report/*_figures.py), so a notebook shows what the
dashboard and `descentlab run --html` show: the paths on the contour with the critical
points, starts and end markers; loss curves; decision boundaries.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.report import race as race_report
from app.report import training as training_report
from app.report.race_figures import RaceRun, curves_figure, lr_figure, surface_figure
from app.report.training_boundary import boundary_figure
from app.report.training_figures import (
    curves_figure as mlp_curves,
)
from app.report.training_figures import (
    gradient_figure,
    histogram_figure,
    iteration_figure,
)
from app.report.training_run import MlpRun


def _plotly(fig: dict[str, Any]):
    """The report's figure dict as a plotly Figure, on plotly.js' own defaults (template
    "none") as in the report and the dashboard, not plotly.py's default theme."""
    import plotly.graph_objects as go

    return go.Figure({**fig, "layout": {"template": "none", **fig["layout"]}})


def _numbers(values: list[Any]) -> np.ndarray:
    """A list of numbers or None (non-finite in JSON) as float64 with NaN for None."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


class Result:
    """Common to both kinds: the request, the result document, the summary per lane."""

    kind = ""
    FIGURES: tuple[str, ...] = ()

    def __init__(self, config: dict[str, Any], result: dict[str, Any], run_id: str | None = None):
        self.config = config
        self.result = result
        self.run_id = run_id  # a server's run (None: computed here)
        self.meta: dict[str, Any] = result.get("meta") or {}
        self.summary: list[dict[str, Any]] = list(result.get("summary") or [])
        self.diverged: list[dict[str, Any]] = list(result.get("diverged") or [])

    @property
    def labels(self) -> list[str]:
        """Each lane's label, in lane order."""
        return [lane["label"] for lane in self.meta.get("lanes", [])]

    @property
    def final_loss(self) -> np.ndarray:
        """Each lane's final loss (NaN for a lane that diverged)."""
        return _numbers([s.get("final_loss") for s in self.summary])

    def figure(self, which: str | None = None):
        """A `plotly.graph_objects.Figure`; `which` is one of FIGURES (default the first)."""
        which = which or self.FIGURES[0]
        if which not in self.FIGURES:
            raise ValueError(f"figure: expected one of {self.FIGURES}, got {which!r}")
        return _plotly(self._figure(which))

    def write_html(self, path: str, which: str | None = None) -> None:
        """One figure as a standalone HTML file, Plotly.js included (it works offline)."""
        self.figure(which).write_html(path, include_plotlyjs=True, full_html=True)

    def _figure(self, which: str) -> dict[str, Any]:  # pragma: no cover - per kind
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.table_html()

    def table_html(self) -> str:  # pragma: no cover - per kind
        raise NotImplementedError


class RaceResult(Result):
    """A race on a 2D surface.

    paths (steps+1, lanes, 2) and loss (steps+1, lanes) as NumPy, `arrays` every recorded
    field, `summary` one dict per lane, `final_loss`, `table()` one row per lane;
    `figure()` the paths on the contour, `figure("loss" | "grad_norm" | "lr")` the curves.
    A lane is an optimizer × a start: lane = optimizer * len(starts) + start.
    """

    kind = "surface"
    FIGURES = ("paths", "loss", "grad_norm", "lr")

    def __init__(self, config: dict[str, Any], result: dict[str, Any], run_id: str | None = None):
        super().__init__(config, result, run_id)
        self._run = RaceRun(config, result)
        self.arrays: dict[str, np.ndarray] = self._run.a

    @property
    def paths(self) -> np.ndarray:
        """Positions: (steps + 1, lanes, 2); NaN after a lane diverged."""
        return self.arrays["xy"]

    @property
    def loss(self) -> np.ndarray:
        """f at each position: (steps + 1, lanes)."""
        return self.arrays["loss"]

    def table(self) -> list[dict[str, Any]]:
        """One row per lane: label, optimizer, start, final loss and point, convergence."""
        rows = []
        for lane, s in zip(self.meta.get("lanes", []), self.summary, strict=False):
            near = s.get("nearest") or {}
            rows.append(
                {
                    "lane": lane["lane"],
                    "label": lane["label"],
                    "optimizer": lane["name"],
                    "start": self.config["starts"][lane["start"]],
                    "final_loss": s.get("final_loss"),
                    "final_xy": s.get("final_xy"),
                    "nearest": near.get("kind"),
                    "converged_at": s.get("converged_at"),
                    "diverged_at": s.get("diverged_at"),
                }
            )
        return rows

    def table_html(self) -> str:
        return race_report._summary_html(self._run)

    def _figure(self, which: str) -> dict[str, Any]:
        if which == "paths":
            return surface_figure(self._run)[0]
        if which == "lr":
            return lr_figure(self._run)
        title, ytitle = {"loss": ("Loss", "f(x, y)"), "grad_norm": ("Gradient norm", "‖∇f‖")}[which]
        return curves_figure(self._run, which, title, ytitle)[0]

    def __repr__(self) -> str:
        surface = (self.meta.get("surface") or {}).get("name", "?")
        return (
            f"<RaceResult {surface}: {len(self.labels)} lanes × {self.config['steps']} steps, "
            f"final loss {np.array2string(self.final_loss, precision=4)}>"
        )


class TrainResult(Result):
    """MLPs trained side by side (one lane per optimizer, the same initial weights).

    loss / val_loss / acc / val_acc (epochs+1, lanes) and `epochs` as NumPy, `arrays` every
    recorded field, `summary` one dict per lane, `final_loss` (the training-set loss after
    each lane's last epoch), `table()`; `figure()` the loss curves, `figure("boundary")` the
    decision boundaries (or predictions), and "accuracy", "gradients", "weights", "lr",
    "batch_loss".
    """

    kind = "mlp"
    FIGURES = ("loss", "boundary", "accuracy", "gradients", "weights", "lr", "batch_loss")

    def __init__(self, config: dict[str, Any], result: dict[str, Any], run_id: str | None = None):
        super().__init__(config, result, run_id)
        self._run = MlpRun(config, result)
        self.arrays: dict[str, np.ndarray] = self._run.a

    @property
    def epochs(self) -> np.ndarray:
        return self._run.epochs

    @property
    def loss(self) -> np.ndarray:
        """Training-set loss per epoch (row 0: before training): (epochs + 1, lanes)."""
        return self.arrays["train_loss"]

    @property
    def val_loss(self) -> np.ndarray:
        return self.arrays["val_loss"]

    @property
    def acc(self) -> np.ndarray:
        return self.arrays["train_acc"]

    @property
    def val_acc(self) -> np.ndarray:
        return self.arrays["val_acc"]

    @property
    def final_loss(self) -> np.ndarray:
        """The training-set loss after each lane's last epoch (the summary's `final_loss`,
        or `final_train_loss`; else the last finite row of `loss`)."""
        out = []
        for i, s in enumerate(self.summary):
            if "final_loss" in s or "final_train_loss" in s:
                out.append(s.get("final_loss", s.get("final_train_loss")))
                continue
            row = self._run.last_row(i)
            out.append(None if row is None else float(self.loss[row, i]))
        return _numbers(out)

    def table(self) -> list[dict[str, Any]]:
        """One row per lane: label, best epoch and loss, final losses and accuracies, stop."""
        keys = ("best_epoch", "best_val_loss", "final_train_loss", "final_val_loss",
                "final_train_acc", "final_val_acc", "stopped_epoch", "reason")  # fmt: skip
        final = self.final_loss
        return [
            {
                "lane": s["lane"],
                "label": s.get("label", self.labels[s["lane"]]),
                "final_loss": None if np.isnan(final[i]) else float(final[i]),
                **{k: s.get(k) for k in keys},
            }
            for i, s in enumerate(self.summary)
        ]

    def table_html(self) -> str:
        return training_report._summary_html(self._run)

    def _figure(self, which: str) -> dict[str, Any]:
        run = self._run
        if which == "loss":
            return mlp_curves(run, "loss")[0]
        if which == "accuracy":
            if not run.classify:
                raise ValueError("figure: 'accuracy' needs a classification task")
            return mlp_curves(run, "acc")[0]
        if which == "boundary":
            fig = boundary_figure(run)
            if fig is None:
                raise ValueError(
                    "figure: no decision-boundary grid in this run (a boundary needs one or "
                    "two features)"
                )
            return fig
        if which == "gradients":
            return gradient_figure(run)
        if which == "weights":
            return histogram_figure(run)
        return iteration_figure(run, "it_lr" if which == "lr" else "it_loss")[0]

    def __repr__(self) -> str:
        name = self.config["dataset"]["name"]
        return (
            f"<TrainResult {name}: {len(self.labels)} lanes × {self.config['epochs']} epochs, "
            f"final loss {np.array2string(self.final_loss, precision=4)}>"
        )


def make_result(config: dict[str, Any], result: dict[str, Any], run_id: str | None = None):
    """The result object of a run of either kind."""
    cls = TrainResult if config.get("kind") == "mlp" else RaceResult
    return cls(config, result, run_id)

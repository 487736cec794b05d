"""`lr_find`: Leslie Smith's learning-rate range test, here (or through `Client.lr_find`).

    f = dl.lr_find("moons", "sgd", model={"hidden": [16, 16]})
    f.suggested_lr          # the steepest descent of the smoothed loss (None: too few points)
    f.lrs, f.losses         # NumPy: the rate and raw minibatch loss of every iteration
    f.figure()              # loss against rate (log x), the suggestion marked

torch-lr-finder's names and defaults (start_lr=1e-7, end_lr=10, num_iter=100, step_mode
"exp", smooth_f=0.05, diverge_th=5; the suggestion skips the first 10 and last 5 points).
The request is the body of POST /api/lr-finder, checked as the service checks it
(app/lr_finder.py), so a bad value raises InvalidRequest naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from descentlab.errors import InvalidRequest
from descentlab.local import Spec, own_data, plain, shown_dataset, train_request
from descentlab.results import _numbers, _plotly

RANGE_KEYS = ("start_lr", "end_lr", "num_iter", "step_mode", "smooth_f", "diverge_th")


class LrFindResult:
    """A range test's document (POST /api/lr-finder's answer) with NumPy views and a figure.

    lrs, losses (raw minibatch losses), smoothed: (iterations,) arrays, NaN where the JSON
    has null; suggested_lr (float or None), suggested_index, min_loss_lr, stopped
    ("diverged" | "end"), iterations, optimizer, base (the normalized run it started from).
    """

    def __init__(self, document: dict[str, Any]):
        self.document = document
        self.lrs = _numbers(document["lrs"])
        self.losses = _numbers(document["losses"])
        self.smoothed = _numbers(document["smoothed"])
        self.suggested_lr: float | None = document.get("suggested_lr")
        self.suggested_index: int | None = document.get("suggested_index")
        self.min_loss_lr: float = document["min_loss_lr"]
        self.stopped: str = document["stopped"]
        self.iterations: int = document["iterations"]
        self.optimizer: str = document["optimizer"]
        self.base: dict[str, Any] = document["base"]

    def figure(self, skip: bool = True):
        """Loss against rate (a plotly Figure, log x): the smoothed loss, the raw minibatch
        losses faintly, the suggested rate as a vertical line with its label. `skip`: leave
        out the first skip_start and last skip_end points, as torch-lr-finder's plot does
        (the diverging tail would squash the curve)."""
        return _plotly(self._figure(skip))

    def _figure(self, skip: bool) -> dict[str, Any]:
        d = self.document
        a, b = 0, self.iterations
        if skip and self.iterations > d["skip_start"] + d["skip_end"] + 1:
            a, b = d["skip_start"], self.iterations - d["skip_end"]
        x = [float(v) for v in self.lrs[a:b]]
        traces: list[dict[str, Any]] = [
            {"type": "scatter", "mode": "lines", "name": "minibatch loss", "x": x,
             "y": _json(self.losses[a:b]), "line": {"color": "#999999", "width": 1},
             "opacity": 0.5},
            {"type": "scatter", "mode": "lines", "name": "smoothed loss", "x": x,
             "y": _json(self.smoothed[a:b]), "line": {"color": "#0072B2", "width": 2.5}},
        ]  # fmt: skip
        shown = np.concatenate([self.smoothed[a:b], self.losses[a:b]])
        finite = shown[np.isfinite(shown)]  # the line spans what is drawn
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        annotations = []
        s = self.suggested_lr
        if s is not None:
            label = f"suggested lr = {s:.3g}"
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": label,
                    "x": [s, s],
                    "y": [lo, hi],
                    "line": {"color": "#D55E00", "width": 2, "dash": "dash"},
                }  # fmt: skip
            )
            k = self.suggested_index
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "showlegend": False,
                    "x": [s],
                    "y": _json(self.smoothed[k : k + 1]),
                    "hoverinfo": "x+y",
                    "marker": {"color": "#D55E00", "size": 10},
                }  # fmt: skip
            )
            # an annotation's x on a log axis is log10 of the value
            annotations.append(
                {
                    "x": math.log10(s),
                    "y": hi,
                    "xref": "x",
                    "yref": "y",
                    "text": label,
                    "showarrow": False,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "font": {"color": "#D55E00"},
                }  # fmt: skip
            )
        title = f"Learning-rate range test: {self.optimizer}, {self.iterations} iterations"
        if self.stopped == "diverged":
            title += " (stopped: the loss diverged)"
        return {
            "data": traces,
            "layout": {
                "title": {"text": title},
                "xaxis": {"type": "log", "title": {"text": "learning rate"}},
                "yaxis": {"title": {"text": "loss"}},
                "annotations": annotations,
                "legend": {"orientation": "h", "y": -0.2},
            },
        }

    def write_html(self, path: str) -> None:
        """The figure as a standalone HTML file (Plotly.js included)."""
        self.figure().write_html(path, include_plotlyjs=True, full_html=True)

    def __repr__(self) -> str:
        s = "None" if self.suggested_lr is None else f"{self.suggested_lr:.3g}"
        return (
            f"LrFindResult({self.optimizer}, suggested_lr={s}, "
            f"iterations={self.iterations}, stopped={self.stopped!r})"
        )


def _json(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in values]


def lr_find_request(
    dataset: Spec | None,
    optimizer: Spec,
    base_fields: dict[str, Any],
    range_fields: dict[str, Any],
) -> dict[str, Any]:
    """The body of POST /api/lr-finder (fields left None take the service's defaults)."""
    base = train_request(dataset, optimizer, **base_fields)  # a list: 422 base.optimizers
    body = {"base": base, **{k: v for k, v in range_fields.items() if v is not None}}
    return plain(body)


def lr_find(
    dataset: Spec | None = None,
    optimizer: Spec = "sgd",
    *,
    X: Any = None,
    y: Any = None,
    val_fraction: float = 0.2,
    task: str | None = None,
    feature_names: Sequence[str] | None = None,
    model: dict[str, Any] | None = None,
    loss: str | None = None,
    batch_size: int | str | None = None,
    l1: float | None = None,
    l2: float | None = None,
    seed: int | None = 0,
    start_lr: float | None = None,
    end_lr: float | None = None,
    num_iter: int | None = None,
    step_mode: str | None = None,
    smooth_f: float | None = None,
    diverge_th: float | None = None,
) -> LrFindResult:
    """Leslie Smith's learning-rate range test, here, with the engine: one network trained
    for up to `num_iter` minibatches while the rate rises from `start_lr` to `end_lr`
    (exponentially, or linearly with step_mode="linear"); stopped once the smoothed loss
    passes `diverge_th` × its best. torch-lr-finder's names and defaults (a range argument
    left None takes it: engine.train.RANGE_TEST_DEFAULTS, 1e-7 to 10 over 100, exp, 0.05, 5).

    The data and the network are `dl.train`'s arguments (a dataset name or spec, or arrays
    `X`, `y`; model, loss, batch_size, l1, l2, seed); `optimizer` is one name or dict (its
    lr is replaced by the test's rates; its other parameters, e.g. momentum, apply).

    Returns an LrFindResult: `.suggested_lr` (the steepest descent of the smoothed loss,
    None with too few points), `.lrs`, `.losses`, `.smoothed`, `.min_loss_lr`, `.stopped`,
    `.figure()`. Raises InvalidRequest naming the field (`end_lr: ...`, `base.model...`).
    """
    from app import lr_finder
    from app.settings import get_settings

    base_fields = {"model": model, "loss": loss, "batch_size": batch_size, "l1": l1, "l2": l2,
                   "seed": seed}  # fmt: skip
    range_fields = dict(zip(RANGE_KEYS, (start_lr, end_lr, num_iter, step_mode, smooth_f,
                                         diverge_th), strict=True))  # fmt: skip
    spec, data, base_fields["loss"] = own_data(dataset, X, y, val_fraction, task,
                                               feature_names, seed, loss)  # fmt: skip
    body = lr_find_request(spec, optimizer, base_fields, range_fields)
    from app import localrun

    try:
        config = lr_finder.validate(body, get_settings(), data=data)
    except localrun.ConfigError as e:
        raise InvalidRequest(e.message, e.more) from None
    doc = lr_finder.compute(config, data=data)
    if data is not None:
        doc["base"]["dataset"] = shown_dataset(dataset, data, val_fraction)
    return LrFindResult(doc)

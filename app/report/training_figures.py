"""Plotly figures of the MLP report (app/report/training.py): curves against epoch, gradient
norms per layer as small multiples, weight histograms, and the per-iteration learning rate
and minibatch loss. Every builder takes an `MlpRun` (app/report/training_run.py) and returns
a figure dict; strings shown by Plotly go through `plot_text`. Decision boundaries are in
app/report/training_boundary.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.report.page import fig_layout, fmt, line_width, plot_text, sig
from app.report.training_run import (
    GRID_LINE,
    MlpRun,
    capped,
    columns,
    epoch_axis,
    layer_colors,
    log_axis,
    log_ticks,
    lw,
    multi_layout,
    panel_title,
    thin,
    y_range,
)


def _stop_marks(run: MlpRun, field: str, data: list, shapes: list, cap: float | None) -> None:
    """Early stops: a dotted line at the stopped epoch and a marker on the lane's curve."""
    for lane in run.lanes:
        s = run.summary.get(lane["lane"], {})
        if s.get("reason") not in ("early_stop", "diverged"):
            continue
        y = run.series(field, lane["lane"])
        ok = np.flatnonzero(np.isfinite(y))
        if not ok.size:
            continue
        k = int(ok[-1])
        epoch = int(s.get("stopped_epoch", run.epochs[k]))
        stop = s["reason"] == "early_stop"
        text = f"stop {epoch}" if stop else f"diverged {epoch}"
        if stop:
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": epoch,
                    "x1": epoch,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": lane["color"], "width": 2, "dash": "dot"},
                }
            )
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "showlegend": False,
                "legendgroup": f"lane{lane['lane']}",
                "name": plot_text(lane["text"]),
                "x": [run.epochs[k]],
                "y": [y[k] if cap is None else min(y[k], cap)],
                "text": [text],
                "textposition": "top center",
                "textfont": {"size": 15, "color": "#111"},
                "cliponaxis": False,
                "marker": {
                    "symbol": "octagon" if stop else "x-thin-open",
                    "size": 16 if stop else 20,
                    "color": lane["color"],
                    "line": {"color": "#111" if stop else lane["color"], "width": 2 if stop else 4},
                },
                "hovertemplate": (
                    f"early stop at epoch {epoch} (best epoch {s.get('best_epoch')})"
                    if stop
                    else f"diverged at epoch {epoch}"
                )
                + "<extra>%{fullData.name}</extra>",
            }
        )


def curves_figure(run: MlpRun, metric: str) -> tuple[dict[str, Any], bool, float | None]:
    """Train (solid) and validation (dashed) loss or accuracy against epoch, per optimizer.

    Returns the figure, whether its y axis is logarithmic, and where it is cut (None: not).
    """
    fields = [f"train_{metric}"] + ([f"val_{metric}"] if run.has_val else [])
    values = np.concatenate([run.series(f, l["lane"]) for f in fields for l in run.lanes] or [[]])
    log = metric == "loss" and log_axis(values)
    idx = thin(len(run.epochs))
    data: list[dict[str, Any]] = []
    n = len(run.lanes)
    for lane in run.lanes:
        i = lane["lane"]
        for f in fields:
            y = run.series(f, i)
            what = "validation" if f.startswith("val") else "train"
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": plot_text(f"{lane['text']} · {what}"),
                    "legendgroup": f"lane{i}",
                    "x": run.epochs[idx],
                    "y": sig(y[idx]),
                    "line": {
                        "color": lane["color"],
                        "width": lw(i, n),
                        "dash": "dash" if what == "validation" else "solid",
                    },
                    "hovertemplate": f"epoch %{{x}}: {what} {metric} "
                    + ("%{y:.1%}" if metric == "acc" else "%{y:.4g}")
                    + "<extra>%{fullData.name}</extra>",
                }
            )
    shapes: list[dict[str, Any]] = []
    ref = max(run.first_value(f) or 0.0 for f in fields) if metric == "loss" else None
    cap = capped(values, ref, log, 1e3 if log else 3) if metric == "loss" else None
    _stop_marks(run, fields[-1], data, shapes, cap)
    ytitle = "loss" if metric == "loss" else "accuracy"
    yaxis: dict[str, Any] = {"title": {"text": ytitle}}
    if metric == "loss":
        yaxis.update(type="log" if log else "linear", exponentformat="power")
        yaxis.update(log_ticks(values, cap) if log else {})
        if cap is not None:
            yaxis["range"] = y_range(values, cap, log)
    else:
        yaxis.update(tickformat=".0%", rangemode="tozero")
    title = "Loss" if metric == "loss" else "Accuracy"
    title += ": train (solid) and validation (dashed)" if run.has_val else " on the training set"
    layout = fig_layout(
        plot_text(title),
        xaxis=epoch_axis(run),
        yaxis=yaxis,
        shapes=shapes,
        height=560,
    )
    return {"data": data, "layout": layout}, log, cap


def gradient_figure(run: MlpRun) -> dict[str, Any]:
    """Per-layer gradient norms against epoch: one panel per optimizer, one line per layer,
    all panels on the same log axis, so a first layer far below the last one stands out."""
    layers = run.layers
    colors = layer_colors(len(layers))
    layout, ps = multi_layout(
        "Gradient norm per layer (log scale, the same axis in every panel)",
        len(run.lanes),
        columns(len(run.lanes)),
        340,
    )
    layout["legend"]["title"] = {"text": "layer: "}
    g = run.a.get("grad_norm", np.zeros((0, 0, 0)))
    finite = g[np.isfinite(g) & (g > 0)]
    lo, hi = (np.log10(finite.min()), np.log10(finite.max())) if finite.size else (-3.0, 0.0)
    if finite.size:  # a diverging lane's norms run off the top, not flatten the rest
        hi = min(hi, float(np.log10(np.median(finite))) + 4)
    pad = max(0.15, 0.05 * (hi - lo))
    idx = thin(len(run.epochs))
    data: list[dict[str, Any]] = []
    notes = []
    for lane, p in zip(run.lanes, ps, strict=False):
        i = lane["lane"]
        data += _layer_norm_traces(run, lane, p, g, colors, idx)
        ratio = run.grad_ratio(i)
        title = plot_text(lane["text"])
        if ratio is not None:
            title += f"<br><sup>layer 1 / last layer: {fmt(ratio, 2)}×</sup>"
        notes.append(panel_title(p, title))
        layout.update(_norm_axes(run, p, lo, hi, pad))
    layout["annotations"] = notes
    return {"data": data, "layout": layout}


def _layer_norm_traces(
    run: MlpRun, lane: dict, p: dict, g: np.ndarray, colors: list[str], idx: np.ndarray
) -> list[dict[str, Any]]:
    """One line per layer in a lane's panel (the legend shows the first panel's)."""
    i = lane["lane"]
    traces = []
    for k, layer in enumerate(run.layers):
        y = g[:, i, k] if g.size else np.zeros(0)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "xaxis": p["x"],
                "yaxis": p["y"],
                "name": f"{layer['layer']} ({layer['fan_in']}→{layer['fan_out']}"
                + (", output)" if layer["activation"] == "output" else ")"),
                "legendgroup": f"layer{k}",
                "showlegend": i == run.lanes[0]["lane"],
                "x": run.epochs[idx],
                "y": sig(y[idx]),
                "line": {"color": colors[k], "width": 3},
                "hovertemplate": f"layer {layer['layer']}, epoch %{{x}}: ‖∂L/∂W‖ = %{{y:.3g}}"
                f"<extra>{plot_text(lane['text'])}</extra>",
            }
        )
    return traces


def _norm_axes(run: MlpRun, p: dict[str, Any], lo: float, hi: float, pad: float) -> dict:
    """A panel's epoch axis and its log norm axis, the same range in every panel."""
    axis = {"gridcolor": GRID_LINE, "zeroline": False}
    return {
        p["xkey"]: {
            **axis,
            **epoch_axis(run),
            "domain": p["xdomain"],
            "anchor": p["y"],
            "title": {"text": "epoch" if p["bottom"] else ""},
        },
        p["ykey"]: {
            **axis,
            "domain": p["ydomain"],
            "anchor": p["x"],
            "type": "log",
            "range": [lo - pad, hi + pad],
            "dtick": 1 if hi - lo > 3 else "D2",  # no crowd of minor labels
            "exponentformat": "power",
            "title": {"text": "‖∂L/∂W‖" if p["col"] == 0 else ""},
            **({"matches": "y"} if p["y"] != "y" else {}),
        },
    }


def histogram_figure(run: MlpRun) -> dict[str, Any]:
    """Final weights of every layer: one panel per layer, the initial weights as grey bars
    and each optimizer's last trained epoch as a step line."""
    hist = run.a.get("hist", np.zeros((0, 0, 0, 0)))
    edges = [np.asarray(e, dtype=np.float64) for e in run.meta.get("hist_edges") or []]
    layers = run.layers[: len(edges)]
    layout, ps = multi_layout(
        "Weights per layer: initial (grey bars) and at each optimizer's last epoch (lines)",
        max(1, len(layers)),
        4,
        300,
    )
    data: list[dict[str, Any]] = []
    notes = []
    layout["barmode"] = "overlay"
    for k, (layer, p) in enumerate(zip(layers, ps, strict=True)):
        e = edges[k]
        data += _histogram_traces(run, hist, k, p, e)
        notes.append(
            panel_title(
                p,
                f"layer {layer['layer']}: {layer['fan_in']}×{layer['fan_out']} weights"
                + (" (output)" if layer["activation"] == "output" else ""),
            )
        )
        layout[p["xkey"]] = {
            "domain": p["xdomain"],
            "anchor": p["y"],
            "range": [float(e[0]), float(e[-1])],
            "title": {"text": "weight" if p["bottom"] else ""},
            "gridcolor": GRID_LINE,
        }
        layout[p["ykey"]] = {
            "domain": p["ydomain"],
            "anchor": p["x"],
            "rangemode": "tozero",
            "title": {"text": "count" if p["col"] == 0 else ""},
            "gridcolor": GRID_LINE,
        }
    layout["annotations"] = notes
    return {"data": data, "layout": layout}


def _histogram_traces(
    run: MlpRun, hist: np.ndarray, k: int, p: dict[str, Any], e: np.ndarray
) -> list[dict[str, Any]]:
    """Layer k's panel: the initial weights as grey bars, each lane's last epoch as a step
    line (the legend shows the first panel's)."""
    if not hist.size:
        return []
    centres, width = (e[:-1] + e[1:]) / 2, e[1] - e[0]
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "xaxis": p["x"],
            "yaxis": p["y"],
            "name": "initial (epoch 0)",
            "legendgroup": "initial",
            "showlegend": k == 0,
            "x": sig(centres),
            "y": hist[0, 0, k],
            "width": width,
            "marker": {"color": "#c9d0d8", "line": {"width": 0}},
            "hovertemplate": "w ≈ %{x:.3g}: %{y} weights<extra>initial</extra>",
        }
    ]
    n = len(run.lanes)
    for lane in run.lanes:
        i = lane["lane"]
        row = run.last_row(i)
        if row is None:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "xaxis": p["x"],
                "yaxis": p["y"],
                "name": plot_text(lane["text"]),
                "legendgroup": f"lane{i}",
                "showlegend": k == 0,
                "x": sig(centres),
                "y": hist[row, i, k],
                "line": {"color": lane["color"], "width": lw(i, n) - 0.5, "shape": "hvh"},
                "hovertemplate": f"w ≈ %{{x:.3g}}: %{{y}} weights at epoch {run.epochs[row]}"
                "<extra>%{fullData.name}</extra>",
            }
        )
    return traces


def _iteration_axis(
    run: MlpRun, field: str, values: np.ndarray, log: bool, what: str
) -> tuple[float | None, dict[str, Any]]:
    """The y axis of a per-iteration chart: the minibatch loss cut where a lane blew up,
    constant rates padded off the frame's edge. Returns (the cut or None, the axis)."""
    finite = values[np.isfinite(values)]
    yaxis: dict[str, Any] = {
        "title": {"text": what},
        "type": "log" if log else "linear",
        "exponentformat": "power",
    }
    ref = run.first_value("it_loss") if field == "it_loss" else None
    cap = capped(values, ref, log, 1e3 if log else 3) if field == "it_loss" else None
    yaxis.update(log_ticks(values, cap) if log else {})
    if cap is not None:
        yaxis["range"] = y_range(values, cap, log)
    elif finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        if log:
            yaxis["range"] = [np.log10(lo) - 0.1, np.log10(hi) + 0.1]
        elif field == "it_lr":
            yaxis["range"] = [min(0.0, lo) * 1.08, max(hi, 0.0) * 1.08 or 1.0]
    return cap, yaxis


def moving_average(y: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over `window` iterations of the finite values (NaN where none)."""
    ok = np.isfinite(y)
    c = np.concatenate([[0.0], np.cumsum(np.where(ok, y, 0.0))])
    m = np.concatenate([[0], np.cumsum(ok)])
    j = np.arange(1, len(y) + 1)
    lo = np.maximum(0, j - window)
    count = m[j] - m[lo]
    with np.errstate(all="ignore"):
        out = (c[j] - c[lo]) / count
    out[(count == 0) | ~ok] = np.nan
    return out


def iteration_figure(run: MlpRun, field: str) -> tuple[dict[str, Any], int, float | None]:
    """The learning rate (`it_lr`) or minibatch loss (`it_loss`) of every iteration.

    The minibatch loss is drawn faint, with a moving average over about an epoch on top.
    Returns the figure, the averaging window (0: none) and where the y axis is cut.
    """
    x = run.a.get("it_index", np.zeros(0))
    idx = thin(len(x))
    ipe = int(run.meta.get("iterations_per_epoch") or 1)
    window = int(np.clip(ipe, 5, 500)) if field == "it_loss" and ipe > 1 else 0
    values = np.concatenate([run.series(field, l["lane"]) for l in run.lanes] or [[]])
    finite = values[np.isfinite(values)]
    log = log_axis(values) and (
        field == "it_loss" or (finite.size > 0 and finite.max() > 30 * finite.min())
    )
    data: list[dict[str, Any]] = []
    n = len(run.lanes)
    what = "learning rate" if field == "it_lr" else "minibatch loss"
    for lane in run.lanes:
        i = lane["lane"]
        y = run.series(field, i)
        base = {
            "type": "scatter",
            "mode": "lines",
            "name": plot_text(lane["text"]),
            "legendgroup": f"lane{i}",
            "x": x[idx],
            "hovertemplate": f"iteration %{{x}}: {what} %{{y:.4g}}"
            "<extra>%{fullData.name}</extra>",
        }
        if window:
            data.append(
                {
                    **base,
                    "y": sig(y[idx]),
                    "showlegend": False,
                    "opacity": 0.3,
                    "line": {"color": lane["color"], "width": 1},
                }
            )
            y = moving_average(y, window)
        width = line_width(i, n) if field == "it_lr" else lw(i, n)  # equal lr curves stay seen
        data.append({**base, "y": sig(y[idx]), "line": {"color": lane["color"], "width": width}})
    title = "Learning rate per iteration" if field == "it_lr" else "Minibatch loss per iteration"
    if window:
        title += f" (faint: raw; bold: mean of the last {window})"
    cap, yaxis = _iteration_axis(run, field, values, log, what)
    layout = fig_layout(
        title,
        xaxis={"title": {"text": f"iteration ({ipe} per epoch)"}, "rangemode": "tozero"},
        yaxis=yaxis,
    )
    return {"data": data, "layout": layout}, window, cap

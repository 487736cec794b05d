"""Plotly figures of the MLP report (see app.report_mlp): curves against epoch, gradient norms
per layer and decision boundaries as small multiples, weight histograms, learning rate and
the per-iteration minibatch loss. Every builder takes an `MlpRun` (the result's arrays as
NumPy, defined here) and returns a figure dict; strings shown by Plotly go through
`plot_text`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from plotly.colors import sample_colorscale

from app.report_page import COLOR, fig_layout, fmt, line_width, plot_text, sig

PLOT_WIDTH_PX = 1150  # the plotting width of a chart on a wide screen (max-width 1400 px)
MAX_POINTS = 4000  # per trace; longer series are thinned evenly (the text says so)
# Paul Tol's colour-blind-safe qualitative set for classes (blue and red first for binary).
CLASS_COLORS = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")
GRID_LINE = "#e3e6ea"


class MlpRun:
    """The result's arrays as NumPy (null → NaN), lanes with checked colours, the summary."""

    def __init__(self, config: dict[str, Any], result: dict[str, Any]):
        self.config = config
        self.meta = result.get("meta") or {}
        arrays = dict(result.get("arrays") or {})
        self.grids = list(arrays.pop("grids", None) or [])
        self.a = {f: np.asarray(v, dtype=np.float64) for f, v in arrays.items()}
        self.summary = {s["lane"]: s for s in (result.get("summary") or [])}
        self.diverged = list(result.get("diverged") or [])
        self.epochs = self.a.get("epochs", np.zeros(0)).astype(np.int64)
        self.lanes = []
        for lane in self.meta.get("lanes", []):
            color = str(lane.get("color", ""))
            ok = COLOR.fullmatch(color)
            self.lanes.append({**lane, "color": color if ok else "#000000", "text": lane["label"]})
        E = len(self.epochs)
        for lane, sm in self.summary.items():  # a diverged lane: nothing from that epoch on
            if sm.get("reason") == "diverged" and sm.get("stopped_epoch") is not None:
                rows = self.epochs >= sm["stopped_epoch"]
                for f, a in self.a.items():
                    if a.ndim >= 2 and a.shape[0] == E and lane < a.shape[1] and f != "active":
                        a[rows, lane] = np.nan
        self.layers = list(self.meta.get("layers") or [])
        self.classify = self.meta.get("task") != "regression"
        self.has_val = bool(self.meta.get("n_val"))

    def series(self, field: str, lane: int) -> np.ndarray:
        a = self.a.get(field)
        return np.full(0, np.nan) if a is None or a.size == 0 else a[:, lane]

    def first_value(self, field: str) -> float | None:
        """The largest finite value of a field's first row (before any update), if any."""
        a = self.a.get(field)
        if a is None or not len(a):
            return None
        row = a[0][np.isfinite(a[0])]
        return float(row.max()) if row.size else None

    def last_row(self, lane: int) -> int | None:
        """Row of the last epoch this lane trained (its stop), or its last finite row."""
        y = self.series("train_loss", lane)
        ok = np.flatnonzero(np.isfinite(y))
        return int(ok[-1]) if ok.size else None

    def grad_row(self, lane: int) -> int | None:
        """The lane's last row whose per-layer gradient norms are all finite and > 0."""
        g = self.a.get("grad_norm")
        if g is None or g.size == 0:
            return None
        rows = np.flatnonzero(np.all(np.isfinite(g[:, lane]) & (g[:, lane] > 0), axis=1))
        return int(rows[-1]) if rows.size else None

    def grad_ratio(self, lane: int) -> float | None:
        """First layer's gradient norm over the last layer's, at `grad_row`."""
        g, r = self.a.get("grad_norm"), self.grad_row(lane)
        if g is None or r is None or g.shape[2] < 2:
            return None
        return float(g[r, lane, 0] / g[r, lane, -1])

    def last_grid(self) -> dict[str, Any] | None:
        return max(self.grids, key=lambda g: g.get("epoch", 0)) if self.grids else None

    def class_name(self, k: int) -> str:
        names = self.meta.get("class_names") or []
        return str(names[k]) if k < len(names) else str(k)

    def stop_phrase(self, lane: dict[str, Any]) -> str:
        s = self.summary.get(lane["lane"], {})
        ep = s.get("stopped_epoch")
        if s.get("reason") == "early_stop":
            patience = (self.config.get("early_stopping") or {}).get("patience")
            restored = (
                f"; the weights of epoch {s.get('best_epoch')} were restored"
                if s.get("restored_best")
                else ""
            )
            return f"stopped early at epoch {ep} after {patience} epochs without improvement" + (
                restored
            )
        if s.get("reason") == "diverged":
            d = s.get("diverged_at") or {}
            return f"diverged at epoch {ep} (iteration {d.get('iteration', '?')})"
        return f"trained all {ep} epochs"


def lw(i: int, n: int) -> float:
    """Line width: earlier lanes drawn thicker, so a later lane on top leaves them seen."""
    return 2.5 + (2.5 * (n - 1 - i) / (n - 1) if n > 1 else 0.0)


def thin(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most `limit` evenly spread points of a series of length n."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))


def mix(color: str, t: float) -> str:
    """`color` blended with white (t = 0: white, 1: the colour)."""
    rgb = [int(color[k : k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(255 + t * (c - 255)):02x}" for c in rgb)


def class_color(k: int) -> str:
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def layer_colors(n: int) -> list[str]:
    """Dark (first layer) to light green (output): a sequential, colour-blind-safe ramp."""
    return sample_colorscale("Viridis", list(np.linspace(0.0, 0.8, n)) if n > 1 else [0.0])


def capped(values: np.ndarray, ref: float | None, log: bool, factor: float) -> float | None:
    """An upper limit for the y axis when a diverging lane would flatten every other curve:
    `factor` × `ref` (a value before training), or None when nothing goes that high."""
    finite = values[np.isfinite(values)]
    if ref is None or not np.isfinite(ref) or ref <= 0 or not finite.size:
        return None
    cap = ref * factor
    return cap if finite.max() > cap else None


def y_range(values: np.ndarray, cap: float, log: bool) -> list[float]:
    finite = values[np.isfinite(values) & ((values > 0) if log else True)]
    lo = float(finite.min()) if finite.size else cap / 10
    if log:
        return [float(np.log10(lo)) - 0.1, float(np.log10(cap))]
    return [min(lo, 0.0), cap]


def log_ticks(values: np.ndarray, cap: float | None = None) -> dict[str, Any]:
    """Tick spacing of a log axis: decades only when it spans more than two, else 1-2-5."""
    finite = values[np.isfinite(values) & (values > 0)]
    if not finite.size:
        return {}
    hi = finite.max() if cap is None else min(cap, finite.max())
    return {"dtick": 1 if np.log10(hi / finite.min()) > 2 else "D2"}


def epoch_axis(run: MlpRun) -> dict[str, Any]:
    last = int(run.epochs[-1]) if len(run.epochs) else 0
    return {
        "title": {"text": "epoch"},
        "rangemode": "tozero",
        **({"dtick": 1} if last <= 12 else {}),
    }


def log_axis(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return finite.size > 0 and bool(np.all(finite > 0))


def panels(n: int, cols: int, gap_x: float = 0.06, gap_y: float = 0.16) -> list[dict[str, Any]]:
    """Axis ids and domains of n small multiples, row by row from the top."""
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    w = (1 - gap_x * (cols - 1)) / cols
    h = (1 - gap_y * (rows - 1)) / rows
    out = []
    for i in range(n):
        r, c = divmod(i, cols)
        x0, y1 = c * (w + gap_x), 1 - r * (h + gap_y)
        k = "" if i == 0 else str(i + 1)
        out.append(
            {
                "x": f"x{k}",
                "y": f"y{k}",
                "xkey": f"xaxis{k}",
                "ykey": f"yaxis{k}",
                "xdomain": [x0, x0 + w],
                "ydomain": [max(0.0, y1 - h), y1],
                "row": r,
                "col": c,
                "bottom": i + cols >= n,  # no panel below: this one shows the x title
            }
        )
    return out


def columns(n: int) -> int:
    """Panels per row for one panel per lane: rows stay full (4 → 4, 5–6 → 3, 7–8 → 4)."""
    return 4 if n in (4, 7, 8) else min(n, 3)


def multi_layout(title: str, n: int, cols: int, row_px: float) -> tuple[dict, list[dict]]:
    """Layout and panels of n small multiples: the figure title on top, two-line panel
    titles above each panel, the legend under the last row, gaps fixed in pixels."""
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    top, bottom, gap = 115, 130, 110
    plot_h = rows * row_px + (rows - 1) * gap
    height = top + bottom + plot_h
    layout = fig_layout("", height=round(height))
    layout["title"] = {
        "text": title,
        "x": 0.01,
        "xref": "container",
        "yref": "container",
        "y": 1 - 12 / height,
        "yanchor": "top",
    }
    layout["margin"] = {"l": 90, "r": 30, "t": top, "b": bottom}
    layout["legend"] = {"orientation": "h", "x": 0, "y": -88 / plot_h, "yanchor": "top"}
    return layout, panels(n, cols, gap_y=gap / plot_h)


def panel_title(p: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": sum(p["xdomain"]) / 2,
        "y": p["ydomain"][1],
        "yshift": 6,
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 17},
    }


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
        for k, layer in enumerate(layers):
            y = g[:, i, k] if g.size else np.zeros(0)
            data.append(
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
        ratio = run.grad_ratio(i)
        title = plot_text(lane["text"])
        if ratio is not None:
            title += f"<br><sup>layer 1 / last layer: {fmt(ratio, 2)}×</sup>"
        notes.append(panel_title(p, title))
        axis = {"gridcolor": GRID_LINE, "zeroline": False}
        layout[p["xkey"]] = {
            **axis,
            **epoch_axis(run),
            "domain": p["xdomain"],
            "anchor": p["y"],
            "title": {"text": "epoch" if p["bottom"] else ""},
        }
        layout[p["ykey"]] = {
            **axis,
            "domain": p["ydomain"],
            "anchor": p["x"],
            "type": "log",
            "range": [lo - pad, hi + pad],
            "dtick": 1 if hi - lo > 3 else "D2",  # no crowd of minor labels
            "exponentformat": "power",
            "title": {"text": "‖∂L/∂W‖" if p["col"] == 0 else ""},
            **({"matches": "y"} if p["y"] != "y" else {}),
        }
    layout["annotations"] = notes
    return {"data": data, "layout": layout}


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
    n = len(run.lanes)
    for k, (layer, p) in enumerate(zip(layers, ps, strict=True)):
        e = edges[k]
        centres, width = (e[:-1] + e[1:]) / 2, e[1] - e[0]
        if hist.size:
            data.append(
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
            )
        for lane in run.lanes:
            i = lane["lane"]
            row = run.last_row(i)
            if not hist.size or row is None:
                continue
            data.append(
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
    elif finite.size:  # constant rates would sit on the frame's edge: pad the range
        lo, hi = float(finite.min()), float(finite.max())
        if log:
            yaxis["range"] = [np.log10(lo) - 0.1, np.log10(hi) + 0.1]
        elif field == "it_lr":
            yaxis["range"] = [min(0.0, lo) * 1.08, max(hi, 0.0) * 1.08 or 1.0]
    layout = fig_layout(
        title,
        xaxis={"title": {"text": f"iteration ({ipe} per epoch)"}, "rangemode": "tozero"},
        yaxis=yaxis,
    )
    return {"data": data, "layout": layout}, window, cap


def _split(pts: dict[str, Any], split: str) -> tuple[np.ndarray, np.ndarray]:
    """A split's points (n, features) and targets (n, 1 or classes); empty if none."""
    X = np.asarray(pts.get(f"X_{split}") or [], dtype=np.float64)
    y = np.asarray(pts.get(f"y_{split}") or [], dtype=np.float64)
    if not len(X):
        return np.zeros((0, 2)), np.zeros((0, 1))
    return X.reshape(len(X), -1), y.reshape(len(X), -1)


def _points(run: MlpRun, p: dict[str, Any], first: bool, scale: dict | None) -> list[dict]:
    """The dataset on one panel: training points filled, validation points hollow."""
    pts = run.meta.get("points") or {}
    out = []
    for split, symbol in (("train", "circle"), ("val", "circle-open")):
        X, y = _split(pts, split)
        if not len(X):
            continue
        name = "training" if split == "train" else "validation"
        hollow = split == "val"
        if scale is not None:  # regression: coloured by the target, on the map's scale
            groups = [(np.ones(len(X), dtype=bool), None, {"color": y[:, 0], **scale})]
        else:
            labels = y[:, 0].astype(np.int64) if y.shape[1] == 1 else y.argmax(axis=1)
            groups = [
                (labels == k, k, {"color": class_color(k)})
                for k in range(max(2, int(run.meta.get("n_classes") or 2)))
            ]
        for mask, k, color in groups:
            if not mask.any():
                continue
            cname = "" if k is None else f"class {run.class_name(k)}, "
            out.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "xaxis": p["x"],
                    "yaxis": p["y"],
                    "name": plot_text(f"{cname}{name}"),
                    "legendgroup": f"{split}{k}",
                    "showlegend": first,
                    "x": sig(X[mask, 0]),
                    "y": sig(X[mask, 1]),
                    "marker": {
                        **color,
                        "symbol": symbol,
                        "size": 9 if hollow else 8,
                        "line": {"width": 2} if hollow else {"color": "#111", "width": 0.8},
                    },
                    "hovertemplate": f"{plot_text(cname + name)} point (%{{x:.3g}}, %{{y:.3g}})"
                    "<extra></extra>",
                }
            )
    return out


def boundary_figure(run: MlpRun) -> dict[str, Any] | None:
    """Each optimizer's last decision boundary over the dataset (2 features), or its
    prediction curve over the points (1 feature); None without a grid."""
    grid, g = run.meta.get("grid"), run.last_grid()
    if grid is None or g is None:
        return None
    values = np.asarray(g["values"], dtype=np.float64)
    xs = np.asarray(grid["x"], dtype=np.float64)
    if grid.get("y") is None:
        return _curve_figure(run, xs, values, g)
    ys = np.asarray(grid["y"], dtype=np.float64)
    kind = g.get("kind")
    cols = columns(len(run.lanes))
    aspect = (ys[-1] - ys[0]) / max(xs[-1] - xs[0], 1e-12)
    row_px = float(np.clip(PLOT_WIDTH_PX * 0.9 / cols * aspect, 240, 620))
    title = "Decision boundaries" if kind != "value" else "Predictions"
    layout, ps = multi_layout(f"{title} after epoch {g.get('epoch')}", len(run.lanes), cols, row_px)
    scale = None
    heat: dict[str, Any] = {
        "type": "heatmap",
        "x": sig(xs),
        "y": sig(ys),
        "zsmooth": "best",
        "hoverinfo": "skip",
    }
    bar = kind != "class"  # classes are told by the points' legend
    if kind == "probability":
        c0, c1 = class_color(0), class_color(1)
        heat.update(
            zmin=0,
            zmax=1,
            colorscale=[[0, mix(c0, 0.45)], [0.5, "#ffffff"], [1, mix(c1, 0.45)]],
            colorbar={"title": {"text": f"p(class {plot_text(run.class_name(1))})"}, "len": 0.6},
        )
    elif kind == "class":
        K = max(2, int(run.meta.get("n_classes") or 2))
        steps = []
        for k in range(K):
            steps += [[k / K, mix(class_color(k), 0.35)], [(k + 1) / K, mix(class_color(k), 0.35)]]
        heat.update(zmin=-0.5, zmax=K - 0.5, colorscale=steps, zsmooth=False)
    else:
        pts = run.meta.get("points") or {}
        target = np.asarray([*(pts.get("y_train") or []), *(pts.get("y_val") or [])], dtype=float)
        both = np.concatenate([values[np.isfinite(values)], target[np.isfinite(target)]])
        lo, hi = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
        scale = {"colorscale": "Viridis", "cmin": lo, "cmax": hi}
        heat.update(
            zmin=lo, zmax=hi, colorscale="Viridis", colorbar={"title": {"text": "prediction"}}
        )
    data: list[dict[str, Any]] = []
    notes = []
    for j, (lane, p) in enumerate(zip(run.lanes, ps, strict=False)):
        z = values[lane["lane"]]
        data.append({**heat, "xaxis": p["x"], "yaxis": p["y"], "z": z, "showscale": j == 0 and bar})
        if kind == "probability":
            data.append(
                {
                    "type": "contour",
                    "xaxis": p["x"],
                    "yaxis": p["y"],
                    "x": sig(xs),
                    "y": sig(ys),
                    "z": z,
                    "showscale": False,
                    "contours": {"start": 0.5, "end": 0.5, "size": 1, "coloring": "none"},
                    "line": {"color": "#111", "width": 2.5},
                    "name": "p = 0.5",
                    "hoverinfo": "skip",
                    "showlegend": j == 0,
                }
            )
        data += _points(run, p, j == 0, scale)
        sm = run.summary.get(lane["lane"], {})
        acc = sm.get("final_val_acc")
        sub = f"val acc {acc:.0%}" if run.classify and acc is not None and acc == acc else ""
        if sm.get("reason") == "diverged":
            sub = f"diverged at epoch {sm.get('stopped_epoch')}: no boundary"
        notes.append(
            panel_title(p, plot_text(lane["text"]) + (f"<br><sup>{sub}</sup>" if sub else ""))
        )
        names = run.meta.get("feature_names") or ["x1", "x2"]
        layout[p["xkey"]] = {
            "domain": p["xdomain"],
            "anchor": p["y"],
            "range": [float(xs[0]), float(xs[-1])],
            "title": {"text": plot_text(names[0]) if p["bottom"] else ""},
            "constrain": "domain",
            "showgrid": False,
        }
        layout[p["ykey"]] = {
            "domain": p["ydomain"],
            "anchor": p["x"],
            "range": [float(ys[0]), float(ys[-1])],
            "title": {"text": plot_text(names[1]) if p["col"] == 0 else ""},
            "scaleanchor": p["x"],
            "constrain": "domain",
            "showgrid": False,
        }
    layout["annotations"] = notes
    return {"data": data, "layout": layout}


def _curve_figure(run: MlpRun, xs: np.ndarray, values: np.ndarray, g: dict) -> dict[str, Any]:
    """One feature: the points (train filled, validation hollow) and every lane's curve."""
    pts = run.meta.get("points") or {}
    data: list[dict[str, Any]] = []
    for split, symbol in (("train", "circle"), ("val", "circle-open")):
        X, y = _split(pts, split)
        if len(X):
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": "training points" if split == "train" else "validation points",
                    "x": sig(X[:, 0]),
                    "y": sig(y[:, 0]),
                    "marker": {
                        "symbol": symbol,
                        "size": 8,
                        "color": "#555",
                        "line": {"width": 2 if split == "val" else 0},
                    },
                }
            )
    n = len(run.lanes)
    for lane in run.lanes:
        i = lane["lane"]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": plot_text(lane["text"]),
                "x": sig(xs),
                "y": sig(values[i]),
                "line": {"color": lane["color"], "width": lw(i, n)},
                "hovertemplate": "x=%{x:.3g}: %{y:.4g}<extra>%{fullData.name}</extra>",
            }
        )
    names = run.meta.get("feature_names") or ["x"]
    layout = fig_layout(
        f"Predictions after epoch {g.get('epoch')}",
        xaxis={"title": {"text": plot_text(names[0])}},
        yaxis={"title": {"text": "target"}},
        height=560,
    )
    return {"data": data, "layout": layout}

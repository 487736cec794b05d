"""The MLP report's data and layout helpers: `MlpRun` (the result's arrays as NumPy), colours,
thinning, axis ranges and the small-multiples grid the figures share."""

from __future__ import annotations

from typing import Any

import numpy as np
from plotly.colors import sample_colorscale

from app.report.page import COLOR, fig_layout

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

"""The MLP report's decision boundaries (classification on two features) or prediction curves
(regression on one), one small panel per optimizer, with the training and validation points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.report.page import fig_layout, plot_text, sig
from app.report.training_run import (
    PLOT_WIDTH_PX,
    MlpRun,
    class_color,
    columns,
    lw,
    mix,
    multi_layout,
    panel_title,
)


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
    heat, scale = _heat_style(run, kind, values, xs, ys)
    bar = kind != "class"  # classes are told by the points' legend
    data: list[dict[str, Any]] = []
    notes = []
    for j, (lane, p) in enumerate(zip(run.lanes, ps, strict=False)):
        z = values[lane["lane"]]
        data.append({**heat, "xaxis": p["x"], "yaxis": p["y"], "z": z, "showscale": j == 0 and bar})
        if kind == "probability":
            data.append(_half_line(p, xs, ys, z, j == 0))
        data += _points(run, p, j == 0, scale)
        notes.append(panel_title(p, _panel_text(run, lane)))
        layout.update(_panel_axes(run, p, xs, ys))
    layout["annotations"] = notes
    return {"data": data, "layout": layout}


def _heat_style(
    run: MlpRun, kind: str | None, values: np.ndarray, xs: np.ndarray, ys: np.ndarray
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The heat map every panel shares (its colours by what the grid holds: a probability,
    a class or a value), and the colour scale the points share with a value map."""
    heat: dict[str, Any] = {
        "type": "heatmap",
        "x": sig(xs),
        "y": sig(ys),
        "zsmooth": "best",
        "hoverinfo": "skip",
    }
    if kind == "probability":
        c0, c1 = class_color(0), class_color(1)
        heat.update(
            zmin=0,
            zmax=1,
            colorscale=[[0, mix(c0, 0.45)], [0.5, "#ffffff"], [1, mix(c1, 0.45)]],
            colorbar={"title": {"text": f"p(class {plot_text(run.class_name(1))})"}, "len": 0.6},
        )
        return heat, None
    if kind == "class":
        K = max(2, int(run.meta.get("n_classes") or 2))
        steps = []
        for k in range(K):
            steps += [[k / K, mix(class_color(k), 0.35)], [(k + 1) / K, mix(class_color(k), 0.35)]]
        heat.update(zmin=-0.5, zmax=K - 0.5, colorscale=steps, zsmooth=False)
        return heat, None
    pts = run.meta.get("points") or {}
    target = np.asarray([*(pts.get("y_train") or []), *(pts.get("y_val") or [])], dtype=float)
    both = np.concatenate([values[np.isfinite(values)], target[np.isfinite(target)]])
    lo, hi = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
    heat.update(zmin=lo, zmax=hi, colorscale="Viridis", colorbar={"title": {"text": "prediction"}})
    return heat, {"colorscale": "Viridis", "cmin": lo, "cmax": hi}


def _half_line(p: dict[str, Any], xs: np.ndarray, ys: np.ndarray, z: Any, first: bool) -> dict:
    """The p = 0.5 contour: the decision boundary itself."""
    return {
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
        "showlegend": first,
    }


def _panel_text(run: MlpRun, lane: dict[str, Any]) -> str:
    """A panel's title: the lane, and its validation accuracy or where it diverged."""
    sm = run.summary.get(lane["lane"], {})
    acc = sm.get("final_val_acc")
    sub = f"val acc {acc:.0%}" if run.classify and acc is not None and acc == acc else ""
    if sm.get("reason") == "diverged":
        sub = f"diverged at epoch {sm.get('stopped_epoch')}: no boundary"
    return plot_text(lane["text"]) + (f"<br><sup>{sub}</sup>" if sub else "")


def _panel_axes(run: MlpRun, p: dict[str, Any], xs: np.ndarray, ys: np.ndarray) -> dict:
    """A panel's two axes: the data's range, square cells, titles on the outer panels."""
    names = run.meta.get("feature_names") or ["x1", "x2"]
    return {
        p["xkey"]: {
            "domain": p["xdomain"],
            "anchor": p["y"],
            "range": [float(xs[0]), float(xs[-1])],
            "title": {"text": plot_text(names[0]) if p["bottom"] else ""},
            "constrain": "domain",
            "showgrid": False,
        },
        p["ykey"]: {
            "domain": p["ydomain"],
            "anchor": p["x"],
            "range": [float(ys[0]), float(ys[-1])],
            "title": {"text": plot_text(names[1]) if p["col"] == 0 else ""},
            "scaleanchor": p["x"],
            "constrain": "domain",
            "showgrid": False,
        },
    }


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

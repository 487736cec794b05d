"""A sweep table's two pictures, as plotly figure dicts (the notebook API's `.figure()`).

Sensitivity curves: the metric against one numeric axis (a learning rate: log x), one curve
per value of a categorical axis (an optimizer) in the lanes' colours, the median over every
other axis (seeds) with the inter-quartile band. A diverged or failed cell counts as +∞ (or
−∞ when higher is better) in the median, so a rate where most seeds diverge reads as
"diverged", drawn as an ✕ on the top edge. The heat map: the median over the other axes for
two numeric axes. The dashboard's Sweep tab draws the same (static/js/sweep/).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.kinds.stream import color


def numeric_axes(doc: dict[str, Any]) -> list[str]:
    return [p for p, v in doc["axes"].items()
            if all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)]  # fmt: skip


def default_x(doc: dict[str, Any]) -> str:
    """The axis of a sensitivity plot: a learning rate if swept, else the first numeric."""
    nums = numeric_axes(doc)
    rates = [p for p in nums if p.endswith(".lr") or p.endswith("lr")]
    if not (rates or nums):
        raise ValueError("a sensitivity plot needs a numeric axis (such as a learning rate)")
    return (rates or nums)[0]


def default_color(doc: dict[str, Any], x: str) -> str | None:
    """One curve per value of this axis: the first categorical one (an optimizer's name)."""
    others = [p for p in doc["axes"] if p != x]
    cats = [p for p in others if p not in numeric_axes(doc)]
    named = [p for p in cats if p.endswith(".name")]
    return (named or cats or [None])[0]


def _score(cell: dict[str, Any], worst: float) -> float:
    if cell["status"] != "done" or cell["diverged"] or cell["value"] is None:
        return worst
    return float(cell["value"])


def groups(doc: dict[str, Any], keys: list[str]) -> dict[tuple, list[float]]:
    """The cells' scores (diverged: the worst end) grouped by their values of `keys`."""
    worst = -math.inf if doc["higher_is_better"] else math.inf
    out: dict[tuple, list[float]] = {}
    for cell in doc["cells"]:
        if cell["status"] == "pending":
            continue
        key = tuple(_key(cell["point"][k]) for k in keys)
        out.setdefault(key, []).append(_score(cell, worst))
    return out


def _key(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def quartiles(scores: list[float]) -> tuple[float, float, float]:
    """(q25, median, q75) as numpy's default (linear) percentiles, ±∞ kept in order."""
    a = np.sort(np.asarray(scores, dtype=np.float64))
    return tuple(_percentile(a, q) for q in (25, 50, 75))  # type: ignore[return-value]


def _percentile(a: np.ndarray, q: float) -> float:
    pos = (len(a) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    if lo == hi or a[lo] == a[hi]:
        return float(a[lo])
    if not (math.isfinite(a[lo]) and math.isfinite(a[hi])):
        return float(a[hi])  # between a number and ±∞: the band reaches the edge
    return float(a[lo] + (a[hi] - a[lo]) * (pos - lo))


def sensitivity(doc: dict[str, Any], x: str | None = None, by: str | None = None,
                log_y: bool = True) -> dict[str, Any]:  # fmt: skip
    """Curves of the metric against `x` (default: the learning rate), one per value of `by`
    (default: the optimizer), median and inter-quartile band over the other axes."""
    x = x or default_x(doc)
    by = by if by is not None else default_color(doc, x)
    keys = [x] + ([by] if by else [])
    stats = {k: quartiles(v) for k, v in groups(doc, keys).items()}
    xs = doc["axes"][x]
    series = doc["axes"][by] if by else [None]
    finite = [v for q in stats.values() for v in q if math.isfinite(v)]
    top = max(finite) if finite else 1.0
    traces: list[dict[str, Any]] = []
    for i, value in enumerate(series):
        c = color(i)
        rows = [(xv, stats.get((xv, _key(value)) if by else (xv,))) for xv in xs]
        rows = [(xv, q) for xv, q in rows if q is not None]
        name = str(value) if by else doc["metric"]
        edge = lambda v: v if math.isfinite(v) else top  # noqa: E731 - the band's clip
        band_x = [xv for xv, _ in rows] + [xv for xv, _ in reversed(rows)]
        band_y = [edge(q[2]) for _, q in rows] + [edge(q[0]) for _, q in reversed(rows)]
        traces.append({"type": "scatter", "x": band_x, "y": band_y, "fill": "toself",
                       "fillcolor": c + "33", "line": {"width": 0}, "hoverinfo": "skip",
                       "showlegend": False, "legendgroup": name})  # fmt: skip
        traces.append({"type": "scatter", "mode": "lines+markers", "name": name,
                       "legendgroup": name, "x": [xv for xv, _ in rows],
                       "y": [q[1] if math.isfinite(q[1]) else None for _, q in rows],
                       "line": {"color": c, "width": 3},
                       "marker": {"color": c, "size": 7}})  # fmt: skip
        gone = [xv for xv, q in rows if not math.isfinite(q[1])]
        if gone:
            traces.append({"type": "scatter", "mode": "markers", "name": f"{name}: diverged",
                           "legendgroup": name, "x": gone, "y": [top] * len(gone),
                           "marker": {"symbol": "x", "size": 12, "color": c}})  # fmt: skip
    return {
        "data": traces,
        "layout": {
            "title": {"text": f"{doc['metric']} vs {x} (median, IQR band)"},
            "xaxis": {"title": {"text": x}, "type": "log" if _positive(xs) else "linear"},
            "yaxis": {
                "title": {"text": doc["metric"]},
                "type": "log" if log_y and _positive(finite) else "linear",
            },  # fmt: skip
            "legend": {"orientation": "h"},
        },
    }


def _positive(values: list[Any]) -> bool:
    return bool(values) and all(isinstance(v, int | float) and v > 0 for v in values)


def heatmap(doc: dict[str, Any], x: str | None = None, y: str | None = None) -> dict[str, Any]:
    """The median metric over the other axes, for two numeric axes."""
    nums = numeric_axes(doc)
    x = x or default_x(doc)
    y = y or next((p for p in nums if p != x), None)
    if y is None:
        raise ValueError("a heat map needs two numeric axes")
    stats = {k: quartiles(v)[1] for k, v in groups(doc, [x, y]).items()}
    z = [[_finite(stats.get((xv, yv))) for xv in doc["axes"][x]] for yv in doc["axes"][y]]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": doc["axes"][x],
                "y": doc["axes"][y],
                "z": z,
                "colorscale": "Viridis",
                "reversescale": not doc["higher_is_better"],
                "colorbar": {"title": {"text": doc["metric"]}},
            }
        ],  # fmt: skip
        "layout": {
            "title": {"text": f"median {doc['metric']} (blank: diverged)"},
            "xaxis": {"title": {"text": x}, "type": "log" if _positive(doc["axes"][x]) else "-"},
            "yaxis": {"title": {"text": y}, "type": "log" if _positive(doc["axes"][y]) else "-"},
        },
    }


def _finite(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None

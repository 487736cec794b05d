"""The race report's data and figures: `RaceRun` (the result's arrays as NumPy, lanes with
display labels), the paths on the surface, the curves against step and the learning rate.
Strings shown by Plotly go through `plot_text`."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.kinds import race
from app.report.page import COLOR, esc, fig_layout, fmt, line_width, plot_text, sig

GRID_N = 160
# A muted blue-grey ramp, so Okabe–Ito paths (yellow and black included) stay visible.
SURFACE_SCALE = [[0.0, "#ffffff"], [0.35, "#dde4ec"], [0.7, "#aab6c4"], [1.0, "#6f7f91"]]
END_SYMBOLS = ("diamond", "square", "star", "hexagon", "pentagon", "cross", "hourglass", "bowtie")
KIND_SYMBOLS = {"min": "circle", "saddle": "x", "max": "triangle-up"}


def point_text(xy: Any) -> str:
    return f"({fmt(xy[0], 3)}, {fmt(xy[1], 3)})"


# ---------------------------------------------------------------------------- the run's data


class RaceRun:
    """The result's arrays as NumPy, lanes with display labels, summary and divergences."""

    def __init__(self, config: dict[str, Any], result: dict[str, Any]):
        self.config = config
        self.meta = result.get("meta") or {}
        arrays = result.get("arrays") or {}
        self.a = {f: np.asarray(arrays[f], dtype=np.float64) for f in arrays}
        self.summary = {s["lane"]: s for s in (result.get("summary") or [])}
        self.diverged = list(result.get("diverged") or [])
        self.steps = int(config["steps"])
        multi = len(config["starts"]) > 1
        self.lanes = []
        for lane in self.meta.get("lanes", []):
            color = lane.get("color", "")
            self.lanes.append(
                {
                    **lane,
                    "color": color if COLOR.fullmatch(str(color)) else "#000000",
                    "text": lane["label"] + (f" · start {lane['start'] + 1}" if multi else ""),
                }
            )
        self.info = self.meta.get("surface") or {}

    def series(self, field: str, lane: int) -> np.ndarray:
        a = self.a.get(field)
        return np.full(0, np.nan) if a is None or a.size == 0 else a[:, lane]

    def path(self, lane: int) -> np.ndarray:
        xy = self.a["xy"][:, lane]
        ok = np.flatnonzero(np.all(np.isfinite(xy), axis=-1))
        return xy[: ok[-1] + 1] if ok.size else xy[:0]

    def phrase(self, lane: dict[str, Any]) -> str:
        """One lane's outcome in words (escaped)."""
        s = self.summary.get(lane["lane"], {})
        if s.get("diverged_at") is not None:
            return f"{esc(lane['text'])} diverged at step {s['diverged_at']}"
        c = s.get("converged_at")
        if c is not None:
            loss = self.series("loss", lane["lane"])
            near = s.get("nearest_min") or s.get("nearest") or {}
            where = f" near the minimum at {point_text(near['xy'])}" if near else ""
            return (
                f"{esc(lane['text'])} reached f={fmt(loss[c], 3)} at step {c}{where}"
                f" (final f={fmt(s.get('final_loss'), 3)})"
            )
        near = s.get("nearest")
        where = f", nearest the {near['kind']} at {point_text(near['xy'])}" if near else ""
        return (
            f"{esc(lane['text'])} ended at f={fmt(s.get('final_loss'), 3)} after "
            f"{self.steps} steps{where}"
        )


# ---------------------------------------------------------------------------- figures


def surface_figure(run: RaceRun) -> tuple[dict[str, Any], str]:
    """The paths on the surface's contour, with its critical points, the starts, each
    lane's end marker and where a lane diverged; and a note on the colour scale."""
    surface = race.build_surface(run.config["surface"])
    (x0, x1), (y0, y1) = surface.domain
    contour, note = _contour(surface)
    data = [
        contour,
        *_critical_markers(run, surface.domain),
        _start_markers(run),
        *(t for lane in run.lanes for t in _lane_traces(run, lane)),
        *(_divergence_marker(run, ev, surface.domain) for ev in run.diverged),
    ]
    square = 1 / 3 <= (x1 - x0) / (y1 - y0) <= 3
    layout = fig_layout(
        f"{plot_text(surface.name)}: optimizer paths",
        height=880,
        xaxis={"title": {"text": "x"}, "range": [x0, x1], "constrain": "domain"},
        yaxis={
            "title": {"text": "y"},
            "range": [y0, y1],
            "constrain": "domain",
            **({"scaleanchor": "x", "scaleratio": 1} if square else {}),
        },
        legend={"orientation": "h", "y": -0.12},
    )
    return {"data": data, "layout": layout}, note


def _contour(surface: Any) -> tuple[dict[str, Any], str]:
    """The filled contour (log-scaled for surfaces that want it) and its colour note."""
    grid = race.contour_grid(surface, GRID_N)
    z = np.asarray(grid["z"], dtype=np.float64)
    zmin, zmax = grid["zmin"], grid["zmax"]
    log = bool(surface.log_scale) and zmin is not None
    note = "colour: f"
    if log:
        eps = max(1e-12, 1e-6 * (zmax - zmin))
        with np.errstate(all="ignore"):
            z = np.log10(z - zmin + eps)
        note = (
            f"colour: log₁₀(f − f_min + ε), f_min = {zmin:.3g} (the lowest value on the "
            f"grid), ε = {eps:.2g}"
        )
    trace = {
        "type": "contour",
        "x": sig(grid["x"]),
        "y": sig(grid["y"]),
        "z": sig(z),
        "colorscale": SURFACE_SCALE,
        "ncontours": 28,
        "showlegend": False,
        "name": "surface",
        "contours": {"coloring": "fill", "showlines": True},
        "line": {"width": 0.6, "color": "rgba(40,50,60,0.35)"},
        "colorbar": {"title": {"text": "log₁₀(f − f_min + ε)" if log else "f"}, "len": 0.8},
        "hovertemplate": "x=%{x:.3f}<br>y=%{y:.3f}<br>"
        + ("log₁₀=%{z:.3f}" if log else "f=%{z:.4g}")
        + "<extra></extra>",
    }
    return trace, note


def _critical_markers(run: RaceRun, domain: Any) -> list[dict[str, Any]]:
    """One labelled marker trace per kind of critical point inside the domain (≤ 40 each)."""
    (x0, x1), (y0, y1) = domain
    inside = [
        c
        for c in run.info.get("critical_points", [])
        if x0 <= c["xy"][0] <= x1 and y0 <= c["xy"][1] <= y1
    ]
    traces = []
    for kind, symbol in KIND_SYMBOLS.items():
        pts = [c for c in inside if c["kind"] == kind][:40]
        if pts:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers+text",
                    "name": f"{kind} (critical point)",
                    "x": [c["xy"][0] for c in pts],
                    "y": [c["xy"][1] for c in pts],
                    "text": [f"{kind} {fmt(c['value'], 3)}" for c in pts],
                    "textposition": "top center",
                    "textfont": {"size": 15, "color": "#111"},
                    "cliponaxis": False,
                    "marker": {
                        "symbol": symbol,
                        "size": 13,
                        "color": "#ffffff",
                        "line": {"color": "#111111", "width": 2.5},
                    },
                    "hovertemplate": "%{text} at (%{x:.3f}, %{y:.3f})<extra></extra>",
                }
            )
    return traces


def _start_markers(run: RaceRun) -> dict[str, Any]:
    starts = np.asarray(run.config["starts"], dtype=np.float64)
    return {
        "type": "scatter",
        "mode": "markers+text",
        "name": "start",
        "x": starts[:, 0],
        "y": starts[:, 1],
        "textposition": "bottom center",
        "text": ["start" if len(starts) == 1 else f"start {i + 1}" for i in range(len(starts))],
        "marker": {
            "symbol": "circle",
            "size": 16,
            "color": "#111111",
            "line": {"color": "#ffffff", "width": 2},
        },
        "hovertemplate": "%{text} (%{x:.3f}, %{y:.3f})<extra></extra>",
    }


def _lane_traces(run: RaceRun, lane: dict[str, Any]) -> list[dict[str, Any]]:
    """A lane's path, and its end marker unless it diverged."""
    i, color, name = lane["lane"], lane["color"], plot_text(lane["text"])
    xy = run.path(i)
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": name,
            "legendgroup": f"lane{i}",
            "x": sig(xy[:, 0]),
            "y": sig(xy[:, 1]),
            "line": {"color": color, "width": line_width(i, len(run.lanes))},
            "hovertemplate": "step %{pointNumber}: (%{x:.4g}, %{y:.4g})"
            "<extra>%{fullData.name}</extra>",
        }
    ]
    if len(xy) and run.summary.get(i, {}).get("diverged_at") is None:
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "legendgroup": f"lane{i}",
                "showlegend": False,
                "x": [xy[-1, 0]],
                "y": [xy[-1, 1]],
                "marker": {
                    "symbol": END_SYMBOLS[lane["optimizer"] % len(END_SYMBOLS)],
                    "size": 17,
                    "color": color,
                    "line": {"color": "#111", "width": 2},
                },
                "hovertemplate": "end (%{x:.4g}, %{y:.4g})<extra>%{fullData.name}</extra>",
            }
        )
    return traces


def _divergence_marker(run: RaceRun, ev: dict[str, Any], domain: Any) -> dict[str, Any]:
    """An ✕ where a lane diverged, kept inside the frame, labelled towards the middle."""
    (x0, x1), (y0, y1) = domain
    lane = run.lanes[ev["lane"]]
    last = ev.get("last_xy") or run.config["starts"][lane["start"]]
    mx, my = 0.03 * (x1 - x0), 0.03 * (y1 - y0)  # keep the marker inside the frame
    shown = [
        float(np.clip(last[0], x0 + mx, x1 - mx)),
        float(np.clip(last[1], y0 + my, y1 - my)),
    ]
    off = " (last point outside the view)" if shown != [last[0], last[1]] else ""
    side = "left" if shown[0] > (x0 + x1) / 2 else "right"
    return {
        "type": "scatter",
        "mode": "markers+text",
        "legendgroup": f"lane{ev['lane']}",
        "name": plot_text(lane["text"]),
        "showlegend": False,
        "cliponaxis": False,
        "x": [shown[0]],
        "y": [shown[1]],
        "textposition": f"middle {side}",
        "text": [f"diverged at step {ev['step']}"],
        "textfont": {"size": 16, "color": "#111"},
        "marker": {
            "symbol": "x-thin-open",
            "size": 22,
            "color": lane["color"],
            "line": {"color": lane["color"], "width": 4},
        },
        "hovertemplate": f"%{{text}}{off}<br>{plot_text(ev.get('reason', ''))}"
        "<extra>%{fullData.name}</extra>",
    }


def curves_figure(run: RaceRun, field: str, title: str, ytitle: str) -> tuple[dict, str]:
    """Loss or gradient norm against step for every lane, log y where the values allow."""
    values = np.concatenate([run.series(field, l["lane"]) for l in run.lanes] or [[]])
    finite = values[np.isfinite(values)]
    shift, note = 0.0, ""
    log = finite.size > 0 and bool(np.all(finite > 0))
    if field == "loss" and finite.size and not log:
        mins = [c["value"] for c in run.info.get("critical_points", []) if c["kind"] == "min"]
        ref = min(mins) if mins else None
        if ref is not None and np.all(finite >= ref - 1e-12 * max(1.0, abs(ref))):
            shift, log, ytitle = ref, True, f"f − f_min (f_min = {ref:.4g})"
            note = f" The y axis shows f − f_min on a log scale, with f_min = {ref:.4g}."
        else:
            note = " The loss takes values ≤ 0 here, so the y axis is linear."
    data = [t for lane in run.lanes for t in _curve_traces(run, lane, field, shift, log)]
    layout = fig_layout(
        title,
        xaxis={"title": {"text": "step"}},
        yaxis={
            "title": {"text": ytitle},
            "type": "log" if log else "linear",
            "exponentformat": "power",
        },
    )
    return {"data": data, "layout": layout}, note


def _curve_traces(
    run: RaceRun, lane: dict[str, Any], field: str, shift: float, log: bool
) -> list[dict[str, Any]]:
    """A lane's curve, and an ✕ at its last drawable point if it diverged."""
    i = lane["lane"]
    y = run.series(field, i) - shift
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": plot_text(lane["text"]),
            "legendgroup": f"lane{i}",
            "y": sig(y),
            "line": {"color": lane["color"], "width": line_width(i, len(run.lanes))},
            "hovertemplate": "step %{x}: %{y:.4g}<extra>%{fullData.name}</extra>",
        }
    ]
    d = run.summary.get(i, {}).get("diverged_at")
    ok = np.flatnonzero(np.isfinite(y) & ((y > 0) if log else True))
    if d is not None and ok.size:
        k = int(ok[-1])
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "showlegend": False,
                "legendgroup": f"lane{i}",
                "name": plot_text(lane["text"]),
                "x": [k],
                "y": [y[k]],
                "text": [f"diverged at step {d}"],
                "textposition": "top right",
                "textfont": {"size": 15},
                "marker": {
                    "symbol": "x-thin-open",
                    "size": 18,
                    "color": lane["color"],
                    "line": {"color": lane["color"], "width": 4},
                },
                "hovertemplate": "%{text}<extra>%{fullData.name}</extra>",
            }
        )
    return traces


def lr_figure(run: RaceRun) -> dict[str, Any]:
    data, seen = [], set()
    for lane in run.lanes:  # one curve per optimizer: every start shares its schedule
        if lane["optimizer"] in seen:
            continue
        seen.add(lane["optimizer"])
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": plot_text(lane["label"]),
                "y": sig(run.series("lr", lane["lane"])),
                "line": {
                    "color": lane["color"],
                    "width": line_width(lane["optimizer"], len(run.config["optimizers"])),
                },
                "hovertemplate": "step %{x}: lr=%{y:.4g}<extra>%{fullData.name}</extra>",
            }
        )
    return {
        "data": data,
        "layout": fig_layout(
            "Learning rate",
            xaxis={"title": {"text": "step"}},
            yaxis={"title": {"text": "learning rate"}, "exponentformat": "power"},
        ),
    }


# ---------------------------------------------------------------------------- text

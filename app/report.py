"""A standalone HTML report of a run: Plotly figures, tables and text summaries.

    html = render_report(config, result)   # result: results.result_from_events(events)

Surface races are drawn here; MLP runs by app.report_mlp (figures in app.report_figures);
both build on the page shell and helpers in app.report_page, which imports neither.

It works offline: Plotly.js is inlined from the installed `plotly` package, never fetched
from a CDN. Every user-provided string (labels, formulas) is HTML-escaped, and the figure
data travels as JSON in a `<script type="application/json">` block with `<`, `>` and `&`
written as \\u escapes, so no label can close a tag. Colours come from the run's meta
(Okabe–Ito), and every chart has a text summary for screen readers under it.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from app.kinds import race
from app.report_mlp import render_mlp_report
from app.report_page import (
    COLOR,
    esc,
    fig_layout,
    figure_block,
    fmt,
    line_width,
    page,
    params_html,
    plot_text,
    schedule_html,
    sig,
    swatch,
)
from app.routers.catalog import grid_of

GRID_N = 160
# A muted blue-grey ramp, so Okabe–Ito paths (yellow and black included) stay visible.
SURFACE_SCALE = [[0.0, "#ffffff"], [0.35, "#dde4ec"], [0.7, "#aab6c4"], [1.0, "#6f7f91"]]
END_SYMBOLS = ("diamond", "square", "star", "hexagon", "pentagon", "cross", "hourglass", "bowtie")
KIND_SYMBOLS = {"min": "circle", "saddle": "x", "max": "triangle-up"}


def _pt(xy: Any) -> str:
    return f"({fmt(xy[0], 3)}, {fmt(xy[1], 3)})"


# ---------------------------------------------------------------------------- the run's data


class _Run:
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
            where = f" near the minimum at {_pt(near['xy'])}" if near else ""
            return (
                f"{esc(lane['text'])} reached f={fmt(loss[c], 3)} at step {c}{where}"
                f" (final f={fmt(s.get('final_loss'), 3)})"
            )
        near = s.get("nearest")
        where = f", nearest the {near['kind']} at {_pt(near['xy'])}" if near else ""
        return (
            f"{esc(lane['text'])} ended at f={fmt(s.get('final_loss'), 3)} after "
            f"{self.steps} steps{where}"
        )


# ---------------------------------------------------------------------------- figures


def _surface_figure(run: _Run) -> tuple[dict[str, Any], str]:
    surface = race.build_surface(run.config["surface"])
    grid = grid_of(surface, GRID_N)
    z = np.asarray(grid["z"], dtype=np.float64)
    (x0, x1), (y0, y1) = surface.domain
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
    data: list[dict[str, Any]] = [
        {
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
    ]
    inside = [
        c
        for c in run.info.get("critical_points", [])
        if x0 <= c["xy"][0] <= x1 and y0 <= c["xy"][1] <= y1
    ]
    for kind, symbol in KIND_SYMBOLS.items():
        pts = [c for c in inside if c["kind"] == kind][:40]
        if pts:
            data.append(
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
    starts = np.asarray(run.config["starts"], dtype=np.float64)
    data.append(
        {
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
    )
    for lane in run.lanes:
        i, color, name = lane["lane"], lane["color"], plot_text(lane["text"])
        xy = run.path(i)
        data.append(
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
        )
        if len(xy) and run.summary.get(i, {}).get("diverged_at") is None:
            data.append(
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
    for ev in run.diverged:
        lane = run.lanes[ev["lane"]]
        last = ev.get("last_xy") or run.config["starts"][lane["start"]]
        mx, my = 0.03 * (x1 - x0), 0.03 * (y1 - y0)  # keep the marker inside the frame
        shown = [
            float(np.clip(last[0], x0 + mx, x1 - mx)),
            float(np.clip(last[1], y0 + my, y1 - my)),
        ]
        off = " (last point outside the view)" if shown != [last[0], last[1]] else ""
        side = "left" if shown[0] > (x0 + x1) / 2 else "right"
        data.append(
            {
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
        )
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


def _curves_figure(run: _Run, field: str, title: str, ytitle: str) -> tuple[dict, str]:
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
    data = []
    for lane in run.lanes:
        i = lane["lane"]
        y = run.series(field, i) - shift
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": plot_text(lane["text"]),
                "legendgroup": f"lane{i}",
                "y": sig(y),
                "line": {"color": lane["color"], "width": line_width(i, len(run.lanes))},
                "hovertemplate": "step %{x}: %{y:.4g}<extra>%{fullData.name}</extra>",
            }
        )
        d = run.summary.get(i, {}).get("diverged_at")
        ok = np.flatnonzero(np.isfinite(y) & ((y > 0) if log else True))
        if d is not None and ok.size:
            k = int(ok[-1])
            data.append(
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


def _lr_figure(run: _Run) -> dict[str, Any]:
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


def _surface_text(run: _Run, note: str) -> str:
    dom = run.info.get("domain") or [[0, 0], [0, 0]]
    kinds = [c["kind"] for c in run.info.get("critical_points", [])]
    counts = ", ".join(f"{kinds.count(k)} {k}" for k in ("min", "saddle", "max") if k in kinds)
    lanes = "; ".join(run.phrase(l) for l in run.lanes)
    return (
        f"Contour map of {esc(run.info.get('name', 'the surface'))} for x in "
        f"[{fmt(dom[0][0])}, {fmt(dom[0][1])}] and y in [{fmt(dom[1][0])}, "
        f"{fmt(dom[1][1])}] ({esc(note)}); critical points marked: {counts or 'none'}. "
        f"{lanes}."
    )


def _grad_text(run: _Run) -> str:
    parts = []
    for lane in run.lanes:
        g = run.series("grad_norm", lane["lane"])
        ok = np.flatnonzero(np.isfinite(g))
        d = run.summary.get(lane["lane"], {}).get("diverged_at")
        if not ok.size:
            parts.append(f"{esc(lane['text'])}: no finite gradient norm")
            continue
        end = f"diverged at step {d}" if d is not None else f"{fmt(g[ok[-1]], 3)} at step {ok[-1]}"
        parts.append(f"{esc(lane['text'])}: gradient norm {fmt(g[ok[0]], 3)} at the start, {end}")
    return "; ".join(parts) + "."


def _lr_text(run: _Run) -> str:
    parts, seen = [], set()
    for lane in run.lanes:
        if lane["optimizer"] in seen:
            continue
        seen.add(lane["optimizer"])
        lr = run.series("lr", lane["lane"])[1:]
        sched = (run.config["optimizers"][lane["optimizer"]].get("schedule") or {}).get(
            "name", "constant"
        )
        if lr.size == 0 or not np.isfinite(lr).any():
            parts.append(f"{esc(lane['label'])}: {esc(sched)} schedule")
            continue
        lo, hi = np.nanmin(lr), np.nanmax(lr)
        if lo == hi:
            parts.append(f"{esc(lane['label'])}: {esc(sched)} schedule, lr {fmt(lo, 3)} throughout")
            continue
        parts.append(
            f"{esc(lane['label'])}: {esc(sched)} schedule, lr {fmt(lr[0], 3)} at "
            f"step 1 to {fmt(lr[-1], 3)} at step {len(lr)} (between {fmt(lo, 3)} "
            f"and {fmt(hi, 3)})"
        )
    return "; ".join(parts) + "."


def _config_html(run: _Run) -> str:
    cfg = run.config
    rows = []
    for i, o in enumerate(cfg["optimizers"]):
        lane = next((l for l in run.lanes if l["optimizer"] == i), None)
        sched = o.get("schedule")
        sched_text = schedule_html(sched)
        rows.append(
            f"<tr><td>{swatch(lane) if lane else ''}{esc(lane['label'] if lane else o['name'])}"
            f"</td><td>{esc(o['name'])}</td><td>{params_html(o.get('params'))}</td>"
            f"<td>{sched_text}</td><td>{fmt(o['clip_norm']) if o.get('clip_norm') else 'off'}"
            "</td></tr>"
        )
    noise = cfg.get("noise") or {}
    if noise.get("batch_size"):
        noise_text = f"simulated minibatch of {noise['batch_size']} (σ = {noise.get('sigma') or 1})"
    elif noise.get("sigma"):
        noise_text = f"Gaussian, σ = {noise['sigma']}"
    else:
        noise_text = "none"
    starts = ", ".join(_pt(s) for s in cfg["starts"])
    return (
        "<table><caption>Optimizers</caption><thead><tr><th scope=col>Label</th>"
        "<th scope=col>Optimizer</th><th scope=col>Parameters</th><th scope=col>Schedule</th>"
        "<th scope=col>Clipping</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        f"<dl class=facts><dt>Steps</dt><dd>{cfg['steps']}</dd><dt>Starts</dt><dd>{starts}</dd>"
        f"<dt>Noise</dt><dd>{esc(noise_text)}</dd><dt>Seed</dt><dd>{cfg.get('seed', 0)}</dd></dl>"
        "<details><summary>The run config as JSON (the body of POST /api/runs)</summary>"
        f"<pre>{esc(json.dumps(cfg, indent=2, ensure_ascii=False))}</pre></details>"
    )


def _summary_html(run: _Run) -> str:
    rows = []
    for lane in run.lanes:
        s = run.summary.get(lane["lane"], {})
        near = s.get("nearest")
        near_text = (
            (
                f"{near['kind']} at {_pt(near['xy'])}, f={fmt(near['value'], 3)}, "
                f"distance {fmt(near['distance'], 3)}"
            )
            if near
            else "–"
        )
        d = s.get("diverged_at")
        div = "–" if d is None else f"{d} ({esc(s.get('reason') or 'diverged')})"
        rows.append(
            f"<tr><th scope=row>{swatch(lane)}{esc(lane['text'])}</th>"
            f"<td class=num>{fmt(s.get('final_loss'))}</td>"
            f"<td>{_pt(s['final_xy']) if s.get('final_xy') else '–'}</td><td>{near_text}</td>"
            f"<td class=num>{'–' if s.get('converged_at') is None else s['converged_at']}</td>"
            f"<td class=num>{div}</td></tr>"
        )
    return (
        "<table><caption>Summary per lane</caption><thead><tr><th scope=col>Lane</th>"
        "<th scope=col>Final loss</th><th scope=col>Final point</th>"
        "<th scope=col>Nearest critical point</th><th scope=col>Converged at step</th>"
        "<th scope=col>Diverged at step</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


FIGURE_ORDER = ("surface", "loss", "grad_norm", "lr")


def render_report(config: dict[str, Any], result: dict[str, Any]) -> str:
    """The whole report as one HTML document (Plotly inlined; works offline)."""
    if config.get("kind") == "mlp":
        return render_mlp_report(config, result)
    run = _Run(config, result)
    surface_fig, note = _surface_figure(run)
    loss_fig, loss_note = _curves_figure(run, "loss", "Loss", "f(x, y)")
    grad_fig, _ = _curves_figure(run, "grad_norm", "Gradient norm", "‖∇f‖")
    figures = {
        "surface": surface_fig,
        "loss": loss_fig,
        "grad_norm": grad_fig,
        "lr": _lr_figure(run),
    }
    texts = {
        "surface": _surface_text(run, note),
        "loss": "; ".join(run.phrase(l) for l in run.lanes) + "." + esc(loss_note),
        "grad_norm": _grad_text(run),
        "lr": _lr_text(run),
    }
    titles = {
        "surface": "Paths on the surface",
        "loss": "Loss against step",
        "grad_norm": "Gradient norm against step",
        "lr": "Learning rate against step",
    }
    info = run.info
    name = info.get("name", "surface")
    formula = info.get("formula") or config["surface"].get("formula") or ""
    params = info.get("params") or {}
    dom = info.get("domain") or [[0, 0], [0, 0]]
    header = f"""<p class="formula">f(x, y) = <code>{esc(formula)}</code>{
        " with " + params_html(params) if params else ""
    }
on x ∈ [{fmt(dom[0][0])}, {fmt(dom[0][1])}], y ∈ [{fmt(dom[1][0])}, {fmt(dom[1][1])}]</p>
"""
    main = (
        f"<section><h2>Run</h2>{_config_html(run)}</section>\n"
        f"<section><h2>Summary</h2>{_summary_html(run)}</section>\n"
        f"<section><h2>Charts</h2>"
        + "".join(figure_block(k, titles[k], texts[k]) for k in FIGURE_ORDER)
        + "</section>"
    )
    return page(esc(name), header, main, figures)

"""The standalone HTML report of a race: the run, the summary table, and the charts (figures
in app/report/race_figures.py), each with a text summary for screen readers.

    html = render_race_report(config, result)   # result: results.result_from_events(events)

The rules every report follows (offline, escaped, colours from the meta) are in
app/report/__init__.py.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from app.report.page import (
    esc,
    figure_block,
    fmt,
    optimizer_row,
    page,
    params_html,
    swatch,
)
from app.report.race_figures import RaceRun, curves_figure, lr_figure, point_text, surface_figure


def _surface_text(run: RaceRun, note: str) -> str:
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


def _grad_text(run: RaceRun) -> str:
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


def _lr_text(run: RaceRun) -> str:
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


def _config_html(run: RaceRun) -> str:
    cfg = run.config
    rows = []
    for i, o in enumerate(cfg["optimizers"]):
        lane = next((l for l in run.lanes if l["optimizer"] == i), None)
        rows.append(optimizer_row(o, lane, lane["label"] if lane else o["name"]))
    noise = cfg.get("noise") or {}
    if noise.get("batch_size"):
        noise_text = f"simulated minibatch of {noise['batch_size']} (σ = {noise.get('sigma') or 1})"
    elif noise.get("sigma"):
        noise_text = f"Gaussian, σ = {noise['sigma']}"
    else:
        noise_text = "none"
    starts = ", ".join(point_text(s) for s in cfg["starts"])
    return (
        "<table><caption>Optimizers</caption><thead><tr><th scope=col>Label</th>"
        "<th scope=col>Optimizer</th><th scope=col>Parameters</th><th scope=col>Schedule</th>"
        "<th scope=col>Clipping</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        f"<dl class=facts><dt>Steps</dt><dd>{cfg['steps']}</dd><dt>Starts</dt><dd>{starts}</dd>"
        f"<dt>Noise</dt><dd>{esc(noise_text)}</dd><dt>Seed</dt><dd>{cfg.get('seed', 0)}</dd></dl>"
        "<details><summary>The run config as JSON (the body of POST /api/runs)</summary>"
        f"<pre>{esc(json.dumps(cfg, indent=2, ensure_ascii=False))}</pre></details>"
    )


def _summary_html(run: RaceRun) -> str:
    rows = []
    for lane in run.lanes:
        s = run.summary.get(lane["lane"], {})
        near = s.get("nearest")
        near_text = (
            (
                f"{near['kind']} at {point_text(near['xy'])}, f={fmt(near['value'], 3)}, "
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
            f"<td>{point_text(s['final_xy']) if s.get('final_xy') else '–'}</td>"
            f"<td>{near_text}</td>"
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


def render_race_report(config: dict[str, Any], result: dict[str, Any]) -> str:
    """The whole race report as one HTML document (Plotly inlined; works offline)."""
    run = RaceRun(config, result)
    surface_fig, note = surface_figure(run)
    loss_fig, loss_note = curves_figure(run, "loss", "Loss", "f(x, y)")
    grad_fig, _ = curves_figure(run, "grad_norm", "Gradient norm", "‖∇f‖")
    figures = {
        "surface": surface_fig,
        "loss": loss_fig,
        "grad_norm": grad_fig,
        "lr": lr_figure(run),
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

"""The standalone HTML report of an MLP run: what was trained, how each optimizer did, and
the charts (figures in training_figures.py and training_boundary.py beside this file), each
with a text summary for screen readers.

    html = render_mlp_report(config, result)   # result: results.result_from_events(events)

Same rules as the race report (app/report/race.py): offline (Plotly inlined), every user string
escaped, colours from the run's meta. Rows of a lane after it stopped are NaN (null in a
saved file), so "final" means the last epoch that lane trained.
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
    swatch,
)
from app.report.training_boundary import boundary_figure
from app.report.training_figures import (
    curves_figure,
    gradient_figure,
    histogram_figure,
    iteration_figure,
)
from app.report.training_run import MAX_POINTS, MlpRun

CLASS_WORDS = ("blue", "red", "green", "yellow", "cyan", "purple", "grey")
REASONS = {"max_epochs": "trained every epoch", "early_stop": "early stop", "diverged": "diverged"}


# ---------------------------------------------------------------------------- text


def _at(run: MlpRun, field: str, lane: int, row: int | None, pct: bool = False) -> str:
    y = run.series(field, lane)
    if row is None or row >= len(y) or not np.isfinite(y[row]):
        return "–"
    return f"{y[row]:.1%}" if pct else fmt(y[row], 3)


def _cut(cap: float | None) -> str:
    if cap is None:
        return ""
    return (
        f" The y axis stops at {fmt(cap, 3)}, far above the untrained network's loss: "
        "higher values (a diverging lane) run off the top."
    )


def _loss_text(run: MlpRun, log: bool) -> str:
    parts = []
    for lane in run.lanes:
        i, row = lane["lane"], run.last_row(lane["lane"])
        s = run.summary.get(i, {})
        text = f"{esc(lane['text'])}: train loss {_at(run, 'train_loss', i, 0)} at epoch 0, "
        last = run.epochs[row] if row is not None else "–"
        text += f"{_at(run, 'train_loss', i, row)} at epoch {last}"
        if run.has_val:
            text += (
                f"; validation loss {_at(run, 'val_loss', i, 0)} → {_at(run, 'val_loss', i, row)}"
                f", lowest {fmt(s.get('best_val_loss'), 3)} at epoch {s.get('best_epoch')}"
            )
        parts.append(f"{text}; {esc(run.stop_phrase(lane))}")
    axis = "logarithmic" if log else "linear (some losses are ≤ 0)"
    return "; ".join(parts) + f". The y axis is {axis}; dotted lines mark early stops."


def _acc_text(run: MlpRun) -> str:
    field = "val_acc" if run.has_val else "train_acc"
    what = "validation" if run.has_val else "training"

    def one(i: int, row: int | None) -> str:
        return (
            f"{what} accuracy {_at(run, field, i, 0, True)} at epoch 0, "
            f"{_at(run, field, i, row, True)} at its last epoch "
            f"(train {_at(run, 'train_acc', i, row, True)})"
        )

    return (
        "; ".join(f"{esc(l['text'])}: {one(l['lane'], run.last_row(l['lane']))}" for l in run.lanes)
        + "."
    )


def _grad_text(run: MlpRun) -> str:
    g = run.a.get("grad_norm")
    parts = []
    for lane in run.lanes:
        i, ratio, r = lane["lane"], run.grad_ratio(lane["lane"]), run.grad_row(lane["lane"])
        if g is None or r is None:
            parts.append(f"{esc(lane['text'])}: no finite gradient norm")
            continue
        norms = ", ".join(f"layer {k + 1} {fmt(g[r, i, k], 3)}" for k in range(min(g.shape[2], 12)))
        text = f"{esc(lane['text'])} at epoch {run.epochs[r]}: {norms}"
        if ratio is not None:
            text += f"; layer 1 / last layer = {fmt(ratio, 2)}"
            if ratio < 0.01:
                text += " (vanishing gradients: the first layer barely learns)"
            elif ratio > 100:
                text += " (the first layer's gradient is much larger: exploding gradients)"
        parts.append(text)
    return "; ".join(parts) + ". Layer 1 is next to the input; the last layer is the output."


def _hist_text(run: MlpRun) -> str:
    w = run.a.get("weight_norm")
    parts = []
    for k, layer in enumerate(run.layers):
        if w is None or not w.size:
            break
        size = layer["fan_in"] * layer["fan_out"]
        rms = [
            f"{esc(lane['text'])} {fmt(w[row, lane['lane'], k] / np.sqrt(size), 3)}"
            for lane in run.lanes
            if (row := run.last_row(lane["lane"])) is not None
        ]
        parts.append(
            f"layer {layer['layer']} ({layer['fan_in']}×{layer['fan_out']} = {size} weights): "
            f"RMS weight {fmt(w[0, 0, k] / np.sqrt(size), 3)} at the start, at the end "
            + ", ".join(rms)
        )
    return (
        "; ".join(parts) + ". Grey bars: the initial weights (the same for every optimizer); "
        "lines: each optimizer's weights at its last epoch. The outer bins also count weights "
        "beyond the axis."
    )


def _iteration_text(run: MlpRun, field: str, window: int) -> str:
    x = run.a.get("it_index", np.zeros(0))
    ipe = int(run.meta.get("iterations_per_epoch") or 1)
    parts = []
    for lane in run.lanes:
        i = lane["lane"]
        y = run.series(field, i)
        ok = np.flatnonzero(np.isfinite(y))
        if not ok.size:
            parts.append(f"{esc(lane['text'])}: no finite values")
            continue
        first, last = int(ok[0]), int(ok[-1])
        if field == "it_lr":
            sched = (run.config["optimizers"][i].get("schedule") or {}).get("name", "constant")
            lo, hi = np.nanmin(y[ok]), np.nanmax(y[ok])
            span = (
                f"lr {fmt(lo, 3)} throughout"
                if lo == hi
                else f"lr {fmt(y[first], 3)} at iteration {int(x[first])} to {fmt(y[last], 3)} "
                f"at iteration {int(x[last])} (between {fmt(lo, 3)} and {fmt(hi, 3)})"
            )
            parts.append(f"{esc(lane['text'])}: {esc(sched)} schedule, {span}")
        else:
            tail = y[max(first, last - ipe + 1) : last + 1]
            parts.append(
                f"{esc(lane['text'])}: {fmt(y[first], 3)} at iteration {int(x[first])}; over "
                f"its last epoch between {fmt(np.nanmin(tail), 3)} and "
                f"{fmt(np.nanmax(tail), 3)} (mean {fmt(np.nanmean(tail), 3)})"
            )
    note = f" Bold lines: the mean of the last {window} iterations." if window else ""
    if len(x) > MAX_POINTS:
        note += f" {len(x):,} iterations, drawn with {MAX_POINTS:,} evenly spaced points."
    return "; ".join(parts) + "." + note


def _boundary_text(run: MlpRun) -> str:
    g, pts = run.last_grid() or {}, run.meta.get("points") or {}
    n_tr, n_va = len(pts.get("X_train") or []), len(pts.get("X_val") or [])
    name = esc(run.config["dataset"]["name"])
    hollow = f", {n_va} validation points hollow" if n_va else ""
    kind = g.get("kind")
    if run.meta.get("grid", {}).get("y") is None:
        head = (
            f"The {name} data ({n_tr} training points filled{hollow}) "
            f"and each optimizer's prediction after epoch {g.get('epoch')}"
        )
    else:
        K = max(2, int(run.meta.get("n_classes") or 2))
        colours = ", ".join(
            f"class {esc(run.class_name(k))} {CLASS_WORDS[k % len(CLASS_WORDS)]}" for k in range(K)
        )
        coloured = f"coloured by class ({colours})" if run.classify else "coloured by target"
        shown = {
            "probability": f"p(class {esc(run.class_name(1))}) from blue (0) through white to "
            "red (1), with the p = 0.5 decision boundary in black",
            "class": "the predicted class, in pale class colours",
        }.get(kind, "the predicted value, on the same colour scale as the points")
        head = (
            f"One panel per optimizer: the {name} data ({n_tr} training points filled{hollow}, "
            f"{coloured}) over the background of {shown} after "
            f"epoch {g.get('epoch')}"
        )
    split = "val" if run.has_val else "train"
    metric = f"final_{split}_{'acc' if run.classify else 'loss'}"
    label = ("validation " if run.has_val else "training ") + (
        "accuracy" if run.classify else "loss"
    )
    parts = []
    for lane in run.lanes:
        s = run.summary.get(lane["lane"], {})
        v = s.get(metric)
        if s.get("reason") == "diverged":
            shown_v = f"diverged at epoch {s.get('stopped_epoch')}, so no boundary"
        elif v is None or v != v:
            shown_v = f"{label} –"
        else:
            shown_v = f"{label} " + (f"{v:.1%}" if run.classify else fmt(v, 3))
        parts.append(f"{esc(lane['text'])}: {shown_v}")
    return head + ". " + "; ".join(parts) + "."


# ---------------------------------------------------------------------------- tables


def _header_html(run: MlpRun) -> str:
    cfg, meta = run.config, run.meta
    ds = cfg["dataset"]
    extra = {k: v for k, v in ds.items() if k not in ("name", "n_samples", "noise", "val_fraction")}
    n_tr, n_va = meta.get("n_train", 0), meta.get("n_val", 0)
    vf = float(ds.get("val_fraction", 0) or 0)
    task = meta.get("task", "")
    classes = f", {meta.get('n_classes')} classes" if run.classify else ""
    model = cfg["model"]
    sizes = " → ".join(str(s) for s in meta.get("sizes", []))
    es = cfg.get("early_stopping")
    es_text = (
        f"patience {es['patience']}, min_delta {es.get('min_delta', 0)}, "
        + ("restore the best weights" if es.get("restore_best") else "keep the last weights")
        if es
        else "off"
    )
    bs = cfg["batch_size"]
    facts = {
        "Dataset": [
            (
                "name",
                esc(ds["name"])
                + f" ({esc(task)}{classes}, {len(meta.get('feature_names') or [])} features)",
            ),
            ("samples", f"{n_tr + n_va} ({n_tr} train, {n_va} validation)"),
            ("noise", esc(ds.get("noise", "–"))),
            ("split", f"{1 - vf:.0%} train / {vf:.0%} validation"),
            *[(esc(k), esc(json.dumps(v))) for k, v in extra.items()],
        ],
        "Model": [
            ("layer sizes", sizes),
            ("parameters", f"{meta.get('n_params', 0):,}"),
            ("activation", esc(model.get("activation"))),
            ("init", esc(model.get("init"))),
            ("dropout", esc(model.get("dropout", 0))),
            ("batch norm", "on" if model.get("batch_norm") else "off"),
            ("loss", esc(cfg.get("loss"))),
            ("L1 / L2", f"{cfg.get('l1', 0)} / {cfg.get('l2', 0)}"),
        ],
        "Training": [
            ("batch size", f"full batch ({n_tr})" if bs == "full" else str(bs)),
            ("epochs", str(cfg["epochs"])),
            ("iterations per epoch", str(meta.get("iterations_per_epoch", "–"))),
            ("iterations", f"{meta.get('total_iterations', 0):,} at most"),
            ("early stopping", esc(es_text)),
            ("seed", str(cfg.get("seed", 0))),
        ],
    }
    blocks = "".join(
        f'<section class="facts-block" aria-label="{title}"><h3>{title}</h3><dl class=facts>'
        + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
        + "</dl></section>"
        for title, rows in facts.items()
    )
    return f'<div class="blocks">{blocks}</div>'


def _optimizers_html(run: MlpRun) -> str:
    rows = []
    for i, o in enumerate(run.config["optimizers"]):
        lane = run.lanes[i] if i < len(run.lanes) else None
        rows.append(optimizer_row(o, lane, lane["text"] if lane else o["name"]))
    return (
        "<table><caption>Optimizers</caption><thead><tr><th scope=col>Label</th>"
        "<th scope=col>Optimizer</th><th scope=col>Parameters</th><th scope=col>Schedule</th>"
        "<th scope=col>Clipping</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        "<details><summary>The run config as JSON (the body of POST /api/runs)</summary>"
        f"<pre>{esc(json.dumps(run.config, indent=2, ensure_ascii=False))}</pre></details>"
    )


def _summary_html(run: MlpRun) -> str:
    mon = "validation" if run.has_val else "train"
    cols = ["Lane", "Best epoch", f"Best {mon} loss"]
    cols += [f"{mon.title()} accuracy there"] if run.classify else []
    splits = ["train", "validation"] if run.has_val else ["train"]
    cols += [f"Final {sp} loss" for sp in splits]
    cols += [f"Final {sp} accuracy" for sp in splits] if run.classify else []
    cols += ["Stopped at epoch", "Reason"]

    def pct(v: Any) -> str:
        return "–" if v is None or v != v else f"{v:.1%}"

    rows = []
    for lane in run.lanes:
        s = run.summary.get(lane["lane"], {})
        reason = REASONS.get(s.get("reason", ""), s.get("reason", ""))
        if s.get("reason") == "early_stop" and s.get("restored_best"):
            reason += f" (epoch {s.get('best_epoch')} restored)"
        cells = [s["best_epoch"] if s.get("best_epoch") is not None else "–"]
        cells += [fmt(s.get("best_val_loss"))]
        cells += [pct(s.get("best_val_acc"))] if run.classify else []
        keys = ["train", "val"] if run.has_val else ["train"]
        cells += [fmt(s.get(f"final_{k}_loss")) for k in keys]
        cells += [pct(s.get(f"final_{k}_acc")) for k in keys] if run.classify else []
        cells += [s.get("stopped_epoch", "–")]
        rows.append(
            f"<tr><th scope=row>{swatch(lane)}{esc(lane['text'])}</th>"
            + "".join(f"<td class=num>{c}</td>" for c in cells)
            + f"<td>{esc(reason)}</td></tr>"
        )
    return (
        "<table><caption>Summary per lane (final: the last epoch the lane trained)</caption>"
        "<thead><tr>"
        + "".join(f"<th scope=col>{c}</th>" for c in cols)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


# ---------------------------------------------------------------------------- the page


def render_mlp_report(config: dict[str, Any], result: dict[str, Any]) -> str:
    """The whole MLP report as one HTML document (Plotly inlined; works offline)."""
    run = MlpRun(config, result)
    figures: dict[str, Any] = {}
    blocks: list[str] = []

    def add(key: str, fig: dict[str, Any], title: str, text: str) -> None:
        figures[key] = fig
        blocks.append(figure_block(key, title, text))

    loss_fig, log, cap = curves_figure(run, "loss")
    add("loss", loss_fig, "Loss against epoch", _loss_text(run, log) + _cut(cap))
    if run.classify:
        add("acc", curves_figure(run, "acc")[0], "Accuracy against epoch", _acc_text(run))
    boundary = boundary_figure(run)
    if boundary is not None:
        planar = run.classify and run.meta["grid"].get("y") is not None
        title = "Decision boundaries" if planar else "Predictions"
        add("boundary", boundary, title, _boundary_text(run))
    add("grad_norm", gradient_figure(run), "Gradient norm per layer", _grad_text(run))
    add("hist", histogram_figure(run), "Weight histograms per layer", _hist_text(run))
    lr_fig, _, _ = iteration_figure(run, "it_lr")
    add("lr", lr_fig, "Learning rate against iteration", _iteration_text(run, "it_lr", 0))
    it_fig, window, cap = iteration_figure(run, "it_loss")
    text = _iteration_text(run, "it_loss", window) + _cut(cap)
    add("it_loss", it_fig, "Minibatch loss against iteration", text)
    name = esc(config["dataset"]["name"])
    sizes = " → ".join(str(s) for s in run.meta.get("sizes", []))
    header = (
        f"<p class=lead>{len(run.lanes)} optimizer{'s' if len(run.lanes) != 1 else ''} training "
        f"the same {sizes} network from the same initial weights, on the same minibatches."
        f"</p>{_header_html(run)}"
    )
    main = (
        f"<section><h2>Run</h2>{_optimizers_html(run)}</section>\n"
        f"<section><h2>Summary</h2>{_summary_html(run)}</section>\n"
        "<section><h2>Charts</h2>" + "".join(blocks) + "</section>"
    )
    return page(f"{name} (MLP)", header, main, figures, css=MLP_CSS)


MLP_CSS = """
.blocks{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:0 2em}
.blocks h3{font-size:1.1em;margin:.6em 0 .2em}.lead{font-size:1.1em}
"""

"""The report's page shell and the helpers every report uses: escaping, number formats, the
Plotly layout, a chart's figure block and the whole document (Plotly.js inlined: it works
offline). It imports none of its siblings: race.py, race_figures.py, training*.py build on it."""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import plotly

from app import __version__, jsonutil

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


FONT = {"size": 18, "family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"}


COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def plot_text(text: Any) -> str:
    """Text for Plotly (which renders a subset of HTML): escaped, entities decoded back."""
    return html.escape(str(text), quote=False)


def fmt(v: Any, digits: int = 4) -> str:
    if v is None or not np.isfinite(v):
        return "–"
    return f"{float(v):.{digits}g}"


def line_width(i: int, n: int) -> float:
    """Line width: earlier lanes are drawn thicker, so a later lane on top leaves them seen."""
    return 3.5 + (3.0 * (n - 1 - i) / (n - 1) if n > 1 else 0.0)


def sig(a: Any, digits: int = 6) -> np.ndarray:
    """Round to significant digits (smaller files); non-finite values stay (→ null)."""
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(all="ignore"):
        ok = np.isfinite(a) & (a != 0)
        mag = np.floor(np.log10(np.abs(np.where(ok, a, 1.0))))
        scale = 10.0 ** (digits - 1 - mag)
        return np.where(ok, np.round(a * scale) / scale, a)


@lru_cache(maxsize=1)
def _plotly_bundle() -> str:
    return PLOTLY_JS.read_text(encoding="utf-8").replace("</script", "<\\/script")


def _json_for_script(obj: Any) -> str:
    text = jsonutil.dumps(obj).decode("utf-8")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def fig_layout(title: str, **extra: Any) -> dict[str, Any]:
    layout = {
        "title": {"text": title, "x": 0.01},
        "font": FONT,
        "height": 520,
        "margin": {"l": 90, "r": 30, "t": 60, "b": 70},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.2},
        **extra,
    }
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {"automargin": True, **layout.get(axis, {})}
    return layout


def params_html(p: dict[str, Any] | None) -> str:
    items = [f"{k}={json.dumps(v)}" for k, v in (p or {}).items() if v is not None]
    return esc(", ".join(items)) or "–"


def schedule_html(sched: dict[str, Any] | None) -> str:
    return f"{esc(sched['name'])} {params_html(sched.get('params'))}" if sched else "constant"


def optimizer_row(o: dict[str, Any], lane: dict[str, Any] | None, text: str) -> str:
    """A row of the optimizers table: lane (swatch and text), name, parameters, schedule,
    clipping."""
    clip = fmt(o["clip_norm"]) if o.get("clip_norm") else "off"
    return (
        f"<tr><td>{swatch(lane) if lane else ''}{esc(text)}</td><td>{esc(o['name'])}</td>"
        f"<td>{params_html(o.get('params'))}</td><td>{schedule_html(o.get('schedule'))}</td>"
        f"<td>{clip}</td></tr>"
    )


def swatch(lane: dict[str, Any]) -> str:
    return f'<span class="swatch" style="background:{lane["color"]}" aria-hidden="true"></span>'


CSS = """
body{font:20px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#111;
background:#fff;margin:0 auto;max-width:1400px;padding:24px 32px}
h1{font-size:2em;margin:.2em 0}h2{font-size:1.4em;margin:1.4em 0 .4em}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.95em}
.formula code{font-size:1.15em;background:#f1f3f5;padding:.1em .4em;border-radius:4px}
table{border-collapse:collapse;margin:.6em 0 1em;width:100%}
caption{text-align:left;font-weight:600;font-size:1.1em;padding:.3em 0}
th,td{border:1px solid #bbb;padding:.35em .6em;text-align:left;vertical-align:top}
thead th{background:#eef1f4}.num{text-align:right;font-variant-numeric:tabular-nums}
.swatch{display:inline-block;width:.9em;height:.9em;border:1px solid #111;
margin-right:.45em;vertical-align:-.1em}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
figure{margin:1.5em 0}.chart{width:100%;min-height:520px}
.summary{font-size:1em;background:#f6f7f9;border-left:4px solid #0072B2;padding:.5em .8em}
footer{color:#444;margin-top:2em;font-size:.9em}
"""


def figure_block(key: str, title: str, text: str) -> str:
    """A chart's heading, its div and the text summary that describes it (text: HTML)."""
    return (
        f'<figure><h2 id="h-{key}">{title}</h2>'
        f'<div class="chart" id="fig-{key}" role="img" aria-labelledby="h-{key}" '
        f'aria-describedby="sum-{key}"></div>'
        f'<p class="summary" id="sum-{key}">{text}</p></figure>'
    )


def page(name: str, header: str, main: str, figures: dict[str, Any], css: str = "") -> str:
    """The document: `name`, `header` and `main` are HTML (escaped by the caller)."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="DescentLab {esc(__version__)}">
<title>DescentLab report: {name}</title><style>{CSS}{css}</style></head>
<body><header><h1>DescentLab report: {name}</h1>
{header}</header><main>
{main}</main>
<footer>Made with DescentLab {esc(__version__)}. This file works offline: Plotly.js is
included.</footer>
<script>{_plotly_bundle()}</script>
<script type="application/json" id="descentlab-figures">{_json_for_script(figures)}</script>
<script>
(function () {{
  var figs = JSON.parse(document.getElementById("descentlab-figures").textContent);
  if (!window.Plotly) {{ document.body.insertAdjacentHTML("afterbegin",
    "<p role=alert>Plotly.js did not load; the tables and summaries still hold the results.</p>");
    return; }}
  Object.keys(figs).forEach(function (k) {{
    Plotly.newPlot("fig-" + k, figs[k].data, figs[k].layout,
                   {{responsive: true, displaylogo: false}});
  }});
}})();
</script>
</body></html>
"""

"""Standalone HTML reports of a run: Plotly figures, tables and text summaries.

    html = render_report(config, result)   # result: results.result_from_events(events)

One module per run kind (race.py, training.py, each with its figures beside it), both on
the page shell and helpers of page.py, which imports none of its siblings.

A report works offline: Plotly.js is inlined from the installed `plotly` package, never
fetched from a CDN. Every user-provided string (labels, formulas) is HTML-escaped, and the
figure data travels as JSON in a `<script type="application/json">` block with `<`, `>` and
`&` written as \\u escapes, so no label can close a tag. Colours come from the run's meta
(Okabe–Ito), and every chart has a text summary for screen readers under it.
"""

from __future__ import annotations

from typing import Any

from app.report.race import render_race_report
from app.report.training import render_mlp_report

__all__ = ["render_mlp_report", "render_race_report", "render_report"]


def render_report(config: dict[str, Any], result: dict[str, Any]) -> str:
    """The report of a run of either kind, as one HTML document."""
    if config.get("kind") == "mlp":
        return render_mlp_report(config, result)
    return render_race_report(config, result)

"""The standalone HTML report: offline, escaped, with the figures and text summaries."""

import json
import re

import pytest

from app import jsonutil, localrun
from app.report import PLOTLY_JS, render_report
from app.settings import Settings

EVIL = "<script>alert(1)</script>"


def race(**changes):
    config = {
        "kind": "surface",
        "surface": {"name": "himmelblau"},
        "optimizers": [
            {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}},
            {"name": "adam", "params": {"lr": 0.05}, "label": EVIL},
        ],
        "starts": [[-0.27, -0.92]],
        "steps": 150,
        **changes,
    }
    config = localrun.validate_config(config, Settings())
    return config, localrun.result_document(config, localrun.run_config(config))


@pytest.fixture(scope="module")
def himmelblau():
    config, result = race()
    return config, result, render_report(config, result)


@pytest.fixture(scope="module")
def saddle():
    config, result = race(
        surface={"name": "saddle"},
        starts=[[-1.5, 0.001]],
        steps=120,
        optimizers=[
            {"name": "gd", "params": {"lr": 0.2}},
            {"name": "adam", "params": {"lr": 0.05}},
        ],
    )
    return config, result, render_report(config, result)


def without_bundle(html: str) -> str:
    return html.replace(PLOTLY_JS.read_text(encoding="utf-8"), "")


def figures(html: str) -> dict:
    m = re.search(
        r'<script type="application/json" id="descentlab-figures">(.*?)</script>', html, re.S
    )
    return json.loads(m.group(1), parse_constant=lambda c: pytest.fail(f"{c} in figure data"))


def test_report_inlines_plotly_and_loads_nothing_from_a_cdn(himmelblau):
    html = himmelblau[2]
    bundle = PLOTLY_JS.read_text(encoding="utf-8")
    assert bundle[:40] in html and "plotly.js v" in html
    assert bundle in html
    rest = without_bundle(html)
    assert not re.search(r"<script[^>]*\bsrc=", rest)
    assert "http://cdn" not in rest and "https://cdn" not in rest


def test_every_user_string_is_escaped(himmelblau):
    html = without_bundle(himmelblau[2])
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html.lower()


def test_labels_and_formula_appear_in_the_header_and_tables(himmelblau):
    html = himmelblau[2]
    assert "sgd lr=0.01 μ=0.9" in html
    assert "(x²+y−11)² + (x+y²−7)²" in html
    assert html.count("<table>") == 2


def test_figure_data_holds_the_contour_and_every_path(himmelblau):
    config, result, html = himmelblau
    figs = figures(html)
    assert set(figs) == {"surface", "loss", "grad_norm", "lr"}
    contour = figs["surface"]["data"][0]
    assert contour["type"] == "contour" and len(contour["z"]) == len(contour["x"])
    colors = [lane["color"] for lane in result["meta"]["lanes"]]
    paths = [t for t in figs["surface"]["data"] if t.get("mode") == "lines"]
    assert [t["line"]["color"] for t in paths] == colors
    assert len(paths[0]["x"]) == config["steps"] + 1
    assert paths[0]["x"][0] == pytest.approx(-0.27)


def test_critical_points_are_marked_and_labelled(himmelblau):
    traces = figures(himmelblau[2])["surface"]["data"]
    text = [t for tr in traces if "(critical point)" in tr.get("name", "") for t in tr["text"]]
    assert sum(t.startswith("min") for t in text) == 4
    assert sum(t.startswith("saddle") for t in text) == 4
    assert "max 182" in text


def test_loss_and_gradient_axes_are_logarithmic(himmelblau):
    figs = figures(himmelblau[2])
    assert figs["loss"]["layout"]["yaxis"]["type"] == "log"
    assert figs["grad_norm"]["layout"]["yaxis"]["type"] == "log"
    assert len(figs["lr"]["data"]) == 2


def test_each_chart_has_a_text_summary(himmelblau):
    html = himmelblau[2]
    for key in ("surface", "loss", "grad_norm", "lr"):
        assert f'aria-describedby="sum-{key}"' in html
        assert re.search(rf'<p class="summary" id="sum-{key}">[^<]+\.', html)
    assert re.search(r"sgd lr=0.01 μ=0.9 reached f=[\d.e+-]+ at step \d+", html)


def test_saddle_race_marks_the_divergence(saddle):
    config, result, html = saddle
    step = result["summary"][0]["diverged_at"]
    assert step is not None and result["summary"][1]["diverged_at"] is None
    marked = [
        t for t in figures(html)["surface"]["data"] if t.get("text") == [f"diverged at step {step}"]
    ]
    assert len(marked) == 1
    assert f"gd lr=0.2 diverged at step {step}" in html


def test_negative_loss_falls_back_to_a_linear_axis(saddle):
    figs = figures(saddle[2])
    assert figs["loss"]["layout"]["yaxis"]["type"] == "linear"
    assert "so the y axis is linear" in saddle[2]


def test_log_scale_surface_gets_a_log_colour_scale():
    config, result = race(surface={"name": "rosenbrock"}, starts=[[-1.5, 2.0]], steps=20)
    contour = figures(render_report(config, result))["surface"]["data"][0]
    assert "log₁₀" in contour["colorbar"]["title"]["text"]


def test_report_renders_from_a_saved_result_file(himmelblau):
    config, result, _ = himmelblau
    saved = json.loads(jsonutil.dumps(result))  # NaN became null on the way through
    assert figures(render_report(config, saved)) == figures(himmelblau[2])

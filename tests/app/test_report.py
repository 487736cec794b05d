"""The standalone HTML report: offline, escaped, with the figures and text summaries."""

import json
import re

import pytest

from app import jsonutil, localrun
from app.report import render_report
from app.report.page import PLOTLY_JS
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
    }
    return computed({**config, **changes})


def computed(config: dict) -> tuple[dict, dict]:
    """The request as the service normalizes it, and its result document."""
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


# ---------------------------------------------------------------------------- MLP reports


def train(**changes):
    config = {
        "kind": "mlp",
        "dataset": {"name": "moons", "n_samples": 200, "noise": 0.25, "val_fraction": 0.25},
        "model": {"hidden": [16, 16]},
        "optimizers": [
            {"name": "sgd", "params": {"lr": 0.05}},
            {"name": "sgd", "params": {"lr": 0.05, "momentum": 0.9}, "label": "momentum"},
            {"name": "adam", "params": {"lr": 0.02}, "label": EVIL},
        ],
        "epochs": 40,
        "early_stopping": {"patience": 3, "restore_best": True},
    }
    return computed({**config, **changes})


@pytest.fixture(scope="module")
def moons():
    config, result = train()
    return config, result, render_report(config, result)


MLP_FIGURES = {"loss", "acc", "boundary", "grad_norm", "hist", "lr", "it_loss"}


def test_mlp_report_is_offline_escaped_and_has_every_chart(moons):
    config, result, html = moons
    rest = without_bundle(html)
    assert PLOTLY_JS.read_text(encoding="utf-8") in html
    assert not re.search(r"<script[^>]*\bsrc=", rest) and "https://cdn" not in rest
    assert EVIL not in rest and "<script>alert" not in rest.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rest
    assert set(figures(html)) == MLP_FIGURES
    for key in MLP_FIGURES:
        assert f'aria-describedby="sum-{key}"' in html
        assert re.search(rf'<p class="summary" id="sum-{key}">[^<]+\.', html), key


def test_mlp_header_describes_data_model_training_and_optimizers(moons):
    html = without_bundle(moons[2])
    for text in (
        "DescentLab report: moons (MLP)",
        "200 (150 train, 50 validation)",
        "75% train / 25% validation",
        "2 → 16 → 16 → 2",
        "<dd>354</dd>",  # 2·16 + 16 + 16·16 + 16 + 16·2 + 2 parameters
        "he_normal",
        "cross_entropy",
        "patience 3",
        "<dt>iterations per epoch</dt><dd>5</dd>",
        "lr=0.05, momentum=0.9",
    ):
        assert text in html, text
    assert html.count("<table>") == 2  # optimizers and the summary per lane


def test_mlp_summary_table_has_a_row_per_lane(moons):
    config, result, html = moons
    table = html.split("<caption>Summary per lane")[1].split("</table>")[0]
    assert table.count("<tr><th scope=row>") == 3
    for s in result["summary"]:
        assert f"{s['best_val_loss']:.4g}" in table
    assert "early stop (epoch" in table


def test_loss_curves_train_solid_val_dashed_with_early_stop_markers(moons):
    config, result, html = moons
    fig = figures(html)["loss"]
    assert fig["layout"]["yaxis"]["type"] == "log"
    lines = [t for t in fig["data"] if t.get("mode") == "lines"]
    assert len(lines) == 6
    assert [t["line"]["dash"] for t in lines] == ["solid", "dash"] * 3
    colors = [lane["color"] for lane in result["meta"]["lanes"]]
    assert [t["line"]["color"] for t in lines[::2]] == colors
    stopped = [s for s in result["summary"] if s["reason"] == "early_stop"]
    assert stopped, "the fixture should stop at least one lane early"
    marks = [t for t in fig["data"] if t.get("text", [""])[0].startswith("stop ")]
    assert sorted(t["text"][0] for t in marks) == sorted(
        f"stop {s['stopped_epoch']}" for s in stopped
    )
    assert sorted(s["x0"] for s in fig["layout"]["shapes"]) == sorted(
        s["stopped_epoch"] for s in stopped
    )
    acc = figures(html)["acc"]
    assert acc["layout"]["yaxis"]["tickformat"] == ".0%"


def test_gradient_norms_are_small_multiples_on_one_log_axis(moons):
    config, result, html = moons
    fig = figures(html)["grad_norm"]
    assert len(fig["data"]) == 3 * 3  # one line per layer for each optimizer
    layout = fig["layout"]
    ranges = [layout[k]["range"] for k in ("yaxis", "yaxis2", "yaxis3")]
    assert all(layout[k]["type"] == "log" for k in ("yaxis", "yaxis2", "yaxis3"))
    assert ranges[0] == ranges[1] == ranges[2]
    titles = [a["text"] for a in layout["annotations"]]
    assert titles[2].startswith("&lt;script&gt;") and "layer 1 / last layer" in titles[0]


def test_vanishing_gradients_are_named():
    config, result = train(
        dataset={"name": "circle", "n_samples": 100},
        model={"hidden": [8] * 6, "activation": "sigmoid", "init": "xavier_normal"},
        optimizers=[{"name": "sgd", "params": {"lr": 0.5}}],
        epochs=5,
        early_stopping=None,
    )
    html = render_report(config, result)
    text = re.search(r'<p class="summary" id="sum-grad_norm">([^<]+)</p>', html).group(1)
    assert "vanishing gradients" in text
    g = figures(html)["grad_norm"]
    assert len(g["data"]) == 7 and g["data"][0]["line"]["color"] != g["data"][-1]["line"]["color"]


def test_weight_histograms_show_initial_and_final_weights_per_layer(moons):
    config, result, html = moons
    fig = figures(html)["hist"]
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    steps = [t for t in fig["data"] if t["type"] == "scatter"]
    assert len(bars) == 3 and len(steps) == 3 * 3
    n_weights = [2 * 16, 16 * 16, 16 * 2]
    assert [sum(b["y"]) for b in bars] == n_weights
    assert [sum(t["y"]) for t in steps[::3]] == n_weights  # traces: layer by layer


def test_decision_boundaries_per_optimizer_over_the_points(moons):
    config, result, html = moons
    fig = figures(html)["boundary"]
    heat = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert len(heat) == 3 and [h["xaxis"] for h in heat] == ["x", "x2", "x3"]
    assert len(heat[0]["z"]) == len(heat[0]["y"]) and len(heat[0]["z"][0]) == len(heat[0]["x"])
    assert heat[0]["zmin"] == 0 and heat[0]["zmax"] == 1
    assert sum(t["type"] == "contour" for t in fig["data"]) == 3
    pts = [t for t in fig["data"] if t.get("mode") == "markers" and t["xaxis"] == "x"]
    symbols = {t["marker"]["symbol"] for t in pts}
    assert symbols == {"circle", "circle-open"}
    assert sum(len(t["x"]) for t in pts) == 200
    assert f"after epoch {config['epochs']}" in fig["layout"]["title"]["text"]


def test_iteration_charts_have_every_iteration(moons):
    config, result, html = moons
    n = len(result["arrays"]["it_index"])
    lr = figures(html)["lr"]
    assert len(lr["data"]) == 3 and len(lr["data"][0]["x"]) == n
    it = figures(html)["it_loss"]
    assert len(it["data"]) == 6  # faint raw and bold mean for each lane
    assert it["data"][0]["opacity"] == 0.3
    assert "mean of the last 5 iterations" in html


def test_a_diverging_lane_does_not_flatten_the_loss_chart():
    config, result = train(
        dataset={"name": "plane", "n_samples": 100},
        model={"hidden": [16]},
        loss="mse",
        optimizers=[
            {"name": "adam", "params": {"lr": 0.01}},
            {"name": "sgd", "params": {"lr": 5.0, "momentum": 0.9}},
        ],
        batch_size=16,
        epochs=10,
        early_stopping=None,
    )
    assert result["summary"][1]["reason"] == "diverged"
    html = render_report(config, result)
    figs = figures(html)
    assert "acc" not in figs
    # the engine records nothing for the lane from the epoch it diverged in, so the epoch
    # curves need no cap; its minibatch losses climb to the divergence limit and are capped
    assert "range" not in figs["loss"]["layout"]["yaxis"]
    top = figs["it_loss"]["layout"]["yaxis"]["range"][1]
    assert 1 < top < 10  # log10 of the cap: far above the start, far below the limit
    assert any(t.get("text", [""])[0].startswith("diverged ") for t in figs["loss"]["data"])
    assert "run off the top" in html and "diverged at epoch" in html


def test_one_feature_regression_shows_prediction_curves():
    config, result = train(
        dataset={"name": "sine", "n_samples": 100, "val_fraction": 0.0},
        loss="mse",
        model={"hidden": [8]},
        optimizers=[{"name": "adam"}],
        epochs=5,
        early_stopping=None,
    )
    html = render_report(config, result)
    fig = figures(html)["boundary"]
    assert fig["layout"]["title"]["text"].startswith("Predictions")
    assert [t["name"] for t in fig["data"]] == ["training points", "adam lr=0.001"]
    assert "Final validation loss" not in html


def test_digits_report_has_no_boundary_and_ten_classes():
    config, result = train(
        dataset={"name": "digits", "n_samples": 300},
        model={"hidden": [16]},
        optimizers=[{"name": "adam"}],
        epochs=2,
        early_stopping=None,
    )
    figs = figures(render_report(config, result))
    assert set(figs) == MLP_FIGURES - {"boundary"}


def test_mlp_report_renders_from_a_saved_result_file(moons):
    config, result, html = moons
    saved = json.loads(jsonutil.dumps(result))
    assert figures(render_report(config, saved)) == figures(html)

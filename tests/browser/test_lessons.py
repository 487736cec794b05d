"""Lesson presets in the system Chromium against the real app: ?preset=<id> opens a surface
race, an MLP run and a schedule race with their charts holding data, the explanation shows in
English and (after the language toggle) in Korean, the picker opens a preset, and the lesson
views (gradient check, training loop, accuracy vs loss) show their numbers."""

from __future__ import annotations

import json
import urllib.request

import pytest

pytestmark = pytest.mark.browser

RACE_READY = (
    "() => { const a = window.descentlab; return a && a.buffer && a.buffer.done"
    " && !a.client.inflight && a.surface.plotted && a.charts.settled(); }"
)
MLP_READY = (
    "() => { const m = window.descentlab && window.descentlab.mlp;"
    " return !!m && !!m.buffer && m.buffer.done && !m.client.inflight && !m.client.streaming"
    " && m.settled(); }"
)
LOSS_POINTS = """() => document.querySelector('[data-testid=loss-plot]').data.map(
  (t) => Array.from(t.y).filter((v) => v !== null && Number.isFinite(v)).length)"""
SURFACE_TRACES = "() => document.querySelector('[data-testid=surface-plot]').data.length"
MLP_POINTS = """() => document.querySelector('[data-testid=mlp-loss-plot]').data.map(
  (t) => Array.from(t.y).filter((v) => v !== null && Number.isFinite(v)).length)"""


def preset(base: str, pid: str) -> dict:
    with urllib.request.urlopen(f"{base}/api/presets/{pid}", timeout=10) as r:
        return json.load(r)


def explanation(page) -> str:
    return page.inner_text("[data-testid=lesson-explanation]")


def check_korean(watched, p: dict) -> None:
    page = watched.page
    page.click("[data-testid=lang-toggle]")
    page.wait_for_function(
        "(text) => document.querySelector('[data-testid=lesson-explanation]').textContent === text",
        arg=p["explanation"]["ko"],
    )
    assert p["watch"]["ko"] in page.inner_text("[data-testid=lesson-watch]")
    assert p["title"]["ko"] in page.inner_text("[data-testid=lesson-title]")


def test_a_surface_race_preset_opens_by_url_in_both_languages(watched):
    page = watched.page
    p = preset(watched.base, "local-vs-global-minimum")
    page.goto(f"{watched.base}/?preset=local-vs-global-minimum")
    page.wait_for_function(RACE_READY, timeout=20_000)
    assert explanation(page) == p["explanation"]["en"]
    assert p["watch"]["en"] in page.inner_text("[data-testid=lesson-watch]")
    body = page.evaluate("() => JSON.parse(JSON.stringify(window.descentlab.client.lastBody))")
    assert body["surface"]["name"] == "tilted_double_well"
    assert [o["name"] for o in body["optimizers"]] == ["gd", "sgd"]
    assert page.evaluate(SURFACE_TRACES) > 0
    assert all(n > 0 for n in page.evaluate(LOSS_POINTS))
    assert "preset=local-vs-global-minimum" in page.url
    # predict, then reveal: a click per lane places a guess (the start stays), Reveal plays
    assert "lane 1" in page.inner_text("[data-testid=predict-prompt]")
    starts = page.evaluate("() => JSON.stringify(window.descentlab.state.starts)")
    box = page.locator("[data-testid=surface-plot]").bounding_box()
    for dx in (0.35, 0.65):
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * 0.5)
    page.wait_for_function("() => window.descentlab.lessonPanel.predict.guesses.length === 2")
    assert page.evaluate("() => JSON.stringify(window.descentlab.state.starts)") == starts
    page.wait_for_function(
        "() => document.querySelector('[data-testid=surface-plot]').data"
        ".some((t) => t.meta === 'guesses' && t.x.length === 2)"
    )
    page.click("[data-testid=predict-reveal]")
    # the real endpoints are listed once the race has played to its end, not before
    assert page.locator("[data-testid=predict-table]").count() == 0
    page.wait_for_function(
        "() => { const a = window.descentlab; return !a.playback.playing"
        " && a.playback.cursor === a.buffer.steps; }",
        timeout=30_000,
    )
    page.wait_for_selector("[data-testid=predict-table]")
    assert page.locator("[data-testid=predict-table] tbody tr").count() == 2
    watched.shot("lesson-race-en")
    check_korean(watched, p)
    assert "실제 끝점" in page.inner_text("[data-testid=predict-table]")
    watched.shot("lesson-race-ko")


def test_an_mlp_preset_opens_by_url_and_trains(watched):
    page = watched.page
    p = preset(watched.base, "overfitting-big-net")
    page.goto(f"{watched.base}/?preset=overfitting-big-net")
    page.wait_for_function(MLP_READY, timeout=30_000)
    assert page.evaluate("() => window.descentlab.state.tab") == "mlp"
    assert explanation(page) == p["explanation"]["en"]
    points = page.evaluate(MLP_POINTS)
    assert points and max(points) > 0, points
    body = page.evaluate("() => JSON.parse(JSON.stringify(window.descentlab.mlp.client.lastBody))")
    assert body["model"]["hidden"] == p["run"]["model"]["hidden"]
    watched.shot("lesson-mlp-en")
    check_korean(watched, p)
    watched.shot("lesson-mlp-ko")


def test_a_schedule_preset_opens_by_url_and_the_picker_switches_lessons(watched):
    page = watched.page
    p = preset(watched.base, "warmup-cosine")
    page.goto(f"{watched.base}/?preset=warmup-cosine")
    page.wait_for_function(RACE_READY, timeout=20_000)
    assert explanation(page) == p["explanation"]["en"]
    body = page.evaluate("() => JSON.parse(JSON.stringify(window.descentlab.client.lastBody))")
    assert any(o.get("schedule") for o in body["optimizers"])
    assert all(n > 0 for n in page.evaluate(LOSS_POINTS))
    assert page.evaluate(SURFACE_TRACES) > 0
    watched.shot("lesson-schedule-en")
    check_korean(watched, p)
    # the picker lists every preset under its topic; choosing one opens it
    with urllib.request.urlopen(f"{watched.base}/api/presets", timeout=10) as r:
        n_topics = len(json.load(r)["topics"])
    assert page.locator("[data-testid=lesson-select] optgroup").count() == n_topics
    other = preset(watched.base, "momentum-valley")
    page.select_option("[data-testid=lesson-select]", "momentum-valley")
    page.wait_for_function(
        "(text) => document.querySelector('[data-testid=lesson-explanation]').textContent === text",
        arg=other["explanation"]["ko"],
    )
    page.wait_for_function(RACE_READY, timeout=20_000)
    page.wait_for_function("() => location.search.includes('preset=momentum-valley')")


TEXT_HAS = (
    "([id, text]) => document.querySelector(`[data-testid=${id}]`).textContent.includes(text)"
)
EXTRA_SHOWN = "() => !!document.querySelector('[data-testid=lesson-extra] h3')"


def open_lesson(watched, pid: str) -> None:
    page = watched.page
    page.goto(f"{watched.base}/?preset={pid}")
    page.wait_for_function(EXTRA_SHOWN, timeout=30_000)


def test_the_gradient_check_view_shows_each_layer_and_the_speedup(watched):
    page = watched.page
    open_lesson(watched, "gradient-check")
    rows = page.locator("[data-testid=gradcheck-table] tbody tr")
    assert rows.count() == 4  # three layers and the total
    assert "faster" in page.inner_text("[data-testid=gradcheck-times]")
    watched.shot("lesson-gradcheck-en")
    page.click("[data-testid=lang-toggle]")
    page.wait_for_function(TEXT_HAS, arg=["gradcheck-times", "빠릅니다"])


def test_the_training_loop_view_steps_forward(watched):
    page = watched.page
    open_lesson(watched, "training-loop-step")
    assert "iteration 1" in page.inner_text("[data-testid=loop-title]")
    assert page.locator("[data-testid=loop-new-loss]").count() == 1
    page.click("[data-testid=loop-next]")
    page.wait_for_function(TEXT_HAS, arg=["loop-title", "iteration 2"])
    watched.shot("lesson-loop-en")
    page.click("[data-testid=lang-toggle]")
    assert "이터레이션 2" in page.inner_text("[data-testid=loop-title]")


def test_the_accuracy_view_plots_loss_and_a_staircase_accuracy(watched):
    page = watched.page
    open_lesson(watched, "accuracy-vs-loss")
    page.wait_for_function(
        "() => { const d = document.querySelector('[data-testid=accuracy-plot]');"
        " return d && d.data && d.data.length === 2; }"
    )
    counts = page.evaluate(
        "() => document.querySelector('[data-testid=accuracy-plot]').data.map("
        "(t) => t.y.filter((v) => v !== null).length)"
    )
    assert counts == [201, 201]
    watched.shot("lesson-accuracy-en")

"""The Sweep tab and the MLP tab's range test in the system Chromium against the real app: a
small sweep (2 optimizers x 8 rates x 3 seeds on a surface, noisy gradients) from the form,
its curves (medians with data, bands, a log rate axis) and heat map, the CSV export, cancel;
the range test on moons with its suggestion line and "Use this rate"; a sweep lesson and the
range-test lesson; Korean labels, projector mode, nothing below the fold at 1920x1080 and
1280x800, usable at 375x667. Screenshots: tests/browser/artifacts/sweep-*.png, lrf-*.png."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.browser.test_mlp import open_mlp

pytestmark = pytest.mark.browser

LR = "optimizers.0.params.lr"
OPT = "optimizers.0.name"
ENDED = (
    "() => { const d = window.descentlab && window.descentlab.sweep.doc;"
    " return !!d && ['done', 'cancelled', 'failed', 'interrupted'].includes(d.status)"
    " && !window.descentlab.sweep.es; }"
)
PLOT = (
    "() => { const el = document.querySelector('[data-testid=sweep-plot]');"
    " return {data: el.data, layout: el.layout}; }"
)
LRF_DONE = (
    "() => { const p = window.descentlab && window.descentlab.mlp.lrFinder;"
    " return !!p && !p.busy && !!p.doc; }"
)


def open_sweep(watched, query: str = "") -> None:
    """The dashboard (race ready), then the Sweep tab."""
    watched.open(query)
    watched.page.click("[data-testid=tab-sweep]")
    watched.page.wait_for_selector("[data-testid=sweep-start]")


def fill_small_sweep(page, optimizers=("sgd", "adam"), n: int = 8, seeds: int = 3) -> None:
    """2 optimizers x 8 rates x 3 seeds (48 runs), noise 0.5 so that the seeds differ."""
    for box in page.locator("[data-testid=sweep-optimizers] input[type=checkbox]").all():
        want = box.get_attribute("value") in optimizers
        if box.is_checked() != want:
            box.click()
    page.fill("[data-testid=sweep-lr-lo]", "0.0001")
    page.fill("[data-testid=sweep-lr-hi]", "1")
    page.fill("[data-testid=sweep-lr-n]", str(n))
    page.fill("[data-testid=sweep-seeds]", str(seeds))
    if page.locator("[data-testid=sweep-sigma]").count():
        page.fill("[data-testid=sweep-sigma]", "0.5")


def run_sweep(page, timeout: int = 60_000) -> dict:
    page.click("[data-testid=sweep-start]")
    page.wait_for_function(ENDED, timeout=timeout)
    page.wait_for_timeout(300)  # the last draw (throttled)
    return page.evaluate("() => JSON.parse(JSON.stringify(window.descentlab.sweep.doc))")


def curve_lines(fig: dict) -> list[dict]:
    return [d for d in fig["data"] if d.get("mode") == "lines+markers"]


def in_view(page, testid: str) -> None:
    height = page.viewport_size["height"]
    width = page.viewport_size["width"]
    box = page.locator(f"[data-testid={testid}]").bounding_box()
    assert box is not None, testid
    assert box["y"] >= 0 and box["y"] + box["height"] <= height + 0.5, (testid, box, height)
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (testid, box, width)


def test_a_small_sweep_from_the_race_tab_draws_curves_and_a_heat_map(watched):
    page = watched.page
    open_sweep(watched, "?s=himmelblau")
    assert "Himmelblau" in page.inner_text("[data-testid=sweep-base]")
    fill_small_sweep(page)
    assert page.inner_text("[data-testid=sweep-count]") == "48 runs"
    bodies = []
    page.on(
        "request",
        lambda r: (
            r.method == "POST" and r.url.endswith("/api/sweeps") and bodies.append(r.post_data)
        ),
    )
    doc = run_sweep(page)
    assert doc["status"] == "done" and doc["done"] == 48
    body = json.loads(bodies[0])
    assert body["axes"] == {
        OPT: ["sgd", "adam"],
        LR: {"log_range": [0.0001, 1, 8]},
        "seed": [0, 1, 2],
    }
    assert body["base"]["noise"] == {"sigma": 0.5}
    assert len(body["base"]["optimizers"]) == 1 and len(body["base"]["starts"]) == 1
    assert all(c["status"] == "done" for c in doc["cells"])
    # the curves: one per optimizer, eight points each, medians that are numbers
    fig = page.evaluate(PLOT)
    lines = curve_lines(fig)
    assert [ln["name"] for ln in lines] == ["SGD", "Adam"]
    assert [ln["line"]["color"] for ln in lines] == ["#E69F00", "#56B4E9"]  # Okabe-Ito, lanes 1-2
    for ln in lines:
        assert len(ln["x"]) == 8
        finite = [y for y in ln["y"] if y is not None]
        assert len(finite) >= 4, ln["y"]
    assert fig["layout"]["xaxis"]["type"] == "log"
    assert any(d.get("fill") == "toself" for d in fig["data"])  # the inter-quartile bands
    marks = [d for d in fig["data"] if d.get("marker", {}).get("symbol") == "x-thin"]
    diverged_medians = sum(1 for ln in lines for y in ln["y"] if y is None)
    assert sum(len(m["x"]) for m in marks) == diverged_medians  # every ✕ is a diverged median
    status = page.inner_text("[data-testid=sweep-status]")
    assert status.startswith("Done: 48 runs") and "Best:" in status
    for testid in ("sweep-start", "sweep-plot", "sweep-status", "export-png-sweep", "tab-race"):
        in_view(page, testid)
    watched.shot("sweep-curves-1920x1080")
    # log y off and on again: the same data
    page.click("[data-testid=sweep-logy]")
    assert page.evaluate(PLOT)["layout"]["yaxis"]["type"] == "linear"
    page.click("[data-testid=sweep-logy]")
    # the heat map: rate x optimizer (medians over the seeds), then rate x seed
    page.click("[data-testid=sweep-chart-heatmap]")
    assert page.locator("[data-testid=sweep-y]").input_value() == OPT
    heat = page.evaluate(PLOT)["data"][0]
    assert heat["type"] == "heatmap"
    assert heat["y"] == ["SGD", "Adam"]
    assert len(heat["z"]) == 2 and all(len(row) == 8 for row in heat["z"])
    assert sum(v is not None for row in heat["z"] for v in row) >= 8
    watched.shot("sweep-heatmap-optimizers-1920x1080")
    page.select_option("[data-testid=sweep-y]", "seed")
    heat = page.evaluate(PLOT)["data"][0]
    assert len(heat["z"]) == 3 and all(len(row) == 8 for row in heat["z"])
    assert sum(v is not None for row in heat["z"] for v in row) >= 12
    watched.shot("sweep-heatmap-1920x1080")
    # the CSV export: a row per cell
    href = page.get_attribute("[data-testid=sweep-export-csv]", "href")
    assert href.endswith("format=csv")
    with urllib.request.urlopen(watched.base + href) as r:
        rows = r.read().decode().strip().splitlines()
    assert len(rows) == 49 and LR in rows[0]
    with page.expect_download() as dl:
        page.click("[data-testid=export-svg-sweep]")
    assert dl.value.suggested_filename == "descentlab-sweep.svg"


@pytest.mark.parametrize("watched", [(1280, 800)], indirect=True)
def test_the_sweep_tab_fits_a_laptop_screen(watched):
    page = watched.page
    open_sweep(watched)
    fill_small_sweep(page, n=6, seeds=2)
    doc = run_sweep(page)
    assert doc["status"] == "done"
    assert all(
        len([y for y in ln["y"] if y is not None]) for ln in curve_lines(page.evaluate(PLOT))
    )
    for testid in (
        "sweep-start",
        "sweep-cancel",
        "sweep-plot",
        "sweep-key",
        "sweep-export-csv",
        "tab-mlp",
    ):
        in_view(page, testid)
    plot = page.locator("[data-testid=sweep-plot]").bounding_box()
    assert plot["height"] >= 300 and plot["width"] >= 600
    watched.shot("sweep-curves-1280x800")
    # a copied link shows the same sweep (its id in the URL), without computing it again
    url = page.evaluate("() => window.descentlab.url()")
    assert f"sweep={doc['id']}" in url
    posts = []
    page.on("request", lambda r: r.method == "POST" and "/api/sweeps" in r.url and posts.append(1))
    page.goto(url)
    page.wait_for_function(ENDED, timeout=20_000)
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.descentlab.sweep.doc.id") == doc["id"]
    assert posts == []
    assert curve_lines(page.evaluate(PLOT))
    assert page.locator("[data-testid=sweep-lr-n]").input_value() == "6"


@pytest.mark.parametrize("watched", [(375, 667)], indirect=True)
def test_the_sweep_tab_works_on_a_phone(watched):
    page = watched.page
    open_sweep(watched)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    fill_small_sweep(page, n=5, seeds=2)
    doc = run_sweep(page)
    assert doc["status"] == "done"
    assert curve_lines(page.evaluate(PLOT))
    page.locator("[data-testid=sweep-plot]").scroll_into_view_if_needed()
    plot = page.locator("[data-testid=sweep-plot]").bounding_box()
    assert plot["width"] >= 300 and plot["height"] >= 250
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    watched.shot("sweep-phone-375x667")


def test_korean_and_projector_mode(watched):
    page = watched.page
    open_sweep(watched, "?lang=ko&proj=1")
    assert page.inner_text("[data-testid=tab-sweep]") == "스윕"
    assert page.inner_text("[data-testid=sweep-start]") == "스윕 시작"
    assert "옵티마이저" in page.inner_text("[data-testid=sweep-form]")
    fill_small_sweep(page, n=6, seeds=3)
    run_sweep(page)
    fig = page.evaluate(PLOT)
    assert fig["layout"]["xaxis"]["title"]["text"] == "학습률"
    assert "최종 손실" in fig["layout"]["yaxis"]["title"]["text"]
    assert fig["layout"]["font"]["size"] >= 16  # the projector's chart type
    assert page.inner_text("[data-testid=sweep-status]").startswith("완료")
    assert "중앙값" in page.inner_text("[data-testid=sweep-key]")
    for testid in ("sweep-start", "sweep-plot"):
        in_view(page, testid)
    watched.shot("sweep-projector-ko")
    # back to English: the form and the chart follow
    page.click("[data-testid=lang-toggle]")
    assert page.inner_text("[data-testid=sweep-start]") == "Start sweep"
    assert page.evaluate(PLOT)["layout"]["xaxis"]["title"]["text"] == "Learning rate"


def test_an_mlp_sweep_can_be_cancelled(watched):
    page = watched.page
    open_mlp(watched)
    page.click("[data-testid=tab-sweep]")
    page.wait_for_selector("[data-testid=sweep-start]")
    assert page.locator("[data-testid=sweep-source]").input_value() == "mlp"
    assert page.locator("[data-testid=sweep-sigma]").count() == 0
    fill_small_sweep(page, optimizers=("sgd", "adam"), n=10, seeds=5)  # 100 trainings
    page.click("[data-testid=sweep-start]")
    # partial results: drawn as the cells arrive
    page.wait_for_function(
        "() => { const d = window.descentlab.sweep.doc; return !!d && d.done >= 2; }",
        timeout=30_000,
    )
    page.wait_for_timeout(300)
    partial = page.evaluate("() => JSON.parse(JSON.stringify(window.descentlab.sweep.doc))")
    if partial["status"] == "running":
        points = [y for ln in curve_lines(page.evaluate(PLOT)) for y in ln["y"] if y is not None]
        assert points, "partial results are drawn"
        assert page.inner_text("[data-testid=sweep-status]").endswith("runs done") or "/ 100" in (
            page.inner_text("[data-testid=sweep-status]")
        )
        watched.shot("sweep-mlp-partial")
    page.click("[data-testid=sweep-cancel]")
    page.wait_for_function(ENDED, timeout=60_000)
    doc = page.evaluate("() => window.descentlab.sweep.doc")
    assert doc["status"] == "cancelled", doc["status"]
    assert doc["done"] < 100
    assert page.inner_text("[data-testid=sweep-status]").startswith("Cancelled after")
    assert not page.locator("[data-testid=sweep-start]").is_disabled()
    # Resume computes the missing cells, keeping the finished ones
    page.click("[data-testid=sweep-resume]")
    page.wait_for_function(ENDED, timeout=120_000)
    doc = page.evaluate("() => window.descentlab.sweep.doc")
    assert doc["status"] == "done" and doc["done"] == 100
    assert sum(c["status"] == "done" for c in doc["cells"]) == 100
    assert not page.is_visible("[data-testid=sweep-resume]")


def test_the_range_test_suggests_a_rate_and_uses_it(watched):
    page = watched.page
    open_mlp(watched)
    page.click("[data-testid=lrf-open]")
    page.wait_for_function(LRF_DONE, timeout=30_000)
    doc = page.evaluate("() => window.descentlab.mlp.lrFinder.doc")
    fig = page.evaluate(
        "() => { const el = document.querySelector('[data-testid=lrf-plot]');"
        " return {data: el.data, layout: el.layout}; }"
    )
    raw, smooth = fig["data"][0], fig["data"][1]
    assert len(raw["x"]) == doc["iterations"] >= 20
    assert sum(v is not None for v in smooth["y"]) >= 20
    assert fig["layout"]["xaxis"]["type"] == "log"
    lr = doc["suggested_lr"]
    assert lr is not None and lr > 0
    assert fig["layout"]["shapes"][0]["x0"] == pytest.approx(lr)  # the suggestion line
    assert "suggested" in fig["layout"]["annotations"][0]["text"]
    assert page.inner_text("[data-testid=lrf-result]").startswith("Suggested rate:")
    for testid in ("lrf-plot", "lrf-use", "lrf-close"):
        in_view(page, testid)
    watched.shot("lrf-moons-1920x1080")
    page.click("[data-testid=lrf-use]")
    assert not page.is_visible("[data-testid=lrf-panel]")
    used = page.evaluate("() => window.descentlab.state.mlp.lanes[0].params.lr")
    assert used == pytest.approx(lr, rel=1e-2)
    assert "learning rate is now" in page.inner_text("[data-testid=status]")


@pytest.mark.parametrize("watched", [(1280, 800)], indirect=True)
def test_the_range_test_in_korean_on_a_laptop(watched):
    page = watched.page
    open_mlp(watched, "&lang=ko")
    assert page.inner_text("[data-testid=lrf-open]") == "범위 테스트"
    page.click("[data-testid=lrf-open]")
    page.wait_for_function(LRF_DONE, timeout=30_000)
    assert page.inner_text("[data-testid=lrf-panel] h2") == "학습률 범위 테스트"
    assert page.inner_text("[data-testid=lrf-use]") == "이 학습률 사용"
    layout = page.evaluate("() => document.querySelector('[data-testid=lrf-plot]').layout")
    assert layout["xaxis"]["title"]["text"] == "학습률"
    for testid in ("lrf-plot", "lrf-use", "lrf-run"):
        in_view(page, testid)
    watched.shot("lrf-ko-1280x800")


@pytest.mark.parametrize("watched", [(1920, 1080), (1280, 800)], indirect=True)
def test_the_sweep_lesson_opens_and_starts_its_sweep(watched):
    page = watched.page
    presets = json.loads(urllib.request.urlopen(f"{watched.base}/api/presets").read())["presets"]
    preset = next((p for p in presets if p.get("sweep") and OPT in p["sweep"]["axes"]), None)
    if preset is None:
        pytest.skip("no sweep lesson among the presets")
    page.goto(f"{watched.base}/?preset={preset['id']}")
    page.wait_for_function(ENDED, timeout=120_000)
    page.wait_for_timeout(300)
    doc = page.evaluate("() => window.descentlab.sweep.doc")
    assert doc["status"] == "done"
    assert page.get_attribute("[data-testid=tab-sweep]", "aria-selected") == "true"
    assert page.inner_text("[data-testid=lesson-title]")
    fig = page.evaluate(PLOT)
    lines = curve_lines(fig)
    assert len(lines) == len(preset["sweep"]["axes"][OPT])
    assert all(any(y is not None for y in ln["y"]) for ln in lines)
    for testid in ("sweep-start", "sweep-plot", "lesson-title"):
        in_view(page, testid)
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    watched.shot(f"sweep-lesson-{width}x{height}")


def test_the_range_test_lesson_opens_the_panel(watched):
    page = watched.page
    presets = json.loads(urllib.request.urlopen(f"{watched.base}/api/presets").read())["presets"]
    preset = next((p for p in presets if p.get("view", {}).get("open") == "lr_finder"), None)
    if preset is None:
        pytest.skip("no range-test lesson among the presets")
    page.goto(f"{watched.base}/?preset={preset['id']}")
    page.wait_for_function(LRF_DONE, timeout=30_000)
    assert page.is_visible("[data-testid=lrf-panel]")
    assert page.get_attribute("[data-testid=tab-mlp]", "aria-selected") == "true"
    doc = page.evaluate("() => window.descentlab.mlp.lrFinder.doc")
    assert doc["suggested_lr"] is not None
    watched.shot("lrf-lesson")

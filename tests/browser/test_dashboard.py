"""The dashboard in the system Chromium against the real app: the race runs and draws, the
surface takes clicks, the keyboard drives it, Korean works, the URL reproduces the state."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

FAST = "?speed=10"

# (points in the contour, longest path trace) of the surface plot
SURFACE_DATA = """() => {
  const gd = document.querySelector('[data-testid=surface-plot]');
  const contour = gd.data.find((t) => t.type === 'contour');
  const paths = gd.data.filter((t) => t.type === 'scatter' && t.mode === 'lines' && t.name);
  return {contour: contour ? contour.z.length * contour.z[0].length : 0,
          paths: paths.map((t) => t.x.length)};
}"""

LOSS_DATA = """() => {
  const gd = document.querySelector('[data-testid=loss-plot]');
  return gd.data.map((t) => Array.from(t.y).filter(Number.isFinite).length);
}"""

START_TRACE = """() => {
  const gd = document.querySelector('[data-testid=surface-plot]');
  const t = gd.data.find((d) => d.meta === 'starts');
  return t.x.map((x, i) => [x, t.y[i]]);
}"""


STEP_LABEL_SAYS = (
    "(text) => document.querySelector('[data-testid=step-label]').textContent.includes(text)"
)
FORMULA_MESSAGE_IS = (
    "(kind) => document.querySelector('[data-testid=formula-message]').classList.contains(kind)"
)
BASIN_MAPS_DRAWN = """(n) => {
  const maps = [...document.querySelectorAll('[data-testid^=basin-plot-]')];
  return maps.length === n && maps.every((d) => d.data);
}"""


def race_request(page) -> dict:
    return page.evaluate(
        "() => JSON.parse(JSON.stringify(window.descentlab.client.lastBody ?? null))"
    )


def wait_played(page) -> None:
    """Wait until a live run has finished streaming and playback has reached its end."""
    page.wait_for_function(
        "() => { const a = window.descentlab;"
        " return a.buffer && a.buffer.done && !a.client.streaming"
        " && !a.playback.playing && a.playback.cursor === a.buffer.steps"
        " && a.surface.plotted && a.surface.plotted.withRace"
        " && a.surface.plotted.cursor === a.buffer.steps && a.charts.settled(); }",
        timeout=20_000,
    )


def test_default_race_runs_and_both_plots_hold_data(watched):
    page = watched.page
    watched.open(FAST)
    assert page.locator("[data-testid=legend] .chip").count() == 4
    page.click("[data-testid=run]")
    wait_played(page)
    surface = page.evaluate(SURFACE_DATA)
    assert surface["contour"] == 120 * 120
    assert surface["paths"] == [301, 301, 301, 301]
    assert page.evaluate(LOSS_DATA) == [301, 301, 301, 301]
    assert page.locator("[data-testid=summary-table] tbody tr").count() == 4
    assert "Adam" in page.inner_text("[data-testid=summary-surface]")
    assert "Loss after 300 steps" in page.inner_text("[data-testid=summary-loss]")
    watched.shot("race-1920x1080-light-en")
    # hovering a step in one chart marks it in the others and on the surface
    box = page.locator("[data-testid=loss-plot] .nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    page.wait_for_function("() => window.descentlab.hoverStep !== null")
    step = page.evaluate("() => window.descentlab.hoverStep")
    assert 60 < step < 120
    assert page.locator("[data-chart=grad] .hover-line").is_visible()


@pytest.mark.parametrize("watched", [(1366, 768)], indirect=True)
def test_laptop_size_draws_every_chart(watched):
    page = watched.page
    watched.open(FAST)
    page.click("[data-testid=run]")
    wait_played(page)
    for testid in ("surface-plot", "loss-plot", "grad-plot", "dist-plot", "lr-plot"):
        box = page.locator(f"[data-testid={testid}]").bounding_box()
        assert box["width"] > 150 and box["height"] > 150, testid
        n = page.evaluate(f"() => document.querySelector('[data-testid={testid}]').data.length")
        assert n > 0, testid
    watched.shot("race-1366x768-light-en")


def test_clicking_the_surface_moves_the_start_and_shift_click_adds_one(watched):
    page = watched.page
    watched.open()
    before = page.evaluate(START_TRACE)
    box = page.locator("[data-testid=surface-plot] .nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.75)
    page.wait_for_function(
        "() => new URLSearchParams(location.search).getAll('start').length === 1"
        " && !location.search.includes('start=0.5,4.5')"
    )
    watched.wait_ready()
    after = page.evaluate(START_TRACE)
    assert after != before and len(after) == 1
    x, y = after[0]
    assert -5 < x < 0 and -5 < y < 0  # lower left quarter of Himmelblau's [-5, 5]²
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    page.keyboard.up("Shift")
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('start').length > 1")
    watched.wait_ready()
    assert len(page.evaluate(START_TRACE)) == 2
    assert page.evaluate("() => window.descentlab.buffer.nLanes") == 8


def test_keyboard_space_arrows_help_and_projector(watched):
    page = watched.page
    watched.open()
    page.keyboard.press("Space")
    page.wait_for_function("() => window.descentlab.playback.playing")
    page.keyboard.press("Space")
    assert page.evaluate("() => window.descentlab.playback.playing") is False
    page.keyboard.press("r")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => window.descentlab.playback.cursor") == 2
    page.wait_for_function(STEP_LABEL_SAYS, arg="2 /")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("() => window.descentlab.playback.cursor") == 1
    assert "Step 1" in page.inner_text("[data-testid=inspector-step]")
    assert "|∇f|" in page.inner_text("[data-testid=insp-grad]")
    assert page.inner_text("[data-testid=insp-effective]") != "—"
    page.keyboard.press("Shift+/")  # "?"
    dialog = page.locator("[data-testid=keys-dialog]")
    assert dialog.is_visible()
    assert "Space" in dialog.inner_text()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    page.keyboard.press("p")
    assert page.evaluate("() => document.body.classList.contains('projector')")
    assert page.get_attribute("[data-testid=projector-toggle]", "aria-pressed") == "true"
    assert page.locator("[data-testid=strip]").is_visible()
    assert not page.locator("[data-testid=controls]").is_visible()
    page.wait_for_function("() => location.search.includes('proj=1')")
    page.keyboard.press("p")
    assert not page.evaluate("() => document.body.classList.contains('projector')")


def test_korean_toggle_switches_live_and_is_kept_in_the_url(watched):
    page = watched.page
    watched.open()
    page.click("[data-testid=lang-toggle]")
    assert page.inner_text("[data-testid=run]").strip() == "경주 시작"
    assert page.get_attribute("html", "lang") == "ko"
    assert "손실" in page.inner_text("[data-chart=loss] h3")
    assert "모멘텀" in page.inner_text("[data-testid=legend]")
    page.wait_for_function("() => location.search.includes('lang=ko')")
    watched.shot("race-1920x1080-light-ko")
    page.reload()
    watched.wait_ready()
    assert page.inner_text("[data-testid=run]").strip() == "경주 시작"


def test_a_reloaded_url_reproduces_lanes_parameters_and_start(watched):
    page = watched.page
    watched.open()
    lr = page.locator("[data-testid=lane-0-lr] input[type=text]")
    lr.fill("0.02")
    lr.press("Enter")
    page.select_option("[data-testid=noise-mode]", "sigma")
    page.click("[data-testid=lane-add]")
    page.locator("[data-testid=lane-4] details summary").click()
    page.select_option("[data-testid=lane-4-schedule]", "cosine")
    page.wait_for_function("() => location.search.includes('~cosine')")
    watched.wait_ready()
    page.wait_for_timeout(300)  # the URL is written 120 ms after the last change
    url = page.url
    first = race_request(page)
    assert first["optimizers"][0]["params"]["lr"] == 0.02
    assert first["optimizers"][4]["schedule"]["name"] == "cosine"
    assert first["noise"] == {"sigma": 0.1}
    page.goto("about:blank")
    page.goto(url)
    watched.wait_ready()
    assert race_request(page) == first
    assert page.input_value("[data-testid=lane-0-lr] input[type=text]") == "0.02"
    assert parse_qs(urlparse(page.url).query) == parse_qs(urlparse(url).query)


def test_formula_box_reports_the_parser_message_inline(watched):
    page = watched.page
    watched.open()
    page.select_option("[data-testid=surface-select]", "__formula")
    box = page.locator("[data-testid=formula-input]")
    box.fill("x**2 - y*")
    box.press("Enter")
    msg = page.locator("[data-testid=formula-message]")
    page.wait_for_function(FORMULA_MESSAGE_IS, arg="bad")
    assert "column" in msg.inner_text()
    box.fill("x**2 - y**2")
    box.press("Enter")
    page.wait_for_function(FORMULA_MESSAGE_IS, arg="ok")
    page.wait_for_function("() => location.search.includes('f=')")
    watched.wait_ready()
    assert page.evaluate(SURFACE_DATA)["contour"] == 120 * 120


def test_a_diverging_lane_is_marked_with_its_step(watched):
    page = watched.page
    watched.open("?o=sgd:lr=0.5&o=adam:lr=0.1&start=0.5,4.5&steps=100")
    page.keyboard.press("End")
    page.wait_for_function("() => window.descentlab.playback.cursor === 100")
    assert "diverged at step" in page.inner_text("[data-testid=legend-0]")
    assert "at step" in page.inner_text("[data-testid=summary-row-0]")
    assert "diverged at step" in page.inner_text("[data-testid=summary-surface]")


def test_lesson_mode_hides_the_chosen_panels(watched):
    page = watched.page
    watched.open("?lesson=1&hide=controls,inspector")
    assert not page.locator("[data-testid=controls]").is_visible()
    assert not page.locator("[data-testid=inspector]").is_visible()
    assert page.locator("[data-testid=surface-plot]").is_visible()
    assert page.locator(".lesson-badge").is_visible()


def test_basin_maps_side_by_side_per_optimizer(watched):
    page = watched.page
    watched.open()
    page.click("[data-testid=tab-basins]")
    page.wait_for_function(BASIN_MAPS_DRAWN, arg=4, timeout=20_000)
    z = page.evaluate("() => document.querySelector('[data-testid=basin-plot-0]').data[0].z.length")
    assert z == 80  # an 80×80 grid of starts by default
    watched.shot("basins-1920x1080-light-en")


def test_exports_link_to_the_service_and_build_a_standalone_page(watched):
    page = watched.page
    watched.open()
    href = page.get_attribute("[data-testid=export-csv]", "href")
    assert href.startswith("/api/runs/") and href.endswith("format=csv")
    status = page.evaluate(f"() => fetch('{href}').then((r) => r.status)")
    assert status == 200
    with page.expect_download() as dl:
        page.click("[data-testid=export-html]")
    path = dl.value.path()
    html = Path(path).read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "Plotly.newPlot" in html
    assert "/vendor/" not in html  # the Plotly bundle is inlined: the page works offline
    with page.expect_download() as png:
        page.click("[data-testid=export-png-surface]")
    assert png.value.suggested_filename.endswith(".png")


@pytest.mark.parametrize(
    "query, name",
    [
        ("?theme=dark", "race-1920x1080-dark-en"),
        ("?theme=dark&lang=ko&proj=1", "race-1920x1080-dark-ko-projector"),
        ("?proj=1", "race-1920x1080-light-en-projector"),
    ],
)
def test_screenshots_of_themes_languages_and_projector(watched, query, name):
    page = watched.page
    watched.open(query + "&speed=10")
    page.click("[data-testid=run]")
    wait_played(page)
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(400)
    watched.shot(name)

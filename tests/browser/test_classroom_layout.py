"""In front of a class: the whole race (the surface with its axes and the four step charts)
fits a 1080p projector and a 1280×800 laptop without scrolling, in projector mode, in normal
mode and with a lesson open, in English and Korean; and a student's phone (375×667) gets a
stacked page without sideways scrolling, a readable Run button, and taps that set the start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .conftest import Watched

pytestmark = pytest.mark.browser

LESSON = "preset=local-vs-global-minimum"
RACE_PLOTS = ("surface-plot", "loss-plot", "grad-plot", "dist-plot", "lr-plot")

# per race plot: its box, the bottom of its x axis (line, tick labels, title) and its plot area
GEOMETRY = """(ids) => {
  const out = {};
  for (const id of ids) {
    const gd = document.querySelector(`[data-testid=${id}]`);
    const box = gd.getBoundingClientRect();
    const parts = [...gd.querySelectorAll(
      '.main-svg, .xaxislayer-above, .xaxislayer-above text, .g-xtitle, .g-xtitle text')];
    const xa = gd._fullLayout.xaxis;
    const ya = gd._fullLayout.yaxis;
    out[id] = {
      left: box.left, right: box.right, top: box.top, bottom: box.bottom,
      width: box.width, height: box.height,
      axisBottom: Math.max(...parts.map((e) => e.getBoundingClientRect().bottom)),
      ticks: gd.querySelectorAll('.xaxislayer-above text').length,
      plotWidth: xa._length, plotHeight: ya._length,
    };
  }
  return out;
}"""

PAGE = """() => ({
  innerWidth: window.innerWidth, innerHeight: window.innerHeight,
  scrollTop: document.scrollingElement.scrollTop,
  scrollWidth: document.scrollingElement.scrollWidth,
})"""

SETTLED = (
    "() => window.descentlab.charts.settled() && !window.descentlab.surface.busy"
    " && [...document.querySelectorAll('[data-testid$=-plot]')]"
    ".every((gd) => gd._fullLayout && gd._fullLayout.xaxis)"
)


def settle(page) -> None:
    """Wait until every race plot is drawn and laid out at the page's final size."""
    page.wait_for_function(SETTLED, timeout=15_000)
    page.wait_for_timeout(400)  # resize observers, then Plotly's relayout
    page.wait_for_function(SETTLED, timeout=15_000)


def geometry(page) -> dict:
    return page.evaluate(GEOMETRY, list(RACE_PLOTS))


def shot_name(query: str, size: tuple[int, int]) -> str:
    mode = "proj" if "proj=1" in query else "normal"
    lesson = "-lesson" if "preset=" in query else ""
    lang = "ko" if "lang=ko" in query else "en"
    return f"classroom-{size[0]}x{size[1]}-{mode}{lesson}-{lang}"


FIT_QUERIES = [
    "?proj=1",
    "",
    f"?{LESSON}",
    f"?{LESSON}&proj=1",
    "?proj=1&lang=ko",
    f"?{LESSON}&lang=ko",
    f"?{LESSON}&proj=1&lang=ko",
]


@pytest.mark.parametrize("query", FIT_QUERIES)
@pytest.mark.parametrize(
    "watched", [(1920, 1080), (1280, 800)], indirect=True, ids=["1080p", "1280x800"]
)
def test_the_whole_race_fits_the_screen_without_scrolling(watched, query):
    page = watched.page
    watched.open(query)
    settle(page)
    view = page.evaluate(PAGE)
    size = (view["innerWidth"], view["innerHeight"])
    watched.shot(shot_name(query, size))
    assert view["scrollTop"] == 0
    assert view["scrollWidth"] <= view["innerWidth"]
    geo = geometry(page)
    for testid, g in geo.items():
        assert g["ticks"] > 0, f"{testid}: no x tick labels"
        assert g["top"] >= 0 and g["axisBottom"] <= view["innerHeight"], (
            f"{testid}: its x axis ends at y = {g['axisBottom']:.0f},"
            f" below the fold at {view['innerHeight']}"
        )
        assert g["right"] <= view["innerWidth"], testid
    # large and legible: the surface stays square and big (over half a 1080p screen's height)
    surface = geo["surface-plot"]
    assert abs(surface["plotWidth"] - surface["plotHeight"]) < 2
    share = 0.5 if view["innerHeight"] >= 1000 else 0.35
    assert surface["plotHeight"] >= share * view["innerHeight"], surface
    for testid in RACE_PLOTS[1:]:
        assert geo[testid]["height"] >= 170 and geo[testid]["width"] >= 200, (testid, geo[testid])


@pytest.mark.parametrize("watched", [(1280, 800)], indirect=True)
def test_projector_mode_keeps_the_copy_link_button(watched):
    page = watched.page
    watched.open("?proj=1")
    button = page.locator("[data-testid=copy-link]")
    assert button.is_visible()
    box = button.bounding_box()
    assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= page.evaluate(
        "() => document.querySelector('[data-testid=topbar]').getBoundingClientRect().bottom"
    )


# ------------------------------------------------------------------------------ phone


@pytest.fixture
def phone(browser, server: str) -> Iterator[Watched]:
    """A touch phone (375×667, mobile viewport) whose problems fail the test."""
    ctx = browser.new_context(
        viewport={"width": 375, "height": 667}, has_touch=True, is_mobile=True
    )
    page = ctx.new_page()
    w = Watched(page, server)
    yield w
    problems = list(w.problems)
    ctx.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_phone_gets_a_stacked_race_without_sideways_scrolling(phone, lang):
    page = phone.page
    phone.open(f"?lang={lang}")
    settle(page)
    phone.shot(f"classroom-375x667-phone-{lang}")
    view = page.evaluate(PAGE)
    assert view["innerWidth"] == 375 and view["scrollWidth"] <= 375, view
    # Run race reads in full
    run = page.locator("[data-testid=run]")
    assert run.is_visible()
    label = page.evaluate(
        "() => { const t = document.querySelector('[data-testid=run] .txt');"
        " const r = t.getBoundingClientRect();"
        " return {scroll: t.scrollWidth, client: t.clientWidth, left: r.left, right: r.right}; }"
    )
    assert label["client"] > 0 and label["scroll"] <= label["client"], label
    assert label["left"] >= 0 and label["right"] <= 375, label
    # the surface takes the width and stays roughly square; the charts are stacked under it
    geo = geometry(page)
    surface = geo["surface-plot"]
    assert surface["width"] >= 300, surface
    assert 0.8 <= surface["height"] / surface["width"] <= 1.3, surface
    assert surface["plotWidth"] >= 200, surface
    previous = surface
    for testid in RACE_PLOTS[1:]:
        g = geo[testid]
        assert g["width"] >= 300 and g["height"] >= 180, (testid, g)
        assert g["top"] >= previous["bottom"], testid
        previous = g
    for g in geo.values():
        assert g["left"] >= 0 and g["right"] <= 375
    # the settings sit behind the Settings button, which opens them
    toggle = page.locator("[data-testid=controls-toggle]")
    assert not page.locator("[data-testid=controls]").is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert page.locator("[data-testid=controls]").is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.evaluate(PAGE)["scrollWidth"] <= 375
    toggle.click()
    assert not page.locator("[data-testid=controls]").is_visible()


def test_a_tap_on_the_phone_surface_sets_the_start(phone):
    page = phone.page
    phone.open()
    settle(page)
    before = page.evaluate("() => JSON.stringify(window.descentlab.state.starts)")
    page.locator("[data-testid=surface-plot]").scroll_into_view_if_needed()
    box = page.locator("[data-testid=surface-plot] .nsewdrag").first.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.75)
    page.wait_for_function(
        "(before) => JSON.stringify(window.descentlab.state.starts) !== before",
        arg=before,
        timeout=5_000,
    )
    starts = page.evaluate("() => window.descentlab.state.starts")
    assert len(starts) == 1
    x, y = starts[0]
    assert -5 < x < 0 and -5 < y < 0  # the lower left quarter of Himmelblau's [-5, 5]²
    phone.wait_ready()

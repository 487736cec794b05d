"""Korean on a machine without a Korean font: the bundled Hangul web font (static/fonts) loads
and Hangul draws as real glyphs, in the page and inside the Plotly charts.

On such a machine (like the test machine: `fc-list :lang=ko` is empty) every Hangul character
would otherwise draw as the same empty box, so two different syllables drawn in a family
stack give identical pixels; with the web font they differ. And DevTools says which font
drew each element's text: every visible element with Hangul must use the web font (Chromium
keeps boxes for text laid out while a face was still loading; see static/index.html)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import Watched

pytestmark = pytest.mark.browser

FAMILY = "DescentLab Hangul"

LOADED_FACES = """async (family) => {
  await document.fonts.ready;
  return [...document.fonts]
    .filter((f) => f.family.replace(/["']/g, '') === family && f.status === 'loaded')
    .map((f) => f.weight);
}"""

# Draw `a` and `b` with the CSS font `font` (weight size family) on a canvas: do they differ,
# and does either leave ink? Tofu boxes are all alike; real glyphs are not.
GLYPHS_DIFFER = """async ([font, a, b]) => {
  await document.fonts.ready;
  const draw = (text) => {
    const c = document.createElement('canvas');
    c.width = 160; c.height = 80;
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, c.width, c.height);
    ctx.fillStyle = '#000'; ctx.font = font; ctx.textBaseline = 'middle';
    ctx.fillText(text, 10, 40);
    return ctx.getImageData(0, 0, c.width, c.height).data;
  };
  const pa = draw(a), pb = draw(b);
  let diff = 0, ink = 0;
  for (let i = 0; i < pa.length; i += 4) {
    if (pa[i] !== pb[i]) diff++;
    if (pa[i] < 128) ink++;
  }
  return { diff, ink };
}"""

# The first SVG text in a Plotly chart that holds Hangul: its text and computed font.
PLOT_HANGUL_TEXT = """(testid) => {
  const gd = document.querySelector(`[data-testid=${testid}]`);
  const t = [...gd.querySelectorAll('text')].find((e) => /[\\uac00-\\ud7a3]/.test(e.textContent));
  if (!t) return null;
  const s = getComputedStyle(t);
  return { text: t.textContent, font: `${s.fontWeight} 40px ${s.fontFamily}` };
}"""


HANGUL = re.compile("[\uac00-\ud7a3]")
WEB_FONT = "Noto Sans CJK KR"  # the family name inside the bundled files


class _Redrawn(Exception):
    """A node of the snapshot left the document while it was checked (a chart redrew)."""


def _walk(cdp) -> tuple[int, list]:
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]
    checked, bad = 0, []
    stack = [root]
    while stack:
        node = stack.pop()
        kids = node.get("children", [])
        stack.extend(kids)
        own = "".join(k.get("nodeValue", "") for k in kids if k.get("nodeType") == 3)
        if node.get("nodeType") != 1 or not HANGUL.search(own):
            continue
        try:
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
        except Exception as e:  # playwright's Error: the node was replaced after the snapshot
            if "Could not find node" in str(e):
                raise _Redrawn from e
            raise
        if not fonts:  # not laid out (hidden)
            continue
        checked += 1
        if not any(f["familyName"] == WEB_FONT and f["isCustomFont"] for f in fonts):
            bad.append((node["nodeName"], own.strip()[:40], [f["familyName"] for f in fonts]))
    return checked, bad


def drawn_without_the_web_font(page) -> tuple[int, list]:
    """(elements whose own text holds Hangul and is laid out, those of them drawn without the
    bundled font), from CSS.getPlatformFontsForNode: the fonts that actually drew the text.

    A chart that redraws while the snapshot is walked replaces its text nodes; the walk then
    starts again on a fresh snapshot (every node of the one that counts is checked)."""
    for attempt in range(6):
        cdp = page.context.new_cdp_session(page)
        try:
            return _walk(cdp)
        except _Redrawn:
            page.wait_for_timeout(250 * (attempt + 1))
        finally:
            cdp.detach()
    raise AssertionError("the page kept redrawing: no stable snapshot to check in 6 tries")


def assert_all_hangul_uses_the_web_font(page) -> None:
    page.evaluate("document.fonts.ready.then(() => true)")
    checked, bad = drawn_without_the_web_font(page)
    assert checked > 10, checked
    assert bad == [], f"{len(bad)} of {checked} elements draw Hangul without the web font: {bad}"


def hangul_pair(text: str) -> tuple[str, str]:
    """Two different Hangul syllables from `text`."""
    syllables = list(dict.fromkeys(c for c in text if "\uac00" <= c <= "\ud7a3"))
    assert len(syllables) >= 2, text
    return syllables[0], syllables[1]


def assert_real_glyphs(page, font: str, text: str) -> None:
    a, b = hangul_pair(text)
    drawn = page.evaluate(GLYPHS_DIFFER, [font, a, b])
    assert drawn["ink"] > 20, (font, drawn)
    assert drawn["diff"] > 20, f"{a} and {b} draw alike (empty boxes?) in {font}: {drawn}"


def assert_element_draws_hangul(page, selector: str) -> None:
    """The element's own text, in its computed weight and family, draws real Hangul glyphs."""
    found = page.eval_on_selector(
        selector,
        "(e) => { const s = getComputedStyle(e);"
        " return { text: e.textContent, font: `${s.fontWeight} 40px ${s.fontFamily}` }; }",
    )
    assert FAMILY in found["font"], found
    assert_real_glyphs(page, found["font"], found["text"])


def test_the_korean_button_of_the_english_page_draws_hangul(watched):
    watched.open()
    assert watched.page.get_by_test_id("lang-toggle").text_content().strip() == "한국어"
    assert_element_draws_hangul(watched.page, "[data-testid=lang-toggle]")
    assert watched.page.evaluate(LOADED_FACES, FAMILY)


@pytest.mark.parametrize("query", ["?lang=ko", "?lang=ko&proj=1"])
def test_the_bundled_hangul_font_loads_and_draws_glyphs(watched, query):
    watched.open(query)
    page = watched.page
    weights = page.evaluate(LOADED_FACES, FAMILY)
    assert weights, f"no loaded {FAMILY} face: {page.evaluate('[...document.fonts].length')}"
    assert page.evaluate(f"document.fonts.check('16px \"{FAMILY}\"', '한국어')")

    # HTML: the Run button (bold) and the page's body font, as computed
    assert_element_draws_hangul(page, "[data-testid=run]")
    body = page.evaluate("`400 40px ${getComputedStyle(document.body).fontFamily}`")
    assert FAMILY in body
    assert_real_glyphs(page, body, "손실함수")

    # Plotly: Korean axis titles in the step charts and on the surface
    for testid in ("loss-plot", "surface-plot"):
        found = page.evaluate(PLOT_HANGUL_TEXT, testid)
        assert found, f"no Hangul text in {testid}"
        assert FAMILY in found["font"], found
        assert_real_glyphs(page, found["font"], found["text"] + "한국")

    assert_all_hangul_uses_the_web_font(page)
    watched.shot("classroom-font-" + ("ko-projector" if "proj" in query else "ko"))


def test_switching_to_korean_live_draws_every_label_with_the_web_font(watched):
    page = watched.page
    watched.open()
    page.click("[data-testid=lang-toggle]")
    page.wait_for_function("() => location.search.includes('lang=ko')")
    assert page.inner_text("[data-testid=run]").strip() == "경주 시작"
    assert_all_hangul_uses_the_web_font(page)


def test_the_korean_mlp_tab_draws_every_label_with_the_web_font(watched):
    page = watched.page
    page.goto(f"{watched.base}/?tab=mlp&lang=ko")
    page.wait_for_function(
        "() => { const m = window.descentlab && window.descentlab.mlp;"
        " return !!m && !!m.buffer && m.buffer.done && !m.client.inflight && m.settled(); }",
        timeout=20_000,
    )
    assert_all_hangul_uses_the_web_font(page)
    found = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot text')]
          .filter((e) => /[\\uac00-\\ud7a3]/.test(e.textContent) && e.getBBox().width > 0)
          .map((e) => { const s = getComputedStyle(e);
            return { text: e.textContent, font: `${s.fontWeight} 40px ${s.fontFamily}` }; })"""
    )
    assert found, "no Korean text in the MLP charts"
    for f in found[:3]:
        assert FAMILY in f["font"], f
    watched.shot("classroom-font-ko-mlp")


def test_the_font_is_fetched_from_the_app_itself(browser, server):
    """Offline: the faces come from /fonts on the same origin, as font/woff2 (a fresh context,
    so nothing is cached yet)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        watched = Watched(page, server)
        fonts: list[tuple[str, int, str]] = []
        page.on(
            "response",
            lambda r: (
                "/fonts/" in r.url
                and fonts.append((r.url, r.status, r.headers.get("content-type", "")))
            ),
        )
        watched.open("?lang=ko")
        page.evaluate("document.fonts.ready.then(() => true)")
        assert watched.problems == []
    finally:
        context.close()
    assert fonts, "no font request"
    for url, status, kind in fonts:
        assert url.startswith(server + "/fonts/noto-sans-kr-hangul-"), url
        assert (status, kind) == (200, "font/woff2"), url


def test_the_korean_html_export_carries_the_font_and_draws_hangul_offline(watched, tmp_path):
    page = watched.page
    watched.open("?lang=ko")
    with page.expect_download() as dl:
        page.click("[data-testid=export-html]")
    html = Path(dl.value.path()).read_text(encoding="utf-8")
    saved = tmp_path / "race-ko.html"
    saved.write_text(html, encoding="utf-8")
    assert "data:font/woff2;base64," in html and f'"{FAMILY}"' in html
    offline = page.context.new_page()
    try:
        offline.route("http*://**", lambda route: route.abort())  # nothing from the network
        errors: list[str] = []
        offline.on("pageerror", lambda e: errors.append(str(e)))
        offline.goto(saved.as_uri())
        offline.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length > 0")
        assert offline.evaluate(LOADED_FACES, FAMILY)
        assert_all_hangul_uses_the_web_font(offline)
        found = offline.evaluate(
            PLOT_HANGUL_TEXT.replace("[data-testid=${testid}]", "${testid}"), "#fig-loss"
        )
        assert found and FAMILY in found["font"], found
        assert_real_glyphs(offline, found["font"], found["text"] + "한국")
        assert errors == []
    finally:
        offline.close()

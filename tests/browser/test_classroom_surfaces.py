"""In front of a class, the surfaces: what a teacher hits in the first lesson.

Rastrigin's summary names the minimum a run actually reached (defect 6); switching surface by
the control brings rates that work there, and an unbounded fall is called a divergence
(defect 14); a formula that overflows says so and still draws, and "Custom formula…" keeps
the race inside the drawn domain (defect 10).
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

RASTRIGIN = "?s=rastrigin&o=sgd:lr=0.002&o=adam:lr=0.1&start=2.3,-1.7&steps=500&speed=10"

CONTOUR_Z = """() => {
  const gd = document.querySelector('[data-testid=surface-plot]');
  const c = gd.data.find((t) => t.type === 'contour');
  const v = c.z.flat().filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  const q = (p) => v[Math.floor(p * (v.length - 1))];
  return {cells: c.z.flat().length, finite: v.length, min: v[0], max: v[v.length - 1],
          q10: q(0.1), q50: q(0.5), q90: q(0.9)};
}"""

LANES = "() => window.descentlab.state.lanes.map((l) => ({name: l.name, params: l.params}))"

CATALOG_RATES = """async (name) => {
  const cat = await (await fetch('/api/catalog')).json();
  return cat.surface.find((e) => e.name === name).suggested_lr;
}"""

FINAL_XY = """() => {
  const b = window.descentlab.buffer;
  const out = [];
  for (let i = 0; i < b.nLanes; i++) out.push(b.vector('xy', i, b.headRow(i, b.steps)));
  return out;
}"""


def wait_race_on(watched, surface: str) -> None:
    """Wait until the race on `surface` (not the one before it) is computed and drawn."""
    watched.page.wait_for_function(
        "(name) => { const b = window.descentlab.buffer;"
        " return b && b.meta && b.meta.surface && b.meta.surface.name === name; }",
        arg=surface,
        timeout=20_000,
    )
    watched.wait_ready()


def to_end(watched, steps: int) -> None:
    """Jump playback to the last step (tables and summaries show only what was played)."""
    watched.page.keyboard.press("End")
    watched.page.wait_for_function(
        f"() => window.descentlab.playback.cursor === {steps}"
        " && document.querySelectorAll('[data-testid=summary-table] tbody tr').length"
        " === window.descentlab.buffer.nLanes",
        timeout=20_000,
    )


def rows(page) -> list[str]:
    return page.locator("[data-testid=summary-table] tbody tr").all_inner_texts()


def numbers(text: str) -> list[float]:
    return [float(v.replace("\u2212", "-")) for v in re.findall(r"[\u2212-]?\d+(?:\.\d+)?", text)]


def test_rastrigin_names_the_minimum_each_run_reached(watched):
    page = watched.page
    watched.open(RASTRIGIN)
    to_end(watched, 500)
    table = rows(page)
    assert len(table) == 2
    for row in table:
        cells = row.split("\t")
        # final position, then the nearest critical point: the minimum at (1.99, −1.99)
        assert numbers(cells[3])[:2] == pytest.approx([1.99, -1.99], abs=0.01)
        near = numbers(cells[4])
        assert "minimum" in cells[4] and near[:3] == pytest.approx([1.99, -1.99, 7.96], abs=0.01)
        assert cells[5].strip().isdigit(), f"converged column says {cells[5]!r}"
        assert cells[6].strip() == "no"
    text = page.inner_text("[data-testid=summary-surface]")
    assert "reached" in text and "0.99, 0" not in text
    dist = page.evaluate(
        "() => [0, 1].map((l) => window.descentlab.buffer.scalar('dist_min', l, 500))"
    )
    assert max(dist) < 1e-9  # the distance chart ends at ~0, not 2.22
    watched.shot("classroom-rastrigin-summary")


def test_switching_surface_brings_rates_that_work_there(watched):
    page = watched.page
    watched.open("?speed=10")  # the opening race: SGD, Momentum, RMSprop, Adam on Himmelblau
    page.select_option("[data-testid=surface-select]", "rosenbrock")
    wait_race_on(watched, "rosenbrock")
    to_end(watched, 300)
    assert [row.split("\t")[6].strip() for row in rows(page)] == ["no"] * 4
    assert page.locator("[data-testid=summary-table] tbody tr.diverged").count() == 0
    rates = page.evaluate(CATALOG_RATES, "rosenbrock")
    lanes = page.evaluate(LANES)
    family = ["sgd", "momentum", "rmsprop", "adam"]
    assert [lane["params"]["lr"] for lane in lanes] == [rates[f] for f in family]
    # a link keeps its own rates: only the surface control brings suggestions
    watched.open("?s=rosenbrock&o=sgd:lr=0.0003&speed=10")
    assert page.evaluate(LANES)[0]["params"]["lr"] == 0.0003


def test_an_unbounded_fall_is_called_a_divergence(watched):
    page = watched.page
    watched.open("?s=saddle&o=sgd:lr=0.005,momentum=0.9&start=-1.5,0.001&steps=300&speed=10")
    to_end(watched, 300)
    row = page.locator("[data-testid=summary-row-0]")
    assert "diverged" in (row.get_attribute("class") or "")
    assert "at step" in row.inner_text() and row.inner_text().split("\t")[6].strip() != "no"
    assert "diverged at step" in page.inner_text("[data-testid=legend-0]")
    # the lane stops where it fell under the floor, not at f = −1e10
    loss = page.evaluate(
        "() => { const b = window.descentlab.buffer; const out = [];"
        " for (let k = 0; k <= b.steps; k++) { const v = b.scalar('loss', 0, k);"
        " if (Number.isFinite(v)) out.push(v); } return out; }"
    )
    assert min(loss) > -1e4


def test_an_overflowing_formula_says_so_and_still_draws(watched):
    page = watched.page
    watched.open("?f=exp(exp(x*y))&speed=10")
    msg = page.locator("[data-testid=formula-message]")
    page.wait_for_function(
        "() => { const m = document.querySelector('[data-testid=formula-message]');"
        " return m && !m.textContent.includes('…'); }"
    )
    assert "warn" in (msg.get_attribute("class") or ""), msg.inner_text()
    assert "overflows" in msg.inner_text() and "97.6%" in msg.inner_text()
    z = page.evaluate(CONTOUR_Z)
    assert z["finite"] == z["cells"] == 120 * 120
    # colours that vary across the domain: the middle of the values is not the floor
    span = z["max"] - z["min"]
    assert span > 0 and (z["q50"] - z["min"]) > 1e-3 * span and (z["q90"] - z["q10"]) > 0.1 * span
    watched.shot("classroom-formula-overflow")


def test_custom_formula_keeps_the_race_inside_the_drawn_domain(watched):
    page = watched.page
    watched.open("?speed=10")
    page.select_option("[data-testid=surface-select]", "__formula")
    wait_race_on(watched, "formula")
    to_end(watched, 300)
    (x0, x1), (y0, y1) = page.evaluate("() => window.descentlab.info.domain")
    start = page.evaluate("() => window.descentlab.state.starts[0]")
    assert x0 <= start[0] <= x1 and y0 <= start[1] <= y1
    for x, y in page.evaluate(FINAL_XY):
        assert x0 <= x <= x1 and y0 <= y <= y1, f"a lane ended at ({x:.2f}, {y:.2f})"
    watched.shot("classroom-custom-formula")

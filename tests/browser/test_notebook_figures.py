"""The notebook API's figures written to HTML (plotly's write_html with the installed
package's plotly.js) open offline in Chromium and draw: the paths on the contour, the loss
curves, the decision boundaries. Screenshots in tests/browser/artifacts/notebook-*.png."""

from __future__ import annotations

import pytest

import descentlab as dl
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

SGD = {"name": "sgd", "params": {"lr": 0.1, "momentum": 0.9}}
ADAM = {"name": "adam", "params": {"lr": 0.01}}
DRAWN = """() => ({
  lines: document.querySelectorAll('.scatterlayer .trace path.js-line').length,
  contours: document.querySelectorAll('.contourlayer .contourlevel path').length,
  heat: document.querySelectorAll('.heatmaplayer image, .imagelayer image').length,
  points: document.querySelectorAll('.scatterlayer .points path').length,
})"""


def _cases():
    race = dl.race("himmelblau", [{**SGD, "params": {"lr": 0.01, "momentum": 0.9}}, ADAM],
                   starts=(-1, 1), steps=300)  # fmt: skip
    mlp = dl.train("moons", [SGD, ADAM], epochs=40)
    return {"paths": (race, None), "loss": (mlp, "loss"), "boundary": (mlp, "boundary")}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    files = {}
    for name, (result, which) in _cases().items():
        files[name] = out / f"{name}.html"
        result.write_html(str(files[name]), which)
    return files


@pytest.mark.parametrize("name", ["paths", "loss", "boundary"])
def test_a_written_figure_draws_offline(context, written, name):
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: r.url.startswith("file:") or problems.append(r.url))
    try:
        page.set_viewport_size({"width": 1280, "height": 1000})
        page.goto(written[name].as_uri())
        page.wait_for_selector(".main-svg", timeout=15_000)
        drawn = page.evaluate(DRAWN)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"notebook-{name}.png"))
    finally:
        page.close()
    assert problems == []  # no console error, and nothing fetched from a network
    if name == "paths":
        assert drawn["lines"] == 2 and drawn["contours"] > 10 and drawn["points"] > 5
    elif name == "loss":
        assert drawn["lines"] == 4  # train and validation, two lanes
    else:
        assert drawn["heat"] == 2 and drawn["points"] > 300  # a map per lane, the data

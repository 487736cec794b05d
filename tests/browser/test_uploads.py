"""Bring your own data in the system Chromium against the real app: a 2-feature CSV uploaded
through the MLP tab's upload box trains and draws its decision boundaries; the 13-feature
wine CSV trains with curves, and with two picked features draws the boundary over them; a
bad CSV shows the server's message naming row and column; the box fits a projector, a
laptop and a phone; screenshots are saved for a look."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.browser.test_mlp import BOUNDARIES, FINITE, PLAYED, READY, open_mlp, request_body

pytestmark = pytest.mark.browser

WINE = Path(__file__).resolve().parents[2] / "app" / "example_data" / "wine.csv"
ON_TOP = """(testid) => { const e = document.querySelector(`[data-testid=${testid}]`);
  e.scrollIntoView({block: "center"});  // the middle of the screen: clear of the sticky bar
  const b = e.getBoundingClientRect();
  return document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2) === e; }"""
UPLOADED = "() => window.descentlab.state.mlp.dataset.name.startsWith('upload-')"


def ring_csv(tmp_path: Path, n: int = 160) -> Path:
    """Two classes, inside and outside a circle; the label column first (not the default)."""
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, size=(n, 2))
    rows = [f"{'in' if a * a + b * b < 1.5 else 'out'},{a:.4f},{b:.4f}" for a, b in X]
    path = tmp_path / "ring.csv"
    path.write_text("label,a,b\n" + "\n".join(rows) + "\n")
    return path


def upload(page, path: Path, target: str | None = None) -> None:
    page.set_input_files("[data-testid=mlp-upload-file]", str(path))
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=mlp-upload-send]').disabled"
    )
    if target is not None:
        page.select_option("[data-testid=mlp-upload-target]", target)
    page.click("[data-testid=mlp-upload-send]")


def train(page) -> None:
    page.wait_for_function(READY, timeout=20_000)
    page.click("[data-testid=run]")
    page.wait_for_function(
        "() => window.descentlab.mlp.client.streaming || window.descentlab.mlp.playback.playing"
        " || window.descentlab.mlp.client.inflight",
        timeout=5_000,
    )
    page.wait_for_function(PLAYED, timeout=30_000)


def test_a_two_feature_csv_uploads_trains_and_draws_its_boundaries(watched, tmp_path):
    page = watched.page
    open_mlp(watched, "&speed=10")
    upload(page, ring_csv(tmp_path), target="label")
    page.wait_for_function(UPLOADED, timeout=10_000)
    assert page.locator("[data-testid=mlp-dataset]").input_value().startswith("upload-")
    assert "ring.csv" in page.locator("[data-testid=mlp-upload-note]").inner_text()
    # our own button and file name (the browser's file input speaks the browser's language)
    assert page.inner_text("[data-testid=mlp-upload-name]") == "ring.csv"
    assert page.inner_text("[data-testid=mlp-upload-choose]") == "Choose a CSV file…"
    train(page)
    body = request_body(page)
    assert body["dataset"]["name"] == "uploaded" and body["dataset"]["val_fraction"] == 0.2
    meta = page.evaluate("() => window.descentlab.mlp.buffer.meta")
    assert meta["feature_names"] == ["a", "b"] and meta["class_names"] == ["in", "out"]
    panels = page.evaluate(BOUNDARIES)
    assert len(panels) == 4 and panels[0]["points"] == 160
    for p in panels[1:]:
        assert p["painted"] == 100 and p["alpha"] == 255 and p["points"] == 160, p
    assert page.locator("#mlp-title").inner_text().startswith("ring.csv")
    watched.shot("upload-2-features")


def test_thirteen_features_train_with_curves_and_a_picked_pair_draws_a_boundary(watched):
    page = watched.page
    open_mlp(watched, "&speed=10")
    upload(page, WINE)  # the label column: the last, by default
    page.wait_for_function(UPLOADED, timeout=10_000)
    page.wait_for_function(READY, timeout=20_000)
    page.click("[data-testid=mlp-ds-standardize] input")
    page.wait_for_function("() => window.descentlab.state.mlp.dataset.params.standardize")
    train(page)
    body = request_body(page)
    assert body["dataset"]["standardize"] is True and "reporting" not in body
    assert page.evaluate("() => window.descentlab.mlp.buffer.meta.sizes[0]") == 13
    loss = page.evaluate(FINITE, "loss")
    assert loss.count(101) == 6  # train and validation loss, epochs 0–100, per optimizer
    acc = page.evaluate(FINITE, "acc")
    assert acc.count(101) == 6
    assert page.locator("[data-testid=mlp-nopicture]").is_visible()
    watched.shot("upload-13-features-curves")
    # on a laptop screen the two rows of charts stay above the Summary card: its Export and
    # Code buttons are what a click at their centre reaches (the charts spilled over them)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(400)  # the charts' resize is debounced
    for testid in ("mlp-code-open", "mlp-export-csv"):
        assert page.evaluate(ON_TOP, testid), testid
    page.set_viewport_size({"width": 1920, "height": 1080})

    page.click("[data-testid=mlp-grid-on]")
    page.wait_for_selector("[data-testid=mlp-grid-x]")
    page.select_option("[data-testid=mlp-grid-x]", "6")  # flavanoids
    page.select_option("[data-testid=mlp-grid-y]", "12")  # proline
    page.wait_for_function("() => (window.descentlab.state.mlp.grid || []).join() === '6,12'")
    train(page)
    assert request_body(page)["reporting"] == {"grid_features": [6, 12]}
    panels = page.evaluate(BOUNDARIES)
    assert len(panels) == 4 and panels[0]["points"] == 178
    for p in panels[1:]:
        assert p["painted"] == 100 and p["alpha"] > 0 and p["points"] == 178, p
    titles = page.evaluate(
        "() => { const l = window.descentlab.mlp.boundaries.panels[1].div.layout;"
        " return [l.xaxis.title.text, l.yaxis.title.text]; }"
    )
    assert titles == ["flavanoids", "proline"]
    assert "gf=6_12" in page.url
    watched.shot("upload-13-features-boundary")


def test_a_bad_csv_shows_the_message_naming_row_and_column(watched, tmp_path):
    watched.allowed_status = {422}
    page = watched.page
    open_mlp(watched)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,y\n1,2,p\n3,four,q\n")
    before = page.evaluate("() => [...window.descentlab.cat.dataset.keys()]")
    upload(page, bad)
    error = page.locator("[data-testid=mlp-upload-error]")
    error.wait_for(state="visible")
    assert "row 3, column 'b': 'four' is not a number" in error.inner_text()
    assert page.evaluate("() => [...window.descentlab.cat.dataset.keys()]") == before
    assert page.evaluate("() => window.descentlab.state.mlp.dataset.name") == "moons"
    # Chromium logs the refused upload's 422 on the console: that one, and nothing else
    expected = [p for p in watched.problems if "status of 422" in p]
    assert len(expected) == 1
    watched.problems.remove(expected[0])


@pytest.mark.parametrize(
    "watched",
    [(1920, 1080), (1280, 800), (375, 667)],
    indirect=True,
    ids=["1080p", "laptop", "phone"],
)
def test_the_dataset_picker_and_upload_box_fit_above_the_fold(watched):
    page = watched.page
    open_mlp(watched)
    toggle = page.locator("[data-testid=controls-toggle]")
    if toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    page.click("[data-testid=mlp-example-iris]")
    page.wait_for_function(UPLOADED, timeout=10_000)
    page.wait_for_function(READY, timeout=20_000)
    page.click("[data-testid=mlp-grid-on]")
    page.wait_for_selector("[data-testid=mlp-grid-y]")
    height = page.viewport_size["height"]
    width = page.viewport_size["width"]
    for testid in ("mlp-dataset", "mlp-grid-y", "mlp-upload-choose", "mlp-example-wine"):
        box = page.locator(f"[data-testid={testid}]").bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, testid
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, testid
    watched.shot(f"upload-box-{width}x{height}")

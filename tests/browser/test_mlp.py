"""The MLP tab in the system Chromium against the real app: it trains (at once and streamed),
every plot holds data, Korean and projector mode work, the URL reproduces the settings, the
keys step through epochs, exports download, and screenshots are saved for a look."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

READY = (
    "() => { const m = window.descentlab && window.descentlab.mlp;"
    " return !!m && !!m.buffer && m.buffer.done && !m.client.inflight && !m.client.streaming"
    " && m.settled(); }"
)
PLAYED = (
    "() => { const m = window.descentlab.mlp;"
    " return m.buffer.done && !m.client.streaming && !m.playback.playing"
    " && m.playback.cursor === m.buffer.lastEpoch && m.settled(); }"
)

# per boundary panel: the points in its Plotly plot, the grid epoch painted on its canvas and
# the opacity of the canvas's centre pixel (the p(class 1) shading is opaque)
BOUNDARIES = """() => window.descentlab.mlp.boundaries.panels.map((p) => {
  const pts = (p.div.data || []).filter((t) => String(t.meta).startsWith('points'));
  const c = p.canvas;
  const mid = (ctx) => ctx.getImageData(c.width >> 1, c.height >> 1, 1, 1).data[3];
  const alpha = c.width ? mid(c.getContext('2d')) : 0;
  return {id: p.div.dataset.testid, painted: p.painted, alpha, width: c.width,
          points: pts.reduce((n, t) => n + t.x.length, 0)};
})"""

# finite values per trace of an MLP chart
FINITE = """(id) => document.querySelector(`[data-testid=mlp-${id}-plot]`).data.map(
  (t) => Array.from(t.y).filter((v) => v !== null && Number.isFinite(v)).length)"""


def open_mlp(watched, query: str = "") -> None:
    watched.page.goto(f"{watched.base}/?tab=mlp{query}")
    watched.page.wait_for_function(READY, timeout=20_000)


def request_body(page) -> dict:
    return page.evaluate(
        "() => JSON.parse(JSON.stringify(window.descentlab.mlp.client.lastBody ?? null))"
    )


def test_the_mlp_tab_trains_the_default_and_every_plot_holds_data(watched):
    page = watched.page
    open_mlp(watched, "&speed=10")
    body = request_body(page)
    assert body["dataset"] == {"name": "moons", "n_samples": 400, "noise": 0.2, "val_fraction": 0.2}
    assert body["model"]["hidden"] == [16, 16] and body["batch_size"] == 32
    assert [o["name"] for o in body["optimizers"]] == ["sgd", "sgd", "adam"]
    # the Train button streams a fresh run and the replay plays along to the end
    page.click("[data-testid=run]")
    page.wait_for_function(
        "() => window.descentlab.mlp.client.streaming || window.descentlab.mlp.playback.playing"
    )
    page.wait_for_function(PLAYED, timeout=20_000)
    assert page.evaluate("() => window.descentlab.mlp.buffer.rows") == 101
    panels = page.evaluate(BOUNDARIES)
    assert [p["id"] for p in panels] == [
        "mlp-boundary-data",
        "mlp-boundary-0",
        "mlp-boundary-1",
        "mlp-boundary-2",
    ]
    assert panels[0]["painted"] is None and panels[0]["points"] == 400
    for p in panels[1:]:
        assert (
            p["painted"] == 100 and p["alpha"] == 255 and p["width"] > 200 and p["points"] == 400
        ), p
    loss = page.evaluate(FINITE, "loss")
    assert loss.count(1000) == 3  # the minibatch loss of every iteration, per optimizer
    assert loss.count(101) == 6  # train and validation loss per epoch (0–100), per optimizer
    assert loss[-1] == 3  # ★ at each optimizer's best epoch
    assert page.evaluate(FINITE, "gradLayers") == [3, 3, 3]
    assert page.evaluate(FINITE, "acc") == [101] * 6
    assert len(page.evaluate(FINITE, "hist")) == 9
    assert "Epoch 100 / 100" in page.inner_text("[data-testid=step-label]")
    assert page.inner_text("[data-testid=mlp-count-ipe]").endswith("320 samples ÷ batch 32 = 10")
    assert page.inner_text("[data-testid=mlp-count-iteration]").endswith("1,000 / 1,000")
    assert page.locator("[data-testid=mlp-summary-table] tbody tr").count() == 3
    assert "validation accuracy at epoch" in page.inner_text("[data-testid=summary-mlp-acc]")
    page.wait_for_function("() => location.search.includes('tab=mlp')")
    watched.shot("mlp-1920x1080-light-en")


def test_the_tab_opens_by_click_speaks_korean_and_projects(watched):
    page = watched.page
    watched.open("?theme=dark")
    page.click("[data-testid=tab-mlp]")
    page.wait_for_function(READY, timeout=20_000)
    page.wait_for_function("() => location.search.includes('tab=mlp')")
    assert page.locator("[data-testid=mlp-view]").is_visible()
    assert not page.locator("[data-testid=surface-plot]").is_visible()
    page.keyboard.press("l")
    assert page.inner_text("[data-testid=run]").strip() == "학습 시작"
    assert page.inner_text("[data-chart=mlp-loss] h3") == "손실"
    assert "검증 정확도" in page.inner_text("[data-testid=mlp-legend]")
    assert "에포크" in page.inner_text("[data-testid=mlp-counters]")
    assert "결정 경계" in page.get_attribute("[data-testid=mlp-boundaries]", "aria-label")
    page.keyboard.press("p")
    assert page.evaluate("() => document.body.classList.contains('projector')")
    assert page.locator("[data-testid=mlp-strip]").is_visible()
    assert not page.locator("[data-testid=strip]").is_visible()
    page.keyboard.press("End")
    page.wait_for_function(PLAYED)
    page.wait_for_function(
        "() => location.search.includes('proj=1') && location.search.includes('lang=ko')"
    )
    page.wait_for_timeout(300)
    watched.shot("mlp-1920x1080-dark-ko-projector")
    # back to the race: its view and its status come back
    page.click("[data-testid=tab-race]")
    assert page.locator("[data-testid=surface-plot]").is_visible()
    assert page.inner_text("[data-testid=run]").strip() == "경주 시작"


def test_a_reloaded_url_reproduces_the_mlp_settings(watched):
    page = watched.page
    open_mlp(watched)
    hidden = page.locator("[data-testid=mlp-hidden]")
    hidden.fill("8, 8, 8")
    hidden.press("Enter")
    page.select_option("[data-testid=mlp-activation]", "tanh")
    page.click("[data-testid=mlp-batch-full]")
    page.check("[data-testid=mlp-es]")
    page.locator("[data-testid=mlp-lane-2] details summary").click()
    page.select_option("[data-testid=mlp-lane-2-schedule]", "reduce_on_plateau")
    page.wait_for_function(
        "() => location.search.includes('reduce_on_plateau') && location.search.includes('es=on')"
    )
    page.wait_for_function(READY, timeout=20_000)
    page.wait_for_timeout(300)  # the URL is written 120 ms after the last change
    url = page.url
    first = request_body(page)
    assert first["model"]["hidden"] == [8, 8, 8] and first["model"]["activation"] == "tanh"
    assert first["batch_size"] == "full" and first["early_stopping"]["patience"] == 10
    assert first["optimizers"][2]["schedule"]["name"] == "reduce_on_plateau"
    assert page.inner_text("[data-testid=mlp-count-ipe]").endswith("full batch = 1")
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_function(READY, timeout=20_000)
    assert request_body(page) == first
    assert page.input_value("[data-testid=mlp-hidden]") == "8, 8, 8"
    assert page.input_value("[data-testid=mlp-activation]") == "tanh"


@pytest.mark.parametrize("watched", [(1366, 768)], indirect=True)
def test_laptop_size_keys_step_through_epochs_and_early_stopping_is_marked(watched):
    page = watched.page
    open_mlp(watched, "&es=patience=5")
    assert page.evaluate("() => window.descentlab.mlp.playback.cursor") == 0
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => window.descentlab.mlp.playback.cursor") == 2
    assert "Epoch 2 /" in page.inner_text("[data-testid=step-label]")
    page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("() => window.descentlab.mlp.playback.cursor") == 12
    page.keyboard.press("r")
    assert page.evaluate("() => window.descentlab.mlp.playback.cursor") == 0
    page.keyboard.press("Space")
    page.wait_for_function("() => window.descentlab.mlp.playback.playing")
    page.keyboard.press("End")
    page.wait_for_function(PLAYED)
    stops = page.evaluate(
        "() => window.descentlab.mlp.buffer.summary.filter((s) => s.reason === 'early_stop').length"
    )
    assert stops >= 1
    marks = page.evaluate(
        "() => document.querySelector('[data-testid=mlp-loss-plot]').layout.annotations"
        ".map((a) => a.text).join(' ')"
    )
    assert re.search(r"stop(ped at epoch)? \d+, best \d+", marks), marks  # short labels on a laptop
    assert "early stopping, best weights restored" in page.inner_text(
        "[data-testid=mlp-summary-table]"
    )
    for testid in (
        "mlp-boundary-1",
        "mlp-loss-plot",
        "mlp-acc-plot",
        "mlp-gradLayers-plot",
        "mlp-hist-plot",
    ):
        box = page.locator(f"[data-testid={testid}]").bounding_box()
        assert box["width"] > 150 and box["height"] > 110, testid
    page.keyboard.press("Shift+/")
    assert "epoch" in page.inner_text("[data-testid=keys-dialog]")
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    watched.shot("mlp-1366x768-light-en")


def test_mlp_exports_link_the_run_and_build_a_standalone_page(watched):
    page = watched.page
    open_mlp(watched)
    href = page.get_attribute("[data-testid=mlp-export-csv]", "href")
    assert href.startswith("/api/runs/") and href.endswith("format=csv")
    assert page.evaluate(f"() => fetch('{href}').then((r) => r.status)") == 200
    with page.expect_download() as dl:
        page.click("[data-testid=mlp-export-html]")
    html = Path(dl.value.path()).read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and html.count("fig-") >= 10
    assert "/vendor/" not in html
    page.hover("[data-chart=mlp-loss]")
    with page.expect_download() as png:
        page.click("[data-testid=export-png-mlp-loss]")
    assert png.value.suggested_filename.endswith(".png")

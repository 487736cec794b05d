"""The MLP tab in front of a class (the issue's defects 3, 8 and 15): sine trains with its
defaults and an exploding lane is marked diverged; the projector strip speaks the class's
language with torch's names as code chips; the stage's top stays small after picking spirals;
the tab draws its first run without blocking the page; the training-loop view names ∂L/∂z
and is readable from the back; the boundary export holds every lane at the data's aspect."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from tests.browser.test_mlp import READY, open_mlp, request_body

pytestmark = pytest.mark.browser

PLAYED = (
    "() => { const m = window.descentlab.mlp; return m.buffer.done && !m.playback.playing"
    " && m.playback.cursor === m.buffer.lastEpoch && m.settled(); }"
)
SUMMARY = "() => JSON.parse(JSON.stringify(window.descentlab.mlp.buffer.summary))"
RAW_NAMES = ("lr", "batch_size", "epochs")


def play_to_end(page) -> None:
    page.keyboard.press("End")
    page.wait_for_function(PLAYED, timeout=20_000)
    page.wait_for_timeout(300)


def choose_dataset(page, name: str, strip: bool = False) -> None:
    run = page.evaluate("() => window.descentlab.mlp.run && window.descentlab.mlp.run.id")
    page.select_option(f"[data-testid=mlp-{'strip-' if strip else ''}dataset]", name)
    page.wait_for_function(
        "(old) => { const m = window.descentlab.mlp; return m.run && m.run.id !== old; }",
        arg=run,
        timeout=20_000,
    )
    page.wait_for_function(READY, timeout=30_000)


# ------------------------------------------------------------------ defect 8: sine, divergence


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_sine_with_its_defaults_trains_every_lane(watched, lang):
    page = watched.page
    open_mlp(watched, f"&lang={lang}")
    choose_dataset(page, "sine")
    body = request_body(page)
    assert body["dataset"]["name"] == "sine" and body["loss"] == "mse"
    assert (body["model"]["activation"], body["model"]["init"]) == ("tanh", "xavier_uniform")
    assert [o["name"] for o in body["optimizers"]] == ["sgd", "sgd", "adam"]
    summary = page.evaluate(SUMMARY)
    assert [s["reason"] for s in summary] == ["max_epochs"] * 3, summary
    assert all(s["final_val_loss"] < 0.05 for s in summary), summary  # noise² = 0.01
    play_to_end(page)
    assert page.locator("[data-testid=mlp-legend] .chip.diverged").count() == 0
    # the curves fill their panels: every lane's fitted curve is drawn
    assert page.evaluate(
        "() => window.descentlab.mlp.boundaries.panels.slice(1).every((p) => p.painted === 100)"
    )
    watched.shot(f"classroom-mlp-sine-{lang}")


def test_an_exploding_lane_is_marked_diverged_with_its_epoch(watched):
    page = watched.page
    # the old defaults for sine: SGD's loss climbed to 1e64 and its gradient norm to 1e54
    open_mlp(watched, "&d=sine&activation=relu&init=he_normal")
    summary = page.evaluate(SUMMARY)
    sgd, momentum, adam = summary
    assert sgd["reason"] == "diverged" and sgd["diverged_at"]["reason"] == "loss"
    assert sgd["diverged_at"]["epoch"] == 1
    assert momentum["reason"] == "diverged" and adam["reason"] == "max_epochs"
    play_to_end(page)
    marks = page.evaluate(
        "() => document.querySelector('[data-testid=mlp-loss-plot]').layout.annotations"
        ".map((a) => a.text).join(' ')"
    )
    assert re.search(r"✕ (diverged at epoch )?1\b", marks), marks
    chip = page.locator("[data-testid=mlp-legend-0]")
    assert "diverged" in (chip.get_attribute("class") or "")
    assert "✕ diverged at 1" in chip.inner_text()
    table = page.inner_text("[data-testid=mlp-summary-table]")
    assert "diverged: the loss passed 10⁴ × its untrained value" in table
    # no chart is flattened by the explosion: the largest gradient norm drawn is modest
    top = page.evaluate(
        """() => Math.max(...['gradLayers', 'gradEpochs'].flatMap((id) =>
          document.querySelector(`[data-testid=mlp-${id}-plot]`).data.flatMap((t) =>
            Array.from(t.y).filter((v) => v !== null && Number.isFinite(v)))))"""
    )
    assert top < 1e6, top
    # nothing sticks out of the page (a regression's accuracy note once got a cursor at x = 5000)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1920
    watched.shot("classroom-mlp-sine-diverged-en")


# ------------------------------------------------------------------ defect 15: names, the top bar


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_projector_strip_translates_names_and_shows_torch_names_as_code(watched, lang):
    page = watched.page
    open_mlp(watched, f"&lang={lang}&proj=1")
    strip = page.locator("[data-testid=mlp-strip]")
    assert strip.is_visible()
    labels = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=mlp-strip] .strip-item > label')]
          .map((l) => { const c = l.cloneNode(true);
            c.querySelectorAll('code').forEach((e) => e.remove());
            return {text: c.textContent, codes: [...l.querySelectorAll('code')].map((e) => {
              const s = getComputedStyle(e);
              return {name: e.textContent, font: s.fontFamily, border: parseFloat(s.borderTopWidth),
                      bg: s.backgroundColor, title: e.title};
            })}; })"""
    )
    words = {
        "en": ("Learning rate", "Batch size", "Epochs"),
        "ko": ("학습률", "배치 크기", "에포크"),
    }
    lr_labels = [lb for lb in labels if any(c["name"] == "lr" for c in lb["codes"])]
    assert len(lr_labels) == 3, labels
    for label in labels[1:]:  # after the dataset picker
        for raw in RAW_NAMES:  # the words are translated; torch's name only in the chip
            assert not re.search(rf"\b{raw}\b", label["text"]), label
        assert label["codes"], label
        for code in label["codes"]:
            assert code["name"] in RAW_NAMES and "mono" in code["font"].lower(), code
            assert code["border"] >= 1 and code["bg"] not in ("rgba(0, 0, 0, 0)", "transparent")
            assert code["name"] in code["title"]
    text = " ".join(lb["text"] for lb in labels)
    for word in words[lang]:
        assert word in text, (word, text)
    watched.shot(f"classroom-mlp-strip-{lang}-projector")


TOP = """() => {
  const stage = document.querySelector('.mlp-stage').getBoundingClientRect();
  const bnd = document.querySelector('#mlp-boundaries').getBoundingClientRect();
  const cells = [...document.querySelectorAll('.boundary-cell')]
    .map((e) => e.getBoundingClientRect());
  return {top: bnd.top - stage.top, bar: document.querySelector('#mlp-bar').offsetHeight,
          counters: document.querySelector('#mlp-counters').offsetHeight,
          left: Math.min(...cells.map((r) => r.left)) - stage.left,
          right: stage.right - Math.max(...cells.map((r) => r.right)), cells: cells.length};
}"""


@pytest.mark.parametrize(
    ("watched", "lang", "proj"),
    [
        ((1280, 800), "en", False),
        ((1152, 864), "en", False),
        ((1152, 864), "ko", False),
        ((1366, 768), "en", True),
        ((1280, 720), "ko", True),
    ],
    indirect=["watched"],
)
def test_the_stage_top_stays_small_after_choosing_spirals(watched, lang, proj):
    page = watched.page
    open_mlp(watched, f"&lang={lang}" + ("&proj=1" if proj else ""))
    choose_dataset(page, "spiral", strip=proj)
    page.wait_for_timeout(400)  # the panels are laid out again 120 ms after a resize
    page.wait_for_function(READY)
    box = page.evaluate(TOP)
    # tabs, title and exports on one line, the counters on one more: the panels start high
    assert box["bar"] <= 44 and box["counters"] <= 64, box
    assert box["top"] <= 125, box
    assert box["cells"] == 4 and box["left"] >= 0 and box["right"] >= 0, box  # inside the card
    size = page.viewport_size
    mode = "-projector" if proj else ""
    watched.shot(f"classroom-mlp-spiral-{size['width']}x{size['height']}-{lang}{mode}")


# ------------------------------------------------------------------ defect 3: load, loop, export

COUNT_DRAWS = """() => {
  window.__draws = [];
  const hook = () => {
    const m = window.descentlab && window.descentlab.mlp;
    if (!m || !window.Plotly) { setTimeout(hook, 1); return; }
    let calls = 0;
    const react = window.Plotly.react;
    window.Plotly.react = function (...args) { calls++; return react.apply(this, args); };
    for (const name of ['draw', 'onResult']) {
      const f = m[name].bind(m);
      m[name] = (...args) => {
        const c0 = calls, t0 = performance.now();
        try { return f(...args); }
        finally { if (calls > c0) window.__draws.push([name, calls - c0, performance.now() - t0]); }
      };
    }
  };
  hook();
  window.__long = [];
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]);
  }).observe({type: 'longtask', buffered: true});
}"""


def test_the_mlp_tab_draws_its_first_run_a_plot_or_two_per_frame(watched):
    page = watched.page
    page.add_init_script(f"({COUNT_DRAWS})()")
    open_mlp(watched)
    draws = page.evaluate("() => window.__draws")
    total = sum(n for _, n, _ in draws)
    assert total >= 10, draws  # six charts and four boundary panels were drawn...
    # ...but never all at once: the run arrived and all ten plots were drawn in one task,
    # a second or more in which no click or key got through
    assert max(n for _, n, _ in draws) <= 4, draws
    worst = max(ms for *_, ms in draws)
    print(f"\nMLP draws: {len(draws)} calls, {total} Plotly plots, longest draw {worst:.0f} ms")
    long = page.evaluate("() => window.__long")
    usable = max([s + d for s, d in long if d > 250], default=0)
    print(f"page usable (no task over 250 ms after) at {usable / 1000:.2f} s")
    # the page answers while the replay is still at epoch 0
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => window.descentlab.mlp.playback.cursor") == 1


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_training_loop_names_dl_dz_and_is_readable_when_projected(watched, lang):
    page = watched.page
    page.goto(f"{watched.base}/?preset=training-loop-step&lang={lang}")
    page.wait_for_selector("[data-testid=loop-title]", timeout=20_000)
    panel = page.inner_text("[data-testid=lesson-panel]")
    assert "∂L/∂out" not in panel
    label = page.inner_text("[data-testid=loop-dloss] .mat-name")
    assert label == ("∂L/∂z₂ (output layer)" if lang == "en" else "∂L/∂z₂ (출력층)")
    assert "z₂ = a₁W₂ + b₂" in panel and "δ₂ = ∂L/∂z₂" in panel
    size = (
        "() => parseFloat(getComputedStyle(document.querySelector('.lesson-extra .mat')).fontSize)"
    )
    body = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert page.evaluate(size) >= body  # was 0.85 of the body's size
    page.keyboard.press("p")
    page.wait_for_function("() => document.body.classList.contains('projector')")
    assert page.evaluate(size) >= 22  # about 24 px on a 1920 px projector (was 18)
    # the matrices stay in their own columns (none runs into the next stage)
    overlap = page.evaluate(
        """() => { const s = [...document.querySelectorAll('.loop-stage')]
            .map((e) => e.getBoundingClientRect());
          return s.slice(1).some((r, i) => r.left < s[i].right - 1); }"""
    )
    assert not overlap
    watched.shot(f"classroom-mlp-loop-{lang}-projector")


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_the_boundary_export_holds_every_lane_at_the_datas_aspect(watched):
    page = watched.page
    open_mlp(watched, "&d=spiral")
    play_to_end(page)
    page.evaluate(
        """() => { const d = window.Plotly.downloadImage; window.__exports = [];
          window.Plotly.downloadImage = (fig, o) => {
            const types = fig.data.map((t) => t.type);
            window.__exports.push(JSON.parse(JSON.stringify({layout: fig.layout, types, o})));
            return d(fig, o); }; }"""
    )
    with page.expect_download() as dl:
        page.click("[data-testid=export-png-boundaries]")
    (fig,) = page.evaluate("() => window.__exports")
    lay = fig["layout"]
    W, H = lay["width"], lay["height"]
    assert png_size(Path(dl.value.path())) == (2 * W, 2 * H)  # the figure's own size, at 2×
    assert fig["types"].count("heatmap") == 3  # every optimizer's class map
    titles = " ".join(a["text"] for a in lay["annotations"])
    for label in ("Data", "SGD", "Momentum", "Adam"):
        assert label in titles, titles
    for k in ("", "2", "3", "4"):  # square data, square plot areas (2 × 2)
        x, y = lay[f"xaxis{k}"]["domain"], lay[f"yaxis{k}"]["domain"]
        ratio = ((y[1] - y[0]) * H) / ((x[1] - x[0]) * W)
        assert abs(ratio - 1) < 0.05, (k, ratio)
    assert dl.value.suggested_filename == "descentlab-boundaries.png"
    # one panel alone (its hover button) keeps the data's aspect too
    page.hover("[data-testid=mlp-boundary-1]")
    with page.expect_download():
        page.locator(".boundary-cell").nth(1).locator("button", has_text="PNG").click()
    one = page.evaluate("() => window.__exports[1]")
    m = one["layout"]["margin"]
    w = one["o"]["width"] - m["l"] - m["r"]
    h = one["o"]["height"] - m["t"] - m["b"]
    assert abs(h / w - 1) < 0.05, (w, h)
    watched.shot("classroom-mlp-export-en")

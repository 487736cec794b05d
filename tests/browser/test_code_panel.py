"""The Code panel in the system Chromium against the real app: the Code button of the race
and of the MLP tab opens the panel with the run's script, the framework switch fetches the
Keras script, Copy puts the script on the clipboard and says so (en/ko), Download saves it;
screenshots for a look (tests/browser/artifacts/code-panel-*.png)."""

from __future__ import annotations

import pytest

from tests.browser.test_mlp import open_mlp

pytestmark = pytest.mark.browser

SCRIPT = "() => document.querySelector('[data-testid=code-text]').textContent"
LOADED = "(s) => document.querySelector('[data-testid=code-text]').textContent.includes(s)"


def grant_clipboard(watched) -> None:
    watched.page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=watched.base
    )


def test_the_race_code_button_shows_the_script_and_copy_works(watched):
    page = watched.page
    grant_clipboard(watched)
    watched.open("?surface=himmelblau")
    page.click("[data-testid=code-open]")
    page.wait_for_function(LOADED, arg="torch.optim.", timeout=15_000)
    text = page.evaluate(SCRIPT)
    run_id = page.evaluate("() => window.descentlab.run.id")
    assert f"DescentLab race {run_id}" in text
    assert "loss.backward()" in text and '{"final_loss": final_loss}' in text
    assert page.is_visible("[data-testid=code-panel]")
    assert "JSON" in page.inner_text("[data-testid=code-note]")
    page.click("[data-testid=code-copy]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=code-status]').textContent !== ''"
    )
    assert page.inner_text("[data-testid=code-status]") == "Copied to the clipboard."
    assert page.evaluate("() => navigator.clipboard.readText()") == text
    # the optimizers' lines at the top of the view (the README's screenshot)
    page.evaluate(
        """() => { const pre = document.querySelector('[data-testid=code-text]');
        const lines = pre.textContent.split('\\n');
        const at = lines.findIndex((l) => l.startsWith('def optimizer_0'));
        pre.scrollTop = (at - 2) * pre.scrollHeight / lines.length; }"""
    )
    watched.shot("code-panel-race-pytorch")
    # Keras: its own script, with the course's model.compile/model.fit lines
    page.click("[data-testid=code-fw-keras]")
    page.wait_for_function(LOADED, arg="model.compile(", timeout=15_000)
    assert page.get_attribute("[data-testid=code-fw-keras]", "aria-pressed") == "true"
    assert "model.fit(" in page.evaluate(SCRIPT)
    with page.expect_download() as dl:
        page.click("[data-testid=code-download]")
    assert dl.value.suggested_filename == f"descentlab-{run_id}-keras.py"
    page.click("[data-testid=code-close]")
    assert not page.is_visible("[data-testid=code-panel]")


def test_the_mlp_code_button_in_korean(watched):
    page = watched.page
    grant_clipboard(watched)
    open_mlp(watched, "&lang=ko")
    assert page.inner_text("[data-testid=mlp-code-open]") == "코드"
    page.click("[data-testid=mlp-code-open]")
    page.wait_for_function(LOADED, arg="class MLP(torch.nn.Module)", timeout=15_000)
    run_id = page.evaluate("() => window.descentlab.mlp.run.id")
    assert f"DescentLab MLP run {run_id}" in page.evaluate(SCRIPT)
    assert page.inner_text("#code-title") == "이 실행의 코드"
    page.click("[data-testid=code-copy]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=code-status]').textContent !== ''"
    )
    assert page.inner_text("[data-testid=code-status]") == "클립보드에 복사했습니다."
    watched.shot("code-panel-mlp-ko")

"""A class session end to end in real Chromium: the teacher's projector and three students
(one on a phone), through predict, reveal and try."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
SIZES = [(1280, 800), (1280, 800), (375, 667)]
NAMES = ["Ana", "<b>Lee</b>", "민준"]


def student(browser, base, code, size, name, lang):
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/join/{code}?lang={lang}")
    page.get_by_test_id("join-name").fill(name)
    page.get_by_test_id("join-name-form").evaluate("f => f.requestSubmit()")
    page.get_by_test_id("join-live").wait_for(state="visible")
    return ctx, page, errors


def tap_guesses(page):
    """Tap the plot until every lane has a guess, then send."""
    box = page.get_by_test_id("join-plot").bounding_box()
    for k in range(16):
        if page.get_by_test_id("join-send").is_enabled():
            break
        page.mouse.click(box["x"] + box["width"] * (0.35 + 0.03 * k),
                         box["y"] + box["height"] * 0.45)  # fmt: skip
        page.wait_for_timeout(700)  # taps closer in time are taken as one (a touch's echo)
    page.get_by_test_id("join-send").click()


def test_a_teacher_and_three_students_run_a_session(watched, browser, server):
    t = watched.page
    watched.allowed_status = {404}
    watched.open("?lang=en&projector=1")
    t.get_by_test_id("session-start").click()
    code = t.get_by_test_id("session-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{6}", code)
    kids = [student(browser, server, code, SIZES[i], NAMES[i], "ko" if i == 2 else "en")
            for i in range(3)]  # fmt: skip
    t.wait_for_function(
        "() => /\\b3\\b/.test(document.querySelector("
        "'[data-testid=session-students]').textContent)",
        timeout=10_000,
    )
    t.get_by_test_id("session-phase-predict").click()
    for _, page, _ in kids:
        page.get_by_test_id("join-send").wait_for(timeout=10_000)
        tap_guesses(page)
    t.wait_for_function(
        "() => window.descentlab.surface.pool && window.descentlab.surface.pool.count === 3",
        timeout=10_000,
    )
    assert t.evaluate("() => window.descentlab.playback.reached") == 0  # nothing past step 0
    watched.shot("class-projector-predict")
    kids[2][1].screenshot(path=str(ARTIFACTS / "class-phone-ko-predict.png"))
    t.get_by_test_id("session-phase-reveal").click()
    t.get_by_test_id("session-phase-try").click()
    page = kids[0][1]
    page.get_by_test_id("join-try-send").click()
    page.get_by_test_id("join-try-result").wait_for(timeout=15_000)
    t.get_by_test_id("session-entry").first.wait_for(timeout=10_000)
    kids[1][1].get_by_test_id("join-try-send").click()
    t.wait_for_function("() => document.querySelectorAll('[data-testid=session-entry]')"
                        ".length >= 2", timeout=15_000)  # fmt: skip
    board = t.get_by_test_id("session-leaderboard")
    assert "<b>Lee</b>" in board.inner_text() and board.locator("b").count() == 0
    watched.shot("class-projector-try")
    for ctx, _, errors in kids:
        assert errors == []
        ctx.close()

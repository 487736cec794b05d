"""Browser-test fixtures: the real app in a subprocess, the system Chromium, and a page that
records console errors and failed requests (every test asserts there were none)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard served by `python -m app.cli serve` on a free port, killed at the end."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need the system Chromium at /usr/bin/chromium")
    port = _free_port()
    tmp = tmp_path_factory.mktemp("browser")
    env = {**os.environ, "DESCENTLAB_DB": str(tmp / "runs.sqlite3")}
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the server did not start: {(tmp / 'server.log').read_text()[-2000:]}")
        time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Watched:
    """A page plus what went wrong on it: console errors, page errors, failed requests."""

    def __init__(self, page, base: str):
        self.page = page
        self.base = base
        self.problems: list[str] = []
        self.allowed_status: set[int] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        page.on("requestfailed", self._failed)
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and r.status not in self.allowed_status
                and self.problems.append(f"HTTP {r.status} {r.url}")
            ),
        )

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _failed(self, request) -> None:
        # the dashboard closes each event stream itself on its final event (deliberate)
        if "/events" in request.url and "ERR_ABORTED" in (request.failure or ""):
            return
        self.problems.append(f"failed: {request.url} {request.failure}")

    def open(self, query: str = "") -> None:
        """Open the dashboard and wait until the first race is computed and drawn."""
        self.page.goto(f"{self.base}/{query}")
        self.wait_ready()

    def wait_ready(self) -> None:
        self.page.wait_for_function(
            "() => window.descentlab && window.descentlab.buffer && window.descentlab.buffer.done"
            " && !window.descentlab.client.inflight && window.descentlab.surface.plotted",
            timeout=15_000,
        )

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture(scope="session")
def context(browser) -> Iterator[object]:
    """One browser context for the session, so Plotly.js is fetched and parsed once."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    yield ctx
    ctx.close()


@pytest.fixture
def watched(context, server: str, request: pytest.FixtureRequest) -> Iterator[Watched]:
    """A fresh page (1920×1080 unless parametrized with a size) whose problems fail the test."""
    width, height = getattr(request, "param", (1920, 1080))
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    w = Watched(page, server)
    yield w
    problems = list(w.problems)
    page.close()
    assert problems == [], "\n".join(problems)

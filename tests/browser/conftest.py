"""Fixtures for browser tests: the app served from a thread, Chromium driven by Playwright.

Screenshots of every page a journey visits are saved under ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from werkzeug.serving import make_server

from studyapp import migrate
from tests.conftest import engine_of

CHROMIUM = "/usr/bin/chromium"
# Two cores shared with a database and the test runner: give each page more than the
# default five seconds before calling a wait a failure.
expect.set_options(timeout=15_000)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def live_server(empty_app: Flask) -> Iterator[str]:
    """The app on a migrated database, served on a free port; yields its base URL."""
    migrate.upgrade(engine_of(empty_app))
    empty_app.config["WTF_CSRF_SSL_STRICT"] = False
    server = make_server("127.0.0.1", 0, empty_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


class Shots:
    """Saves numbered screenshots for one test, and listens on each page it is shown for
    Content-Security-Policy violations (which Chromium reports on the console)."""

    def __init__(self, name: str) -> None:
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.pages: list[Page] = []
        self.csp_violations: list[str] = []

    def take(self, page: Page, label: str) -> None:
        if page not in self.pages:
            self.pages.append(page)
            page.on("console", self._console)
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{label}.png"), full_page=True)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Iterator[Shots]:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in request.node.name)
    taken = Shots(safe)
    yield taken
    # Everything the pages needed ran under the policy: no inline script or style was refused.
    assert taken.csp_violations == []

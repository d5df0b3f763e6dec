"""Fixtures for browser tests: the app served from a thread, Chromium driven by Playwright.

Screenshots of every page a journey visits are saved under ``test-artifacts/screenshots``, and
each page shown is checked with axe-core (from node_modules, installed by `make setup`): a test
fails when a page it showed broke the Content-Security-Policy or an accessibility rule.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
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
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
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


@pytest.fixture
def live_worker(empty_app: Flask) -> Iterator[Callable[[], object]]:
    """Starts the queue's real consumer for the live server's app when the test calls it (so
    that a test can see a job wait first); it runs until the test ends."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(empty_app.extensions["queue"].running(workers=2))


# Runs in the page: axe's violations as [rule id, ["selector: why" of each node], help text].
# A page shown with JavaScript off runs no timer, and axe waits on timers: there, timers are
# stood in for by microtasks (the page has no script of its own to mind). Whether scripts run
# shows in how <noscript> parses: as text when they do, as elements when they do not.
_AXE_RUN = """async () => {
  const probe = document.createElement("div");
  probe.innerHTML = "<noscript><b></b></noscript>";
  if (probe.querySelector("noscript b")) {
    window.setTimeout = (fn, ms, ...args) => {
      Promise.resolve().then(() => fn(...args));
      return 0;
    };
    window.clearTimeout = () => {};
  }
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => [v.id, v.nodes.map((n) => {
    const why = [...n.any, ...n.all, ...n.none].map((check) => check.message).filter(Boolean);
    return n.target.join(" ") + (why.length ? ": " + why[0] : "");
  }), v.help]);
}"""


class Shots:
    """Saves numbered screenshots for one test, and checks each page it is shown: for
    Content-Security-Policy violations (which Chromium reports on the console) and, with
    axe-core, for accessibility violations."""

    def __init__(self, name: str) -> None:
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.pages: list[Page] = []
        self.csp_violations: list[str] = []
        self.axe_violations: list[str] = []

    def take(self, page: Page, label: str) -> None:
        if page not in self.pages:
            self.pages.append(page)
            page.on("console", self._console)
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{label}.png"), full_page=True)
        self.check(page, label)

    def check(self, page: Page, label: str) -> None:
        """Runs axe-core on the page as it is now and keeps what it finds."""
        self.axe_violations.extend(
            f"{label} ({page.url}): {rule} ({help_text}) at {'; '.join(targets)}"
            for rule, targets, help_text in axe_violations(page)
        )

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)


@functools.cache
def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make setup` installs it (npm ci)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[tuple[str, list[str], str]]:
    """axe-core's violations on the page: (rule id, each node's selector and what is wrong
    there, what the rule wants).

    The library's source is evaluated in the page: a <script> tag added to it would be refused
    by the Content-Security-Policy. A page kept across htmx swaps keeps the library loaded."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    found = page.evaluate(_AXE_RUN)
    return [(rule, list(targets), text) for rule, targets, text in found]


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Iterator[Shots]:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in request.node.name)
    taken = Shots(safe)
    yield taken
    # Everything the pages needed ran under the policy: no inline script or style was refused.
    assert taken.csp_violations == []
    # And axe-core found nothing wrong on any page shown.
    assert not taken.axe_violations, "axe-core found:\n" + "\n".join(taken.axe_violations)

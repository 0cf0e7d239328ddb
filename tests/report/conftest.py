"""The browser of the HTML report tests: Debian's Chromium, driven by Playwright, with the network blocked."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: Set by ``scripts/test.sh`` (scripts/chromium.sh installs Chromium when missing); Debian's path otherwise.
CHROMIUM_VARIABLE = "ADVISOR_TEST_CHROMIUM"
DEBIAN_CHROMIUM = "/usr/bin/chromium"
#: A closed machine: no background requests, no QUIC, no profile from an earlier run (a new --user-data-dir).
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")
#: What a chart's element reports once plotly.js has drawn it: its traces and the SVG groups drawn for them.
CHARTS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
    id: el.id,
    traces: (el.data || []).map(t => ({name: t.name, type: t.type,
                                       x: Array.from(t.x || []), y: Array.from(t.y || [])})),
    drawn: el.querySelectorAll('.scatterlayer .trace, .barlayer .trace').length,
    points: el.querySelectorAll('.scatterlayer .point, .barlayer .point').length,
}))"""
CELLS_JS = """() => Array.from(document.querySelectorAll('td[data-field]')).map(td => ({
    table: td.closest('table').dataset.table, source: Object.assign({}, td.dataset), text: td.innerText.trim()}))"""


@dataclass
class Page:
    """What a report page did and showed in Chromium.

    Attributes:
        requests: Every URL the page asked for (the report's own file:// URL among them).
        blocked: The requests that were refused (anything but the report file).
        errors: Console errors and uncaught page errors.
        charts: Per plotly chart: ``id``, ``traces`` (name, type, x, y), ``drawn`` (SVG trace groups), ``points``.
        cells: Per table cell showing a JSON figure: ``table``, ``source`` (its data-* attributes), ``text``.
        text: The page's visible text.
    """

    requests: list[str]
    blocked: list[str]
    errors: list[str]
    charts: list[dict[str, Any]]
    cells: list[dict[str, Any]]
    text: str


def _chromium() -> str:
    path = os.environ.get(CHROMIUM_VARIABLE, DEBIAN_CHROMIUM)
    if not os.access(path, os.X_OK):
        pytest.fail(f"Chromium not found at {path}: the HTML report tests need it. Run them through "
                    f"`bash scripts/test.sh` (it installs Debian's chromium, scripts/chromium.sh), or set "
                    f"{CHROMIUM_VARIABLE} to a Chromium binary.", pytrace=False)
    return path


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session (Playwright's BrowserContext), on a new empty profile."""
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with tempfile.TemporaryDirectory(prefix="advisor-chromium-") as profile, sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=list(CHROMIUM_ARGS),
            viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def open_in_chromium(chromium: Any) -> Callable[[Path], Page]:
    """``open_in_chromium(path)``: load a report file in a new tab, every request but the file itself
    refused, and return what the page did and shows once its charts are drawn."""

    def load(path: Path) -> Page:
        url = path.resolve().as_uri()
        requests: list[str] = []
        blocked: list[str] = []
        errors: list[str] = []

        def route(request_route: Any) -> None:
            if request_route.request.url == url:
                request_route.continue_()
            else:
                blocked.append(request_route.request.url)
                request_route.abort()

        page = chromium.new_page()
        try:
            page.route("**/*", route)
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda message: errors.append(f"console: {message.text}")
                    if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
            page.goto(url, wait_until="load")
            page.wait_for_function("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                   ".every(el => el.querySelector('.main-svg'))", timeout=10_000)
            return Page(requests, blocked, errors, page.evaluate(CHARTS_JS), page.evaluate(CELLS_JS),
                        page.inner_text("body"))
        finally:
            page.close()

    return load


def run_advisor(args: Sequence[str], home: Path) -> str:
    """Run the installed command ``advisor ARGS`` in a process of its own; its stdout (it must succeed)."""
    env = {**os.environ, "ADVISOR_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "100"}
    done = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, env=env,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout

"""Fixtures shared by the tests in a real browser: Debian's headless Chromium, through Playwright.

`.ci/run` installs the browser. Without it a browser test is skipped here, and fails under CI
(CI=true), where a skip would hide a gap: the `prerequisite` fixture of tests/plugins/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from helpers import programs

# Headless, and quiet: without the background-networking flags Chromium tries to reach Google's
# hosts at every start, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium(require_programs: Callable[..., None]) -> Iterator[Browser]:
    """One headless Chromium per test module (Playwright's sync API runs one at a time)."""
    require_programs("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=programs.chromium_binary(), args=CHROMIUM_ARGS, timeout=30_000
        )
        yield browser
        browser.close()

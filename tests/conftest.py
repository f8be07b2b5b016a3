"""Fixtures shared by the tests in a real browser: Debian's headless Chromium, through Playwright.

`.ci/run` installs the browser. Without it a browser test is skipped here, and fails under CI
(CI=true), where a skip would hide a gap. So does a test that needs something only `make site`
fetches (the `prerequisite` fixture).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
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


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def require(present: bool, reason: str) -> None:
    """Skip the test when `present` is false, or fail it under CI."""
    if present:
        return
    if under_ci():
        pytest.fail(f"under CI this test must run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def prerequisite() -> Callable[[bool, str], None]:
    """`prerequisite(present, reason)` skips the test unless `present`, or fails it under CI."""
    return require


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless Chromium per test module (Playwright's sync API runs one at a time)."""
    require(
        CHROMIUM.exists(),
        f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)",
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
        )
        yield browser
        browser.close()

"""The shortener in a real browser: headless Chromium driven by Playwright.

A person's path through the pages: fill in the form, get the short link and its QR code, follow
the link, see the click counted. The browser is Debian's `chromium` (`.ci/run` installs it);
without it the test is skipped here, and fails under CI, where a skip would hide a gap
(the `chromium` fixture of tests/conftest.py).

Nothing may leave the machine, yet following a short link sends the browser off to the link's
target. Playwright's `page.route` cannot stop that: its handlers never see the hop a redirect
leads to. So a gate at Chromium's own network layer (the DevTools protocol's Fetch domain, which
pauses every request, redirect hops included) lets requests to the shortener through and fails
every other one, remembering where the browser tried to go.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, CDPSession, Page, expect

from helpers import net
from helpers.shortener import create_app

TIMEOUT_MS = 10_000
TARGET = "https://www.example.com/browser/test?lang=en"


class LoopbackGate:
    """Let a page's requests reach `allowed_origin` only; fail and record all the others."""

    def __init__(self, page: Page, allowed_origin: str) -> None:
        self.allowed_origin = allowed_origin
        self.blocked: list[str] = []
        self._session: CDPSession = page.context.new_cdp_session(page)
        self._session.on("Fetch.requestPaused", self._decide)
        self._session.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})

    def _decide(self, event: dict[str, Any]) -> None:
        url, request_id = event["request"]["url"], event["requestId"]
        if url == self.allowed_origin or url.startswith(f"{self.allowed_origin}/"):
            self._session.send("Fetch.continueRequest", {"requestId": request_id})
        else:
            self.blocked.append(url)
            failure = {"requestId": request_id, "errorReason": "BlockedByClient"}
            self._session.send("Fetch.failRequest", failure)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[net.BackgroundServer]:
    app = create_app({"DATABASE": str(tmp_path / "shortener.sqlite3"), "RATE_LIMIT_ENABLED": False})
    with net.serve_wsgi(app, name="shortener-browser-test") as running:
        yield running


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1000, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_shorten_follow_and_count_a_click(
    page: Page, server: net.BackgroundServer, tmp_path: Path
) -> None:
    gate = LoopbackGate(page, server.url)

    page.goto(f"{server.url}/")
    page.screenshot(path=tmp_path / "1-home.png", full_page=True)
    page.fill("input[name=url]", TARGET)
    page.click("form [type=submit]")

    short_link = page.locator("#short-url")
    expect(short_link).to_have_text(re.compile(rf"^{re.escape(server.url)}/[A-Za-z0-9]{{7}}$"))
    short_url = short_link.inner_text()
    assert short_link.get_attribute("href") == short_url
    expect(page.locator("#copy")).to_be_visible()
    qr_code = page.locator("#qr svg")
    expect(qr_code).to_have_count(1)
    expect(qr_code).to_be_visible()
    box = qr_code.bounding_box()
    assert box is not None and box["width"] >= 100 and box["height"] >= 100
    page.screenshot(path=tmp_path / "2-share.png", full_page=True)

    with page.expect_event("requestfailed") as failed:
        short_link.click()
    leaving = failed.value
    assert leaving.url == TARGET
    assert leaving.redirected_from is not None and leaving.redirected_from.url == short_url
    assert leaving.failure == "net::ERR_BLOCKED_BY_CLIENT"
    assert gate.blocked == [TARGET]

    page.goto(f"{short_url}/stats")
    expect(page.locator("#clicks-total")).to_have_text("1")
    page.screenshot(path=tmp_path / "3-stats.png", full_page=True)
    assert gate.blocked == [TARGET], "a page tried to load something from off the machine"

"""pages: the form, the share page, the preview, the stats, and the redirect itself."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from helpers.shortener.pages import http_only
from helpers.shortener.store import store_of

from .conftest import Clock
from .support import assert_problem, create, store_unchecked

HOSTILE = 'https://example.com/"><script>alert(1)</script>?a=1&b=<b>'


def page_text(response: Any) -> str:
    assert response.mimetype == "text/html"
    return str(response.get_data(as_text=True))


def element(html: str, element_id: str) -> str:
    """The inner HTML of the element with `element_id` (enough for these simple templates)."""
    found = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.DOTALL)
    assert found is not None, f"no element #{element_id}"
    return found.group(2)


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


# The home page and the form


def test_home_page_has_the_form(client: FlaskClient) -> None:
    html = page_text(client.get("/"))
    assert re.search(r'<form method="post"', html)
    assert 'name="url"' in html
    assert '<button type="submit"' in html


def test_submitting_the_form_leads_to_the_share_page(client: FlaskClient) -> None:
    response = client.post("/", data={"url": "https://example.com/long/path"})
    assert response.status_code == 303
    code = response.headers["Location"].split("/")[1]
    assert response.headers["Location"] == f"/{code}/share"
    html = page_text(client.get(response.headers["Location"]))
    assert element(html, "short-url") == f"http://localhost/{code}"
    assert element(html, "qr").strip().startswith("<svg")
    assert 'id="copy"' in html
    assert "copy.js" in html


def test_the_form_takes_an_alias(client: FlaskClient) -> None:
    response = client.post("/", data={"url": "https://example.com/", "alias": "from-form"})
    assert response.headers["Location"] == "/from-form/share"


@pytest.mark.parametrize(
    ("form", "status", "reason"),
    [
        ({"url": "javascript:alert(1)"}, 400, "only http"),
        ({}, 400, "empty"),
        ({"url": "https://example.com/", "alias": "x"}, 400, "3 to 32"),
        ({"url": "http://192.168.0.1/"}, 400, "private"),
    ],
)
def test_a_refused_form_is_shown_again_with_the_reason(
    client: FlaskClient, form: dict[str, str], status: int, reason: str
) -> None:
    response = client.post("/", data=form)
    assert response.status_code == status
    html = page_text(response)
    assert reason in html
    assert 'name="url"' in html


def test_a_taken_alias_in_the_form_is_409(client: FlaskClient) -> None:
    create(client, alias="taken")
    response = client.post("/", data={"url": "https://example.com/", "alias": "taken"})
    assert response.status_code == 409
    assert "already taken" in page_text(response)


def test_the_form_offers_an_optional_expiry(client: FlaskClient) -> None:
    html = page_text(client.get("/"))
    options = re.findall(r'<option value="(\d*)"', element(html, "expires_in"))
    assert options == ["", "3600", "86400", "604800", "2592000"]


def test_the_form_takes_an_expiry(client: FlaskClient, clock: Clock) -> None:
    form = {"url": "https://example.com/", "alias": "soon-gone", "expires_in": "3600"}
    assert client.post("/", data=form).headers["Location"] == "/soon-gone/share"
    assert "2026-02-01T00:59:00.000Z" in page_text(client.get("/soon-gone/share"))
    clock.advance(3600)
    assert client.get("/soon-gone").status_code == 410


def test_no_expiry_chosen_means_never(client: FlaskClient) -> None:
    form = {"url": "https://example.com/", "alias": "forever", "expires_in": ""}
    assert client.post("/", data=form).status_code == 303
    assert client.get("/api/links/forever").get_json()["expires_at"] is None


@pytest.mark.parametrize(
    ("expires_in", "reason"),
    [
        ("soon", "whole number of seconds"),
        ("-60", "whole number of seconds"),
        ("9" * 5000, "whole number of seconds"),
        ("0", "between 1 and"),
        ("999999999", "between 1 and"),
    ],
)
def test_a_refused_expiry_is_shown_again_with_the_reason(
    app: Flask, client: FlaskClient, expires_in: str, reason: str
) -> None:
    form = {"url": "https://example.com/", "expires_in": expires_in}
    response = client.post("/", data=form)
    assert response.status_code == 400
    assert reason in page_text(response)
    assert store_of(app).count_links() == 0


def test_the_chosen_expiry_stays_selected_when_the_form_comes_back(client: FlaskClient) -> None:
    html = page_text(client.post("/", data={"url": "ftp://example.com/", "expires_in": "86400"}))
    assert '<option value="86400" selected>' in html


def test_the_refused_value_is_escaped_when_shown_again(client: FlaskClient) -> None:
    html = page_text(client.post("/", data={"url": '"><script>alert(1)</script>'}))
    assert "<script>alert(1)" not in html
    assert "&#34;&gt;&lt;script&gt;" in html


# The redirect


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_the_redirect_status_is_configurable(make_app: Any, status: int) -> None:
    client = make_app(REDIRECT_STATUS=status).test_client()
    code = create(client)["code"]
    response = client.get(f"/{code}")
    assert response.status_code == status
    assert response.headers["Location"] == "https://example.com/page"
    assert response.headers["Cache-Control"] == "private"


def test_the_default_redirect_is_302_private(client: FlaskClient) -> None:
    code = create(client, "https://bücher.example/ö")["code"]
    response = client.get(f"/{code}")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://xn--bcher-kva.example/%C3%B6"
    assert response.headers["Cache-Control"] == "private"


def test_head_redirects_too_with_no_body(client: FlaskClient) -> None:
    code = create(client)["code"]
    response = client.head(f"/{code}")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://example.com/page"
    assert response.data == b""


def test_every_redirect_counts_one_click(client: FlaskClient) -> None:
    code = create(client)["code"]
    for _ in range(3):
        client.get(f"/{code}")
    client.head(f"/{code}")
    client.get(f"/{code}+")
    client.get(f"/{code}/stats")
    assert client.get(f"/api/links/{code}").get_json()["clicks"]["total"] == 4


def test_unknown_is_404(client: FlaskClient) -> None:
    assert_problem(client.get("/unknown"), 404, "unknown")
    assert client.head("/unknown").status_code == 404


def test_expired_is_410_and_not_counted(client: FlaskClient, clock: Clock) -> None:
    code = create(client, expires_in=60)["code"]
    clock.advance(59)
    assert client.get(f"/{code}").status_code == 302
    clock.advance(1)
    assert_problem(client.get(f"/{code}"), 410, "expired")
    assert client.head(f"/{code}").status_code == 410
    assert client.get(f"/{code}+").status_code == 410
    assert client.get(f"/{code}/share").status_code == 410
    assert client.get(f"/api/links/{code}").get_json()["clicks"]["total"] == 1


# Preview and stats


def test_preview_shows_the_punycode_host_without_redirecting(client: FlaskClient) -> None:
    code = create(client, "https://раypal.example/login")["code"]  # a Cyrillic 'а'
    response = client.get(f"/{code}+")
    assert response.status_code == 200
    html = page_text(response)
    assert element(html, "target-host") == "<strong>xn--ypal-43d9g.example</strong>"
    assert "https://xn--ypal-43d9g.example/login" in element(html, "target-url")
    assert "раypal" not in html


def test_stats_page_counts_clicks(client: FlaskClient, clock: Clock) -> None:
    code = create(client)["code"]
    for _ in range(2):
        client.get(f"/{code}")
    html = page_text(client.get(f"/{code}/stats"))
    assert element(html, "clicks-total") == "2"
    assert element(html, "clicks-last") == "2026-01-31T23:59:00.000Z"
    assert "<td>2026-01-31</td><td>2</td>" in html


def test_stats_of_an_unknown_code_is_404(client: FlaskClient) -> None:
    assert client.get("/unknown/stats").status_code == 404


def test_stats_of_an_expired_link_still_show(client: FlaskClient, clock: Clock) -> None:
    code = create(client, expires_in=1)["code"]
    clock.advance(2)
    html = page_text(client.get(f"/{code}/stats"))
    assert "(expired)" in html


# Escaping and hrefs


def test_a_hostile_url_is_escaped_everywhere(app: Flask, client: FlaskClient) -> None:
    store_unchecked(app, HOSTILE, "hostile")
    for path in ("/hostile+", "/hostile/stats", "/hostile/share"):
        html = page_text(client.get(path))
        assert "<script>" not in html
        assert "<b>" not in html
        assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "data:text/html,hi"]
)
def test_only_http_urls_reach_an_href(app: Flask, client: FlaskClient, url: str) -> None:
    store_unchecked(app, url, "unsafe")
    html = page_text(client.get("/unsafe+"))
    assert all(href.startswith(("/", "http://", "https://", "#")) for href in hrefs(html))
    assert 'href="#"' in html


def test_http_only_filter() -> None:
    assert http_only("https://example.com/") == "https://example.com/"
    assert http_only("HTTP://example.com/") == "HTTP://example.com/"
    assert http_only("javascript:alert(1)") == "#"
    assert http_only(" javascript:alert(1)") == "#"
    assert http_only("http://[::1") == "#"


def test_pages_carry_a_content_security_policy(client: FlaskClient) -> None:
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_are_served(client: FlaskClient) -> None:
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
    with client.get("/static/copy.js") as response:
        assert b"clipboard" in response.data

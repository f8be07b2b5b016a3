"""ratelimit: creating links is limited per client, 429 with Retry-After."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from .support import assert_problem

URL = {"url": "https://example.com/"}


def limited_client(make_app: Any, rate: str = "2/minute") -> FlaskClient:
    client: FlaskClient = make_app(RATE_LIMIT_ENABLED=True, RATE_LIMIT_CREATE=rate).test_client()
    return client


def test_the_third_create_in_a_minute_is_429_with_retry_after(make_app: Any) -> None:
    client = limited_client(make_app)
    assert client.post("/api/links", json=URL).status_code == 201
    assert client.post("/api/links", json=URL).status_code == 201
    response = client.post("/api/links", json=URL)
    assert_problem(response, 429, "2 per 1 minute")
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_the_form_and_the_api_share_one_limit(make_app: Any) -> None:
    client = limited_client(make_app)
    assert client.post("/", data=URL).status_code == 303
    assert client.post("/api/links", json=URL).status_code == 201
    assert client.post("/", data=URL).status_code == 429


def test_the_limit_is_per_client_address(make_app: Any) -> None:
    client = limited_client(make_app, "1/minute")
    first = {"REMOTE_ADDR": "192.0.2.1"}
    second = {"REMOTE_ADDR": "192.0.2.2"}
    assert client.post("/api/links", json=URL, environ_base=first).status_code == 201
    assert client.post("/api/links", json=URL, environ_base=first).status_code == 429
    assert client.post("/api/links", json=URL, environ_base=second).status_code == 201


def test_reading_and_redirecting_are_not_limited(make_app: Any) -> None:
    client = limited_client(make_app, "1/minute")
    code = client.post("/api/links", json=URL).get_json()["code"]
    for _ in range(5):
        assert client.get(f"/{code}").status_code == 302
        assert client.get(f"/api/links/{code}").status_code == 200


def test_the_limit_can_be_switched_off(make_app: Any) -> None:
    client = make_app(RATE_LIMIT_ENABLED=False, RATE_LIMIT_CREATE="1/minute").test_client()
    for _ in range(3):
        assert client.post("/api/links", json=URL).status_code == 201


def test_each_app_starts_with_fresh_counts(make_app: Any) -> None:
    assert limited_client(make_app, "1/minute").post("/api/links", json=URL).status_code == 201
    assert limited_client(make_app, "1/minute").post("/api/links", json=URL).status_code == 201

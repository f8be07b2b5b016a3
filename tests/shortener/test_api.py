"""api: every rule and status code of /api/links."""

from __future__ import annotations

import hmac
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from helpers.shortener import api

from .conftest import Clock
from .support import assert_problem, create

pytestmark = pytest.mark.both_stores


# Creating


def test_create_returns_201_location_and_the_link(client: FlaskClient, clock: Clock) -> None:
    response = client.post("/api/links", json={"url": "https://example.com/a?b=c"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"code", "short_url", "url", "created_at", "expires_at"}
    assert response.headers["Location"] == f"/api/links/{body['code']}"
    assert body["short_url"] == f"http://localhost/{body['code']}"
    assert body["url"] == "https://example.com/a?b=c"
    assert body["created_at"] == "2026-01-31T23:59:00.000Z"
    assert body["expires_at"] is None
    assert client.get(response.headers["Location"]).status_code == 200


def test_create_with_alias_and_expiry(client: FlaskClient, clock: Clock) -> None:
    body = create(client, alias="my-alias", expires_in=90)
    assert body["code"] == "my-alias"
    assert body["expires_at"] == "2026-02-01T00:00:30.000Z"


def test_the_short_url_uses_base_url_when_configured(make_app: Any) -> None:
    client = make_app(BASE_URL="https://sho.rt/").test_client()
    assert create(client)["short_url"].startswith("https://sho.rt/")


def test_application_json_with_charset_and_plus_json_are_json(client: FlaskClient) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = client.post(
            "/api/links", data='{"url": "https://example.com/"}', content_type=content_type
        )
        assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("not json", "not valid JSON"),
        ('{"url": "https://example.com/"', "not valid JSON"),
        ("", "not valid JSON"),
        ('{"url": NaN}', "not valid JSON"),
        ('{"expires_in": 1' + "0" * 5000 + "}", "not valid JSON"),
        (b'{"url": "\xff"}', "not valid JSON"),
        ('["https://example.com/"]', "must be a JSON object, not an array"),
        ('"https://example.com/"', "must be a JSON object, not a string"),
        ("42", "must be a JSON object, not a number"),
        ("null", "must be a JSON object, not null"),
        ("{}", "'url' is required"),
        ('{"alias": "abc"}', "'url' is required"),
        ('{"url": 42}', "'url' must be a string, not a number"),
        ('{"url": null}', "'url' must be a string, not null"),
        ('{"url": ["https://example.com/"]}', "'url' must be a string, not an array"),
        ('{"url": "https://example.com/", "alias": 7}', "'alias' must be a string"),
        ('{"url": "https://example.com/", "expires_in": "60"}', "'expires_in' must be a whole"),
        ('{"url": "https://example.com/", "expires_in": 1.5}', "'expires_in' must be a whole"),
        ('{"url": "https://example.com/", "expires_in": true}', "'expires_in' must be a whole"),
        ('{"url": "https://example.com/", "expires_in": 0}', "between 1 and"),
        ('{"url": "https://example.com/", "expires_in": -5}', "between 1 and"),
        ('{"url": "https://example.com/", "expires_in": 1e12}', "'expires_in' must be a whole"),
        ('{"url": "https://example.com/", "expires_in": 999999999999}', "between 1 and"),
        ('{"url": "https://example.com/", "expire_in": 60}', "unknown field(s): expire_in"),
        ('{"url": ""}', "empty"),
        ('{"url": "ftp://example.com/"}', "only http"),
        ('{"url": "javascript:alert(1)"}', "only http"),
        ('{"url": "https:///nohost"}', "no host"),
        ('{"url": "https://bank.example@evil.example/"}', "user name or password"),
        ('{"url": "http://127.0.0.1/admin"}', "private"),
        ('{"url": "http://169.254.169.254/"}', "private"),
        ('{"url": "http://localhost:8080/"}', "private"),
        ('{"url": "http://localhost/loop"}', "private"),
        ('{"url": "https://example.com/", "alias": "no"}', "3 to 32"),
        ('{"url": "https://example.com/", "alias": "bad alias"}', "3 to 32"),
        ('{"url": "https://example.com/", "alias": "api"}', "reserved"),
        ('{"url": "https://example.com/", "alias": "healthz"}', "reserved"),
    ],
)
def test_bad_input_is_400_with_a_reason(client: FlaskClient, body: Any, detail: str) -> None:
    response = client.post("/api/links", data=body, content_type="application/json")
    assert_problem(response, 400, detail)


def test_deeply_nested_json_is_400_not_a_crash(client: FlaskClient) -> None:
    # Depending on the Python version, the parser gives up (RecursionError) or returns the list.
    body = "[" * 8000 + "]" * 8000
    response = client.post("/api/links", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith(
        ("the body must be a JSON object, not an array", "the body is not valid JSON: maximum")
    )


def test_a_too_long_url_is_400(client: FlaskClient) -> None:
    response = client.post("/api/links", json={"url": "https://example.com/" + "a" * 2100})
    assert_problem(response, 400, "longer than 2048")


def test_a_url_of_exactly_2048_characters_is_fine(client: FlaskClient) -> None:
    url = "https://example.com/" + "a" * (2048 - len("https://example.com/"))
    assert create(client, url)["url"] == url


def test_a_link_to_the_shortener_itself_is_refused(make_app: Any) -> None:
    client = make_app(BASE_URL="https://sho.rt", ALLOW_PRIVATE_TARGETS=True).test_client()
    for url in ("https://sho.rt/abcdefg", "http://localhost/abcdefg"):
        assert_problem(client.post("/api/links", json={"url": url}), 400, "loop")


def test_private_targets_can_be_allowed_by_configuration(make_app: Any) -> None:
    client = make_app(ALLOW_PRIVATE_TARGETS=True).test_client()
    assert create(client, "http://10.0.0.7:8080/wiki")["url"] == "http://10.0.0.7:8080/wiki"


def test_an_internationalised_host_is_stored_in_punycode(client: FlaskClient) -> None:
    assert create(client, "https://bücher.example/")["url"] == "https://xn--bcher-kva.example/"


def test_a_taken_alias_is_409(client: FlaskClient) -> None:
    create(client, alias="popular")
    response = client.post("/api/links", json={"url": "https://other.example/", "alias": "popular"})
    assert_problem(response, 409, "'popular' is already taken")


def test_wrong_content_type_is_415(client: FlaskClient) -> None:
    for response in (
        client.post("/api/links", data={"url": "https://example.com/"}),
        client.post(
            "/api/links", data='{"url": "https://example.com/"}', content_type="text/plain"
        ),
        client.post("/api/links"),
    ):
        assert_problem(response, 415, "Content-Type: application/json")


def test_a_body_over_the_limit_is_413(client: FlaskClient) -> None:
    body = '{"url": "https://example.com/", "pad": "' + "x" * 20_000 + '"}'
    response = client.post("/api/links", data=body, content_type="application/json")
    assert_problem(response, 413, "")


# Reading


def test_get_a_link_with_its_clicks(client: FlaskClient, clock: Clock) -> None:
    code = create(client)["code"]
    client.get(f"/{code}")
    clock.advance(120)  # past midnight UTC
    client.get(f"/{code}")
    body = client.get(f"/api/links/{code}").get_json()
    assert body["code"] == code
    assert body["clicks"] == {
        "total": 2,
        "last": "2026-02-01T00:01:00.000Z",
        "per_day": {"2026-01-31": 1, "2026-02-01": 1},
    }


def test_an_expired_link_is_still_readable_in_the_api(client: FlaskClient, clock: Clock) -> None:
    code = create(client, expires_in=5)["code"]
    clock.advance(5)
    assert client.get(f"/api/links/{code}").get_json()["expires_at"] == "2026-01-31T23:59:05.000Z"


def test_an_unknown_code_is_404(client: FlaskClient) -> None:
    assert_problem(client.get("/api/links/nothing-here"), 404, "nothing-here")
    assert_problem(client.get("/api/links/x"), 404, "")


# The API key: listing and deleting


def test_listing_and_deleting_are_closed_without_a_configured_key(client: FlaskClient) -> None:
    code = create(client)["code"]
    for response in (
        client.get("/api/links"),
        client.get("/api/links", headers={"X-API-Key": ""}),
        client.get("/api/links", headers={"X-API-Key": "None"}),
        client.delete(f"/api/links/{code}", headers={"X-API-Key": "anything"}),
    ):
        assert_problem(response, 403, "no API key is configured")
    assert client.get(f"/api/links/{code}").status_code == 200


@pytest.fixture
def keyed(make_app: Any) -> FlaskClient:
    client: FlaskClient = make_app(API_KEY="correct horse battery staple").test_client()
    return client


KEY = {"X-API-Key": "correct horse battery staple"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "wrong"}, {"X-API-Key": "correct horse battery stapl"}, {"X-API-Key": "é"}],
)
def test_a_missing_or_wrong_key_is_403(keyed: FlaskClient, headers: dict[str, str]) -> None:
    assert_problem(keyed.get("/api/links", headers=headers), 403, "X-API-Key")
    assert_problem(keyed.delete("/api/links/abcdefg", headers=headers), 403, "X-API-Key")


def test_the_key_is_compared_in_constant_time(
    keyed: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real_compare_digest = hmac.compare_digest

    def spy(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return real_compare_digest(given, expected)

    monkeypatch.setattr(api.hmac, "compare_digest", spy)
    assert keyed.get("/api/links", headers=KEY).status_code == 200
    assert compared == [(b"correct horse battery staple", b"correct horse battery staple")]


def test_pagination(keyed: FlaskClient) -> None:
    codes = [create(keyed, f"https://example.com/{n}")["code"] for n in range(5)]
    first = keyed.get("/api/links?per_page=2", headers=KEY).get_json()
    assert [link["code"] for link in first["links"]] == codes[::-1][:2]
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 5)
    assert first["next"] == "/api/links?page=2&per_page=2"
    second = keyed.get(first["next"], headers=KEY).get_json()
    third = keyed.get(second["next"], headers=KEY).get_json()
    assert [link["code"] for link in second["links"] + third["links"]] == codes[::-1][2:]
    assert third["next"] is None
    beyond = keyed.get("/api/links?page=9", headers=KEY).get_json()
    assert beyond["links"] == []
    assert beyond["next"] is None


def test_the_default_page_size_is_20(keyed: FlaskClient) -> None:
    assert keyed.get("/api/links", headers=KEY).get_json()["per_page"] == 20


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=x",
        "page=1.5",
        "page=",
        "page=" + "9" * 5000,
        "per_page=0",
        "per_page=101",
        "per_page=²",
    ],
)
def test_bad_page_parameters_are_400(keyed: FlaskClient, query: str) -> None:
    assert_problem(keyed.get(f"/api/links?{query}", headers=KEY), 400, "whole number")


def test_delete(keyed: FlaskClient) -> None:
    code = create(keyed)["code"]
    keyed.get(f"/{code}")
    response = keyed.delete(f"/api/links/{code}", headers=KEY)
    assert response.status_code == 204
    assert response.data == b""
    assert_problem(keyed.get(f"/api/links/{code}"), 404, code)
    assert_problem(keyed.get(f"/{code}"), 404, code)
    assert_problem(keyed.delete(f"/api/links/{code}", headers=KEY), 404, code)


def test_the_api_key_can_come_from_the_environment(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHORTENER_API_KEY", "from-the-environment")
    client: FlaskClient = make_app().test_client()
    assert (
        client.get("/api/links", headers={"X-API-Key": "from-the-environment"}).status_code == 200
    )


def test_app_fixture_has_no_key(app: Flask) -> None:
    assert app.config["API_KEY"] is None


@pytest.mark.parametrize("host", ["", "a b", "bad/host", "[::1"])
def test_a_bad_host_header_is_400_and_stores_nothing(make_app: Any, host: str) -> None:
    client = make_app(API_KEY="k" * 16).test_client()
    response = client.post(
        "/api/links", json={"url": "https://example.com/"}, headers={"Host": host}
    )
    assert_problem(response, 400, "Host header")
    listing = client.get("/api/links", headers={"X-API-Key": "k" * 16}).get_json()
    assert listing["total"] == 0


def test_with_base_url_the_host_header_does_not_matter(make_app: Any) -> None:
    client = make_app(BASE_URL="https://sho.rt").test_client()
    response = client.post("/api/links", json={"url": "https://example.com/"}, headers={"Host": ""})
    assert response.status_code == 201
    assert response.get_json()["short_url"].startswith("https://sho.rt/")

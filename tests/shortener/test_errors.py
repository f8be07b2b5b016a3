"""errors: every error is RFC 9457 problem details (or a small page for a browser)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from helpers.shortener.store import postgres, sqlite

from .support import assert_problem, one_app_for_all_examples

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_werkzeug_404_is_a_problem(client: FlaskClient) -> None:
    assert_problem(client.get("/no/such/page"), 404, "not found")


def test_werkzeug_405_is_a_problem_and_keeps_allow(client: FlaskClient) -> None:
    response = client.patch("/api/links")
    assert_problem(response, 405, "not allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_a_problem_has_exactly_the_rfc_9457_members(client: FlaskClient) -> None:
    assert set(client.get("/api/links/unknown").get_json()) == {"type", "title", "status", "detail"}


def test_a_browser_gets_an_html_error_page(client: FlaskClient) -> None:
    response = client.get("/no-such-code", headers=BROWSER)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404 · Not Found" in response.get_data(as_text=True)


def test_the_api_answers_json_even_to_a_browser(client: FlaskClient) -> None:
    response = client.get("/api/links/unknown", headers=BROWSER)
    assert response.mimetype == "application/problem+json"


def test_curl_and_unknown_clients_get_json(client: FlaskClient) -> None:
    for accept in ("*/*", "application/json", ""):
        response = client.get("/no-such-code", headers={"Accept": accept})
        assert response.mimetype == "application/problem+json"


def test_an_error_page_escapes_what_it_repeats(client: FlaskClient) -> None:
    response = client.get("/<script>alert(1)</script>", headers=BROWSER)
    assert response.status_code == 404
    assert "<script>alert" not in response.get_data(as_text=True)


def test_a_busy_database_is_503_with_retry_after(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*_args: Any, **_kwargs: Any) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(sqlite, "find_link", locked)
    response = client.get("/abcdefg")
    assert_problem(response, 503, "busy")
    assert response.headers["Retry-After"] == "1"


def test_postgresql_out_of_reach_is_503_with_retry_after(make_app: Any, postgres_url: str) -> None:
    client = make_app(DATABASE_URL=postgres_url).test_client()
    code = client.post("/api/links", json={"url": "https://example.com/"}).get_json()["code"]
    name = postgres_url.rsplit("/", 1)[1]
    admin = postgres_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
        connection.execute(  # the server ends every session of the app: a restart, say
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
    response = client.get(f"/api/links/{code}")
    assert_problem(response, 503, "cannot be reached")
    assert response.headers["Retry-After"] == "1"
    # Each connection the pool kept fails once and is replaced; then all is well again.
    later = [client.get(f"/api/links/{code}").status_code for _ in range(postgres.POOL_SIZE + 1)]
    assert set(later) <= {200, 503} and later[-1] == 200


def test_other_database_errors_are_not_hidden(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise sqlite3.OperationalError("no such table: links")

    monkeypatch.setattr(sqlite, "find_link", broken)
    with pytest.raises(sqlite3.OperationalError, match="no such table"):  # TESTING propagates
        client.get("/abcdefg")


def test_an_unexpected_error_outside_testing_is_a_500_problem(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_app(TESTING=False).test_client()

    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(sqlite, "find_link", crash)
    assert_problem(client.get("/abcdefg"), 500, "")


# Property: no input makes the service fail with a 5xx.

any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
new_link_like = st.fixed_dictionaries(
    {"url": st.one_of(st.text(max_size=80), any_json)},
    optional={"alias": st.one_of(st.text(max_size=40), any_json), "expires_in": any_json},
)


@one_app_for_all_examples
@given(
    body=st.one_of(st.binary(max_size=200), any_json.map(json.dumps), new_link_like.map(json.dumps))
)
def test_no_request_body_makes_a_server_error(client: FlaskClient, body: bytes | str) -> None:
    response = client.post("/api/links", data=body, content_type="application/json")
    assert response.status_code in (201, 400, 409)
    assert response.mimetype in ("application/json", "application/problem+json")


@one_app_for_all_examples
@given(path=st.text(max_size=60), accept=st.sampled_from(["*/*", "text/html", "application/json"]))
def test_no_path_makes_a_server_error(client: FlaskClient, path: str, accept: str) -> None:
    for method in (client.get, client.head, client.delete):
        response = method("/" + quote(path.lstrip("/"), safe="/+"), headers={"Accept": accept})
        assert response.status_code < 500


@one_app_for_all_examples
@given(form=st.dictionaries(st.sampled_from(["url", "alias", "other"]), st.text(max_size=80)))
def test_no_form_makes_a_server_error(client: FlaskClient, form: dict[str, str]) -> None:
    assert client.post("/", data=form).status_code in (303, 400, 409)

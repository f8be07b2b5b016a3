"""helpers.cached_redirects: redirects through a cached lookup, stale until invalidated."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.test import Client

from helpers.cached_redirects import (
    CachedRedirects,
    find_link,
    shortener_app,
    temporary_database,
)
from helpers.decorators import memoize

KEY = {"X-API-Key": "secret"}


@pytest.fixture
def app() -> Iterator[Flask]:
    with temporary_database() as database, shortener_app(database, {"API_KEY": "secret"}) as app:
        yield app


def create(app: Flask, url: str, **fields: object) -> str:
    response = app.test_client().post("/api/links", json={"url": url, **fields})
    assert response.status_code == 201, response.get_json()
    code: str = response.get_json()["code"]
    return code


def test_find_link_reads_the_database_every_time(app: Flask) -> None:
    code = create(app, "https://www.example.com/a")
    found = find_link(app, code)
    assert found is not None and found.url == "https://www.example.com/a"
    assert app.test_client().delete(f"/api/links/{code}", headers=KEY).status_code == 204
    assert find_link(app, code) is None


def test_a_memoized_lookup_keeps_redirecting_a_deleted_link(app: Flask) -> None:
    code = create(app, "https://www.example.com/a")
    lookup = memoize(lambda code: find_link(app, code))
    client = Client(CachedRedirects(app, lookup))
    assert client.get(f"/{code}").headers["Location"] == "https://www.example.com/a"
    assert client.delete(f"/api/links/{code}", headers=KEY).status_code == 204
    assert client.get(f"/{code}").status_code == 302  # stale: the flaw notebook 14 shows
    assert app.test_client().get(f"/{code}").status_code == 404  # the shortener itself knows


def test_forget_invalidates_on_a_successful_delete_only(app: Flask) -> None:
    code = create(app, "https://www.example.com/a")
    lookup = memoize(lambda code: find_link(app, code))
    client = Client(CachedRedirects(app, lookup, forget=lookup.forget))
    assert client.get(f"/{code}").status_code == 302
    assert client.delete(f"/api/links/{code}").status_code == 403  # no key: nothing deleted
    assert client.get(f"/{code}").status_code == 302 and lookup.hits == 1
    assert client.delete(f"/api/links/{code}", headers=KEY).status_code == 204
    assert client.get(f"/{code}").status_code == 404


def test_reserved_words_and_unknown_codes_go_to_the_app(app: Flask) -> None:
    code = create(app, "https://www.example.com/a")
    looked_up: list[str] = []

    def nothing_found(code: str) -> None:
        looked_up.append(code)

    client = Client(CachedRedirects(app, nothing_found))
    assert client.get("/api").status_code == 404  # a reserved word is never looked up
    assert client.get(f"/{code}").status_code == 302  # the lookup found nothing: the app did
    assert looked_up == [code]


def test_an_expired_link_is_not_served_from_the_cache(app: Flask) -> None:
    code = create(app, "https://www.example.com/a")
    kept = find_link(app, code)
    assert kept is not None
    assert app.test_client().delete(f"/api/links/{code}", headers=KEY).status_code == 204
    expired = dataclasses.replace(kept, expires_at="2000-01-01T00:00:00.000Z")
    assert Client(CachedRedirects(app, lambda code: kept)).get(f"/{code}").status_code == 302
    assert Client(CachedRedirects(app, lambda code: expired)).get(f"/{code}").status_code == 404

"""Fixtures for the shortener's tests, the Flask tutorial way: each test gets its own app and
its own temporary database.

The store is SQLite unless a test module overrides the `store_settings` fixture, as the modules
that must hold for both stores do: `@pytest.fixture(params=STORES)` returning
`settings_for_store(request)`. Each of their tests then also runs on PostgreSQL, in a fresh
database on one PostgreSQL server started for the whole session (helpers.services).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis.configuration import set_hypothesis_home_dir

from helpers import services
from helpers.shortener import close_app, config, create_app, links
from helpers.shortener.store import Store, store_of

# pyproject.toml's norecursedirs replaces pytest's default list, so a `.hypothesis` folder in the
# repository makes Hypothesis's pytest plugin warn at collection, and warnings are errors here.
# Hypothesis (and schemathesis, built on it) therefore keep their files in the temporary folder.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "python-and-the-web-hypothesis")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SHORTENER_* variable from the shell may change what a test sees."""
    for _key, (variable, _parse) in config.ENVIRONMENT.items():
        monkeypatch.delenv(variable, raising=False)


Prerequisite = Callable[[bool, str], None]


@pytest.fixture(scope="session")
def postgres_server(prerequisite: Prerequisite) -> Iterator[services.PostgresServer]:
    """One PostgreSQL server for the session; skipped (failed under CI) if not installed."""
    reason = services.postgres_missing()
    prerequisite(reason is None, reason or "")
    with services.start_postgres("shortener-tests-postgres") as server:
        yield server


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def postgres_url(postgres_server: services.PostgresServer) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    name = f"test_{next(_databases)}"
    admin = postgres_server.url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    yield postgres_server.url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def redis_server(prerequisite: Prerequisite) -> Iterator[services.RedisServer]:
    """One Redis server for the session; skipped (failed under CI) if not installed."""
    reason = services.redis_missing()
    prerequisite(reason is None, reason or "")
    with services.start_redis("shortener-tests-redis") as server:
        yield server


@pytest.fixture
def redis_url(redis_server: services.RedisServer) -> Iterator[str]:
    """The URL of the session's Redis, emptied for this test."""
    client = redis.Redis.from_url(redis_server.url, socket_timeout=5)
    client.flushall()
    client.close()
    yield redis_server.url


STORES = ["sqlite", "postgresql"]


def settings_for_store(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The settings of the store a parametrized fixture's `request.param` names."""
    if request.param == "sqlite":
        return {}
    return {"DATABASE_URL": request.getfixturevalue("postgres_url")}


@pytest.fixture
def store(app: Flask) -> Store:
    """The test app's store."""
    return store_of(app)


@pytest.fixture
def store_settings() -> dict[str, Any]:
    """The settings that choose the store: none, so SQLite (a module may override this)."""
    return {}


@pytest.fixture
def make_app(tmp_path: Any, store_settings: dict[str, Any]) -> Iterator[Any]:
    """A factory of test apps sharing one temporary database; settings override the test ones."""

    built: list[Flask] = []

    def build(**settings: Any) -> Flask:
        test_config = {
            "TESTING": True,
            "DATABASE": str(tmp_path / "shortener.sqlite3"),
            "RATE_LIMIT_ENABLED": False,
        }
        built.append(create_app(test_config | store_settings | settings))
        return built[-1]

    yield build
    for app in built:
        close_app(app)


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Clock:
    """A settable stand-in for `links.utc_now`."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 31, 23, 59, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Freeze the shortener's clock at 2026-01-31 23:59:00 UTC; `clock.advance(s)` moves it."""
    fake = Clock()
    monkeypatch.setattr(links, "utc_now", fake)
    return fake

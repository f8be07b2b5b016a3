"""Fixtures for the shortener's tests, the Flask tutorial way: each test gets its own app and
its own temporary database.

The store is SQLite, except in the modules that must hold for both stores: they say
`pytestmark = pytest.mark.both_stores`, and each of their tests then also runs on PostgreSQL, in
an empty database of its own on one PostgreSQL server started for the package
(helpers.services).
"""

from __future__ import annotations

import itertools
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
from psycopg import sql

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


# The servers below live as long as the run stays in this package (tests/shortener), not the
# whole session: elsewhere a test may call net.stop_all(), which stops every server this process
# started. Under pytest-xdist a process may run such a file between two of this package, and the
# servers then start again when it comes back.


@pytest.fixture(scope="package")
def postgres_server(require_programs: Callable[..., None]) -> Iterator[services.PostgresServer]:
    """One PostgreSQL server for the package; skipped (failed under CI) if not installed."""
    require_programs("postgresql")
    with services.start_postgres("shortener-tests-postgres") as server:
        yield server


# The schemas PostgreSQL keeps in every database; a test's own objects live in any other.
SYSTEM_SCHEMAS = "nspname IN ('pg_catalog', 'information_schema') OR nspname LIKE 'pg\\_%'"


class EmptyDatabases:
    """Empty databases on one PostgreSQL server, handed to one test at a time.

    CREATE DATABASE copies the template's files: 30 ms on a quiet machine, ten times that while
    other tests keep the disk busy. So after a test its database is emptied and kept for the next
    one, but only when that leaves it as a new one is: its sessions ended, every schema dropped
    and `public` made again as CREATE DATABASE makes it, no relation left, and nothing about the
    database itself changed (connections allowed, no limit, no settings of its own). Otherwise it
    is dropped, and the next test gets a new one.
    """

    def __init__(self, server: services.PostgresServer) -> None:
        self._base = server.url.rsplit("/", 1)[0]
        self._names = (f"test_{number}" for number in itertools.count(1))
        self._spare: list[str] = []

    def url(self, name: str) -> str:
        return f"{self._base}/{name}"

    def _connect(self, database: str) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=10)

    def take(self) -> str:
        """The name of an empty database: a spare one, else a new one."""
        if self._spare:
            return self._spare.pop()
        name = next(self._names)
        with self._connect("postgres") as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return name

    def give_back(self, name: str) -> None:
        """Keep the database for the next test if it can be emptied; else drop it."""
        with self._connect("postgres") as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            unchanged = admin.execute(
                "SELECT datallowconn AND datconnlimit = -1 AND NOT EXISTS"
                " (SELECT 1 FROM pg_db_role_setting WHERE setdatabase = pg_database.oid)"
                " FROM pg_database WHERE datname = %s",
                (name,),
            ).fetchone()
            if unchanged == (True,) and self._emptied(name):
                self._spare.append(name)
            else:
                admin.execute(f"DROP DATABASE {name} WITH (FORCE)")

    def _emptied(self, name: str) -> bool:
        """Drop every schema of the database and make `public` again; True if nothing is left."""
        try:
            with self._connect(name) as connection:
                connection.execute("SET lock_timeout = '10s'")
                schemas = connection.execute(
                    f"SELECT nspname FROM pg_namespace WHERE NOT ({SYSTEM_SCHEMAS})"
                ).fetchall()
                for (schema,) in schemas:
                    connection.execute(
                        sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema))
                    )
                connection.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
                connection.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
                left = connection.execute(
                    "SELECT count(*) FROM pg_class JOIN pg_namespace"
                    f" ON pg_namespace.oid = relnamespace WHERE NOT ({SYSTEM_SCHEMAS})"
                ).fetchone()
        except psycopg.Error:
            return False
        return left == (0,)


@pytest.fixture(scope="package")
def postgres_databases(postgres_server: services.PostgresServer) -> EmptyDatabases:
    return EmptyDatabases(postgres_server)


@pytest.fixture
def postgres_url(postgres_databases: EmptyDatabases) -> Iterator[str]:
    """The URL of an empty PostgreSQL database of the test's own (see EmptyDatabases)."""
    name = postgres_databases.take()
    yield postgres_databases.url(name)
    postgres_databases.give_back(name)


@pytest.fixture(scope="package")
def redis_server(require_programs: Callable[..., None]) -> Iterator[services.RedisServer]:
    """One Redis server for the package; skipped (failed under CI) if not installed."""
    require_programs("redis")
    with services.start_redis("shortener-tests-redis") as server:
        yield server


@pytest.fixture
def redis_url(redis_server: services.RedisServer) -> Iterator[str]:
    """The URL of the package's Redis, emptied for this test."""
    client = redis.Redis.from_url(redis_server.url, socket_timeout=5)
    client.flushall()
    client.close()
    yield redis_server.url


STORES = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_stores: run each test on SQLite and on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test of a `both_stores` module that builds an app runs once per store."""
    if metafunc.definition.get_closest_marker("both_stores") and (
        "store_settings" in metafunc.fixturenames
    ):
        metafunc.parametrize("store_settings", STORES, indirect=True)


@pytest.fixture
def store(app: Flask) -> Store:
    """The test app's store."""
    return store_of(app)


@pytest.fixture
def store_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The settings that choose the store: none (SQLite), or, in a `both_stores` module, those
    of the store the test runs on."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return {}
    return {"DATABASE_URL": request.getfixturevalue("postgres_url")}


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

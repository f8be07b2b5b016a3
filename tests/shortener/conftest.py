"""Fixtures for the shortener's tests, the Flask tutorial way: each test gets its own app and
its own temporary database."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis.configuration import set_hypothesis_home_dir

from helpers.shortener import clicks, config, create_app, db, linkcache, links

# pyproject.toml's norecursedirs replaces pytest's default list, so a `.hypothesis` folder in the
# repository makes Hypothesis's pytest plugin warn at collection, and warnings are errors here.
# Hypothesis (and schemathesis, built on it) therefore keep their files in the temporary folder.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "python-and-the-web-hypothesis")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SHORTENER_* variable from the shell may change what a test sees."""
    for _key, (variable, _parse) in config.ENVIRONMENT.items():
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def make_app(tmp_path: Any) -> Iterator[Any]:
    """A factory of test apps sharing one temporary database; settings override the test ones."""

    built: list[Flask] = []

    def build(**settings: Any) -> Flask:
        test_config = {
            "TESTING": True,
            "DATABASE": str(tmp_path / "shortener.sqlite3"),
            "RATE_LIMIT_ENABLED": False,
        }
        built.append(create_app(test_config | settings))
        return built[-1]

    yield build
    for app in built:
        clicks.close_counter(app)  # stores the pending clicks, so it goes first
        linkcache.close_cache(app)
        db.close_pool(app)


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

"""health: /healthz says the process is alive; /readyz names the dependency that fails, and
recovers when it comes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from helpers import services
from helpers.shortener import health


def test_alive_and_ready(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok"}}


def test_a_database_that_goes_away_and_comes_back(app: Flask, client: FlaskClient) -> None:
    database = Path(app.config["DATABASE"])
    moved = database.with_name("elsewhere.sqlite3")
    client.get("/readyz")  # the pool is warm: its connections would still answer
    database.rename(moved)
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "unready"
        assert "unable to open database file" in body["checks"]["database"]
        assert client.get("/healthz").status_code == 200, "alive, even without its database"
        assert not database.exists(), "the check must not create an empty database"
    finally:
        moved.rename(database)
    assert client.get("/readyz").status_code == 200


def test_checks_are_pluggable_and_the_failing_one_is_named(app: Flask, client: FlaskClient) -> None:
    def cache_down() -> None:
        raise ConnectionError("the cache refused the connection")

    health.add_readiness_check(app, "cache", cache_down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {
        "database": "ok",
        "cache": "ConnectionError: the cache refused the connection",
    }
    health.add_readiness_check(app, "cache", lambda: None)  # the same name replaces the check
    assert client.get("/readyz").get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok"},
    }


def test_on_postgresql_and_redis_both_are_checked_and_a_missing_redis_is_named(
    make_app: Any, postgres_url: str, redis_server: services.RedisServer
) -> None:
    own_redis = services.start_redis("shortener-tests-readiness-redis")  # this test stops it
    try:
        client = make_app(DATABASE_URL=postgres_url, REDIS_URL=own_redis.url).test_client()
        assert client.get("/readyz").get_json() == {
            "status": "ready",
            "checks": {"database": "ok", "redis": "ok"},
        }
        own_redis.stop()
        response = client.get("/readyz")
        assert response.status_code == 503
        checks = response.get_json()["checks"]
        assert checks["database"] == "ok"
        assert checks["redis"].startswith("ConnectionError"), checks["redis"]
    finally:
        own_redis.stop()

"""health: /healthz says the process is alive; /readyz says whether it can serve: not without its
store, but with Redis (a cache) down it serves, degraded, and says so in its body and a metric."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from helpers import services
from helpers.shortener import health

from .support import create


def dependency_up(name: str) -> float | None:
    """The gauge `shortener_dependency_up` of dependency `name`, as this process holds it."""
    return REGISTRY.get_sample_value("shortener_dependency_up", {"dependency": name})


def test_alive_and_ready(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "degraded": [], "checks": {"database": "ok"}}
    assert dependency_up("database") == 1


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
        assert body["degraded"] == []  # the store is required: not ready, not merely degraded
        assert "unable to open database file" in body["checks"]["database"]
        assert dependency_up("database") == 0
        assert client.get("/healthz").status_code == 200, "alive, even without its database"
        assert not database.exists(), "the check must not create an empty database"
    finally:
        moved.rename(database)
    assert client.get("/readyz").status_code == 200
    assert dependency_up("database") == 1


def test_checks_are_pluggable_required_or_not(app: Flask, client: FlaskClient) -> None:
    def cache_down() -> None:
        raise ConnectionError("the cache refused the connection")

    health.add_readiness_check(app, "cache", cache_down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unready",
        "degraded": [],
        "checks": {"database": "ok", "cache": "ConnectionError: the cache refused the connection"},
    }
    health.add_readiness_check(app, "cache", cache_down, required=False)  # replaces the check
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ready"
    assert response.get_json()["degraded"] == ["cache"]
    health.add_readiness_check(app, "cache", lambda: None)
    assert client.get("/readyz").get_json() == {
        "status": "ready",
        "degraded": [],
        "checks": {"database": "ok", "cache": "ok"},
    }


def test_redis_stopped_mid_test_leaves_the_app_ready_and_serving(
    make_app: Any, postgres_url: str
) -> None:
    own_redis = services.start_redis("shortener-tests-readiness-redis")  # this test stops it
    try:
        app = make_app(
            DATABASE_URL=postgres_url,
            REDIS_URL=own_redis.url,
            RATE_LIMIT_ENABLED=True,  # its counts live in Redis
            LOCAL_CACHE=False,  # every redirect asks Redis, then the store
        )
        client = app.test_client()
        before = create(client, "https://example.com/before")["code"]
        assert client.get("/readyz").get_json() == {
            "status": "ready",
            "degraded": [],
            "checks": {"database": "ok", "redis": "ok"},
        }
        assert dependency_up("redis") == 1

        own_redis.stop()
        response = client.get("/readyz")
        assert response.status_code == 200
        body = response.get_json()
        assert (body["status"], body["degraded"]) == ("ready", ["redis"])
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["redis"].startswith("ConnectionError"), body["checks"]
        assert (dependency_up("redis"), dependency_up("database")) == (0, 1)
        after = create(client, "https://example.com/after")["code"]
        for code, target in ((before, "before"), (after, "after")):
            redirect = client.get(f"/{code}")
            assert redirect.status_code == 302
            assert redirect.headers["Location"] == f"https://example.com/{target}"
    finally:
        own_redis.stop()


def test_a_postgresql_stopped_mid_test_is_not_ready(make_app: Any, redis_url: str) -> None:
    own_postgres = services.start_postgres("shortener-tests-readiness-postgres")
    try:
        client = make_app(DATABASE_URL=own_postgres.url, REDIS_URL=redis_url).test_client()
        assert client.get("/readyz").status_code == 200
        own_postgres.stop()
        response = client.get("/readyz")
        assert response.status_code == 503
        body = response.get_json()
        assert (body["status"], body["degraded"]) == ("unready", [])
        assert body["checks"]["redis"] == "ok"
        assert body["checks"]["database"] != "ok"
        assert dependency_up("database") == 0
    finally:
        own_postgres.stop()

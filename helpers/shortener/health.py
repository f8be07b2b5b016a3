"""Health endpoints for whoever runs the service: is the process alive, and can it serve?

- `/healthz` (liveness): 200 while the process answers at all. It touches nothing else, so a
  database outage does not make an orchestrator restart healthy processes in a loop.
- `/readyz` (readiness): 200 when every dependency answers, else 503 with the failing ones
  named, so a load balancer sends traffic elsewhere until they come back. Checks are pluggable:
  `add_readiness_check(app, name, check)`, where `check()` raises when not ready.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from flask import Blueprint, Flask, current_app

from . import cache, metrics
from .store import store_of

Check = Callable[[], None]
CHECKS = "shortener.readiness_checks"

bp = Blueprint("health", __name__)


def add_readiness_check(app: Flask, name: str, check: Check) -> None:
    """Make `/readyz` also require `check()` to return without raising."""
    app.extensions.setdefault(CHECKS, {})[name] = check


def readiness(app: Flask) -> dict[str, str]:
    """Each check's name -> "ok", or what went wrong."""
    results = {}
    for name, check in app.extensions.get(CHECKS, {}).items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:
            results[name] = f"{type(error).__name__}: {error}"
    return results


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Alive: the process answers."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, object], int]:
    """Ready when every check passes; 503 naming the failing ones otherwise."""
    checks = readiness(current_app)
    ready = all(result == "ok" for result in checks.values())
    return {"status": "ready" if ready else "unready", "checks": checks}, 200 if ready else 503


def database_check(path: str) -> Check:
    """A check that the SQLite file at `path` still exists and answers a query.

    It opens a connection of its own in read-write mode, which never creates a missing file:
    the pool's connections would keep answering from a file deleted or moved under them.
    """

    uri = Path(path).absolute().as_uri() + "?mode=rw"

    def check() -> None:
        with (
            metrics.query_timer("readiness"),
            closing(sqlite3.connect(uri, uri=True, timeout=1.0)) as db,
        ):
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()

    return check


def store_check(app: Flask) -> Check:
    """A check that `app`'s store (PostgreSQL: a server that may be away) answers a query."""

    def check() -> None:
        with metrics.query_timer("readiness"):
            store_of(app).ping()

    return check


def redis_check(app: Flask) -> Check:
    """A check that `app`'s Redis answers a PING."""

    def check() -> None:
        client = cache.redis_of(app)
        assert client is not None, "REDIS_URL is set, so there is a client"
        client.ping()

    return check


def init_app(app: Flask) -> None:
    """Serve /healthz and /readyz: ready when the store, and Redis if configured, answer."""
    app.register_blueprint(bp)
    if app.config["DATABASE_URL"]:
        add_readiness_check(app, "database", store_check(app))
    else:
        add_readiness_check(app, "database", database_check(app.config["DATABASE"]))
    if app.config["REDIS_URL"]:
        add_readiness_check(app, "redis", redis_check(app))

"""Health endpoints for whoever runs the service: is the process alive, and can it serve?

- `/healthz` (liveness): 200 while the process answers at all. It touches nothing else, so a
  database outage does not make an orchestrator restart healthy processes in a loop.
- `/readyz` (readiness): 200 while every required dependency answers, else 503, so a load
  balancer sends traffic elsewhere until they come back. A dependency the service works without
  (Redis, a cache: redirects and creations go on without it, only slower) is not required: its
  failure leaves the instance ready but "degraded", named in the body, since taking every
  instance out of service for a cache outage would turn it into a full outage. Each check's
  outcome is also the gauge `shortener_dependency_up` (1 or 0), so an alert can see it.

Checks are pluggable: `add_readiness_check(app, name, check, required=...)`, where `check()`
raises when the dependency does not answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, current_app

from . import lookup, metrics
from .store import store_of

Check = Callable[[], None]
CHECKS = "shortener.readiness_checks"
OK = "ok"

bp = Blueprint("health", __name__)


@dataclass(frozen=True)
class Dependency:
    """A readiness check, and whether the service can serve at all while it fails."""

    check: Check
    required: bool


@dataclass(frozen=True)
class Readiness:
    """The outcome of every check: "ok", or what went wrong, by dependency name."""

    checks: dict[str, str]
    required: frozenset[str]

    @property
    def ready(self) -> bool:
        """Every required dependency answered."""
        return all(self.checks[name] == OK for name in self.required)

    @property
    def degraded(self) -> list[str]:
        """The dependencies not required that failed, in the order they were added."""
        return [
            name
            for name, result in self.checks.items()
            if result != OK and name not in self.required
        ]


def add_readiness_check(app: Flask, name: str, check: Check, *, required: bool = True) -> None:
    """Make `/readyz` run `check()`; if `required`, the instance is not ready while it raises."""
    app.extensions.setdefault(CHECKS, {})[name] = Dependency(check, required)


def readiness(app: Flask) -> Readiness:
    """Run every check of `app` once, and set each dependency's `up` gauge from its outcome."""
    dependencies: dict[str, Dependency] = app.extensions.get(CHECKS, {})
    checks = {}
    for name, dependency in dependencies.items():
        try:
            dependency.check()
            checks[name] = OK
        except Exception as error:
            checks[name] = f"{type(error).__name__}: {error}"
        metrics.DEPENDENCY_UP.labels(dependency=name).set(checks[name] == OK)
    required = frozenset(name for name, dependency in dependencies.items() if dependency.required)
    return Readiness(checks, required)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Alive: the process answers."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, object], int]:
    """200 while the required dependencies answer, naming the others that fail; else 503."""
    outcome = readiness(current_app)
    body: dict[str, object] = {
        "status": "ready" if outcome.ready else "unready",
        "degraded": outcome.degraded,
        "checks": outcome.checks,
    }
    return body, 200 if outcome.ready else 503


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
        client = lookup.redis_of(app)
        assert client is not None, "REDIS_URL is set, so there is a client"
        client.ping()

    return check


def init_app(app: Flask) -> None:
    """Serve /healthz and /readyz: ready while the store answers; Redis, a cache, is optional."""
    app.register_blueprint(bp)
    if app.config["DATABASE_URL"]:
        add_readiness_check(app, "database", store_check(app))
    else:
        add_readiness_check(app, "database", database_check(app.config["DATABASE"]))
    if app.config["REDIS_URL"]:
        add_readiness_check(app, "redis", redis_check(app), required=False)

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

from . import metrics

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


def init_app(app: Flask) -> None:
    """Serve /healthz and /readyz, the database being the first readiness check."""
    app.register_blueprint(bp)
    add_readiness_check(app, "database", database_check(app.config["DATABASE"]))

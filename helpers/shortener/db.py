"""The SQLite database: one connection per request, closed when the request ends.

SQLite is embedded (the standard library's `sqlite3`), so there is no server to run. Several
processes can share the file safely: WAL mode lets readers work while one writer commits, and a
busy timeout makes a writer wait its turn instead of failing at once. `synchronous = NORMAL` is
the setting SQLite recommends with WAL: a commit survives the process being killed; only a power
cut can lose the last few transactions.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from flask import Flask, current_app, g

BUSY_TIMEOUT_SECONDS = 10.0


def connect(path: str) -> sqlite3.Connection:
    """Open the database at `path` in autocommit mode, rows readable by column name."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


def get_db() -> sqlite3.Connection:
    """The current request's connection, opened on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    connection: sqlite3.Connection = g.db
    return connection


def close_db(_error: BaseException | None = None) -> None:
    """Close the current request's connection, if one was opened."""
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()


def init_db(path: str) -> None:
    """Create the database file and its tables if they do not exist yet; never delete data."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    schema = resources.files(__package__).joinpath("schema.sql").read_text(encoding="utf-8")
    connection = connect(path)
    try:
        connection.executescript(schema)
    finally:
        connection.close()


def init_app(app: Flask) -> None:
    """Create the database on first start and close connections after each request."""
    init_db(app.config["DATABASE"])
    app.teardown_appcontext(close_db)

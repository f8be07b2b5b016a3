"""The SQLite database: one connection per request, closed when the request ends.

SQLite is embedded (the standard library's `sqlite3`), so there is no server to run. Several
processes can share the file safely: WAL mode lets readers work while one writer commits, and a
busy timeout makes a writer wait its turn instead of failing at once. `synchronous = NORMAL` is
the setting SQLite recommends with WAL: a commit survives the process being killed; only a power
cut can lose the last few transactions.

One more connection per process stays open and idle, for speed: see `keep_wal_open`.
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from importlib import resources
from pathlib import Path

from flask import Flask, current_app, g

BUSY_TIMEOUT_SECONDS = 10.0
IDLE_CONNECTION = "shortener.idle_connection"


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
        keep_wal_open(current_app._get_current_object())  # type: ignore[attr-defined]
        g.db = connect(current_app.config["DATABASE"])
    connection: sqlite3.Connection = g.db
    return connection


def close_db(_error: BaseException | None = None) -> None:
    """Close the current request's connection, if one was opened."""
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()


def keep_wal_open(app: Flask) -> None:
    """Hold one idle connection per process, so that closing a request's connection is cheap.

    When the last connection to a WAL database closes, SQLite copies the log back into the
    database file and syncs it to disk: a checkpoint, about 2 ms. With one connection per
    request, that would happen after nearly every request. An idle connection that stays open
    prevents it (SQLite still checkpoints by itself every 1,000 pages of log). It is opened in
    the process that serves requests, never inherited across a fork.
    """
    held = app.extensions.get(IDLE_CONNECTION)
    if held is not None and held[0] == os.getpid():
        return
    idle = sqlite3.connect(app.config["DATABASE"], check_same_thread=False)
    idle.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens the shared WAL index
    app.extensions[IDLE_CONNECTION] = (os.getpid(), weakref.finalize(app, idle.close))


def close_idle_connection(app: Flask) -> None:
    """Close the idle connection of `keep_wal_open` now rather than when `app` is collected."""
    held = app.extensions.pop(IDLE_CONNECTION, None)
    if held is not None:
        held[1]()


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

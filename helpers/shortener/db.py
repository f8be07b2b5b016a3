"""The SQLite database: each request borrows a connection and gives it back when it ends.

SQLite is embedded (the standard library's `sqlite3`), so there is no server to run. Several
processes can share the file safely: WAL mode lets readers work while one writer commits, and a
busy timeout makes a writer wait its turn instead of failing at once. `synchronous = NORMAL` is
the setting SQLite recommends with WAL: a commit survives the process being killed; only a power
cut can lose the last few transactions.

The Flask tutorial opens a connection for each request and closes it afterwards. Here the
connections are kept in a small pool instead, for two measured reasons:

- when the last connection to a WAL database closes, SQLite copies the log back into the
  database file and syncs it to disk (about 2 ms): with nothing kept open, that would happen
  after nearly every request;
- opening a connection, and each statement, releases Python's GIL; in a threaded server a
  thread that gives the GIL away can wait milliseconds to get it back, so a request that needs
  fewer of them (no open, no PRAGMAs, no close) is much faster under load.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Protocol, TypeVar

from flask import Flask, current_app, g

BUSY_TIMEOUT_SECONDS = 10.0
POOL = "shortener.connection_pool"
MAX_IDLE_CONNECTIONS = 16


def connect(path: str) -> sqlite3.Connection:
    """Open the database at `path` in autocommit mode, rows readable by column name.

    The connection may be used by several threads, one after the other (never at once).
    """
    connection = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
    )
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


class ConnectionPool:
    """Open connections to one database, each lent to one request at a time.

    The idle ones wait in a plain list used as a stack: `append` and `pop` are atomic, so
    threads need no lock of ours (a `queue.LifoQueue` costs a few microseconds more per request
    for locks and conditions that nobody waits on).
    """

    def __init__(self, path: str, max_idle: int = MAX_IDLE_CONNECTIONS) -> None:
        self.path = path
        self.max_idle = max_idle
        self._idle: list[sqlite3.Connection] = []

    def take(self) -> sqlite3.Connection:
        """The most recently used idle connection, or a new one if none is idle."""
        try:
            return self._idle.pop()
        except IndexError:
            return connect(self.path)

    @contextmanager
    def borrowed(self) -> Iterator[sqlite3.Connection]:
        """A connection for the `with` block, given back when it ends."""
        connection = self.take()
        try:
            yield connection
        finally:
            self.give_back(connection)

    def give_back(self, connection: sqlite3.Connection) -> None:
        """Keep `connection` for the next request (closing it if enough are idle already)."""
        if connection.in_transaction:  # a request that failed halfway leaves nothing behind
            connection.rollback()
        if len(self._idle) < self.max_idle:  # racing threads may keep one or two more
            self._idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        """Close every idle connection."""
        while True:
            try:
                self._idle.pop().close()
            except IndexError:
                return


class Closable(Protocol):
    def close(self) -> None: ...


PerProcess = TypeVar("PerProcess", bound=Closable)
_per_process_lock = threading.RLock()  # making one may need another (a pool)


def per_process(app: Flask, key: str, make: Callable[[], PerProcess]) -> PerProcess:
    """The object kept under `key` for `app` in this process, made by `make()` on first use.

    A forked process (a gunicorn worker) must not use its parent's connections or threads, so
    each object remembers the process that made it, and a new process makes its own. The object
    is closed when `app` is garbage-collected or the interpreter exits, whichever comes first.
    """
    held = app.extensions.get(key)
    if held is not None and held[0] == os.getpid():
        kept: PerProcess = held[1]
        return kept
    with _per_process_lock:
        held = app.extensions.get(key)
        if held is None or held[0] != os.getpid():
            made = make()
            weakref.finalize(app, made.close)
            app.extensions[key] = (os.getpid(), made)
        return per_process(app, key, make)


def close_per_process(app: Flask, key: str) -> None:
    """Close the object kept under `key` for `app` now, rather than at garbage collection."""
    held = app.extensions.pop(key, None)
    if held is not None:
        held[1].close()


def pool_of(app: Flask) -> ConnectionPool:
    """The connection pool of `app` in this process (a forked process starts its own)."""
    return per_process(app, POOL, lambda: ConnectionPool(app.config["DATABASE"]))


def close_pool(app: Flask) -> None:
    """Close `app`'s idle connections now, rather than when the app is garbage-collected."""
    close_per_process(app, POOL)


def real_current_app() -> Flask:
    """The application object behind Flask's `current_app` proxy, which cannot be weakly
    referenced (`per_process` needs that)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


def get_db() -> sqlite3.Connection:
    """The current request's connection, borrowed from the pool on first use."""
    if "db" not in g:
        g.db = pool_of(real_current_app()).take()
    connection: sqlite3.Connection = g.db
    return connection


def release_db(_error: BaseException | None = None) -> None:
    """Give the current request's connection back to the pool, if it borrowed one."""
    connection = g.pop("db", None)
    if connection is not None:
        pool_of(real_current_app()).give_back(connection)


def init_db(path: str) -> None:
    """Create the database file and its tables if they do not exist yet; never delete data."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    schema = resources.files(__package__).joinpath("schema.sql").read_text(encoding="utf-8")
    connection = connect(path)
    try:
        enable_wal(connection)
        connection.executescript(schema)
    finally:
        connection.close()


def enable_wal(connection: sqlite3.Connection) -> None:
    """Switch the database to write-ahead logging, waiting for others doing the same.

    Changing the journal mode needs the file to itself, and when another connection holds it
    (gunicorn's workers all start at once, each creating the database) SQLite answers "database
    is locked" at once instead of waiting for the busy timeout: so this waits and tries again.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def init_app(app: Flask) -> None:
    """Create the database on first start and give connections back after each request."""
    init_db(app.config["DATABASE"])
    app.teardown_appcontext(release_db)

"""The SQLite store: one file on one machine, shared by its processes, through a pool.

The functions take the connection to use; `SQLiteStore` lends them one from the process's
`ConnectionPool`. WAL mode lets readers work while one writer commits, and a busy timeout makes a
writer wait its turn instead of failing. `synchronous = NORMAL` (what SQLite recommends with WAL):
a commit survives the process being killed, only a power cut can lose the last ones. The pool
keeps connections open, as the Flask tutorial does not, so that the log is not checkpointed
after every request and a request releases the GIL fewer times (bench/README.md). Every
parameter is bound.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path

from flask import Flask

from helpers.net import wait_until

from ..links import Clicks, ClickTally, CodeTaken, Link, creation_times, insert_new_link
from ..process_local import close_per_process, per_process

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
    threads need no lock of ours (a `queue.LifoQueue` would add locks that nobody waits on).
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


def pool_of(app: Flask) -> ConnectionPool:
    """The connection pool of `app` in this process (a forked process starts its own)."""
    return per_process(app, POOL, lambda: ConnectionPool(app.config["DATABASE"]))


def close_pool(app: Flask) -> None:
    """Close `app`'s idle connections now, rather than when the app is garbage-collected."""
    close_per_process(app, POOL)


def init_db(path: str) -> None:
    """Create the database file and its tables if they do not exist yet; never delete data."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    schema = resources.files("helpers.shortener").joinpath("schema.sql").read_text(encoding="utf-8")
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

    def switched() -> bool:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
            return False
        return True

    if not wait_until(switched, timeout=BUSY_TIMEOUT_SECONDS, interval=0.01):
        raise sqlite3.OperationalError(f"database is locked for {BUSY_TIMEOUT_SECONDS} s")


def create_link(
    db: sqlite3.Connection,
    url: str,
    *,
    alias: str | None = None,
    expires_in: int | None = None,
    now: datetime | None = None,
) -> Link:
    """Store a link under `alias`, or under a fresh random code, and return it."""
    created, expires = creation_times(now, expires_in)
    return insert_new_link(lambda code: _insert(db, code, url, created, expires), alias=alias)


def _insert(
    db: sqlite3.Connection, code: str, url: str, created_at: str, expires_at: str | None
) -> Link:
    try:
        cursor = db.execute(
            "INSERT INTO links (code, url, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (code, url, created_at, expires_at),
        )
    except sqlite3.IntegrityError:
        raise CodeTaken(code) from None
    assert cursor.lastrowid is not None
    return Link(cursor.lastrowid, code, url, created_at, expires_at)


def find_link(db: sqlite3.Connection, code: str) -> Link | None:
    """The link stored under `code`, expired or not; None if there is none."""
    row = db.execute(
        "SELECT id, code, url, created_at, expires_at FROM links WHERE code = ?", (code,)
    ).fetchone()
    return None if row is None else Link(**row)


ADD_CLICKS = """
INSERT INTO daily_clicks (link_id, day, clicks, last_click_at)
SELECT :link_id, :day, :clicks, :last_click_at
WHERE EXISTS (SELECT 1 FROM links WHERE id = :link_id AND code = :code)
ON CONFLICT (link_id, day) DO UPDATE SET
    clicks = clicks + excluded.clicks,
    last_click_at = max(last_click_at, excluded.last_click_at)
"""


def add_clicks(db: sqlite3.Connection, tallies: Iterable[ClickTally]) -> None:
    """Add `tallies` to the stored counts, all in one transaction (or none of them).

    The database adds to the stored numbers itself, so processes adding at the same moment can
    never both read 5 and both write 6. Clicks on a link deleted since they were counted are
    dropped, like the link's other clicks.
    """
    db.execute("BEGIN IMMEDIATE")  # take the write lock now, not halfway through
    try:
        # vars(), not dataclasses.asdict(): that deep-copies, with the GIL held (bench/README.md)
        db.executemany(ADD_CLICKS, [vars(tally) for tally in tallies])
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def clicks_of(db: sqlite3.Connection, link: Link) -> Clicks:
    """The click statistics of `link`."""
    rows = db.execute(
        "SELECT day, clicks, last_click_at FROM daily_clicks WHERE link_id = ? ORDER BY day",
        (link.id,),
    ).fetchall()
    if not rows:
        return Clicks()
    return Clicks(
        total=sum(row["clicks"] for row in rows),
        last=max(row["last_click_at"] for row in rows),
        per_day={row["day"]: row["clicks"] for row in rows},
    )


def list_links(db: sqlite3.Connection, *, limit: int, offset: int) -> list[Link]:
    """One page of links, newest first."""
    rows = db.execute(
        "SELECT id, code, url, created_at, expires_at FROM links ORDER BY id DESC LIMIT ? OFFSET ?",
        (limit, offset),
    ).fetchall()
    return [Link(**row) for row in rows]


def count_links(db: sqlite3.Connection) -> int:
    """How many links are stored."""
    return int(db.execute("SELECT count(*) FROM links").fetchone()[0])


def delete_link(db: sqlite3.Connection, code: str) -> bool:
    """Delete the link stored under `code`, and its clicks; False if there was none."""
    return db.execute("DELETE FROM links WHERE code = ?", (code,)).rowcount == 1


class SQLiteStore:
    """The `Store` on SQLite: the functions above, on connections from the pool."""

    name = "sqlite"

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def create_link(
        self,
        url: str,
        *,
        alias: str | None = None,
        expires_in: int | None = None,
        now: datetime | None = None,
    ) -> Link:
        with self.pool.borrowed() as connection:
            return create_link(connection, url, alias=alias, expires_in=expires_in, now=now)

    def find_link(self, code: str) -> Link | None:
        with self.pool.borrowed() as connection:
            return find_link(connection, code)

    def list_links(self, *, limit: int, offset: int) -> list[Link]:
        with self.pool.borrowed() as connection:
            return list_links(connection, limit=limit, offset=offset)

    def count_links(self) -> int:
        with self.pool.borrowed() as connection:
            return count_links(connection)

    def delete_link(self, code: str) -> bool:
        with self.pool.borrowed() as connection:
            return delete_link(connection, code)

    def add_clicks(self, tallies: Iterable[ClickTally]) -> None:
        with self.pool.borrowed() as connection:
            add_clicks(connection, tallies)

    def clicks_of(self, link: Link) -> Clicks:
        with self.pool.borrowed() as connection:
            return clicks_of(connection, link)

    def ping(self) -> None:
        with self.pool.borrowed() as connection:
            connection.execute("SELECT 1")

    def close(self) -> None:
        self.pool.close()

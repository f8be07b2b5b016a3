"""Where links and clicks are kept: SQLite on one machine, PostgreSQL for many, one interface.

`store_of(app)` gives the process's store, chosen by the configuration: with DATABASE_URL
(`postgresql://...`) the links live in PostgreSQL, which every app process on every machine can
share; without it, in the SQLite file at DATABASE, which only the processes of one machine can
share. The API, the pages, the redirect, the click counter and the command line all go through
the `Store` interface, so they never know which one it is.

Both stores keep the same promises: a UNIQUE code decides every race (AliasTaken, or another
random code), clicks are added by the database itself in one transaction (never read, add,
write), and every parameter is bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from importlib import resources
from typing import Any, Protocol

import psycopg
from flask import Flask
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool as PostgresPool

from . import codes, db, links
from .db import ConnectionPool, per_process, pool_of
from .links import Clicks, ClickTally, Link

STORE = "shortener.store"
POOL_SIZE = 8  # connections per process: a gunicorn worker's threads, and the click flusher
CONNECT_SECONDS = 10.0
SCHEMA_LOCK = 7_000_001  # an advisory lock: workers starting at once create the tables in turn


class Store(Protocol):
    """Everything the application stores or reads, whichever database holds it."""

    name: str  # "sqlite" or "postgresql"

    def create_link(
        self,
        url: str,
        *,
        alias: str | None = None,
        expires_in: int | None = None,
        now: datetime | None = None,
    ) -> Link:
        """Store a new link; raise links.AliasTaken if `alias` is somebody's code already."""

    def find_link(self, code: str) -> Link | None:
        """The link stored under `code`, expired or not; None if there is none."""

    def list_links(self, *, limit: int, offset: int) -> list[Link]:
        """One page of links, newest first."""

    def count_links(self) -> int:
        """How many links are stored."""

    def delete_link(self, code: str) -> bool:
        """Delete a link and its clicks; False if there was none."""

    def add_clicks(self, tallies: Iterable[ClickTally]) -> None:
        """Add `tallies` to the stored counts, all in one transaction (or none of them)."""

    def clicks_of(self, link: Link) -> Clicks:
        """The stored click statistics of `link`."""

    def ping(self) -> None:
        """Return if the database answers a query; raise if it does not."""

    def close(self) -> None:
        """Close the connections this store keeps open."""


class SQLiteStore:
    """The embedded store: links.py's statements on connections from db.py's pool."""

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
        new_code: Callable[[], str] = codes.new_code,
    ) -> Link:
        with self.pool.borrowed() as connection:
            return links.create_link(
                connection, url, alias=alias, expires_in=expires_in, now=now, new_code=new_code
            )

    def find_link(self, code: str) -> Link | None:
        with self.pool.borrowed() as connection:
            return links.find_link(connection, code)

    def list_links(self, *, limit: int, offset: int) -> list[Link]:
        with self.pool.borrowed() as connection:
            return links.list_links(connection, limit=limit, offset=offset)

    def count_links(self) -> int:
        with self.pool.borrowed() as connection:
            return links.count_links(connection)

    def delete_link(self, code: str) -> bool:
        with self.pool.borrowed() as connection:
            return links.delete_link(connection, code)

    def add_clicks(self, tallies: Iterable[ClickTally]) -> None:
        with self.pool.borrowed() as connection:
            links.add_clicks(connection, tallies)

    def clicks_of(self, link: Link) -> Clicks:
        with self.pool.borrowed() as connection:
            return links.clicks_of(connection, link)

    def ping(self) -> None:
        with self.pool.borrowed() as connection:
            connection.execute("SELECT 1")

    def close(self) -> None:
        self.pool.close()


LINK_COLUMNS = "id, code, url, created_at, expires_at"
POSTGRES_ADD_CLICKS = """
INSERT INTO daily_clicks (link_id, day, clicks, last_click_at)
SELECT %(link_id)s, %(day)s::date, %(clicks)s, %(last_click_at)s::timestamptz
WHERE EXISTS (SELECT 1 FROM links WHERE id = %(link_id)s AND code = %(code)s)
ON CONFLICT (link_id, day) DO UPDATE SET
    clicks = daily_clicks.clicks + excluded.clicks,
    last_click_at = greatest(daily_clicks.last_click_at, excluded.last_click_at)
"""
POSTGRES_DELETE = """
WITH deleted AS (DELETE FROM links WHERE code = %s RETURNING id)
UPDATE deletions SET total = total + (SELECT count(*) FROM deleted)
RETURNING (SELECT count(*) FROM deleted)
"""


class PostgresStore:
    """The shared store: PostgreSQL through psycopg 3, with a pool of connections per process.

    Times are TIMESTAMPTZ and days DATE in the database, and ISO 8601 UTC text in the records
    the application sees, exactly as SQLite stores them. The pool does not test a connection
    before lending it (that would cost a round trip per query): when PostgreSQL restarts, each
    connection it kept fails one request (a 503 with Retry-After) and is replaced.
    """

    name = "postgresql"

    def __init__(self, url: str, pool_size: int = POOL_SIZE) -> None:
        self.pool = PostgresPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True},
            timeout=CONNECT_SECONDS,
            open=True,
            name="shortener",
        )

    @contextmanager
    def _cursor(self) -> Iterator[psycopg.Cursor[dict[str, Any]]]:
        with self.pool.connection() as connection:
            yield connection.cursor(row_factory=dict_row)

    def create_link(
        self,
        url: str,
        *,
        alias: str | None = None,
        expires_in: int | None = None,
        now: datetime | None = None,
        new_code: Callable[[], str] = codes.new_code,
    ) -> Link:
        created, expires = links.creation_times(now, expires_in)

        def insert(code: str) -> Link:
            with self._cursor() as cursor:
                cursor.execute(
                    "INSERT INTO links (code, url, created_at, expires_at) "
                    "VALUES (%s, %s, %s::timestamptz, %s::timestamptz) "
                    "ON CONFLICT (code) DO NOTHING RETURNING id",
                    (code, url, created, expires),
                )
                row = cursor.fetchone()
            if row is None:
                raise links.CodeTaken(code)
            return Link(row["id"], code, url, created, expires)

        return links.insert_new_link(insert, alias=alias, new_code=new_code)

    def find_link(self, code: str) -> Link | None:
        with self._cursor() as cursor:
            cursor.execute(f"SELECT {LINK_COLUMNS} FROM links WHERE code = %s", (code,))
            row = cursor.fetchone()
        return None if row is None else _link(row)

    def list_links(self, *, limit: int, offset: int) -> list[Link]:
        with self._cursor() as cursor:
            cursor.execute(
                f"SELECT {LINK_COLUMNS} FROM links ORDER BY id DESC LIMIT %s OFFSET %s",
                (limit, offset),
            )
            return [_link(row) for row in cursor.fetchall()]

    def count_links(self) -> int:
        with self._cursor() as cursor:
            cursor.execute("SELECT count(*) AS links FROM links")
            row = cursor.fetchone()
        assert row is not None
        return int(row["links"])

    def delete_link(self, code: str) -> bool:
        """Delete the link, and count the deletion in the same statement (see linkcache)."""
        with self._cursor() as cursor:
            cursor.execute(POSTGRES_DELETE, (code,))
            row = cursor.fetchone()
        assert row is not None
        return bool(row["count"])

    def deletion_count(self) -> int:
        """How many links were ever deleted, by any process."""
        with self._cursor() as cursor:
            cursor.execute("SELECT total FROM deletions")
            row = cursor.fetchone()
        assert row is not None
        return int(row["total"])

    def add_clicks(self, tallies: Iterable[ClickTally]) -> None:
        """Add the tallies in one transaction, in (link, day) order: two processes adding to
        the same rows then lock them in the same order, and never deadlock."""
        rows = sorted(
            (vars(tally) for tally in tallies), key=lambda row: (row["link_id"], row["day"])
        )
        with self.pool.connection() as connection, connection.transaction():
            connection.cursor().executemany(POSTGRES_ADD_CLICKS, rows)

    def clicks_of(self, link: Link) -> Clicks:
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT day, clicks, last_click_at FROM daily_clicks WHERE link_id = %s "
                "ORDER BY day",
                (link.id,),
            )
            rows = cursor.fetchall()
        if not rows:
            return Clicks()
        return Clicks(
            total=sum(row["clicks"] for row in rows),
            last=links.isoformat(max(row["last_click_at"] for row in rows)),
            per_day={_day(row["day"]): row["clicks"] for row in rows},
        )

    def ping(self) -> None:
        with self._cursor() as cursor:
            cursor.execute("SELECT 1")

    def close(self) -> None:
        self.pool.close()


def _link(row: dict[str, Any]) -> Link:
    expires: datetime | None = row["expires_at"]
    return Link(
        row["id"],
        row["code"],
        row["url"],
        links.isoformat(row["created_at"]),
        None if expires is None else links.isoformat(expires),
    )


def _day(day: date) -> str:
    return day.isoformat()


def make_store(app: Flask) -> Store:
    """A new store for `app`, as its configuration says."""
    url = app.config["DATABASE_URL"]
    if url:
        return PostgresStore(url)
    return SQLiteStore(pool_of(app))


def store_of(app: Flask) -> Store:
    """The store of `app` in this process (a forked process opens its own connections)."""
    return per_process(app, STORE, lambda: make_store(app))


def create_postgres_tables(url: str) -> None:
    """Create the tables in PostgreSQL if they do not exist yet; never delete data.

    gunicorn's workers all start at once, and concurrent CREATE TABLE IF NOT EXISTS can collide
    in PostgreSQL's catalog: an advisory lock makes them take turns.
    """
    schema = resources.files(__package__).joinpath("schema_postgresql.sql")
    with (
        psycopg.connect(url, connect_timeout=int(CONNECT_SECONDS)) as connection,
        connection.transaction(),
    ):
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        connection.execute(schema.read_text(encoding="utf-8").encode())


def init_app(app: Flask) -> None:
    """Create the tables on first start, in PostgreSQL or in SQLite."""
    if app.config["DATABASE_URL"]:
        create_postgres_tables(app.config["DATABASE_URL"])
    else:
        db.init_app(app)


def close_store(app: Flask) -> None:
    """Close `app`'s connections now, rather than when the app is garbage-collected."""
    db.close_per_process(app, STORE)

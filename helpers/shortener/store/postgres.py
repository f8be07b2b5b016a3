"""The PostgreSQL store: one database that every process on every machine shares.

Through psycopg 3, with a pool of connections per process. Times are TIMESTAMPTZ and days DATE
in the database, and ISO 8601 UTC text in the records the application sees, exactly as SQLite
keeps them. Every parameter is bound. The database also counts deletions (for local caches).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from ..links import Clicks, ClickTally, CodeTaken, Link, creation_times, insert_new_link, isoformat

POOL_SIZE = 8  # connections per process: a gunicorn worker's threads, and the click flusher
CONNECT_SECONDS = 10.0
SCHEMA_LOCK = 7_000_001  # an advisory lock: workers starting at once create the tables in turn

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

    def __init__(self, url: str) -> None:
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
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
    ) -> Link:
        created, expires = creation_times(now, expires_in)

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
                raise CodeTaken(code)
            return Link(row["id"], code, url, created, expires)

        return insert_new_link(insert, alias=alias)

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
        """Delete the link, and count the deletion in the same statement (see local_cache)."""
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
            last=isoformat(max(row["last_click_at"] for row in rows)),
            per_day={row["day"].isoformat(): row["clicks"] for row in rows},
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
        isoformat(row["created_at"]),
        None if expires is None else isoformat(expires),
    )


def create_postgres_tables(url: str) -> None:
    """Create the tables in PostgreSQL if they do not exist yet; never delete data.

    gunicorn's workers all start at once, and concurrent CREATE TABLE IF NOT EXISTS can collide
    in PostgreSQL's catalog: an advisory lock makes them take turns.
    """
    schema = resources.files("helpers.shortener").joinpath("schema_postgresql.sql")
    with (
        psycopg.connect(url, connect_timeout=int(CONNECT_SECONDS)) as connection,
        connection.transaction(),
    ):
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        connection.execute(schema.read_text(encoding="utf-8").encode())

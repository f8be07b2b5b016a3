"""Where links and clicks are kept: one `Store` interface, one module per database.

`store_of(app)` gives the process's store, chosen by the configuration: PostgreSQL (`postgres`)
with DATABASE_URL, which every process on every machine can share; else the SQLite file at
DATABASE (`sqlite`), which the processes of one machine share. Everything else goes through
`Store` and never knows which one it is. Both keep the same promises: a UNIQUE code decides
every race, clicks are added by the database itself in one transaction (never read, add,
write), and every parameter is bound.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from flask import Flask

from ..links import Clicks, ClickTally, Link
from ..process_local import close_per_process, per_process
from .postgres import PostgresStore, create_postgres_tables
from .sqlite import SQLiteStore, close_pool, init_db, pool_of

STORE = "shortener.store"


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
        """Store a new link; raise AliasTaken if `alias` is somebody's code already."""

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


def make_store(app: Flask) -> Store:
    """A new store for `app`, as its configuration says."""
    url = app.config["DATABASE_URL"]
    if url:
        return PostgresStore(url)
    return SQLiteStore(pool_of(app))


def store_of(app: Flask) -> Store:
    """The store of `app` in this process (a forked process opens its own connections)."""
    return per_process(app, STORE, lambda: make_store(app))


def init_app(app: Flask) -> None:
    """Create the tables on first start, in PostgreSQL or in SQLite; never delete data."""
    if app.config["DATABASE_URL"]:
        create_postgres_tables(app.config["DATABASE_URL"])
    else:
        init_db(app.config["DATABASE"])


def close_store(app: Flask) -> None:
    """Close `app`'s store and connections now, rather than when it is garbage-collected."""
    close_per_process(app, STORE)
    close_pool(app)

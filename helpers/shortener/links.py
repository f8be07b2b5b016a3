"""Links and their clicks: the records every store keeps, and the SQLite store's statements.

Each SQLite function takes the connection to use, so the same code serves a web request, the
command line and a test; `store` wraps them, and PostgreSQL, behind one interface. Every
parameter is bound. Times are `datetime`s in UTC, stored as ISO 8601 text of one fixed width, so
that comparing the text compares the times.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from . import codes

CODE_ATTEMPTS = 8


class AliasTaken(Exception):
    """The custom alias asked for is already somebody's code."""


class NoFreeCode(Exception):
    """Every random code drawn was taken: practically impossible unless the table is enormous."""


@dataclass(frozen=True)
class Link:
    """A stored link; the times are ISO 8601 UTC text."""

    id: int
    code: str
    url: str
    created_at: str
    expires_at: str | None

    def is_expired(self, now: datetime) -> bool:
        """True once `now` has reached the link's expiry time."""
        return self.expires_at is not None and self.expires_at <= isoformat(now)


@dataclass(frozen=True)
class Clicks:
    """A link's clicks: how many, the last one, and how many on each UTC day."""

    total: int = 0
    last: str | None = None
    per_day: dict[str, int] = field(default_factory=dict)


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def isoformat(moment: datetime) -> str:
    """`moment` as fixed-width ISO 8601 UTC text with milliseconds: 2026-01-31T12:00:00.000Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CodeTaken(Exception):
    """The code an insert tried is already stored (how each store reports its UNIQUE conflict)."""


def creation_times(now: datetime | None, expires_in: int | None) -> tuple[str, str | None]:
    """The creation time (`now`, or the current time) and the expiry time, as stored."""
    created = now or utc_now()
    expires = None if expires_in is None else isoformat(created + timedelta(seconds=expires_in))
    return isoformat(created), expires


def insert_new_link(
    insert: Callable[[str], Link], *, alias: str | None, new_code: Callable[[], str]
) -> Link:
    """Store a link with `insert(code)` under `alias`, or under a fresh random code.

    Every store has a UNIQUE constraint on the code, and `insert` raises CodeTaken when it
    refuses one: that decides every race. A taken alias raises AliasTaken, and a random code
    that happens to be taken is simply replaced by another.
    """
    if alias is not None:
        try:
            return insert(alias)
        except CodeTaken:
            raise AliasTaken(alias) from None
    for _ in range(CODE_ATTEMPTS):
        try:
            return insert(new_code())
        except CodeTaken:
            continue
    raise NoFreeCode(f"{CODE_ATTEMPTS} random codes in a row were taken")


def create_link(
    db: sqlite3.Connection,
    url: str,
    *,
    alias: str | None = None,
    expires_in: int | None = None,
    now: datetime | None = None,
    new_code: Callable[[], str] = codes.new_code,
) -> Link:
    """Store a link in SQLite under `alias`, or under a fresh random code, and return it."""
    created, expires = creation_times(now, expires_in)
    return insert_new_link(
        lambda code: _insert(db, code, url, created, expires), alias=alias, new_code=new_code
    )


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


@dataclass(frozen=True)
class ClickTally:
    """Clicks counted on one link on one UTC day, not yet stored."""

    link_id: int
    code: str  # with the id, it names the link (SQLite may reuse the id of a deleted link)
    day: str  # YYYY-MM-DD
    clicks: int
    last_click_at: str


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
        # vars(), not dataclasses.asdict(): that deep-copies, 7 us a tally with the GIL held,
        # which delayed the redirects of a worker while it stored its clicks.
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

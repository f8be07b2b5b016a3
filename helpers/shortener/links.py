"""The shortener's records, whichever store keeps them: links, their clicks, and the times.

A `Link` never changes once stored (caches rely on it). Times are ISO 8601 UTC text of one fixed
width (`isoformat`), so that comparing the text compares the times. A code is unique in every
store: `insert_new_link` turns a store's refusal (`CodeTaken`) into `AliasTaken`, or into
another random code.
"""

from __future__ import annotations

from collections.abc import Callable
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


def insert_new_link(insert: Callable[[str], Link], *, alias: str | None) -> Link:
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
            return insert(codes.new_code())
        except CodeTaken:
            continue
    raise NoFreeCode(f"{CODE_ATTEMPTS} random codes in a row were taken")


@dataclass(frozen=True)
class ClickTally:
    """Clicks counted on one link on one UTC day, not yet stored."""

    link_id: int
    code: str  # with the id, it names the link (SQLite may reuse the id of a deleted link)
    day: str  # YYYY-MM-DD
    clicks: int
    last_click_at: str

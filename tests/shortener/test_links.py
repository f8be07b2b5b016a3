"""links: fixed-width UTC times, expiry, and how a new link gets a code no one else has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from helpers.shortener import codes, links

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def test_isoformat_is_fixed_width_utc() -> None:
    assert links.isoformat(T0) == "2026-03-01T12:00:00.000Z"
    assert links.isoformat(T0.replace(microsecond=123456)) == "2026-03-01T12:00:00.123Z"
    in_paris_summer = datetime(2026, 3, 1, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    assert links.isoformat(in_paris_summer) == "2026-03-01T14:00:00.000Z"


def test_expiry() -> None:
    created, expires = links.creation_times(T0, 10)
    assert (created, expires) == ("2026-03-01T12:00:00.000Z", "2026-03-01T12:00:10.000Z")
    link = links.Link(1, "soon", "https://example.com/", created, expires)
    assert not link.is_expired(T0 + timedelta(seconds=9.999))
    assert link.is_expired(T0 + timedelta(seconds=10))
    forever = links.Link(2, "never", "https://example.com/", *links.creation_times(T0, None))
    assert not forever.is_expired(T0 + timedelta(days=10_000))


class Table:
    """An insert that refuses codes already taken, as every store's UNIQUE constraint does."""

    def __init__(self, *taken: str) -> None:
        self.codes = set(taken)

    def insert(self, code: str) -> links.Link:
        if code in self.codes:
            raise links.CodeTaken(code)
        self.codes.add(code)
        return links.Link(len(self.codes), code, "https://example.com/", "", None)


def test_a_taken_random_code_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter(["AAAAAAA", "AAAAAAA", "BBBBBBB"])
    monkeypatch.setattr(codes, "new_code", lambda: next(drawn))
    assert links.insert_new_link(Table("AAAAAAA").insert, alias=None).code == "BBBBBBB"


def test_when_every_code_is_taken_creation_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []

    def draw() -> str:
        drawn.append("AAAAAAA")
        return drawn[-1]

    monkeypatch.setattr(codes, "new_code", draw)
    with pytest.raises(links.NoFreeCode):
        links.insert_new_link(Table("AAAAAAA").insert, alias=None)
    assert len(drawn) == links.CODE_ATTEMPTS


def test_a_taken_alias_is_refused_and_never_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes, "new_code", lambda: pytest.fail("no random code for an alias"))
    table = Table("mine")
    with pytest.raises(links.AliasTaken):
        links.insert_new_link(table.insert, alias="mine")
    assert links.insert_new_link(table.insert, alias="yours").code == "yours"

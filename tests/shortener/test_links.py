"""links: storing links, retrying code collisions, expiry, and adding clicks atomically."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import Flask

from helpers.shortener import db, links

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def connection(app: Flask) -> Iterator[sqlite3.Connection]:
    with app.app_context():
        yield db.get_db()


def test_isoformat_is_fixed_width_utc() -> None:
    assert links.isoformat(T0) == "2026-03-01T12:00:00.000Z"
    assert links.isoformat(T0.replace(microsecond=123456)) == "2026-03-01T12:00:00.123Z"
    in_paris_summer = datetime(2026, 3, 1, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    assert links.isoformat(in_paris_summer) == "2026-03-01T14:00:00.000Z"


def test_create_and_find(connection: sqlite3.Connection) -> None:
    link = links.create_link(connection, "https://example.com/", now=T0, expires_in=60)
    assert link.created_at == "2026-03-01T12:00:00.000Z"
    assert link.expires_at == "2026-03-01T12:01:00.000Z"
    assert links.find_link(connection, link.code) == link
    assert links.find_link(connection, "missing") is None


def test_a_taken_random_code_is_drawn_again(connection: sqlite3.Connection) -> None:
    links.create_link(connection, "https://a.example/", alias="AAAAAAA")
    drawn = iter(["AAAAAAA", "AAAAAAA", "BBBBBBB"])
    link = links.create_link(connection, "https://b.example/", new_code=lambda: next(drawn))
    assert link.code == "BBBBBBB"
    assert links.find_link(connection, "AAAAAAA").url == "https://a.example/"  # type: ignore[union-attr]


def test_when_every_code_is_taken_creation_gives_up(connection: sqlite3.Connection) -> None:
    links.create_link(connection, "https://a.example/", alias="AAAAAAA")
    with pytest.raises(links.NoFreeCode):
        links.create_link(connection, "https://b.example/", new_code=lambda: "AAAAAAA")


def test_a_taken_alias_is_refused(connection: sqlite3.Connection) -> None:
    links.create_link(connection, "https://a.example/", alias="mine")
    with pytest.raises(links.AliasTaken):
        links.create_link(connection, "https://b.example/", alias="mine")


def test_expiry(connection: sqlite3.Connection) -> None:
    link = links.create_link(connection, "https://example.com/", now=T0, expires_in=10)
    assert not link.is_expired(T0 + timedelta(seconds=9.999))
    assert link.is_expired(T0 + timedelta(seconds=10))
    forever = links.create_link(connection, "https://example.com/", now=T0)
    assert not forever.is_expired(T0 + timedelta(days=10_000))


def tally(link: links.Link, moment: datetime, clicks: int = 1) -> links.ClickTally:
    stamp = links.isoformat(moment)
    return links.ClickTally(link.id, link.code, stamp[:10], clicks, stamp)


def test_clicks_per_day_total_and_last(connection: sqlite3.Connection) -> None:
    link = links.create_link(connection, "https://example.com/", now=T0)
    assert links.clicks_of(connection, link) == links.Clicks(0, None, {})
    links.add_clicks(connection, [tally(link, T0 + timedelta(hours=1)), tally(link, T0, 2)])
    links.add_clicks(connection, [tally(link, T0 + timedelta(days=1))])
    links.add_clicks(connection, [tally(link, T0)])  # an older click stored late
    assert links.clicks_of(connection, link) == links.Clicks(
        total=5,
        last="2026-03-02T12:00:00.000Z",
        per_day={"2026-03-01": 4, "2026-03-02": 1},
    )


def test_the_last_click_stays_the_latest_whatever_the_order(
    connection: sqlite3.Connection,
) -> None:
    link = links.create_link(connection, "https://example.com/", now=T0)
    links.add_clicks(connection, [tally(link, T0 + timedelta(minutes=5))])
    links.add_clicks(connection, [tally(link, T0 + timedelta(minutes=1))])
    assert links.clicks_of(connection, link).last == "2026-03-01T12:05:00.000Z"


def test_clicks_on_a_deleted_link_are_dropped(connection: sqlite3.Connection) -> None:
    gone = links.create_link(connection, "https://example.com/gone", alias="gone", now=T0)
    assert links.delete_link(connection, "gone")
    heir = links.create_link(connection, "https://example.com/heir", alias="heir", now=T0)
    assert heir.id == gone.id  # SQLite hands the free id to the next link
    links.add_clicks(connection, [tally(gone, T0, 3)])
    assert links.clicks_of(connection, heir) == links.Clicks()
    assert connection.execute("SELECT count(*) FROM daily_clicks").fetchone()[0] == 0


def test_adding_clicks_is_all_or_nothing(connection: sqlite3.Connection) -> None:
    link = links.create_link(connection, "https://example.com/", now=T0)
    broken = links.ClickTally(link.id, link.code, "2026-03-01", None, "x")  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        links.add_clicks(connection, [tally(link, T0), broken])
    assert not connection.in_transaction
    assert links.clicks_of(connection, link) == links.Clicks()


def test_delete_removes_the_clicks_too(connection: sqlite3.Connection) -> None:
    link = links.create_link(connection, "https://example.com/")
    links.add_clicks(connection, [tally(link, T0)])
    assert links.delete_link(connection, link.code)
    assert not links.delete_link(connection, link.code)
    assert connection.execute("SELECT count(*) FROM daily_clicks").fetchone()[0] == 0


def test_list_pages_newest_first(connection: sqlite3.Connection) -> None:
    made = [links.create_link(connection, f"https://example.com/{n}") for n in range(5)]
    assert links.count_links(connection) == 5
    first = links.list_links(connection, limit=2, offset=0)
    last = links.list_links(connection, limit=2, offset=4)
    assert [link.code for link in first] == [made[4].code, made[3].code]
    assert [link.code for link in last] == [made[0].code]


def test_parameters_are_bound_so_quotes_are_just_data(connection: sqlite3.Connection) -> None:
    url = "https://example.com/?q=');DROP TABLE links;--"
    link = links.create_link(connection, url, alias="quote-test")
    assert links.find_link(connection, "quote-test") == link
    assert links.find_link(connection, "x' OR '1'='1") is None


def test_concurrent_clicks_from_many_connections_are_all_counted(app: Flask) -> None:
    path: str = app.config["DATABASE"]
    with app.app_context():
        link = links.create_link(db.get_db(), "https://example.com/")
    threads, flushes_each = 8, 25

    def add_many() -> None:
        connection = db.connect(path)
        try:
            for n in range(flushes_each):
                links.add_clicks(connection, [tally(link, T0, clicks=n)])
        finally:
            connection.close()

    workers = [threading.Thread(target=add_many) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    with app.app_context():
        expected = threads * sum(range(flushes_each))
        assert links.clicks_of(db.get_db(), link).total == expected


def test_the_database_file_is_where_the_config_says(app: Flask) -> None:
    assert Path(app.config["DATABASE"]).is_file()

"""store: SQLite and PostgreSQL keep the same promises, so every test here runs on both."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from flask import Flask

from helpers.shortener import codes, links
from helpers.shortener.store import Store, store_of
from helpers.shortener.store.postgres import PostgresStore
from helpers.shortener.store.sqlite import SQLiteStore

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


pytestmark = pytest.mark.both_stores


def tally(link: links.Link, moment: datetime, clicks: int = 1) -> links.ClickTally:
    stamp = links.isoformat(moment)
    return links.ClickTally(link.id, link.code, stamp[:10], clicks, stamp)


def test_the_configuration_chooses_the_store(app: Flask, store: Store) -> None:
    expected = PostgresStore if app.config["DATABASE_URL"] else SQLiteStore
    assert isinstance(store, expected)
    assert store.name == {SQLiteStore: "sqlite", PostgresStore: "postgresql"}[expected]
    assert store_of(app) is store  # one per process


def test_create_and_find_keep_the_times_as_utc_text(store: Store) -> None:
    link = store.create_link("https://example.com/", now=T0, expires_in=60)
    assert link.created_at == "2026-03-01T12:00:00.000Z"
    assert link.expires_at == "2026-03-01T12:01:00.000Z"
    assert store.find_link(link.code) == link
    assert store.find_link("missing") is None
    forever = store.create_link("https://example.com/forever", now=T0)
    assert store.find_link(forever.code) == forever
    assert forever.expires_at is None


def test_a_taken_alias_is_refused(store: Store) -> None:
    store.create_link("https://a.example/", alias="mine")
    with pytest.raises(links.AliasTaken):
        store.create_link("https://b.example/", alias="mine")
    assert store.find_link("mine").url == "https://a.example/"  # type: ignore[union-attr]


def test_a_taken_random_code_is_drawn_again(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.create_link("https://a.example/", alias="AAAAAAA")
    drawn = iter(["AAAAAAA", "AAAAAAA", "BBBBBBB"])
    monkeypatch.setattr(codes, "new_code", lambda: next(drawn))
    link = store.create_link("https://b.example/")
    assert link.code == "BBBBBBB"
    monkeypatch.setattr(codes, "new_code", lambda: "AAAAAAA")
    with pytest.raises(links.NoFreeCode):
        store.create_link("https://c.example/")


def test_codes_are_case_sensitive(store: Store) -> None:
    store.create_link("https://lower.example/", alias="abc")
    store.create_link("https://upper.example/", alias="ABC")
    assert store.find_link("abc").url == "https://lower.example/"  # type: ignore[union-attr]
    assert store.find_link("ABC").url == "https://upper.example/"  # type: ignore[union-attr]


def test_list_pages_newest_first_and_count(store: Store) -> None:
    made = [store.create_link(f"https://example.com/{n}") for n in range(5)]
    assert store.count_links() == 5
    first = store.list_links(limit=2, offset=0)
    last = store.list_links(limit=2, offset=4)
    assert [link.code for link in first] == [made[4].code, made[3].code]
    assert [link.code for link in last] == [made[0].code]


def test_delete_removes_the_link_and_its_clicks(store: Store) -> None:
    link = store.create_link("https://example.com/", alias="doomed")
    store.add_clicks([tally(link, T0, 3)])
    assert store.delete_link("doomed")
    assert not store.delete_link("doomed")
    assert store.find_link("doomed") is None
    again = store.create_link("https://example.com/again", alias="doomed")
    assert store.clicks_of(again) == links.Clicks()


def test_clicks_per_day_total_and_last(store: Store) -> None:
    link = store.create_link("https://example.com/", now=T0)
    assert store.clicks_of(link) == links.Clicks(0, None, {})
    store.add_clicks([tally(link, T0 + timedelta(hours=1)), tally(link, T0, 2)])
    store.add_clicks([tally(link, T0 + timedelta(days=1))])
    store.add_clicks([tally(link, T0)])  # an older click stored late
    assert store.clicks_of(link) == links.Clicks(
        total=5,
        last="2026-03-02T12:00:00.000Z",
        per_day={"2026-03-01": 4, "2026-03-02": 1},
    )


def test_clicks_counted_before_a_deletion_are_dropped(store: Store) -> None:
    gone = store.create_link("https://example.com/gone", alias="gone", now=T0)
    assert store.delete_link("gone")
    heir = store.create_link("https://example.com/heir", alias="heir", now=T0)  # maybe gone's id
    store.add_clicks([tally(gone, T0, 3), tally(heir, T0, 1)])
    assert store.clicks_of(heir).total == 1


def test_adding_clicks_is_all_or_nothing(store: Store) -> None:
    link = store.create_link("https://example.com/", now=T0)
    stamp = links.isoformat(T0)
    broken = links.ClickTally(link.id, link.code, stamp[:10], None, stamp)  # type: ignore[arg-type]
    with pytest.raises(Exception, match=r"(?i)null"):
        store.add_clicks([tally(link, T0), broken])
    assert store.clicks_of(link) == links.Clicks()
    store.add_clicks([tally(link, T0)])  # and the store still works afterwards
    assert store.clicks_of(link).total == 1


def test_parameters_are_bound_so_quotes_are_just_data(store: Store) -> None:
    url = "https://example.com/?q=');DROP TABLE links;--"
    link = store.create_link(url, alias="quote-test")
    assert store.find_link("quote-test") == link
    assert store.find_link("x' OR '1'='1") is None
    assert store.count_links() == 1


def test_concurrent_flushes_from_many_threads_are_all_counted(store: Store) -> None:
    links_made = [store.create_link(f"https://example.com/{n}") for n in range(3)]
    threads, flushes_each = 8, 25
    start_line = threading.Barrier(threads, timeout=10)
    failures: list[BaseException] = []

    def add_many(number: int) -> None:
        start_line.wait()
        try:
            for n in range(flushes_each):
                # each flush touches every link, in an order that differs between threads
                order = links_made if number % 2 else links_made[::-1]
                store.add_clicks([tally(link, T0, clicks=n) for link in order])
        except BaseException as error:
            failures.append(error)

    workers = [threading.Thread(target=add_many, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert failures == []
    expected = threads * sum(range(flushes_each))
    assert [store.clicks_of(link).total for link in links_made] == [expected] * 3


def test_ping_answers_while_the_store_does(store: Store) -> None:
    store.ping()


def test_ping_raises_when_postgresql_goes_away(make_app: Any, postgres_url: str) -> None:
    store = store_of(make_app(DATABASE_URL=postgres_url))
    store.ping()
    name = postgres_url.rsplit("/", 1)[1]
    admin = postgres_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
    with pytest.raises(psycopg.OperationalError):
        store.ping()

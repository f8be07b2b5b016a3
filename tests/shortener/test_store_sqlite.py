"""store.sqlite: its statements (links stored and found, clicks added atomically), its pool of
connections, WAL, and a schema safe to apply twice."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from helpers.shortener import links
from helpers.shortener.store import sqlite
from helpers.shortener.store.sqlite import pool_of

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def connection(app: Flask) -> Iterator[sqlite3.Connection]:
    with pool_of(app).borrowed() as connection:
        yield connection


def test_create_and_find(connection: sqlite3.Connection) -> None:
    link = sqlite.create_link(connection, "https://example.com/", now=T0, expires_in=60)
    assert link.created_at == "2026-03-01T12:00:00.000Z"
    assert link.expires_at == "2026-03-01T12:01:00.000Z"
    assert sqlite.find_link(connection, link.code) == link
    assert sqlite.find_link(connection, "missing") is None


def test_a_taken_alias_is_refused(connection: sqlite3.Connection) -> None:
    sqlite.create_link(connection, "https://a.example/", alias="mine")
    with pytest.raises(links.AliasTaken):
        sqlite.create_link(connection, "https://b.example/", alias="mine")


def tally(link: links.Link, moment: datetime, clicks: int = 1) -> links.ClickTally:
    stamp = links.isoformat(moment)
    return links.ClickTally(link.id, link.code, stamp[:10], clicks, stamp)


def test_clicks_per_day_total_and_last(connection: sqlite3.Connection) -> None:
    link = sqlite.create_link(connection, "https://example.com/", now=T0)
    assert sqlite.clicks_of(connection, link) == links.Clicks(0, None, {})
    sqlite.add_clicks(connection, [tally(link, T0 + timedelta(hours=1)), tally(link, T0, 2)])
    sqlite.add_clicks(connection, [tally(link, T0 + timedelta(days=1))])
    sqlite.add_clicks(connection, [tally(link, T0)])  # an older click stored late
    assert sqlite.clicks_of(connection, link) == links.Clicks(
        total=5,
        last="2026-03-02T12:00:00.000Z",
        per_day={"2026-03-01": 4, "2026-03-02": 1},
    )


def test_the_last_click_stays_the_latest_whatever_the_order(
    connection: sqlite3.Connection,
) -> None:
    link = sqlite.create_link(connection, "https://example.com/", now=T0)
    sqlite.add_clicks(connection, [tally(link, T0 + timedelta(minutes=5))])
    sqlite.add_clicks(connection, [tally(link, T0 + timedelta(minutes=1))])
    assert sqlite.clicks_of(connection, link).last == "2026-03-01T12:05:00.000Z"


def test_clicks_on_a_deleted_link_are_dropped(connection: sqlite3.Connection) -> None:
    gone = sqlite.create_link(connection, "https://example.com/gone", alias="gone", now=T0)
    assert sqlite.delete_link(connection, "gone")
    heir = sqlite.create_link(connection, "https://example.com/heir", alias="heir", now=T0)
    assert heir.id == gone.id  # SQLite hands the free id to the next link
    sqlite.add_clicks(connection, [tally(gone, T0, 3)])
    assert sqlite.clicks_of(connection, heir) == links.Clicks()
    assert connection.execute("SELECT count(*) FROM daily_clicks").fetchone()[0] == 0


def test_adding_clicks_is_all_or_nothing(connection: sqlite3.Connection) -> None:
    link = sqlite.create_link(connection, "https://example.com/", now=T0)
    broken = links.ClickTally(link.id, link.code, "2026-03-01", None, "x")  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        sqlite.add_clicks(connection, [tally(link, T0), broken])
    assert not connection.in_transaction
    assert sqlite.clicks_of(connection, link) == links.Clicks()


def test_delete_removes_the_clicks_too(connection: sqlite3.Connection) -> None:
    link = sqlite.create_link(connection, "https://example.com/")
    sqlite.add_clicks(connection, [tally(link, T0)])
    assert sqlite.delete_link(connection, link.code)
    assert not sqlite.delete_link(connection, link.code)
    assert connection.execute("SELECT count(*) FROM daily_clicks").fetchone()[0] == 0


def test_list_pages_newest_first(connection: sqlite3.Connection) -> None:
    made = [sqlite.create_link(connection, f"https://example.com/{n}") for n in range(5)]
    assert sqlite.count_links(connection) == 5
    first = sqlite.list_links(connection, limit=2, offset=0)
    last = sqlite.list_links(connection, limit=2, offset=4)
    assert [link.code for link in first] == [made[4].code, made[3].code]
    assert [link.code for link in last] == [made[0].code]


def test_parameters_are_bound_so_quotes_are_just_data(connection: sqlite3.Connection) -> None:
    url = "https://example.com/?q=');DROP TABLE links;--"
    link = sqlite.create_link(connection, url, alias="quote-test")
    assert sqlite.find_link(connection, "quote-test") == link
    assert sqlite.find_link(connection, "x' OR '1'='1") is None


def test_concurrent_clicks_from_many_connections_are_all_counted(app: Flask) -> None:
    path: str = app.config["DATABASE"]
    with pool_of(app).borrowed() as connection:
        link = sqlite.create_link(connection, "https://example.com/")
    threads, flushes_each = 8, 25

    def add_many() -> None:
        connection = sqlite.connect(path)
        try:
            for n in range(flushes_each):
                sqlite.add_clicks(connection, [tally(link, T0, clicks=n)])
        finally:
            connection.close()

    workers = [threading.Thread(target=add_many) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    with pool_of(app).borrowed() as connection:
        assert sqlite.clicks_of(connection, link).total == threads * sum(range(flushes_each))


def test_the_database_file_is_where_the_config_says(app: Flask) -> None:
    assert Path(app.config["DATABASE"]).is_file()


def test_a_connection_given_back_is_the_next_one_lent(app: Flask) -> None:
    with pool_of(app).borrowed() as connection:
        pass
    with pool_of(app).borrowed() as again:
        assert again is connection


def test_simultaneous_borrowers_get_different_connections(app: Flask) -> None:
    with pool_of(app).borrowed() as first, pool_of(app).borrowed() as second:
        assert second is not first


def test_connections_are_set_up_for_several_processes(app: Flask) -> None:
    with pool_of(app).borrowed() as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert connection.isolation_level is None  # autocommit: one statement, one transaction


def test_a_transaction_left_open_is_rolled_back_before_reuse(app: Flask) -> None:
    with pool_of(app).borrowed() as connection:
        connection.execute("BEGIN")
        connection.execute(
            "INSERT INTO links (code, url, created_at) VALUES ('halfway', 'https://a.example', 'x')"
        )
    assert not connection.in_transaction
    with pool_of(app).borrowed() as again:
        assert again.execute("SELECT count(*) FROM links").fetchone()[0] == 0


def test_the_pool_keeps_only_so_many_idle_connections(tmp_path: Path) -> None:
    pool = sqlite.ConnectionPool(str(tmp_path / "pool.db"), max_idle=2)
    borrowed = [pool.take() for _ in range(3)]
    for connection in borrowed:
        pool.give_back(connection)
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        borrowed[2].execute("SELECT 1")
    again = [pool.take(), pool.take()]
    assert again == [borrowed[1], borrowed[0]]  # the most recently used first
    for connection in again:
        connection.close()


def test_close_pool_closes_the_idle_connections(app: Flask) -> None:
    with pool_of(app).borrowed() as connection:
        pass
    sqlite.close_pool(app)
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connection.execute("SELECT 1")


def test_kept_connections_stop_a_checkpoint_after_every_request(app: Flask) -> None:
    log = Path(app.config["DATABASE"] + "-wal")
    client = app.test_client()
    assert client.post("/api/links", json={"url": "https://example.com/"}).status_code == 201
    assert log.exists()  # the request ended, its connection stayed open, the log stays
    assert log.stat().st_size > 0
    sqlite.close_pool(app)
    assert not log.exists()  # the last connection closed: SQLite checkpointed and removed it


def test_one_pool_per_process_and_app(app: Flask) -> None:
    pools = []

    def find_pool() -> None:
        pools.append(pool_of(app))

    threads = [threading.Thread(target=find_pool) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len({id(pool) for pool in pools}) == 1
    assert app.extensions[sqlite.POOL] == (os.getpid(), pools[0])


def test_init_db_twice_keeps_the_data(app: Flask) -> None:
    path = app.config["DATABASE"]
    with pool_of(app).borrowed() as connection:
        connection.execute(
            "INSERT INTO links (code, url, created_at) VALUES ('keepme', 'https://a.example', 'x')"
        )
    sqlite.init_db(path)
    with pool_of(app).borrowed() as connection:
        assert connection.execute("SELECT count(*) FROM links").fetchone()[0] == 1


def test_codes_are_unique_in_the_schema(app: Flask) -> None:
    insert = "INSERT INTO links (code, url, created_at) VALUES ('same', 'https://a.example', 'x')"
    with pool_of(app).borrowed() as connection:
        connection.execute(insert)
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            connection.execute(insert)


def test_workers_creating_the_database_at_once_all_succeed(tmp_path: Path) -> None:
    """Gunicorn's workers start together, each creating the same new database: none may fail
    (SQLite refuses a journal-mode change at once while another connection makes one)."""
    starters, trials = 6, 20
    failures: list[BaseException] = []

    def start(path: str, start_line: threading.Barrier) -> None:
        start_line.wait()
        try:
            sqlite.init_db(path)
        except BaseException as error:
            failures.append(error)

    for trial in range(trials):
        path, start_line = str(tmp_path / f"fresh-{trial}.db"), threading.Barrier(starters)
        threads = [threading.Thread(target=start, args=(path, start_line)) for _ in range(starters)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        connection = sqlite.connect(path)
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        connection.close()
    assert failures == []

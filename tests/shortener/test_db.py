"""db: connections borrowed per request from a pool; WAL; a schema safe to apply twice."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest
from flask import Flask

from helpers.shortener import db


def test_a_request_borrows_one_connection_and_the_next_reuses_it(app: Flask) -> None:
    with app.app_context():
        connection = db.get_db()
        assert db.get_db() is connection
    with app.app_context():
        assert db.get_db() is connection


def test_simultaneous_requests_get_different_connections(app: Flask) -> None:
    with app.app_context():
        first = db.get_db()
        with app.app_context():
            assert db.get_db() is not first


def test_connections_are_set_up_for_several_processes(app: Flask) -> None:
    with app.app_context():
        connection = db.get_db()
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert connection.isolation_level is None  # autocommit: one statement, one transaction


def test_a_transaction_left_open_is_rolled_back_before_reuse(app: Flask) -> None:
    with app.app_context():
        connection = db.get_db()
        connection.execute("BEGIN")
        connection.execute(
            "INSERT INTO links (code, url, created_at) VALUES ('halfway', 'https://a.example', 'x')"
        )
    assert not connection.in_transaction
    with app.app_context():
        assert db.get_db().execute("SELECT count(*) FROM links").fetchone()[0] == 0


def test_the_pool_keeps_only_so_many_idle_connections(tmp_path: Path) -> None:
    pool = db.ConnectionPool(str(tmp_path / "pool.db"), max_idle=2)
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
    with app.app_context():
        connection = db.get_db()
    db.close_pool(app)
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connection.execute("SELECT 1")


def test_kept_connections_stop_a_checkpoint_after_every_request(app: Flask) -> None:
    log = Path(app.config["DATABASE"] + "-wal")
    client = app.test_client()
    assert client.post("/api/links", json={"url": "https://example.com/"}).status_code == 201
    assert log.exists()  # the request ended, its connection stayed open, the log stays
    assert log.stat().st_size > 0
    db.close_pool(app)
    assert not log.exists()  # the last connection closed: SQLite checkpointed and removed it


def test_one_pool_per_process_and_app(app: Flask) -> None:
    pools = []

    def find_pool() -> None:
        pools.append(db.pool_of(app))

    threads = [threading.Thread(target=find_pool) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len({id(pool) for pool in pools}) == 1
    assert app.extensions[db.POOL] == (os.getpid(), pools[0])


def test_init_db_twice_keeps_the_data(app: Flask) -> None:
    path = app.config["DATABASE"]
    with app.app_context():
        db.get_db().execute(
            "INSERT INTO links (code, url, created_at) VALUES ('keepme', 'https://a.example', 'x')"
        )
    db.init_db(path)
    with app.app_context():
        assert db.get_db().execute("SELECT count(*) FROM links").fetchone()[0] == 1


def test_codes_are_unique_in_the_schema(app: Flask) -> None:
    insert = "INSERT INTO links (code, url, created_at) VALUES ('same', 'https://a.example', 'x')"
    with app.app_context():
        db.get_db().execute(insert)
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            db.get_db().execute(insert)


def test_workers_creating_the_database_at_once_all_succeed(tmp_path: Path) -> None:
    """Gunicorn's workers start together, each creating the same new database: none may fail
    (SQLite refuses a journal-mode change at once while another connection makes one)."""
    starters, trials = 6, 20
    failures: list[BaseException] = []

    def start(path: str, start_line: threading.Barrier) -> None:
        start_line.wait()
        try:
            db.init_db(path)
        except BaseException as error:
            failures.append(error)

    for trial in range(trials):
        path, start_line = str(tmp_path / f"fresh-{trial}.db"), threading.Barrier(starters)
        threads = [threading.Thread(target=start, args=(path, start_line)) for _ in range(starters)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        connection = db.connect(path)
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        connection.close()
    assert failures == []

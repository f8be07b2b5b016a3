"""db: one connection per request, closed after it; WAL; a schema safe to apply twice."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from flask import Flask

from helpers.shortener import db


def test_get_db_returns_one_connection_per_context_and_closes_it(app: Flask) -> None:
    with app.app_context():
        connection = db.get_db()
        assert db.get_db() is connection
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connection.execute("SELECT 1")


def test_connections_are_set_up_for_several_processes(app: Flask) -> None:
    with app.app_context():
        connection = db.get_db()
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert connection.isolation_level is None  # autocommit: one statement, one transaction


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


def test_an_idle_connection_keeps_the_log_from_being_checkpointed_after_each_request(
    app: Flask,
) -> None:
    log = Path(app.config["DATABASE"] + "-wal")
    client = app.test_client()
    assert client.post("/api/links", json={"url": "https://example.com/"}).status_code == 201
    assert log.exists()  # the request's connection closed, but it was not the last one
    assert log.stat().st_size > 0
    db.close_idle_connection(app)
    assert not log.exists()  # the last connection closed: SQLite checkpointed and removed it


def test_the_idle_connection_is_opened_once_per_process(app: Flask) -> None:
    client = app.test_client()
    client.get("/healthz")
    first = app.extensions[db.IDLE_CONNECTION]
    client.get("/healthz")
    assert app.extensions[db.IDLE_CONNECTION] is first
    assert first[0] == os.getpid()

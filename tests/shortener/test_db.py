"""db: one connection per request, closed after it; WAL; a schema safe to apply twice."""

from __future__ import annotations

import sqlite3

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

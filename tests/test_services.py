"""helpers.services: real PostgreSQL and Redis servers that start on loopback, answer, and are
gone, data and all, once stopped."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import psutil
import psycopg
import pytest
import redis

from helpers import net, programs, services


@pytest.fixture
def needs_postgres(require_programs: Callable[..., None]) -> None:
    require_programs("postgresql")


@pytest.fixture
def needs_redis(require_programs: Callable[..., None]) -> None:
    require_programs("redis")


def refuses(port: int) -> bool:
    try:
        socket.create_connection((net.LOOPBACK, port), timeout=1).close()
    except OSError:
        return True
    return False


@pytest.mark.usefixtures("needs_postgres")
def test_postgres_serves_its_database_on_loopback_then_vanishes() -> None:
    with services.start_postgres("pg-test") as server:
        assert server.url == f"postgresql://shortener@127.0.0.1:{server.port}/shortener"
        with psycopg.connect(server.url, connect_timeout=5) as connection:
            row = connection.execute("SELECT current_database(), current_user").fetchone()
            assert row == ("shortener", "shortener")
            address = connection.execute("SELECT inet_server_addr()::text").fetchone()
            assert address == ("127.0.0.1/32",)
        assert "pg-test" in net.running()
        directory = server.directory
    assert "pg-test" not in net.running()
    assert refuses(server.port)
    assert not directory.exists()


@pytest.mark.usefixtures("needs_postgres")
def test_postgres_stops_fast_even_with_clients_connected() -> None:
    server = services.start_postgres("pg-busy")
    connection = psycopg.connect(server.url, connect_timeout=5)
    try:
        server.stop(grace=10)
        assert server.process.returncode == 0, server.log()  # a clean fast shutdown, not a kill
    finally:
        connection.close()


@pytest.mark.usefixtures("needs_postgres")
@pytest.mark.skipif(os.geteuid() != 0, reason="only root must switch to the postgres user")
def test_as_root_postgres_runs_as_the_postgres_user() -> None:
    with services.start_postgres("pg-root") as server:
        assert psutil.Process(server.process.pid).username() == programs.POSTGRES_USER


@pytest.mark.usefixtures("needs_postgres", "needs_redis")
def test_starting_again_under_one_name_stops_the_first_and_stop_all_stops_every_one() -> None:
    first = services.start_postgres("pg-again")
    with psycopg.connect(first.url, connect_timeout=5) as connection:
        connection.execute("CREATE TABLE left_by_the_first (n int)")
    second = services.start_postgres("pg-again")
    cache = services.start_redis("redis-again")
    try:
        assert refuses(first.port)
        assert net.running().count("pg-again") == 1
        with psycopg.connect(second.url, connect_timeout=5) as connection:
            tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            assert connection.execute(tables).fetchone() == (0,)  # a new cluster, not a reused one
    finally:
        stopped = net.stop_all()
    assert {"pg-again", "redis-again"} <= set(stopped)
    assert refuses(second.port) and refuses(cache.port)


@pytest.mark.usefixtures("needs_postgres")
def test_the_cluster_copied_for_each_server_is_made_once_per_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = programs.postgres_bin()
    assert folder is not None
    monkeypatch.setattr(services, "CLUSTERS", tmp_path)
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    made = services._new_cluster(folder)
    assert "timezone = 'Pacific/Auckland'" in (made / "data" / "postgresql.conf").read_text()
    assert services._new_cluster(folder) == made
    assert list(tmp_path.iterdir()) == [made]
    monkeypatch.setenv("TZ", "America/Lima")  # initdb would write another zone: another cluster
    assert services._cluster_key(folder) != made.name


@pytest.mark.usefixtures("needs_redis")
def test_redis_serves_on_loopback_then_vanishes() -> None:
    with services.start_redis("redis-test") as server:
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        client = redis.Redis.from_url(server.url, socket_timeout=5)
        assert client.set("greeting", "hello") and client.get("greeting") == b"hello"
        assert client.config_get("save") == {"save": ""}  # nothing is written to disk
        client.close()
        directory = server.directory
    assert refuses(server.port)
    assert not directory.exists()


def test_starting_a_missing_program_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *_args, **_kwargs: None)
    with pytest.raises(RuntimeError, match="apt-get install redis-server"):
        services.start_redis()

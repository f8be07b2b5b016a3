"""The shortener as it runs on many machines: gunicorn's two workers sharing PostgreSQL and Redis.

The same races as test_gunicorn.py, now decided by PostgreSQL; clicks flushed by two processes
into one database, and none lost at a graceful stop; the rate limit counted once in Redis for
every worker and machine; a deletion that reaches every worker's memory within the promised
interval.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests

from helpers import net, services

from .conftest import EmptyDatabases
from .support import (
    API_KEY,
    TARGET,
    TIMEOUT,
    in_threads,
    post_link,
    race_for_alias,
    redirect_many,
    start_gunicorn,
    stats,
    unresolved,
    wait_for_clicks,
)

REFRESH_SECONDS = 0.2


def start_shared(
    tmp_path: Path, postgres_url: str, redis_url: str, **settings: str
) -> net.BackgroundProcess:
    """gunicorn with two workers on PostgreSQL and Redis (the SQLite path stays unused)."""
    return start_gunicorn(
        tmp_path / "unused.sqlite3",
        SHORTENER_DATABASE_URL=postgres_url,
        SHORTENER_REDIS_URL=redis_url,
        SHORTENER_LOCAL_CACHE_REFRESH_SECONDS=str(REFRESH_SECONDS),
        **settings,
    )


def stored_clicks(postgres_url: str) -> int:
    """Every click in PostgreSQL, whatever the workers still hold in memory."""
    with psycopg.connect(postgres_url, connect_timeout=10) as connection:
        row = connection.execute("SELECT coalesce(sum(clicks), 0) FROM daily_clicks").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_databases: EmptyDatabases,
    redis_server: services.RedisServer,
) -> Iterator[net.BackgroundProcess]:
    """One server for the tests that each add links of their own and look only at those (as
    test_gunicorn.py's `shortener`); the tests that stop or rate-limit a server start their own."""
    database = postgres_databases.take()
    try:
        with start_shared(
            tmp_path_factory.mktemp("shared"), postgres_databases.url(database), redis_server.url
        ) as server:
            yield server
    finally:
        postgres_databases.give_back(database)


def test_concurrent_creates_give_distinct_working_codes(shared: net.BackgroundProcess) -> None:
    urls = [f"{TARGET}/shared/{n}" for n in range(600)]
    responses = in_threads(urls, lambda session, url: post_link(session, shared.url, url))
    assert Counter(response.status_code for response in responses) == {201: 600}
    links = {response.json()["code"]: response.json()["url"] for response in responses}
    assert len(links) == 600, "two creates were given the same code"
    assert unresolved(shared.url, links) == []


def test_fifty_racing_creates_of_one_alias_give_one_201_and_49_409(
    shared: net.BackgroundProcess,
) -> None:
    responses = race_for_alias(shared.url, "shared-race", racers=50)
    assert Counter(response.status_code for response in responses) == {201: 1, 409: 49}
    (winner,) = (response for response in responses if response.status_code == 201)
    assert stats(shared.url, "shared-race")["url"] == winner.json()["url"]


def test_concurrent_redirects_count_every_click(shared: net.BackgroundProcess) -> None:
    clicks, url = 500, f"{TARGET}/shared-clicks"
    with requests.Session() as session:
        code = post_link(session, shared.url, url).json()["code"]
    assert redirect_many(shared.url, code, clicks) == [url] * clicks
    assert wait_for_clicks(shared.url, code, clicks) == clicks
    time.sleep(0.5)  # more than two flush intervals: nothing is counted twice either
    assert stats(shared.url, code)["clicks"]["total"] == clicks


def test_no_click_is_lost_at_a_graceful_stop(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    clicks = 400
    # A minute between flushes: during the test, only stopping can store the clicks.
    server = start_shared(tmp_path, postgres_url, redis_url, SHORTENER_CLICK_FLUSH_SECONDS="60")
    with server:
        with requests.Session() as session:
            code = post_link(session, server.url, f"{TARGET}/stopped").json()["code"]
        assert redirect_many(server.url, code, clicks) == [f"{TARGET}/stopped"] * clicks
        assert stored_clicks(postgres_url) == 0, "the clicks were stored before the stop"
    assert server.process.returncode == 0, server.log()
    assert stored_clicks(postgres_url) == clicks


def test_a_deleted_link_is_gone_from_every_worker_within_the_refresh_interval(
    shared: net.BackgroundProcess,
) -> None:
    with requests.Session() as session:
        code = post_link(session, shared.url, f"{TARGET}/doomed").json()["code"]
    assert set(redirect_many(shared.url, code, 64)) == {f"{TARGET}/doomed"}  # kept everywhere
    deleted = requests.delete(
        f"{shared.url}/api/links/{code}", headers={"X-API-Key": API_KEY}, timeout=TIMEOUT
    )
    assert deleted.status_code == 204
    time.sleep(REFRESH_SECONDS)
    assert set(redirect_many(shared.url, code, 64)) == {None}  # 404 from every worker


def test_the_rate_limit_is_counted_once_for_every_worker_and_machine(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    limit, attempts = 10, 60
    settings = {"SHORTENER_RATE_LIMIT_ENABLED": "true", "SHORTENER_RATE_LIMIT": f"{limit}/minute"}
    # Two servers of two workers each, like two machines: in memory, each would allow the limit.
    with (
        start_shared(tmp_path, postgres_url, redis_url, **settings) as first,
        start_shared(tmp_path, postgres_url, redis_url, **settings) as second,
    ):
        servers = [first.url, second.url]
        responses = in_threads(
            range(attempts),
            lambda session, n: session.post(
                f"{servers[n % 2]}/api/links",
                json={"url": f"{TARGET}/limited/{n}"},
                timeout=TIMEOUT,
            ),
        )
    assert Counter(response.status_code for response in responses) == {
        201: limit,
        429: attempts - limit,
    }

"""The shortener under a real gunicorn with two worker processes, hammered from many threads.

What a test client cannot show: two processes sharing one SQLite file, races decided by the
database, clicks counted by concurrent writers and stored when workers stop, and links surviving a
worker killed mid-request and a full restart. Every server listens on 127.0.0.1 only; every
request has a timeout.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psutil
import pytest
import requests

from helpers import deploy, net

from .support import (
    TARGET,
    THREADS,
    TIMEOUT,
    WORKERS,
    click_total,
    in_threads,
    post_link,
    race_for_alias,
    redirect_many,
    start_gunicorn,
    stats,
    unresolved,
    wait_for_clicks,
)

CODE = re.compile(r"[A-Za-z0-9]{7}")


def workers(server: net.BackgroundProcess) -> set[int]:
    """The process ids of the gunicorn master's live worker processes."""
    live = set()
    for child in psutil.Process(server.process.pid).children():
        with contextlib.suppress(psutil.NoSuchProcess):  # it exited since it was listed: not live
            if child.status() != psutil.STATUS_ZOMBIE:
                live.add(child.pid)
    return live


@pytest.fixture(scope="module")
def shortener(tmp_path_factory: pytest.TempPathFactory) -> Iterator[net.BackgroundProcess]:
    database = tmp_path_factory.mktemp("gunicorn") / "shortener.sqlite3"
    server = start_gunicorn(database)
    with server:
        yield server


def test_two_thousand_concurrent_creates_give_distinct_working_codes(
    shortener: net.BackgroundProcess,
) -> None:
    urls = [f"{TARGET}/many/{n}" for n in range(2000)]
    responses = in_threads(urls, lambda session, url: post_link(session, shortener.url, url))

    assert Counter(response.status_code for response in responses) == {201: 2000}
    links = {response.json()["code"]: response.json()["url"] for response in responses}
    assert len(links) == 2000, "two creates were given the same code"
    assert all(CODE.fullmatch(code) for code in links)
    assert sorted(links.values()) == sorted(urls)
    assert unresolved(shortener.url, links) == []


def test_fifty_racing_creates_of_one_alias_give_one_201_and_49_409(
    shortener: net.BackgroundProcess,
) -> None:
    responses = race_for_alias(shortener.url, "the-race", racers=50)
    assert Counter(response.status_code for response in responses) == {201: 1, 409: 49}
    (winner,) = (response for response in responses if response.status_code == 201)
    assert stats(shortener.url, "the-race")["url"] == winner.json()["url"]
    assert all(
        response.headers["Content-Type"].startswith("application/problem+json")
        for response in responses
        if response.status_code == 409
    )


def stored_clicks(database: Path) -> int:
    """Every click in the database file itself, whatever the workers still hold in memory."""
    with closing(sqlite3.connect(database, timeout=TIMEOUT)) as connection:
        return int(connection.execute("SELECT total(clicks) FROM daily_clicks").fetchone()[0])


def test_concurrent_redirects_count_every_click(shortener: net.BackgroundProcess) -> None:
    clicks = 500
    url = f"{TARGET}/clicked"
    with requests.Session() as session:
        code = post_link(session, shortener.url, url).json()["code"]

    targets = redirect_many(shortener.url, code, clicks)

    assert targets == [url] * clicks
    assert wait_for_clicks(shortener.url, code, clicks) == clicks
    time.sleep(0.5)  # more than two flush intervals: nothing is counted twice either
    assert click_total(shortener.url, code) == clicks


def test_clicks_pending_at_a_graceful_stop_are_stored(tmp_path: Path) -> None:
    database, clicks = tmp_path / "shortener.sqlite3", 300
    # A minute between flushes: during the test, only stopping can store the clicks.
    server = start_gunicorn(database, SHORTENER_CLICK_FLUSH_SECONDS="60")
    with server:
        with requests.Session() as session:
            code = post_link(session, server.url, f"{TARGET}/stopped").json()["code"]
        assert redirect_many(server.url, code, clicks) == [f"{TARGET}/stopped"] * clicks
        assert stored_clicks(database) == 0, "the clicks were stored before the stop"
    # Leaving the block sent SIGTERM, gunicorn's graceful stop, to the master and its workers.
    assert server.process.returncode == 0, server.log()
    assert stored_clicks(database) == clicks


def test_clicks_pending_at_a_graceful_restart_are_stored(tmp_path: Path) -> None:
    database, clicks = tmp_path / "shortener.sqlite3", 300
    server = start_gunicorn(database, SHORTENER_CLICK_FLUSH_SECONDS="60")
    with server:
        with requests.Session() as session:
            code = post_link(session, server.url, f"{TARGET}/restarted").json()["code"]
        redirect_many(server.url, code, clicks)
        old_workers = workers(server)
        os.kill(server.process.pid, signal.SIGHUP)  # new workers; the old ones stop gracefully
        assert net.wait_until(lambda: not workers(server) & old_workers, timeout=30), (
            f"the old workers are still alive:\n{server.log()}"
        )
        assert stored_clicks(database) == clicks
        assert click_total(server.url, code) == clicks


def test_links_survive_a_killed_worker_and_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "shortener.sqlite3"
    acknowledged: dict[str, str] = {}  # code -> URL, for every 201 received
    stop = threading.Event()

    def keep_creating(session: requests.Session, loader: int) -> None:
        for n in range(100_000):
            if stop.is_set():
                return
            url = f"{TARGET}/durable/{loader}/{n}"
            try:
                response = post_link(session, server.url, url)
            except requests.RequestException:
                continue  # the worker died with this request: nothing was promised
            if response.status_code == 201:
                acknowledged[response.json()["code"]] = url

    def wait_for_acknowledged(count: int) -> None:
        assert net.wait_until(lambda: len(acknowledged) >= count, timeout=20, interval=0.01), (
            f"only {len(acknowledged)} links were created"
        )

    server = start_gunicorn(database)

    with server:
        before = workers(server)
        loaders = threading.Thread(target=in_threads, args=(range(THREADS), keep_creating))
        loaders.start()
        try:
            wait_for_acknowledged(300)
            victim = min(before)
            os.kill(victim, signal.SIGKILL)
            created_before_kill = len(acknowledged)
            wait_for_acknowledged(created_before_kill + 300)
        finally:
            stop.set()
            loaders.join(timeout=30)
        deploy.wait_for_workers(server, WORKERS + 1)  # the replacement has loaded the app
        after = workers(server)
        assert victim not in after and len(after - before) == 1, "no worker was replaced"
        assert unresolved(server.url, acknowledged) == []

    restarted = start_gunicorn(database)

    with restarted:
        assert unresolved(restarted.url, acknowledged) == []

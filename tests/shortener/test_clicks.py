"""clicks: counted in memory, stored in batches, exactly, and never lost by a normal stop."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from helpers import net
from helpers.shortener import clicks, links
from helpers.shortener.store import Store

T0 = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
LONG = 60.0  # seconds between timed flushes: in a test, they never happen


pytestmark = pytest.mark.both_stores


@pytest.fixture
def link(store: Store) -> links.Link:
    return store.create_link("https://example.com/counted")


def stored(store: Store, link: links.Link) -> links.Clicks:
    """What the database holds, without flushing anybody's buffer."""
    return store.clicks_of(link)


def test_clicks_wait_in_memory_and_a_read_stores_them_first(store: Store, link: links.Link) -> None:
    counter = clicks.BufferedClickCounter(store, interval=LONG)
    counter.count(link, T0)
    counter.count(link, T0 + timedelta(seconds=2))  # the next UTC day
    assert stored(store, link) == links.Clicks()
    expected = links.Clicks(2, "2026-03-02T00:00:01.000Z", {"2026-03-01": 1, "2026-03-02": 1})
    assert counter.clicks_of(link) == expected
    assert stored(store, link) == expected
    counter.close()


def test_the_thread_stores_clicks_within_an_interval(store: Store, link: links.Link) -> None:
    counter = clicks.BufferedClickCounter(store, interval=0.05)
    counter.count(link, T0)
    assert net.wait_until(lambda: stored(store, link).total > 0, timeout=10, interval=0.01)
    assert stored(store, link).total == 1
    counter.close()


def test_threads_and_processes_counting_at_once_lose_and_double_nothing(
    store: Store, link: links.Link
) -> None:
    # Two counters stand for two worker processes; their threads flush every 5 ms meanwhile.
    counters = [clicks.BufferedClickCounter(store, interval=0.005) for _ in range(2)]
    threads_each, clicks_each = 4, 500
    start_line = threading.Barrier(threads_each * len(counters), timeout=10)

    def click_many(counter: clicks.BufferedClickCounter, thread: int) -> None:
        start_line.wait()
        for n in range(clicks_each):
            counter.count(link, T0 + timedelta(microseconds=thread * clicks_each + n))

    threads = [
        threading.Thread(target=click_many, args=(counters[number % len(counters)], number))
        for number in range(threads_each * len(counters))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for counter in counters:
        counter.close()
    total = len(threads) * clicks_each
    latest = links.isoformat(T0 + timedelta(microseconds=total - 1))
    assert stored(store, link) == links.Clicks(total, latest, {"2026-03-01": total})


def test_a_failed_flush_keeps_its_clicks_for_the_next(
    store: Store, link: links.Link, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = clicks.BufferedClickCounter(store, interval=LONG)
    counter.count(link, T0)

    def locked(*_args: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(store, "add_clicks", locked)
        with pytest.raises(sqlite3.OperationalError):
            counter.flush()
    counter.count(link, T0)
    counter.flush()
    assert stored(store, link).total == 2
    counter.close()


def test_close_stores_the_pending_clicks_and_stops_the_thread(
    store: Store, link: links.Link
) -> None:
    counter = clicks.BufferedClickCounter(store, interval=LONG)
    before = set(threading.enumerate())
    counter.count(link, T0)
    (flusher,) = set(threading.enumerate()) - before
    counter.close()
    assert stored(store, link).total == 1
    assert not flusher.is_alive()
    counter.count(link, T0)  # a late click after closing is stored at once
    assert stored(store, link).total == 2


def test_a_forked_copy_leaves_its_parents_clicks_alone(
    store: Store, link: links.Link, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = clicks.BufferedClickCounter(store, interval=LONG)
    counter.count(link, T0)
    with monkeypatch.context() as patch:
        patch.setattr(os, "getpid", lambda: -1)  # as if close() ran in a forked child
        counter.close()
    assert stored(store, link).total == 0  # else parent and child would both store it
    counter.close()
    assert stored(store, link).total == 1


def test_each_app_and_process_has_one_counter(make_app: object, app: Flask) -> None:
    assert clicks.counter_of(app) is clicks.counter_of(app)
    other = make_app()  # type: ignore[operator]
    assert clicks.counter_of(other) is not clicks.counter_of(app)


def test_clicks_pending_when_the_interpreter_exits_are_stored(tmp_path: Path) -> None:
    database = tmp_path / "exit.sqlite3"
    script = textwrap.dedent(
        f"""
        from helpers.shortener import create_app
        app = create_app({{"DATABASE": {str(database)!r}, "CLICK_FLUSH_SECONDS": {LONG}}})
        client = app.test_client()
        code = client.post("/api/links", json={{"url": "https://example.com/"}}).json["code"]
        assert all(client.get("/" + code).status_code == 302 for _ in range(7))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT sum(clicks) FROM daily_clicks").fetchone()[0] == 7

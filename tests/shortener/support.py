"""Helpers shared by the shortener's tests: on a Flask test client, and on a shortener served by
gunicorn over HTTP."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

import requests
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from helpers import deploy, net
from helpers.shortener.store import store_of

# Property tests share two cores with everything else: no per-example deadline.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
# For tests that send many requests to one app: the examples share it on purpose.
one_app_for_all_examples = settings(
    relaxed,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def create(client: FlaskClient, url: str = "https://example.com/page", **fields: Any) -> Any:
    """Create a link through the API; assert it worked and return the JSON body."""
    response = client.post("/api/links", json={"url": url, **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def table_names(database: str | Path) -> set[str]:
    """The names of the tables in the SQLite file `database`."""
    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}


PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int, detail_contains: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert detail_contains in body["detail"], body["detail"]


def store_unchecked(app: Flask, url: str, code: str) -> None:
    """Put a link in the database without validation, as an old or tampered row would be."""
    store_of(app).create_link(url, alias=code)


# A shortener served by gunicorn, asked over HTTP from many threads

WORKERS = 2
THREADS = 16
TIMEOUT = 10.0
API_KEY = "gunicorn-test-key"
TARGET = "https://www.example.com/gunicorn"
SERVER_NUMBERS = itertools.count(1)

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


def start_gunicorn(database: Path, **settings: str) -> net.BackgroundProcess:
    """Serve the shortener from `database` under gunicorn (`helpers.deploy.gunicorn`: on a free
    loopback port, its production configuration, both workers ready), 4 threads a worker.

    `settings` are more environment variables, e.g. SHORTENER_CLICK_FLUSH_SECONDS="60".
    """
    env = {
        "SHORTENER_DATABASE": str(database),
        "SHORTENER_RATE_LIMIT_ENABLED": "false",
        "SHORTENER_ALLOW_PRIVATE_TARGETS": "false",
        "SHORTENER_API_KEY": API_KEY,
        **settings,
    }
    return deploy.gunicorn(
        deploy.SHORTENER,
        workers=WORKERS,
        threads=4,
        options=["--graceful-timeout=5"],
        name=f"gunicorn-{next(SERVER_NUMBERS)}",  # a name of its own: two may run at once
        env=env,
    )


def in_threads(
    items: Sequence[Item], task: Callable[[requests.Session, Item], Outcome]
) -> list[Outcome]:
    """Run `task(session, item)` for every item from THREADS threads, one Session per thread.

    The outcomes come back in the order of `items`.
    """

    def run_share(share: Sequence[Item]) -> list[Outcome]:
        with requests.Session() as session:
            return [task(session, item) for item in share]

    shares = [items[start::THREADS] for start in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(run_share, shares))
    outcomes: list[Any] = [None] * len(items)
    for start, result in enumerate(results):
        outcomes[start::THREADS] = result
    return outcomes


def post_link(
    session: requests.Session, base_url: str, url: str, **fields: Any
) -> requests.Response:
    """POST a new link."""
    return session.post(f"{base_url}/api/links", json={"url": url, **fields}, timeout=TIMEOUT)


def redirect_target(session: requests.Session, base_url: str, code: str) -> str | None:
    """Where `GET /<code>` redirects to; None unless it answers 302."""
    response = session.get(f"{base_url}/{code}", allow_redirects=False, timeout=TIMEOUT)
    return response.headers["Location"] if response.status_code == 302 else None


def race_for_alias(base_url: str, alias: str, racers: int) -> list[requests.Response]:
    """`racers` threads creating a link under `alias` at the same instant, each to its own URL."""
    start_line = threading.Barrier(racers, timeout=TIMEOUT)

    def race(number: int) -> requests.Response:
        with requests.Session() as session:
            start_line.wait()
            return post_link(session, base_url, f"{TARGET}/race/{number}", alias=alias)

    with ThreadPoolExecutor(racers) as pool:
        return list(pool.map(race, range(racers)))


def stats(base_url: str, code: str) -> dict[str, Any]:
    """The JSON description of a link, clicks included."""
    response = requests.get(f"{base_url}/api/links/{code}", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def unresolved(base_url: str, links: dict[str, str]) -> list[str]:
    """The codes among `links` (code -> URL) that do not redirect to their own URL."""
    codes = list(links)
    targets = in_threads(codes, lambda session, code: redirect_target(session, base_url, code))
    return [code for code, target in zip(codes, targets, strict=True) if target != links[code]]


def click_total(base_url: str, code: str) -> int:
    total: int = stats(base_url, code)["clicks"]["total"]
    return total


def wait_for_clicks(base_url: str, code: str, expected: int, timeout: float = 10.0) -> int:
    """The link's click total as soon as it reaches `expected`, or when `timeout` runs out.

    Each worker stores its clicks every CLICK_FLUSH_SECONDS (0.2 s). The worker that answers the
    stats request stores its own first, but the other worker's show up only after its next
    flush: the total may lag behind the redirects for one interval, so it is polled.
    """
    totals: list[int] = []

    def reached() -> bool:
        totals.append(click_total(base_url, code))
        return totals[-1] >= expected

    net.wait_until(reached, timeout=timeout, interval=0.05)
    return totals[-1]


def redirect_many(base_url: str, code: str, clicks: int) -> list[str | None]:
    """Follow `code` `clicks` times from THREADS threads; where each redirect pointed."""
    return in_threads(range(clicks), lambda session, _: redirect_target(session, base_url, code))

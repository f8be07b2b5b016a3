"""metrics: /metrics counts requests, redirects, creations, rejections, cache lookups and queries;
its series stay bounded whatever the codes asked for; under gunicorn the workers' counts add up,
and plain gunicorn (without the shortener's configuration) refuses to start.

The metric objects belong to the process, shared by every app a test builds, so each test
compares the values after its requests with the values before them.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from helpers import deploy, monitoring, net
from helpers.shortener import metrics
from helpers.shortener.store import sqlite

from .support import create

REQUESTS = "shortener_http_requests_total"
REDIRECTS_TIMED = "shortener_redirect_duration_seconds_count"
TARGET = "https://www.example.com/counted"


def read(client: FlaskClient) -> monitoring.Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return monitoring.parse(response.get_data(as_text=True))


def change(client: FlaskClient, action: Callable[[], Any]) -> Callable[..., float]:
    """Run `action()`; return `delta(name, **labels)`, how much that sample grew meanwhile."""
    before = read(client)
    action()
    after = read(client)
    return lambda name, **labels: (
        monitoring.total(after, name, **labels) - monitoring.total(before, name, **labels)
    )


def test_the_fast_path_reports_redirects_under_the_flask_route_name(app: Flask) -> None:
    (rule,) = (rule.rule for rule in app.url_map.iter_rules() if rule.endpoint == "pages.follow")
    assert rule == metrics.REDIRECT_ROUTE


def test_requests_are_counted_by_route_template_and_status_class(client: FlaskClient) -> None:
    code = create(client)["code"]

    def visit() -> None:
        assert client.get(f"/{code}").status_code == 302  # the fast path
        assert client.get("/nO-such-code").status_code == 404  # Flask, same route
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/links/x/y/z").status_code == 404  # no route at all

    delta = change(client, visit)
    assert delta(REQUESTS, route="/<code:code>", status_class="3xx") == 1
    assert delta(REQUESTS, route="/<code:code>", status_class="4xx") == 1
    assert delta(REQUESTS, route="/healthz", status_class="2xx") == 1
    assert delta(REQUESTS, route="unmatched", status_class="4xx") == 1
    assert delta(REDIRECTS_TIMED) == 2
    assert delta("shortener_redirect_duration_seconds_bucket", le="+Inf") == 2


def test_redirects_are_timed_by_status_class_so_a_latency_objective_can_leave_5xx_out(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = create(client)["code"]

    def locked(*_args: Any, **_kwargs: Any) -> None:
        raise sqlite3.OperationalError("database is locked")

    def visit() -> None:
        assert client.get(f"/{code}").status_code == 302
        assert client.get("/nO-such-code").status_code == 404
        monkeypatch.setattr(sqlite, "find_link", locked)
        assert client.get("/abcdefg").status_code == 503

    delta = change(client, visit)
    assert delta(REDIRECTS_TIMED, status_class="3xx") == 1
    assert delta(REDIRECTS_TIMED, status_class="4xx") == 1
    assert delta(REDIRECTS_TIMED, status_class="5xx") == 1


def test_creations_and_rejections_are_counted_by_reason(client: FlaskClient) -> None:
    def attempts() -> None:
        create(client, alias="taken-one")
        for fields, status in [
            ({"url": "https://example.com/", "alias": "taken-one"}, 409),
            ({"url": "ftp://example.com/"}, 400),
            ({"url": "https://example.com/", "alias": "no"}, 400),
            ({"url": "https://example.com/", "expires_in": 0}, 400),
        ]:
            assert client.post("/api/links", json=fields).status_code == status

    delta = change(client, attempts)
    assert delta("shortener_links_created_total") == 1
    for reason in ("alias_taken", "invalid_url", "invalid_alias", "invalid_expiry"):
        assert delta("shortener_link_rejections_total", reason=reason) == 1, reason


def test_the_rate_limit_counts_as_a_rejection(make_app: Any) -> None:
    client = make_app(RATE_LIMIT_ENABLED=True, RATE_LIMIT_CREATE="2/minute").test_client()
    statuses: list[int] = []

    def flood() -> None:
        for n in range(4):
            response = client.post("/api/links", json={"url": f"https://example.com/{n}"})
            statuses.append(response.status_code)

    delta = change(client, flood)
    assert 429 in statuses
    assert delta("shortener_link_rejections_total", reason="rate_limited") == statuses.count(429)


def test_a_wrong_rejection_reason_is_a_bug_caught_at_once() -> None:
    with pytest.raises(ValueError, match="unknown rejection reason"):
        metrics.reject("because")


def test_cache_lookups_and_query_time_are_counted(client: FlaskClient) -> None:
    code = create(client)["code"]

    def follow_twice() -> None:
        for _ in range(2):
            assert client.get(f"/{code}").status_code == 302

    delta = change(client, follow_twice)
    assert delta("shortener_cache_lookups_total", cache="local", result="miss") == 1
    assert delta("shortener_cache_lookups_total", cache="local", result="hit") == 1
    assert delta("shortener_database_query_duration_seconds_count", operation="find_link") == 1


def test_the_database_size_is_the_files_size(app: Flask, client: FlaskClient) -> None:
    create(client)
    files = [Path(app.config["DATABASE"]), Path(app.config["DATABASE"] + "-wal")]
    on_disk = sum(path.stat().st_size for path in files if path.exists())
    assert monitoring.total(read(client), metrics.DATABASE_SIZE) == on_disk > 0


def test_thousands_of_codes_add_no_series(client: FlaskClient) -> None:
    """One series per route and status class, never one per code: the count stays put."""
    codes = [create(client, f"https://example.com/{n}")["code"] for n in range(20)]
    for code in (codes[0], "unknown-code"):  # warm up: every kind of answer once
        client.get(f"/{code}")
    warm = monitoring.series(read(client), "shortener_")

    for n in range(3000):
        client.get(f"/{codes[n % len(codes)]}" if n % 3 == 0 else f"/{secrets.token_hex(5)}")

    assert monitoring.series(read(client), "shortener_") == warm


# Under gunicorn: two processes, one set of numbers, or no start at all


@pytest.mark.parametrize(
    "options", [["-w", "2"], ["-w", "1"], ["--preload", "-w", "2"]], ids=" ".join
)
def test_plain_gunicorn_refuses_to_start_and_says_how(tmp_path: Path, options: list[str]) -> None:
    """`gunicorn -w 2 'helpers.shortener:create_app()'` would count one worker's requests only.

    gunicorn exits at once (a timeout guards the run); XDG_RUNTIME_DIR keeps its control socket
    in the test's folder.
    """
    port = net.free_port()
    command = [sys.executable, "-m", "gunicorn", *options, f"--bind={net.LOOPBACK}:{port}"]
    env = {
        **os.environ,
        "SHORTENER_DATABASE": str(tmp_path / "shortener.sqlite3"),
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    env.pop(metrics.MULTIPROCESS_DIR, None)
    completed = subprocess.run(
        [*command, deploy.SHORTENER],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode != 0
    assert metrics.HOW_TO_SERVE in completed.stderr, completed.stderr


def start_shortener(folder: Path, workers: int, options: Sequence[str] = ()) -> Any:
    """The shortener under `helpers.deploy.gunicorn`, its metrics in `folder`/metrics."""
    (folder / "metrics").mkdir(exist_ok=True)
    env = {
        "SHORTENER_DATABASE": str(folder / "shortener.sqlite3"),
        "SHORTENER_RATE_LIMIT_ENABLED": "false",
        metrics.MULTIPROCESS_DIR: str(folder / "metrics"),
    }
    name = f"shortener-metrics-{folder.name}"
    return deploy.gunicorn(deploy.SHORTENER, workers=workers, name=name, env=env, options=options)


@pytest.fixture(scope="module", params=[[], ["--preload"]], ids=["", "preload"])
def served(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    """Two workers as they run in production; with --preload, the master loads the app."""
    folder = tmp_path_factory.mktemp("served")
    with start_shortener(folder, workers=2, options=request.param) as server:
        yield server, folder / "metrics"


def redirects_counted(samples: monitoring.Samples) -> tuple[float, float]:
    """The redirects answered (302) and the redirects timed, as /metrics shows them."""
    answered = monitoring.total(samples, REQUESTS, route=metrics.REDIRECT_ROUTE, status_class="3xx")
    return answered, monitoring.total(samples, REDIRECTS_TIMED)


def test_forty_redirects_over_two_workers_count_forty(served: Any) -> None:
    server, _folder = served
    made = requests.post(f"{server.url}/api/links", json={"url": TARGET}, timeout=10)
    assert made.status_code == 201, made.text
    before = monitoring.scrape(server.url)

    def follow(_: int) -> int:  # a new connection each time, so both workers get some
        return requests.get(
            f"{server.url}/{made.json()['code']}", allow_redirects=False, timeout=10
        ).status_code

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(follow, range(40))) == [302] * 40
    after = monitoring.scrape(server.url)

    answered, timed = redirects_counted(after)
    answered_before, timed_before = redirects_counted(before)
    assert (answered - answered_before, timed - timed_before) == (40, 40)


def test_counts_add_up_across_gunicorn_workers(served: Any) -> None:
    server, folder = served
    before = monitoring.scrape(server.url)
    sent = 300

    def health(_: int) -> int:  # a new connection each time, so both workers get some
        return requests.get(f"{server.url}/healthz", timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(health, range(sent))) == {200}
    after = monitoring.scrape(server.url)

    def healthy(samples: monitoring.Samples) -> float:
        return monitoring.total(samples, REQUESTS, route="/healthz", status_class="2xx")

    assert healthy(after) - healthy(before) == sent
    counted_by = {path.name for path in folder.glob("counter_*.db")}
    assert len(counted_by) >= 2, f"one worker did all the work: {counted_by}"


def test_gunicorn_workers_write_json_access_lines(served: Any) -> None:
    server, _folder = served
    response = requests.get(
        f"{server.url}/healthz", headers={"X-Request-ID": "gunicorn-trace-1"}, timeout=10
    )
    assert response.headers["X-Request-ID"] == "gunicorn-trace-1"
    assert net.wait_until(lambda: '"gunicorn-trace-1"' in server.log(), timeout=5), server.log()
    (line,) = (line for line in server.log().splitlines() if '"gunicorn-trace-1"' in line)
    assert json.loads(line)["path"] == "/healthz"


def test_a_new_start_counts_nothing_of_the_last_run_in_the_same_folder(tmp_path: Path) -> None:
    def health_checks(server: Any) -> float:
        samples = monitoring.scrape(server.url)
        return monitoring.total(samples, REQUESTS, route="/healthz", status_class="2xx")

    with start_shortener(tmp_path, workers=1) as first:
        for _ in range(5):
            assert requests.get(f"{first.url}/healthz", timeout=10).status_code == 200
        assert health_checks(first) == 5
    assert list((tmp_path / "metrics").glob("counter_*.db")), "the first run left no files"
    with start_shortener(tmp_path, workers=1) as second:
        assert health_checks(second) == 0

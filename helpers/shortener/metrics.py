"""Prometheus metrics: what the shortener counts and times, served at `/metrics`.

The metric objects live here, module-level like loggers, so that any module can count. Labels
come from small fixed sets only (routes, status classes, reasons), never a short code, so the
number of series stays bounded. Several gunicorn workers are several processes: with
prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set up by `gunicorn_conf.py`
in the master before any worker starts) `/metrics` adds up every worker's values. Under gunicorn
without it, `init_app` refuses to start rather than report one worker's numbers; one process
(the test client, `flask run`) needs no such mode.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
HOW_TO_SERVE = (
    "under gunicorn, the shortener's metrics need its gunicorn configuration, or each worker "
    "would report its own counts only: run `python -m helpers.shortener serve --workers N`, or "
    "`gunicorn -c helpers/shortener/gunicorn_conf.py 'helpers.shortener:create_app()'`"
)

# The route of `GET /<code>`, as Flask's rule for it (pages.follow) spells it: the redirect
# fast path answers most of them without Flask, and reports them under the same name.
REDIRECT_ROUTE = "/<code:code>"
UNMATCHED_ROUTE = "unmatched"  # no route: a 404 or 405 from Flask's routing

# Seconds. 0.05 is the latency objective of notebook 13 and of deploy/prometheus: a bucket
# boundary there lets Prometheus count the redirects under it exactly.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REJECTION_REASONS = frozenset(
    {"invalid_url", "invalid_alias", "invalid_expiry"}
    | {"alias_taken", "no_free_code", "rate_limited"}
)

REQUESTS = Counter(
    "shortener_http_requests",
    "HTTP requests answered, by route template and status class.",
    ["route", "status_class"],
)
# By status class, so that a latency objective can count the successful answers only: the fast
# 5xx of an outage would otherwise make the latency look better (`status_class!="5xx"`).
REDIRECT_SECONDS = Histogram(
    "shortener_redirect_duration_seconds",
    "Time to answer GET /<code>, fast path and Flask alike, by status class.",
    ["status_class"],
    buckets=LATENCY_BUCKETS,
)
IN_PROGRESS = Gauge(
    "shortener_http_requests_in_progress",
    "Requests being answered right now, the scrape reading it included, summed over live workers.",
    multiprocess_mode="livesum",
)
LINKS_CREATED = Counter("shortener_links_created", "Links created.")
REJECTIONS = Counter(
    "shortener_link_rejections",
    "Requests to create a link that were refused, by reason.",
    ["reason"],
)
CACHE_LOOKUPS = Counter(
    "shortener_cache_lookups",
    "Links looked for in a cache, by cache (local, redis) and result (hit, miss).",
    ["cache", "result"],
)
QUERY_SECONDS = Histogram(
    "shortener_database_query_duration_seconds",
    "Time spent in database queries, by operation.",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
# Set by each /readyz (`health`). The workers of an instance share its dependencies, so the
# truth is the latest reading, whichever worker took it: "livemostrecent", which also drops the
# reading of a worker that is gone (a sum or one series per worker would mean nothing).
DEPENDENCY_UP = Gauge(
    "shortener_dependency_up",
    "1 if the dependency answered the last readiness check, else 0, by dependency.",
    ["dependency"],
    multiprocess_mode="livemostrecent",
)

STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
DATABASE_SIZE = "shortener_database_size_bytes"  # a gauge read at each scrape (DatabaseSize)


def status_class(status: int) -> str:
    """'2xx' for 200 to 299, and so on; anything out of range counts as '5xx'."""
    return STATUS_CLASSES[status // 100 - 1] if 100 <= status <= 599 else "5xx"


def count_request(route: str, status: int, seconds: float) -> None:
    """Count one answered request; time it too if it was a redirect."""
    REQUESTS.labels(route=route, status_class=status_class(status)).inc()
    if route == REDIRECT_ROUTE:
        REDIRECT_SECONDS.labels(status_class=status_class(status)).observe(seconds)


def reject(reason: str) -> None:
    """Count a refused creation; `reason` is one of REJECTION_REASONS."""
    if reason not in REJECTION_REASONS:
        raise ValueError(f"unknown rejection reason {reason!r}")
    REJECTIONS.labels(reason=reason).inc()


@contextmanager
def query_timer(operation: str) -> Iterator[None]:
    """Time the database work of the `with` block under `operation` (a fixed name)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        QUERY_SECONDS.labels(operation=operation).observe(time.perf_counter() - started)


class DatabaseSize(Collector):
    """The SQLite file's size and its write-ahead log's, read when Prometheus scrapes."""

    def __init__(self, database: str) -> None:
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        size = sum(
            path.stat().st_size
            for path in (Path(self.database), Path(self.database + "-wal"))
            if path.exists()
        )
        yield GaugeMetricFamily(DATABASE_SIZE, "Bytes on disk of the SQLite database.", size)


def shared_by_processes() -> bool:
    """Whether this process's values go to PROMETHEUS_MULTIPROC_DIR's files (multiprocess mode),
    as prometheus_client decided when it was first imported."""
    return values.ValueClass is not values.MutexValue


def under_gunicorn() -> bool:
    """Whether gunicorn runs this process (its master sets SERVER_SOFTWARE before loading apps)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")


class ThisProcess(Collector):
    """The default registry's metrics: this process's, when it is the only one."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(database: str | None) -> bytes:
    """Every metric in Prometheus's text format: all workers' if several share the work, and
    the size of the SQLite file at `database` (None: the store is a server, with its own)."""
    registry = CollectorRegistry()
    if shared_by_processes():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(ThisProcess())
    if database is not None:
        registry.register(DatabaseSize(database))
    return generate_latest(registry)


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def scrape() -> Response:
    """The metrics, for Prometheus to scrape."""
    config = current_app.config
    body = exposition(None if config["DATABASE_URL"] else config["DATABASE"])
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def count_rate_limited(response: Response) -> Response:
    """A 429 is the rate limit refusing a creation (flask-limiter guards nothing else)."""
    if response.status_code == 429:
        reject("rate_limited")
    return response


def remember_route(response: Response) -> Response:
    """Tell the outer WSGI layer (`middleware`) which route answered, for its labels."""
    rule = request.url_rule
    request.environ["shortener.route"] = rule.rule if rule is not None else UNMATCHED_ROUTE
    return response


def init_app(app: Flask) -> None:
    """Serve /metrics and label each request Flask answers with its route; under gunicorn,
    refuse to start unless the workers share their values."""
    if under_gunicorn() and not shared_by_processes():
        raise RuntimeError(HOW_TO_SERVE)
    app.register_blueprint(bp)
    app.after_request(count_rate_limited)
    app.after_request(remember_route)

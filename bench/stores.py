"""How fast does the shortener redirect from each store, with and without its caches?

Usage, from the repository's root (about 90 seconds; PostgreSQL and Redis must be installed:
`apt-get install postgresql redis-server`):

    .venv/bin/python -m bench.stores
    .venv/bin/python -m bench.stores --seconds 10 --load python

The shortener runs under gunicorn with the same settings as bench.redirects, on a fresh store
each time (helpers.services starts a throwaway PostgreSQL and Redis on loopback). The redirects
follow a skewed popularity, as real links do: over `--links` links (100), the k-th most popular
is asked for about 1/k^1.1 as often as the first. Each configuration is one row:

- SQLite, and PostgreSQL, each without and with the in-process cache (LOCAL_CACHE);
- PostgreSQL with Redis in front (REDIS_URL), without the in-process cache;
- PostgreSQL with 1 gunicorn worker and with 2, both without caches.

Then the issue's goals: the cached PostgreSQL setups >= 1.3 x PostgreSQL alone, and 2 workers
>= 1.4 x 1 worker (the load generator shares the machine's cores). It exits with status 1 when a
goal is missed; numbers from a busy machine are noisy, so run it twice before believing a miss.
"""

from __future__ import annotations

import random
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bench.load import Redirects, Result, run_wrk
from bench.redirects import (
    Goal,
    Settings,
    create_links,
    gunicorn,
    measure,
    parse_settings,
    report,
    shortener_link,
)
from helpers import net, services

REQUESTS_IN_CYCLE = 20_000  # the skewed sequence of paths the load generator goes round
EXPONENT = 1.1


@dataclass(frozen=True)
class Setup:
    """One way to run the shortener: its store, its caches, its workers."""

    name: str
    postgres: bool
    redis: bool = False
    local_cache: bool = False
    workers: int | None = None  # None: the benchmark's setting


SETUPS = (
    Setup("SQLite", postgres=False),
    Setup("SQLite + local cache", postgres=False, local_cache=True),
    Setup("PostgreSQL", postgres=True),
    Setup("PostgreSQL + Redis", postgres=True, redis=True),
    Setup("PostgreSQL + local cache", postgres=True, local_cache=True),
    Setup("PostgreSQL, 1 worker", postgres=True, workers=1),
    Setup("PostgreSQL, 2 workers", postgres=True, workers=2),
)


def skewed(paths: Sequence[str], count: int, seed: int = 0) -> tuple[str, ...]:
    """`count` paths drawn with Zipf-like popularity (the first most popular), reproducibly."""
    weights = [1 / rank**EXPONENT for rank in range(1, len(paths) + 1)]
    return tuple(random.Random(seed).choices(paths, weights=weights, k=count))


@contextmanager
def shortener(setup: Setup, settings: Settings) -> Iterator[net.BackgroundProcess]:
    """The shortener under gunicorn as `setup` says, on fresh stores of its own."""
    env = {
        "SHORTENER_RATE_LIMIT_ENABLED": "false",
        "SHORTENER_LOCAL_CACHE": str(setup.local_cache).lower(),
    }
    with stores_for(setup) as store_env:
        workers = setup.workers or settings.workers
        server = gunicorn(
            "helpers.shortener:create_app()", replace(settings, workers=workers), env | store_env
        )
        with server:
            yield server


@contextmanager
def stores_for(setup: Setup) -> Iterator[dict[str, str]]:
    """The environment variables of the stores `setup` needs, each started fresh and stopped."""
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch, ExitStack() as servers:
        env = {"SHORTENER_DATABASE": str(Path(scratch) / "links.sqlite3")}
        if setup.postgres:
            env["SHORTENER_DATABASE_URL"] = servers.enter_context(
                services.start_postgres("bench-postgres")
            ).url
        if setup.redis:
            env["SHORTENER_REDIS_URL"] = servers.enter_context(
                services.start_redis("bench-redis")
            ).url
        yield env


def run(settings: Settings) -> dict[str, Result]:
    """Measure redirects for every setup, one at a time."""
    results = {}
    for setup in SETUPS:
        with shortener(setup, settings) as server:
            paths = create_links(server.url, settings.links, shortener_link)
            workload = Redirects(skewed(paths, REQUESTS_IN_CYCLE))
            results[setup.name] = measure(server.url, workload, settings)
    return results


def goals(results: dict[str, Result]) -> list[Goal]:
    """The issue's goals for the stores and caches, evaluated on `results`."""

    def speed(name: str) -> float:
        return results[name].requests_per_second

    return [
        Goal(
            "PostgreSQL + Redis / PostgreSQL (x)",
            speed("PostgreSQL + Redis") / speed("PostgreSQL"),
            1.3,
        ),
        Goal(
            "PostgreSQL + local cache / PostgreSQL (x)",
            speed("PostgreSQL + local cache") / speed("PostgreSQL"),
            1.3,
        ),
        Goal(
            "2 workers / 1 worker, PostgreSQL (x)",
            speed("PostgreSQL, 2 workers") / speed("PostgreSQL, 1 worker"),
            1.4,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the tables; 0 when every goal is met, else 1."""
    for missing in (services.postgres_missing(), services.redis_missing()):
        if missing:
            print(missing)
            return 2
    settings = parse_settings(sys.argv[1:] if argv is None else argv)
    generator = "wrk" if settings.load is run_wrk else "a Python load generator"
    print(
        f"{settings.connections} connections, {settings.seconds:g} s each, with {generator}; "
        f"gunicorn: {settings.workers} workers unless said, {settings.worker_class}, "
        f"{settings.threads} thread(s) each; {settings.links} links, skewed popularity\n"
    )
    results = run(settings)
    goal_list = goals(results)
    print(report(results, goal_list))
    return 0 if all(goal.met for goal in goal_list) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Which store, and which cache, serve the shortener's redirects fastest? One run on loopback.

Usage, from the repository's root (about two minutes; add --help for the knobs):

    .venv/bin/python -m bench.backends
    .venv/bin/python -m bench.backends --seconds 10 --rounds 3

It starts a fresh PostgreSQL and a fresh Redis from the system's packages (helpers.services: free
loopback ports, temporary directories, stopped at the end), then serves the shortener under
gunicorn once per setup, creates --links links in it and loads it with redirects whose codes
follow a Zipf popularity (a few links get most of the clicks, as on the real web):

1. SQLite alone: the embedded default, one file shared by the workers of one machine;
2. PostgreSQL alone: every redirect asks the database server;
3. PostgreSQL + Redis: cache-aside, a redirect asks Redis first and PostgreSQL on a miss;
4. PostgreSQL + local cache: each worker process keeps the links it has found;
5. and 6. the local-cache setup again with 1, then 2, gunicorn workers.

"Alone" means no cache of any kind (LOCAL_CACHE=false, no REDIS_URL), so that the caches are
compared with the store doing all the work. Each setup is measured --rounds times, alternating
with the others, and its best round kept: other work on the machine can only make a round worse.
It prints what each setup achieved, then the issue's goals, and exits with status 1 when a goal
is missed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

import redis

from bench.load import Redirects, Result
from bench.redirects import (
    Goal,
    Settings,
    argument_parser,
    create_links,
    describe,
    measure,
    report,
    settings_from,
    shortener,
    shortener_link,
)
from helpers import programs, services
from helpers.loadgen import zipf_paths

ZIPF_EXPONENT = 1.1
REQUEST_PATHS = 20_000  # the length of the skewed sequence of redirects the generator cycles over


@dataclass(frozen=True)
class Stores:
    """The database and cache servers the setups share."""

    postgres_url: str
    redis_url: str


@dataclass(frozen=True)
class Setup:
    """One way of serving the shortener: which store, which caches, how many workers."""

    name: str
    postgres: bool = False
    redis: bool = False
    local_cache: bool = False
    workers: int | None = None  # None: --workers

    def environment(self, stores: Stores) -> dict[str, str]:
        """The shortener's settings for this setup (SQLite is what is left when none is set)."""
        env = {"SHORTENER_LOCAL_CACHE": "true" if self.local_cache else "false"}
        if self.postgres:
            env["SHORTENER_DATABASE_URL"] = stores.postgres_url
        if self.redis:
            env["SHORTENER_REDIS_URL"] = stores.redis_url
        return env


SQLITE = Setup("SQLite alone")
POSTGRES = Setup("PostgreSQL alone", postgres=True)
WITH_REDIS = Setup("PostgreSQL + Redis", postgres=True, redis=True)
WITH_LOCAL_CACHE = Setup("PostgreSQL + local cache", postgres=True, local_cache=True)
# Workers scale where the work is the workers' own: with the local cache, a redirect is Python in
# the worker and nothing else. (With Redis, each redirect also costs Redis and the kernel CPU on
# the same two cores, and a second worker found no free core: see bench/README.md.)
ONE_WORKER = replace(WITH_LOCAL_CACHE, name="local cache, 1 worker", workers=1)
TWO_WORKERS = replace(WITH_LOCAL_CACHE, name="local cache, 2 workers", workers=2)
SETUPS = (SQLITE, POSTGRES, WITH_REDIS, WITH_LOCAL_CACHE, ONE_WORKER, TWO_WORKERS)


def redis_hits(url: str) -> int:
    """How many lookups Redis has answered from its keys since it started."""
    with redis.Redis.from_url(url, socket_timeout=5) as client:
        return int(client.info("stats")["keyspace_hits"])


def measure_setup(setup: Setup, stores: Stores, settings: Settings, exponent: float) -> Result:
    """Serve the shortener as `setup` says, create the links, and load it with skewed redirects.

    A setup with Redis must have served from it, and one without must not have touched it:
    otherwise the configuration did not do what the table's row claims.
    """
    workers = setup.workers or settings.workers
    with shortener(replace(settings, workers=workers), setup.environment(stores)) as server:
        paths = create_links(server.url, settings.links, shortener_link)
        codes = [path.removeprefix("/") for path in paths]
        workload = Redirects(tuple(zipf_paths(codes, REQUEST_PATHS, exponent=exponent)))
        hits_before = redis_hits(stores.redis_url)
        result = measure(server.url, workload, settings)
        served_by_redis = redis_hits(stores.redis_url) > hits_before
    if served_by_redis != setup.redis:
        said = "answered" if served_by_redis else "did not answer"
        raise RuntimeError(f"{setup.name}: Redis {said} lookups; the setup is not what it says")
    return result


def run(settings: Settings, stores: Stores, exponent: float) -> dict[str, Result]:
    """Measure every setup `settings.rounds` times, alternating; keep each one's best round."""
    best: dict[str, Result] = {}
    for _ in range(settings.rounds):
        for setup in SETUPS:
            result = measure_setup(setup, stores, settings, exponent)
            kept = best.get(setup.name)
            if kept is None or result.requests_per_second > kept.requests_per_second:
                best[setup.name] = result
    return best


def goals(results: dict[str, Result]) -> list[Goal]:
    """The issue's goals: a cache pays for itself, and a second worker uses the second core."""

    def ratio(faster: Setup, slower: Setup) -> float:
        return results[faster.name].requests_per_second / results[slower.name].requests_per_second

    return [
        Goal(
            "PostgreSQL + Redis / PostgreSQL alone (x)", ratio(WITH_REDIS, POSTGRES), at_least=1.3
        ),
        Goal(
            "+ local cache / PostgreSQL alone (x)", ratio(WITH_LOCAL_CACHE, POSTGRES), at_least=1.3
        ),
        Goal("2 workers / 1 worker (x)", ratio(TWO_WORKERS, ONE_WORKER), at_least=1.4),
    ]


@contextmanager
def shared_stores() -> Iterator[Stores]:
    """A fresh PostgreSQL and Redis for the whole run, stopped when it ends."""
    with (
        services.start_postgres("bench postgres") as postgres,
        services.start_redis("bench redis") as cache,
    ):
        yield Stores(postgres.url, cache.url)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the tables; 0 when every goal is met, 1 if not, 2 if it cannot."""
    # The production settings of `helpers.deploy.gunicorn`: threaded workers, one more than 2 cores.
    parser = argument_parser(
        __doc__.splitlines()[0], links=1000, rounds=2, workers=3, worker_class="gthread"
    )
    parser.add_argument(
        "--zipf", type=float, default=ZIPF_EXPONENT, help="skew of the links' popularity"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    missing = programs.missing(["postgresql", "redis"])
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2
    settings = settings_from(args)
    print(
        f"{describe(settings)}; {settings.links} links, Zipf exponent {args.zipf:g}, "
        f"best of {settings.rounds} round(s)\n"
    )
    with shared_stores() as stores:
        results = run(settings, stores, args.zipf)
    goal_list = goals(results)
    print(report(results, goal_list))
    return 0 if all(goal.met for goal in goal_list) else 1


if __name__ == "__main__":
    sys.exit(main())

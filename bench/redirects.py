"""How fast does the shortener redirect? One run on loopback, measured against two baselines.

Usage, from the repository's root (about 40 seconds; add --help for the knobs):

    .venv/bin/python -m bench.redirects
    .venv/bin/python -m bench.redirects --seconds 10 --load python

It measures, with wrk (Debian's `wrk` package) or, when wrk is absent or `--load python` is given,
a Python load generator with the same fixed number of connections:

1. the ceiling: a bare WSGI app that only answers 302, under the shortener's gunicorn settings;
2. the shortener's redirects (`GET /<code>`, each one counting a click) under gunicorn;
3. the reference course's dict-based Flask app on Flask's development server;
4. the shortener's creates (`POST /api/links`).

The ceiling and the shortener's redirects are measured in `--rounds` rounds (3), the two servers
running side by side and taking turns, so that each ratio compares two runs made a few seconds
apart: the machine's speed drifts between minutes (the ceiling alone moved by a third between
runs here), and a ratio of runs made in different minutes measures the drift. The goals use the
median of the rounds' ratios. It prints every round, what each workload achieved, then the goals,
and exits with status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.load import Creates, Redirects, Result, Workload, run_python, run_wrk, wrk_available
from helpers import deploy, net

# gunicorn's settings, the same for the ceiling and the shortener. The goals are set at the plain
# start, `gunicorn -w 2`: two workers of gunicorn's default class, `sync`, which serves one
# request at a time and closes each connection after its answer. `helpers.deploy.gunicorn` (and
# bench/backends.py) run the production settings instead, threaded workers of ONE thread, one
# worker more than the machine's 2 cores, so that kept-alive connections wait in the worker's
# poller: `--workers 3 --worker-class gthread` measures those (bench/README.md has both).
WORKERS, WORKER_CLASS, THREADS = 2, "sync", 1
TARGET_PREFIX = "https://www.example.com/bench/"
TIMEOUT = 5.0
LoadGenerator = Callable[[str, Workload, int, int], Result]
LinkMaker = Callable[[requests.Session, str, str], str]


@dataclass(frozen=True)
class Settings:
    """The knobs of one benchmark run."""

    seconds: int
    warmup: int
    rounds: int
    connections: int
    links: int
    workers: int
    worker_class: str
    threads: int
    load: LoadGenerator


def gunicorn(
    app: str, settings: Settings, env: dict[str, str] | None = None
) -> net.BackgroundProcess:
    """Start `app` under gunicorn (`helpers.deploy.gunicorn`: on a free loopback port, with the
    app's production configuration, every worker ready) with the benchmark's settings."""
    return deploy.gunicorn(
        app,
        workers=settings.workers,
        threads=settings.threads,
        worker_class=settings.worker_class,
        name=f"gunicorn {app}",
        env=env,
    )


@contextmanager
def shortener(
    settings: Settings, more_env: Mapping[str, str] | None = None
) -> Iterator[net.BackgroundProcess]:
    """The shortener under gunicorn as it runs in production (`helpers.deploy.gunicorn` gives it
    its `gunicorn_conf.py`: metrics shared by the workers, JSON access logs), with a fresh SQLite
    database and no rate limit.

    `more_env` adds environment variables, e.g. SHORTENER_DATABASE_URL for another store.
    """
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        env = {
            "SHORTENER_DATABASE": str(Path(scratch) / "links.sqlite3"),
            "SHORTENER_RATE_LIMIT_ENABLED": "false",
            "SHORTENER_API_KEY": "bench-key",
            **(more_env or {}),
        }
        with gunicorn(deploy.SHORTENER, settings, env) as server:
            yield server


def reference_app() -> net.BackgroundProcess:
    """The reference course's app on Flask's development server, in its own process."""
    port = net.free_port()
    return net.run_process(
        [sys.executable, "-m", "bench.reference_app", str(port)], port, name="reference app"
    )


def shortener_link(session: requests.Session, url: str, target: str) -> str:
    """Create a link to `target` with the shortener's API; return the path that redirects."""
    response = session.post(f"{url}/api/links", json={"url": target}, timeout=TIMEOUT)
    response.raise_for_status()
    return f"/{response.json()['code']}"


def reference_link(session: requests.Session, url: str, target: str) -> str:
    """Create a link to `target` with the reference app; return the path that redirects."""
    response = session.post(f"{url}/shorten", json={"url": target}, timeout=TIMEOUT)
    response.raise_for_status()
    return f"/r/{response.json()['code']}"


def create_links(url: str, count: int, make_link: LinkMaker) -> tuple[str, ...]:
    """Create `count` links with `make_link`, check each redirects; return their paths."""
    paths = []
    with requests.Session() as session:
        for n in range(count):
            target = f"{TARGET_PREFIX}{n}"
            path = make_link(session, url, target)
            require_redirect(f"{url}{path}", target, session)
            paths.append(path)
    return tuple(paths)


def require_redirect(url: str, target: str, session: requests.Session) -> None:
    """Fail loudly unless `url` redirects to `target`: a benchmark of 404s measures nothing."""
    response = session.get(url, allow_redirects=False, timeout=TIMEOUT)
    if not response.is_redirect or response.headers["Location"] != target:
        raise RuntimeError(f"{url} answered {response.status_code}, not a redirect to {target}")


def measure(url: str, workload: Workload, settings: Settings) -> Result:
    """Warm the server up, then load it for the measured period."""
    if settings.warmup > 0:
        settings.load(url, workload, settings.connections, settings.warmup)
    return settings.load(url, workload, settings.connections, settings.seconds)


CEILING, REDIRECTS = "bare WSGI 302 (ceiling)", "shortener redirects"


@dataclass(frozen=True)
class Round:
    """The ceiling and the shortener's redirects, measured one after the other."""

    ceiling: Result
    redirects: Result

    @property
    def throughput_ratio(self) -> float:
        return self.redirects.requests_per_second / self.ceiling.requests_per_second

    @property
    def p99_ratio(self) -> float:
        return self.redirects.p99_ms / self.ceiling.p99_ms


def run(settings: Settings) -> tuple[list[Round], dict[str, Result]]:
    """Measure the ceiling and the redirects in alternating rounds, then the creates and the
    reference app once; the results of each workload are those of its median round."""
    rounds = []
    with gunicorn("helpers.bare_wsgi:app", settings) as bare, shortener(settings) as server:
        with requests.Session() as session:
            require_redirect(f"{bare.url}/any", "https://www.example.com/", session)
        paths = create_links(server.url, settings.links, shortener_link)
        for _ in range(settings.rounds):
            ceiling = measure(bare.url, Redirects(("/any",)), settings)
            rounds.append(Round(ceiling, measure(server.url, Redirects(paths), settings)))
        creates = Creates("/api/links", f"{TARGET_PREFIX}created/")
        results = {
            CEILING: median_by_rate([r.ceiling for r in rounds]),
            REDIRECTS: median_by_rate([r.redirects for r in rounds]),
            "shortener creates": measure(server.url, creates, settings),
        }
    with reference_app() as reference:
        paths = create_links(reference.url, settings.links, reference_link)
        results["reference app redirects"] = measure(reference.url, Redirects(paths), settings)
    return rounds, results


def median_by_rate(results: Sequence[Result]) -> Result:
    """The run with the median rate (the lower middle one of an even number)."""
    ordered = sorted(results, key=lambda result: result.requests_per_second)
    return ordered[(len(ordered) - 1) // 2]


@dataclass(frozen=True)
class Goal:
    """One of the issue's speed goals and what was measured for it."""

    name: str
    measured: float
    at_least: float | None = None
    at_most: float | None = None

    @property
    def met(self) -> bool:
        low = self.at_least is None or self.measured >= self.at_least
        return low and (self.at_most is None or self.measured <= self.at_most)

    @property
    def wanted(self) -> str:
        return f">= {self.at_least:g}" if self.at_least is not None else f"<= {self.at_most:g}"


def goals(rounds: Sequence[Round], results: dict[str, Result], connections: int) -> list[Goal]:
    """The issue's goals: the ratios to the ceiling as the median of the rounds' ratios."""
    redirects = results[REDIRECTS]
    return [
        Goal(
            "shortener / bare WSGI ceiling (x)",
            statistics.median(r.throughput_ratio for r in rounds),
            at_least=0.55,
        ),
        Goal(
            f"shortener p99 / ceiling p99 at {connections} conn. (x)",
            statistics.median(r.p99_ratio for r in rounds),
            at_most=1.25,
        ),
        Goal(
            "shortener / reference app (x)",
            redirects.requests_per_second / results["reference app redirects"].requests_per_second,
            at_least=3,
        ),
        Goal(
            "shortener creates per second",
            results["shortener creates"].requests_per_second,
            at_least=1000,
        ),
    ]


def report_rounds(rounds: Sequence[Round]) -> str:
    """A line per round: the ceiling's and the redirects' rate and p99, and their ratios."""
    lines = [
        f"{'round':<6}{'ceiling req/s':>14}{'p99 ms':>8}{'redirects req/s':>17}{'p99 ms':>8}"
        f"{'ratio':>7}{'p99 ratio':>11}"
    ]
    for number, r in enumerate(rounds, 1):
        lines.append(
            f"{number:<6}{r.ceiling.requests_per_second:>14.0f}{r.ceiling.p99_ms:>8.2f}"
            f"{r.redirects.requests_per_second:>17.0f}{r.redirects.p99_ms:>8.2f}"
            f"{r.throughput_ratio:>7.2f}{r.p99_ratio:>11.2f}"
        )
    return "\n".join(lines)


def report(results: dict[str, Result], goal_list: Sequence[Goal]) -> str:
    """The two tables: what each workload achieved, then each goal."""
    lines = [f"{'workload':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"]
    for name, result in results.items():
        lines.append(
            f"{name:<28}{result.requests_per_second:>10.0f}{result.p50_ms:>10.2f}"
            f"{result.p99_ms:>10.2f}{result.errors:>8}"
        )
    lines += ["", f"{'goal':<42}{'measured':>10}{'wanted':>10}  met"]
    for goal in goal_list:
        verdict = "yes" if goal.met else "NO"
        lines.append(f"{goal.name:<42}{goal.measured:>10.2f}{goal.wanted:>10}  {verdict}")
    return "\n".join(lines)


def argument_parser(
    description: str,
    *,
    links: int,
    rounds: int,
    workers: int = WORKERS,
    worker_class: str = WORKER_CLASS,
) -> argparse.ArgumentParser:
    """The command line shared by the benchmarks: time, connections, links, gunicorn, generator."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=int, default=5, help="measured time per workload")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured time before each")
    parser.add_argument("--rounds", type=int, default=rounds, help="measurement rounds")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--links", type=int, default=links, help="links the redirects go to")
    parser.add_argument("--workers", type=int, default=workers, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default=worker_class, help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=THREADS, help="threads per gunicorn worker")
    parser.add_argument(
        "--load",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk if installed (auto), or the Python one",
    )
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """The Settings that a command line of `argument_parser` asked for."""
    use_wrk = args.load == "wrk" or (args.load == "auto" and wrk_available())
    return Settings(
        seconds=args.seconds,
        warmup=args.warmup,
        rounds=args.rounds,
        connections=args.connections,
        links=args.links,
        workers=args.workers,
        worker_class=args.worker_class,
        threads=args.threads,
        load=run_wrk if use_wrk else run_python,
    )


def parse_settings(argv: Sequence[str]) -> Settings:
    """Read the command line."""
    parser = argument_parser(__doc__.splitlines()[0], links=100, rounds=3)
    return settings_from(parser.parse_args(argv))


def describe(settings: Settings) -> str:
    """One line saying how the load was made and how gunicorn served it."""
    generator = "wrk" if settings.load is run_wrk else "a Python load generator"
    return (
        f"{settings.connections} connections, {settings.seconds:g} s each, with {generator}; "
        f"gunicorn: {settings.workers} workers, {settings.worker_class}, "
        f"{settings.threads} thread(s) each"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the tables; 0 when every goal is met, else 1."""
    settings = parse_settings(sys.argv[1:] if argv is None else argv)
    print(f"{describe(settings)}; {settings.rounds} rounds of the ceiling and the redirects\n")
    rounds, results = run(settings)
    goal_list = goals(rounds, results, settings.connections)
    print(report_rounds(rounds) + "\n")
    print(report(results, goal_list))
    return 0 if all(goal.met for goal in goal_list) else 1


if __name__ == "__main__":
    sys.exit(main())

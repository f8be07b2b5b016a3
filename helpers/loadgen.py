"""A small HTTP load generator in Python, for loopback servers only.

`run_load` sends `requests` requests over `concurrency` keep-alive connections, one thread each,
until they are sent or `max_seconds` have passed, and records the status and latency of every
request. It never follows redirects: a shortener's 302 is the answer being measured.

It runs in one of two ways. **Closed loop** (the default): each connection sends its next request
as soon as the previous answer arrives, so a slow server is sent less, and a stall delays only
the few requests in flight: the requests that would have arrived meanwhile are never sent, and
their wait is never measured (coordinated omission). **Open loop** (`rate=`): request n is due at
n / rate seconds after the start, whatever the server does, and its latency counts from that
scheduled moment, so time spent waiting for a free connection during a stall is in the figures.
A request sent more than `LATE_MS` after it was due is counted as late: the generator did not
apply the load it was asked to (every connection was still waiting for an answer, or its own
threads fell behind), which the caller must know before blaming the server.

The client shares the machine (and a GIL) with the server it loads, so its figures are a floor;
compare servers measured with the same generator only. `zipf_paths` makes a workload where a few
links are far more popular than the rest, as on the real web.
"""

from __future__ import annotations

import http.client
import ipaddress
import itertools
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tqdm import tqdm  # type: ignore[import-untyped]  # tqdm ships no type hints

if TYPE_CHECKING:
    from matplotlib.axes import Axes

REQUEST_TIMEOUT = 5.0
LATE_MS = 5.0  # an open-loop request sent later than this after it was due counts as late

PathSource = Sequence[str] | Callable[[int], str]
BodySource = Callable[[int], bytes | None]


@dataclass(frozen=True)
class LoadResult:
    """What one load run saw: every request's status and latency, in completion order.

    A latency runs from the moment the request was sent (closed loop) or due (open loop, `rate`
    set) to its answer; `finished_at` is seconds since the run began. `late` counts the requests
    of an open-loop run sent more than LATE_MS after they were due (always 0 in a closed loop).
    """

    requests: int
    errors: int
    statuses: dict[int, int]
    seconds: float
    latencies_ms: tuple[float, ...]
    finished_at: tuple[float, ...]
    rate: float | None = None
    late: int = 0

    @property
    def requests_per_second(self) -> float:
        """Requests completed per second of the run."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def p50_ms(self) -> float:
        """The median latency in milliseconds."""
        return percentile(self.latencies_ms, 50)

    @property
    def p95_ms(self) -> float:
        """The latency that 95 % of the requests did not exceed, in milliseconds."""
        return percentile(self.latencies_ms, 95)

    @property
    def p99_ms(self) -> float:
        """The latency that 99 % of the requests did not exceed, in milliseconds."""
        return percentile(self.latencies_ms, 99)

    @property
    def error_ratio(self) -> float:
        """The share of requests that failed (a socket error or a status of 500 or more)."""
        return self.errors / self.requests if self.requests else 0.0

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw each request's latency against the time it finished, with p50, p95 and p99."""
        if ax is None:
            import matplotlib.pyplot as plt

            ax = plt.subplots(figsize=(8, 3.5))[1]
        ax.scatter(self.finished_at, self.latencies_ms, s=4, alpha=0.4, label="one request")
        for label, value, style in (("p50", self.p50_ms, ":"), ("p95", self.p95_ms, "--")):
            ax.axhline(value, linestyle=style, color="tab:orange", label=label)
        ax.axhline(self.p99_ms, linestyle="-", color="tab:red", label="p99")
        ax.set(xlabel="time since start (s)", ylabel="latency (ms)")
        ax.legend(loc="upper right")
        return ax


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank `q`-th percentile of `values` (NaN when there are none)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def require_loopback(base_url: str) -> tuple[str, int]:
    """The host and port of `base_url`; ValueError unless it is plain HTTP on a loopback address."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme != "http" or parts.port is None:
        raise ValueError(f"expected http://HOST:PORT, got {base_url!r}")
    loopback = host == "localhost"
    if not loopback:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
    if not loopback:
        raise ValueError(f"load is only ever sent to this machine (127.0.0.1), not to {host!r}")
    return host, parts.port


def _path_function(paths: PathSource) -> Callable[[int], str]:
    if callable(paths):
        return paths
    if not paths:
        raise ValueError("paths is empty: give at least one path")
    return lambda n: paths[n % len(paths)]


def run_load(
    base_url: str,
    paths: PathSource,
    *,
    requests: int,
    concurrency: int = 8,
    rate: float | None = None,
    keep_alive: bool = True,
    max_seconds: float = 30.0,
    method: str = "GET",
    body: BodySource | None = None,
    progress: bool = True,
) -> LoadResult:
    """Send `requests` requests over `concurrency` connections, or stop at `max_seconds`.

    Without `rate` the loop is closed: each connection sends as soon as its last answer arrived.
    With `rate` (requests per second) it is open: request n is due n / rate seconds after the
    start and its latency counts from then; `concurrency` is then the number of connections
    available to keep to that schedule. With `keep_alive=False` every request goes on a new
    connection (`Connection: close`), so the server's workers take them in turn instead of each
    connection staying with the worker that accepted it. Request number n goes to
    `paths[n % len(paths)]` (or `paths(n)`), with the JSON body `body(n)` when `body` is given.
    Errors are socket errors and statuses of 500 or more.
    """
    if rate is not None and rate <= 0:
        raise ValueError(f"rate must be a positive number of requests per second, got {rate!r}")
    host, port = require_loopback(base_url)
    path_of = _path_function(paths)
    numbers = itertools.count()  # next() on a count is atomic: each number is taken once
    lock = threading.Lock()
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    finished: list[float] = []
    socket_errors = 0
    late = 0
    bar = tqdm(total=requests, disable=not progress, unit="req", leave=False)
    started = time.perf_counter()
    deadline = started + max_seconds

    def keep_busy() -> None:
        nonlocal socket_errors, late
        client = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        try:
            while time.perf_counter() < deadline:
                n = next(numbers)
                due = None if rate is None else started + n / rate
                if n >= requests or (due is not None and due >= deadline):
                    return
                payload = body(n) if body else None
                headers = {"Content-Type": "application/json"} if payload is not None else {}
                if not keep_alive:
                    headers["Connection"] = "close"
                if due is not None:
                    time.sleep(max(0.0, due - time.perf_counter()))
                sent = time.perf_counter()
                status = None
                try:
                    client.request(method, path_of(n), payload, headers)
                    response = client.getresponse()
                    response.read()
                    status = response.status
                    if not keep_alive:
                        client.close()
                except (OSError, http.client.HTTPException):
                    client.close()  # the next request opens a fresh connection
                done = time.perf_counter()
                with lock:
                    latencies.append((done - (sent if due is None else due)) * 1e3)
                    finished.append(done - started)
                    if due is not None and sent - due > LATE_MS / 1e3:
                        late += 1
                    if status is None:
                        socket_errors += 1
                    else:
                        statuses[status] += 1
                bar.update()
        finally:
            client.close()

    threads = [threading.Thread(target=keep_busy, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max_seconds + 2 * REQUEST_TIMEOUT)
    seconds = time.perf_counter() - started
    bar.close()
    with lock:
        server_errors = sum(count for status, count in statuses.items() if status >= 500)
        return LoadResult(
            requests=len(latencies),
            errors=socket_errors + server_errors,
            statuses=dict(sorted(statuses.items())),
            seconds=seconds,
            latencies_ms=tuple(latencies),
            finished_at=tuple(finished),
            rate=rate,
            late=late,
        )


def zipf_paths(
    codes: Sequence[str], count: int, *, exponent: float = 1.1, seed: int = 0
) -> list[str]:
    """`count` paths `/<code>` where the code of rank r is drawn with weight 1 / r**exponent.

    The first code is the most popular; the same seed always gives the same list.
    """
    if not codes:
        raise ValueError("codes is empty: give at least one code")
    weights = [1 / rank**exponent for rank in range(1, len(codes) + 1)]
    drawn = random.Random(seed).choices(codes, weights=weights, k=count)
    return [f"/{code}" for code in drawn]

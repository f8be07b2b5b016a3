"""helpers.loadgen against a tiny WSGI app whose answers we choose, served on loopback."""

from __future__ import annotations

import socket
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

import pytest

from helpers import loadgen, net

StartResponse = Callable[[str, list[tuple[str, str]]], object]


def tiny_app(environ: dict[str, object], start_response: StartResponse) -> Iterable[bytes]:
    """`/status/NNN` answers NNN, `/slow` sleeps 50 ms, `/echo` returns the body, else 200."""
    path = str(environ["PATH_INFO"])
    if path == "/slow":
        time.sleep(0.05)
    if path.startswith("/status/"):
        code = int(path.rsplit("/", 1)[1])
        start_response(f"{code} Chosen", [("Location", "/elsewhere"), ("Content-Length", "0")])
        return [b""]
    stream = environ["wsgi.input"]
    length = int(str(environ.get("CONTENT_LENGTH") or 0))
    body = stream.read(length) if length else b"ok"  # type: ignore[attr-defined]
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture(scope="module")
def server() -> Iterator[net.BackgroundServer]:
    with net.serve_wsgi(tiny_app, name="loadgen-test") as running:
        yield running


def test_counts_every_request_and_its_status(server: net.BackgroundServer) -> None:
    paths = ["/status/200", "/status/302", "/status/404", "/status/503"]
    result = loadgen.run_load(server.url, paths, requests=200, concurrency=4, progress=False)
    assert result.requests == 200
    assert result.statuses == {200: 50, 302: 50, 404: 50, 503: 50}
    assert result.errors == 50  # only the 503s: a 302 is not followed and a 404 is an answer
    assert result.error_ratio == pytest.approx(0.25)
    assert len(result.latencies_ms) == len(result.finished_at) == 200
    assert list(result.finished_at) == sorted(result.finished_at)


def test_a_callable_gives_each_request_its_path_and_body(server: net.BackgroundServer) -> None:
    result = loadgen.run_load(
        server.url,
        lambda n: "/echo" if n % 2 else "/status/201",
        requests=40,
        method="POST",
        body=lambda n: b'{"n": %d}' % n,
        progress=False,
    )
    assert result.statuses == {200: 20, 201: 20}


def test_percentiles_see_the_slow_requests(server: net.BackgroundServer) -> None:
    paths = ["/fast"] * 9 + ["/slow"]
    result = loadgen.run_load(server.url, paths, requests=100, concurrency=2, progress=False)
    assert result.p50_ms < 40 <= result.p95_ms <= result.p99_ms
    assert result.requests_per_second > 0


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert loadgen.percentile(values, 50) == 50
    assert loadgen.percentile(values, 99) == 99
    assert loadgen.percentile([7.0], 99) == 7


def test_stops_at_max_seconds(server: net.BackgroundServer) -> None:
    started = time.monotonic()
    result = loadgen.run_load(
        server.url, ["/slow"], requests=10_000, concurrency=2, max_seconds=0.5, progress=False
    )
    assert time.monotonic() - started < 2
    assert 0 < result.requests < 100  # 50 ms each over 2 connections: about 20 in 0.5 s


def test_socket_errors_are_counted() -> None:
    port = net.free_port()  # nothing listens here
    result = loadgen.run_load(f"http://127.0.0.1:{port}", ["/"], requests=5, progress=False)
    assert result.requests == result.errors == 5
    assert result.statuses == {}


@pytest.mark.parametrize(
    "url", ["http://example.com:80", "https://127.0.0.1:443", "http://10.0.0.1:8000", "ftp://x"]
)
def test_refuses_anything_but_loopback(url: str) -> None:
    with pytest.raises(ValueError):
        loadgen.run_load(url, ["/"], requests=1, progress=False)


def test_never_touches_the_network_for_a_refused_url(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_connections(*args: object, **kwargs: object) -> None:
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", no_connections)
    with pytest.raises(ValueError):
        loadgen.run_load("http://192.168.1.1:80", ["/"], requests=1, progress=False)


def test_zipf_is_skewed_toward_the_first_codes() -> None:
    codes = [f"c{i}" for i in range(100)]
    counts = Counter(loadgen.zipf_paths(codes, 10_000))
    ranked = [path for path, _ in counts.most_common()]
    assert ranked[0] == "/c0"
    assert counts["/c0"] > 5 * counts["/c9"]
    top_ten = sum(counts[f"/c{i}"] for i in range(10))
    assert top_ten > 0.5 * 10_000  # a tenth of the links get most of the clicks


def test_zipf_is_reproducible() -> None:
    codes = ["a", "b", "c", "d"]
    assert loadgen.zipf_paths(codes, 50, seed=3) == loadgen.zipf_paths(codes, 50, seed=3)
    assert loadgen.zipf_paths(codes, 50, seed=3) != loadgen.zipf_paths(codes, 50, seed=4)
    assert all(path.startswith("/") for path in loadgen.zipf_paths(codes, 50))

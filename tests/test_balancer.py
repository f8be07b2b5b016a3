"""helpers.balancer in front of small WSGI backends that we can slow down, sicken and kill."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

import pytest
import requests

from helpers import loadgen, net
from helpers.balancer import Backend, Balancer, BalancerServer, Strategy, serve_balancer

StartResponse = Callable[[str, list[tuple[str, str]]], object]


class BackendApp:
    """A backend: `/healthz` always 200 (alive), `/readyz` 200 unless not ready, `/slow` takes
    `delay` s, `/proto` echoes X-Forwarded-Proto, others echo X-Forwarded-For."""

    def __init__(self, delay: float = 0.0) -> None:
        self.ready = True
        self.delay = delay

    def __call__(
        self, environ: dict[str, object], start_response: StartResponse
    ) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path in ("/healthz", "/readyz"):
            ready = self.ready or path == "/healthz"
            start_response("200 OK" if ready else "503 Service Unavailable", [])
            return [b""]
        if path == "/slow":
            time.sleep(self.delay)
        start_response("200 OK", [("Content-Type", "text/plain")])
        header = "HTTP_X_FORWARDED_PROTO" if path == "/proto" else "HTTP_X_FORWARDED_FOR"
        return [str(environ.get(header, "")).encode()]


@pytest.fixture
def backends() -> Iterator[dict[str, net.BackgroundServer]]:
    apps = {"a": BackendApp(), "b": BackendApp(), "c": BackendApp()}
    servers = {name: net.serve_wsgi(app, name=f"backend {name}") for name, app in apps.items()}
    for name, server in servers.items():
        server.app = apps[name]  # type: ignore[attr-defined]
    yield servers
    for server in servers.values():
        server.stop()


def urls(servers: dict[str, net.BackgroundServer]) -> dict[str, str]:
    return {name: server.url for name, server in servers.items()}


def served_by(balancer: BalancerServer, path: str, count: int) -> Counter[str]:
    with requests.Session() as session:
        answers = [session.get(balancer.url + path, timeout=5) for _ in range(count)]
    assert all(answer.status_code == 200 for answer in answers)
    return Counter(answer.headers["X-Backend"] for answer in answers)


def test_round_robin_shares_requests_evenly(backends: dict[str, net.BackgroundServer]) -> None:
    with serve_balancer(urls(backends), interval=60) as balancer:
        assert served_by(balancer, "/", 90) == {"a": 30, "b": 30, "c": 30}


def test_least_connections_picks_the_least_busy_backend() -> None:
    backends = [Backend(name, f"http://127.0.0.1:{port}") for name, port in (("a", 1), ("b", 2))]
    balancer = Balancer(backends, "least_connections")
    backends[0].active = 3
    assert balancer.pick() is backends[1]
    assert balancer.pick() is backends[1]  # b now has 1 in flight, a still 3
    assert backends[1].active == 2


def test_least_connections_sends_less_to_a_slow_backend() -> None:
    slow, fast = BackendApp(delay=0.2), BackendApp(delay=0.0)
    with (
        net.serve_wsgi(slow, name="backend slow") as slow_server,
        net.serve_wsgi(fast, name="backend fast") as fast_server,
    ):
        backend_urls = {"slow": slow_server.url, "fast": fast_server.url}
        cases: list[tuple[Strategy, float]] = [("round_robin", 0.5), ("least_connections", 0.0)]
        for strategy, expected_share_of_slow in cases:
            with serve_balancer(backend_urls, strategy=strategy, interval=60) as balancer:
                result = loadgen.run_load(
                    balancer.url, ["/slow"], requests=60, concurrency=4, progress=False
                )
                assert result.statuses == {200: 60}
                served = {b.name: b.served for b in balancer.balancer.backends}
            share_of_slow = served["slow"] / 60
            assert abs(share_of_slow - expected_share_of_slow) <= 0.15, (strategy, served)


def test_a_backend_killed_mid_load_costs_no_failed_request(
    backends: dict[str, net.BackgroundServer],
) -> None:
    with serve_balancer(urls(backends), interval=0.2) as balancer:
        killer = threading.Timer(0.3, backends["b"].stop)
        killer.start()
        result = loadgen.run_load(
            balancer.url, ["/slow"], requests=800, concurrency=4, max_seconds=20, progress=False
        )
        killer.join()
        assert result.statuses == {200: result.requests}
        assert result.errors == 0
        assert not balancer.balancer.backends[1].healthy
        assert served_by(balancer, "/", 20).keys() == {"a", "c"}


def test_a_backend_alive_but_not_ready_leaves_and_comes_back(
    backends: dict[str, net.BackgroundServer],
) -> None:
    with serve_balancer(urls(backends), interval=0.05) as balancer:
        assert balancer.balancer.health_path == "/readyz"  # the default
        backends["c"].app.ready = False  # type: ignore[attr-defined]
        time.sleep(0.3)
        assert served_by(balancer, "/", 20).keys() == {"a", "b"}
        backends["c"].app.ready = True  # type: ignore[attr-defined]
        time.sleep(0.3)
        assert served_by(balancer, "/", 30) == {"a": 10, "b": 10, "c": 10}


def test_a_liveness_health_path_keeps_an_unready_backend(
    backends: dict[str, net.BackgroundServer],
) -> None:
    with serve_balancer(urls(backends), health_path="/healthz", interval=0.05) as balancer:
        backends["c"].app.ready = False  # type: ignore[attr-defined]
        time.sleep(0.3)
        assert served_by(balancer, "/", 30) == {"a": 10, "b": 10, "c": 10}


@pytest.mark.parametrize(
    ("method", "status", "served_by"), [("POST", 502, {"nobody"}), ("GET", 200, {"b", "c"})]
)
def test_only_idempotent_requests_are_retried(
    backends: dict[str, net.BackgroundServer], method: str, status: int, served_by: set[str]
) -> None:
    backends["a"].stop()  # still in the rotation, first in turn: no check for a minute
    with serve_balancer(urls(backends), interval=60) as balancer:
        answer = requests.request(method, balancer.url + "/", data=b"x", timeout=5)
        assert answer.status_code == status
        assert answer.headers.get("X-Backend", "nobody") in served_by
        assert not balancer.balancer.backends[0].healthy  # the failure took "a" out


def test_no_healthy_backend_is_a_503(backends: dict[str, net.BackgroundServer]) -> None:
    with serve_balancer(urls(backends), interval=60) as balancer:
        for backend in balancer.balancer.backends:
            backend.healthy = False
        assert requests.get(balancer.url + "/", timeout=5).status_code == 503


def test_the_client_address_is_forwarded(backends: dict[str, net.BackgroundServer]) -> None:
    with serve_balancer(urls(backends), interval=60) as balancer:
        answer = requests.get(
            balancer.url + "/", headers={"X-Forwarded-For": "10.1.2.3"}, timeout=5
        )
        assert answer.text == "10.1.2.3, 127.0.0.1"


def test_the_scheme_is_the_balancers_whatever_the_client_says(
    backends: dict[str, net.BackgroundServer],
) -> None:
    with serve_balancer(urls(backends), interval=60) as balancer:
        answer = requests.get(
            balancer.url + "/proto", headers={"X-Forwarded-Proto": "https"}, timeout=5
        )
        assert answer.text == "http"


def test_a_rerun_replaces_the_old_balancer(backends: dict[str, net.BackgroundServer]) -> None:
    first = serve_balancer(urls(backends), name="rerun", interval=0.05)
    second = serve_balancer(urls(backends), name="rerun", interval=0.05)
    try:
        assert not first._checker.is_alive()
        assert requests.get(second.url + "/", timeout=5).status_code == 200
        with pytest.raises(requests.ConnectionError):
            requests.get(first.url + "/", timeout=5)
    finally:
        second.stop()
    assert "rerun" not in net.running()

"""A small HTTP load balancer, written by hand to show what one does.

It spreads requests over several backends, round robin or to the backend with the fewest requests
in flight (least connections). A thread asks each backend's health path every `interval` seconds,
its readiness (`/readyz`) by default rather than its liveness (`/healthz`): a backend that is
alive but cannot serve, say without its database, answers 503 there. A backend that fails a
check, or a request, is taken out of the rotation, and put back once a check succeeds. A
request that could not reach its backend is retried on the next one when its method is
idempotent (GET, HEAD, PUT, DELETE, OPTIONS); a POST is not retried, since the first backend may
have done it already. Each answer names the backend that served it in `X-Backend`.
Like nginx, it tells the backend who asked and how: it appends the client's address to
`X-Forwarded-For` and replaces `X-Forwarded-Proto` with its own scheme (a backend believes them
with SHORTENER_TRUSTED_PROXIES).

It opens a new connection to the backend for every request (nginx keeps a pool of them) and
reads whole bodies into memory: fine for a lesson. Production uses nginx or HAProxy
(deploy/nginx/shortener.conf).
"""

from __future__ import annotations

import http.client
import itertools
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from helpers import net
from helpers.loadgen import require_loopback

Strategy = Literal["round_robin", "least_connections"]
StartResponse = Callable[[str, list[tuple[str, str]]], object]

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Headers about one connection, not the message: a proxy never passes them on (RFC 9110, 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
BACKEND_TIMEOUT = 5.0
HEALTH_TIMEOUT = 1.0


@dataclass
class Backend:
    """One server behind the balancer, and what the balancer knows about it."""

    name: str
    url: str
    healthy: bool = True
    active: int = 0  # requests in flight right now
    served: int = 0
    host: str = field(init=False)
    port: int = field(init=False)

    def __post_init__(self) -> None:
        self.host, self.port = require_loopback(self.url)


class Balancer:
    """The choice of a backend for each request, and the bookkeeping of their health."""

    def __init__(
        self,
        backends: Iterable[Backend],
        strategy: Strategy = "round_robin",
        health_path: str = "/readyz",
    ) -> None:
        self.backends = list(backends)
        if not self.backends:
            raise ValueError("a balancer needs at least one backend")
        if strategy not in ("round_robin", "least_connections"):
            raise ValueError(f"unknown strategy {strategy!r}")
        self.strategy = strategy
        self.health_path = health_path
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def pick(self, exclude: Sequence[Backend] = ()) -> Backend | None:
        """Choose a healthy backend not in `exclude` and count a request on it (None: none left)."""
        with self._lock:
            candidates = [b for b in self.backends if b.healthy and b not in exclude]
            if not candidates:
                return None
            turn = next(self._turn)
            if self.strategy == "round_robin":
                chosen = candidates[turn % len(candidates)]
            else:  # the fewest in flight; ties go round robin, so that idle backends share the work
                fewest = min(b.active for b in candidates)
                tied = [b for b in candidates if b.active == fewest]
                chosen = tied[turn % len(tied)]
            chosen.active += 1
            return chosen

    def release(self, backend: Backend, *, failed: bool) -> None:
        """The request on `backend` is over; a failure takes the backend out until it is healthy."""
        with self._lock:
            backend.active -= 1
            if failed:
                backend.healthy = False
            else:
                backend.served += 1

    def check_health(self) -> None:
        """Ask every backend's health path once; 2xx puts it in the rotation, anything else out."""
        for backend in self.backends:
            client = http.client.HTTPConnection(backend.host, backend.port, timeout=HEALTH_TIMEOUT)
            try:
                client.request("GET", self.health_path)
                healthy = 200 <= client.getresponse().status < 300
            except (OSError, http.client.HTTPException):
                healthy = False
            finally:
                client.close()
            with self._lock:
                backend.healthy = healthy

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        """The WSGI application: forward the request, retrying idempotent ones elsewhere."""
        method = environ["REQUEST_METHOD"]
        path = quote(environ.get("PATH_INFO", "/")) or "/"
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers = _request_headers(environ)
        tried: list[Backend] = []
        while (backend := self.pick(exclude=tried)) is not None:
            tried.append(backend)
            try:
                status, reason, answer_headers, answer = _forward(
                    backend, method, path, body, headers
                )
            except (OSError, http.client.HTTPException):
                self.release(backend, failed=True)
                if method in IDEMPOTENT:
                    continue
                return _refuse(start_response, "502 Bad Gateway", f"{backend.name} did not answer")
            self.release(backend, failed=False)
            start_response(f"{status} {reason}", [*answer_headers, ("X-Backend", backend.name)])
            return [answer]
        return _refuse(start_response, "503 Service Unavailable", "no healthy backend")


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    """The client's headers, minus hop-by-hop ones, plus the client's address in X-Forwarded-For
    and the scheme it used in X-Forwarded-Proto (the client's own is replaced: it could lie)."""
    headers = {
        key[5:].replace("_", "-").title(): value
        for key, value in environ.items()
        if key.startswith("HTTP_") and key[5:].replace("_", "-").lower() not in HOP_BY_HOP
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").title()] = environ[key]
    client = environ.get("REMOTE_ADDR", "")
    earlier = headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{earlier}, {client}" if earlier else client
    headers["X-Forwarded-Proto"] = environ["wsgi.url_scheme"]
    return headers


def _forward(
    backend: Backend, method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """Send one request to `backend`; its status, reason, end-to-end headers and body."""
    client = http.client.HTTPConnection(backend.host, backend.port, timeout=BACKEND_TIMEOUT)
    try:
        client.request(method, path, body, headers)
        response = client.getresponse()
        answer = response.read()
        kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        return response.status, response.reason, kept, answer
    finally:
        client.close()


def _refuse(start_response: StartResponse, status: str, why: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [why.encode()]


class BalancerServer(net.BackgroundServer):
    """A `Balancer` served on a free loopback port, with its health-check thread."""

    def __init__(self, balancer: Balancer, *, name: str, interval: float) -> None:
        super().__init__(name, port=0)
        # Registered first, so that a re-run cell stops the old balancer before this one starts.
        net._register(self)
        self.balancer = balancer
        self._http = net.serve_wsgi(balancer, name=f"{name} (http)")
        self.port = self._http.port
        self._stopping = threading.Event()
        self._checker = threading.Thread(
            target=self._check_every, args=(interval,), name=f"health:{name}", daemon=True
        )
        self._checker.start()

    def __enter__(self) -> BalancerServer:
        return self

    def _check_every(self, interval: float) -> None:
        while not self._stopping.wait(interval):
            self.balancer.check_health()

    def stop(self) -> None:
        self._stopping.set()
        self._checker.join(timeout=net.DEFAULT_TIMEOUT)
        self._http.stop()
        super().stop()


def serve_balancer(
    backend_urls: dict[str, str],
    *,
    strategy: Strategy = "round_robin",
    health_path: str = "/readyz",
    interval: float = 0.5,
    name: str = "balancer",
) -> BalancerServer:
    """Balance over `backend_urls` (name -> loopback base URL) on a free loopback port."""
    backends = [Backend(backend, url) for backend, url in backend_urls.items()]
    return BalancerServer(Balancer(backends, strategy, health_path), name=name, interval=interval)

"""The outermost WSGI layer: every request timed, counted, logged, and given a request id.

It wraps the redirect fast path, which wraps Flask, so the redirects Flask never sees are
measured like the rest. Flask tells it which route answered (`metrics.remember_route`); a
request that did not reach Flask was a fast-path redirect. With TRUSTED_PROXIES set, Werkzeug's
ProxyFix wraps this layer in turn, so REMOTE_ADDR here is already the client's, not the proxy's.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask

from . import accesslog, metrics


class Observed:
    """WSGI middleware: request id in and out, metrics, and one access-log line per request."""

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = accesslog.request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        environ["shortener.request_id"] = request_id
        answered: list[int] = []

        def start_with_id(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            answered.append(int(status[:3]))
            headers.append((accesslog.REQUEST_ID_HEADER, request_id))
            return start_response(status, headers, *rest)

        metrics.IN_PROGRESS.inc()
        try:
            body = self.wsgi_app(environ, start_with_id)
        finally:
            metrics.IN_PROGRESS.dec()
            seconds = time.perf_counter() - started
            status = answered[-1] if answered else 500  # no answer at all: the server sends 500
            route = environ.get("shortener.route", metrics.REDIRECT_ROUTE)
            metrics.count_request(route, status, seconds)
            accesslog.log_request(
                method=environ.get("REQUEST_METHOD", ""),
                path=environ.get("PATH_INFO", ""),
                status=status,
                seconds=seconds,
                request_id=request_id,
                remote_addr=environ.get("REMOTE_ADDR", ""),
            )
        return body


def init_app(app: Flask) -> None:
    """Wrap `app`'s WSGI application, fast path included: call it after installing that."""
    app.wsgi_app = Observed(app.wsgi_app)  # type: ignore[method-assign]  # Flask's own way

"""The redirect: one implementation, reached first by a fast path in front of Flask.

Flask does a lot for each request (a request context, URL routing, hooks, error handlers): in
one process, a plain Flask redirect costs about 100 us, three quarters of the shortener's whole
redirect. A redirect to a live link needs none of it, so `RedirectFastPath`, a thin WSGI layer
around the Flask application, answers `GET` and `HEAD` `/<code>` itself when the link exists and
has not expired, and hands every other request to Flask: other paths and methods, unknown and
expired codes, and any error on the way. Flask's error responses (problem details, HTML pages
for browsers) therefore stay exactly what they were. The fast path skips only Flask hooks that
do nothing to a redirect: the rate limit applies to creating links, the security headers to HTML.

Both ways end in `redirect_to`, so there is one redirect: the Flask view `pages.follow` answers
the rare redirect the fast path declined (a link created in the meantime, a database busy for a
moment) with the same status and headers. The fast path gives them to the WSGI server as they
are: under gunicorn, wrapping them in a werkzeug Response object cost more CPU per redirect than
finding the link in SQLite. And it finds links in the worker's `linkcache` first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from flask import Flask, Response
from werkzeug.urls import iri_to_uri

from . import links, metrics
from .clicks import counter_of
from .codes import ALIAS_PATTERN, is_reserved
from .config import REDIRECT_STATUSES
from .db import pool_of
from .linkcache import cache_of

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CODE_PATH = re.compile(f"/({ALIAS_PATTERN.pattern})")


Headers = list[tuple[str, str]]
STATUS_LINES = {status: f"{status} {HTTPStatus(status).phrase}" for status in REDIRECT_STATUSES}


# `iri_to_uri` takes about 6 us, a third of a fast redirect; popular links are asked for again
# and again, and the answer for a URL never changes.
location_of = lru_cache(maxsize=4096)(iri_to_uri)

LOCAL_HITS = metrics.CACHE_LOOKUPS.labels(cache="local", result="hit")
LOCAL_MISSES = metrics.CACHE_LOOKUPS.labels(cache="local", result="miss")


def redirect_to(app: Flask, link: links.Link) -> tuple[str, Headers]:
    """Count a click on `link`; return the status line and headers of the redirect to its URL.

    Location is written as werkzeug writes it (`iri_to_uri`), so that both ways answer alike.
    """
    counter_of(app).count(link, links.utc_now())
    status = STATUS_LINES[app.config["REDIRECT_STATUS"]]
    location = location_of(link.url)
    return status, [("Location", location), ("Cache-Control", "private"), ("Content-Length", "0")]


class BodilessResponse(Response):
    """A Flask response with no body, which therefore declares no Content-Type either."""

    default_mimetype = None


class RedirectFastPath:
    """WSGI middleware: redirects to live links without Flask; everything else goes to Flask."""

    def __init__(self, app: Flask, flask_wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.flask_wsgi_app = flask_wsgi_app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        link = self.live_link(environ)
        if link is None:
            return self.flask_wsgi_app(environ, start_response)
        start_response(*redirect_to(self.app, link))
        return []

    def live_link(self, environ: dict[str, Any]) -> links.Link | None:
        """The live link a `GET` or `HEAD` of `/<code>` asks for; None to let Flask answer."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        path = CODE_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if path is None or is_reserved(path[1]):  # reserved words are the app's own pages
            return None
        cache = cache_of(self.app)
        deletions = cache.deletions.current()  # before the lookup: see linkcache
        link = cache.get(path[1], deletions)
        (LOCAL_MISSES if link is None else LOCAL_HITS).inc()
        if link is None:
            try:
                with metrics.query_timer("find_link"), pool_of(self.app).borrowed() as connection:
                    link = links.find_link(connection, path[1])
            except Exception:  # Flask tries again, and answers with its error handlers (503, 500)
                return None
            if link is None:
                return None
            cache.put(link, deletions)
        return None if link.is_expired(links.utc_now()) else link

"""The redirect: one implementation, reached first by a fast path in front of Flask.

`RedirectFastPath`, a thin WSGI layer around Flask, answers `GET` and `HEAD` `/<code>` itself
when the link is live, without Flask's request context, routing and hooks; everything else
(other paths and methods, unknown or expired codes, any error on the way) goes to Flask, whose
answers stay exactly what they were. Both ways end in `redirect_to`, so there is one redirect
(`pages.follow` answers the ones the fast path declined). It finds links through `lookup`, and
gives status and headers to the WSGI server as they are (no Response object).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from http import HTTPStatus
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask, Response
from werkzeug.urls import iri_to_uri

from . import links, lookup
from .clicks import counter_of
from .codes import ALIAS_PATTERN, is_reserved
from .config import REDIRECT_STATUSES

CODE_PATH = re.compile(f"/({ALIAS_PATTERN.pattern})")


Headers = list[tuple[str, str]]
STATUS_LINES = {status: f"{status} {HTTPStatus(status).phrase}" for status in REDIRECT_STATUSES}


# `iri_to_uri` is a good share of a fast redirect (bench/README.md); popular links are asked
# for again and again, and the answer for a URL never changes.
location_of = lru_cache(maxsize=4096)(iri_to_uri)


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

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        link = self.live_link(environ)
        if link is None:
            return self.flask_wsgi_app(environ, start_response)
        start_response(*redirect_to(self.app, link))
        return []

    def live_link(self, environ: WSGIEnvironment) -> links.Link | None:
        """The live link a `GET` or `HEAD` of `/<code>` asks for; None to let Flask answer."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        path = CODE_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if path is None or is_reserved(path[1]):  # reserved words are the app's own pages
            return None
        try:
            link = lookup.find_link(self.app, path[1])
        except Exception:  # Flask tries again, and answers with its error handlers (503, 500)
            return None
        if link is None or link.is_expired(links.utc_now()):
            return None
        return link

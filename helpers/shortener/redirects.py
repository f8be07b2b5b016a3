"""The redirect: one implementation, reached first by a fast path in front of Flask.

Flask does a lot for each request (a request context, URL routing, hooks, error handlers), and
measured in-process that machinery costs more than looking the link up in SQLite: about 100 us
of the redirect's 180. A redirect needs none of it when the link exists and is live, so
`RedirectFastPath`, a thin WSGI layer around the Flask application, answers `GET` and `HEAD`
`/<code>` itself in that case, and hands every other request to Flask: other paths and methods,
unknown and expired codes, and any database error. Flask's error responses (problem details,
HTML pages for browsers) therefore stay exactly what they were.

Both ways end in `redirect_to`, so there is one redirect: the Flask view `pages.follow` answers
the rare redirect the fast path declined (a link created in the meantime, or a database busy for
a moment) with the very same response. The fast path skips only Flask hooks that do nothing to
a redirect: the rate limit applies to creating links, and the security headers to HTML pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response

from . import links
from .clicks import counter_of
from .codes import ALIAS_PATTERN, is_reserved
from .db import pool_of

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CODE_PATH = re.compile(f"/({ALIAS_PATTERN.pattern})")


class Redirect(Response):
    """A redirect carries no body, so it declares no Content-Type either."""

    default_mimetype = None


def redirect_to(app: Flask, link: links.Link) -> Redirect:
    """Count a click on `link` and return the redirect to its URL."""
    counter_of(app).count(link, links.utc_now())
    return Redirect(
        status=app.config["REDIRECT_STATUS"],
        headers={"Location": link.url, "Cache-Control": "private"},
    )


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
        return redirect_to(self.app, link)(environ, start_response)

    def live_link(self, environ: dict[str, Any]) -> links.Link | None:
        """The live link a `GET` or `HEAD` of `/<code>` asks for; None to let Flask answer."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        path = CODE_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if path is None or is_reserved(path[1]):  # reserved words are the app's own pages
            return None
        try:
            with pool_of(self.app).borrowed() as connection:
                link = links.find_link(connection, path[1])
        except Exception:  # Flask tries again, and answers with its error handlers (503, 500)
            return None
        if link is None or link.is_expired(links.utc_now()):
            return None
        return link

"""The capstone of notebook 14: the shortener's redirects answered from a lookup you cache.

`find_link(app, code)` is the shortener's link lookup with no cache in front of it.
`CachedRedirects` is WSGI middleware (notebook 07) around the shortener: it answers `GET` and
`HEAD` `/<code>` from any lookup function, memoized or not, with the shortener's own redirect
(`redirects.redirect_to`, which counts the click), and hands every other request to the app.
Given `forget`, it also invalidates: after the API deletes a link, it calls `forget(code)`.

`temporary_database()` and `shortener_app(database)` give apps on a throwaway database.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

from flask import Flask

from .shortener import close_app, create_app, links, store
from .shortener.codes import is_reserved
from .shortener.redirects import CODE_PATH, redirect_to

Lookup = Callable[[str], links.Link | None]
DELETE_PATH = re.compile(f"/api/links{CODE_PATH.pattern}")


def find_link(app: Flask, code: str) -> links.Link | None:
    """The link stored under `code` in `app`'s store, asked for now (no cache)."""
    return store.store_of(app).find_link(code)


class CachedRedirects:
    """A WSGI application: redirects through `lookup(code)`, everything else through `app`."""

    def __init__(
        self, app: Flask, lookup: Lookup, forget: Callable[[str], object] | None = None
    ) -> None:
        self.app = app
        self.lookup = lookup
        self.forget = forget

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
        code = CODE_PATH.fullmatch(path)
        if method in ("GET", "HEAD") and code and not is_reserved(code[1]):
            link = self.lookup(code[1])
            if link is not None and not link.is_expired(links.utc_now()):
                start_response(*redirect_to(self.app, link))
                return []
        deleted = DELETE_PATH.fullmatch(path)
        if method == "DELETE" and deleted and self.forget is not None:
            return self.app(environ, self._forget_when_deleted(deleted[1], start_response))
        return self.app(environ, start_response)

    def _forget_when_deleted(self, code: str, start_response: StartResponse) -> StartResponse:
        """`start_response`, which first calls `forget(code)` if the answer is 204 No Content."""
        assert self.forget is not None
        forget = self.forget

        def start(status: str, headers: list[tuple[str, str]], *more: Any) -> Any:
            if status.startswith("204"):  # the deletion is committed: the kept link is stale
                forget(code)
            return start_response(status, headers, *more)

        return start


@contextmanager
def temporary_database() -> Iterator[str]:
    """The path of a database file in a new temporary folder, deleted with it afterwards."""
    with tempfile.TemporaryDirectory(prefix="shortener-", ignore_cleanup_errors=True) as folder:
        yield str(Path(folder) / "links.sqlite3")


@contextmanager
def shortener_app(database: str, settings: Mapping[str, Any] | None = None) -> Iterator[Flask]:
    """A shortener app on `database`, closed afterwards: two of them on one file behave like
    two gunicorn workers. The rate limit is off (the capstone creates many links at once)."""
    test_config = {"TESTING": True, "DATABASE": database, "RATE_LIMIT_ENABLED": False}
    app = create_app(test_config | dict(settings or {}))
    try:
        yield app
    finally:
        close_app(app)

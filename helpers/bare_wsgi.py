"""The fastest redirect a WSGI server can serve: no framework, no storage, always the same 302.

Served under the same gunicorn settings as the shortener, it is the ceiling the shortener's
redirects are measured against.
"""

from collections.abc import Callable, Iterable
from typing import Any

TARGET = "https://www.example.com/"
HEADERS = [("Location", TARGET), ("Cache-Control", "private"), ("Content-Length", "0")]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer every request with `302 Found` to TARGET."""
    start_response("302 Found", HEADERS)
    return [b""]

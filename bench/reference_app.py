"""The reference course's shortener, rewritten as a benchmark baseline.

Codes are the first five hex digits of the URL's MD5 and links live in a dict in memory, so two
URLs can collide and everything is lost on restart: notebook 10 shows those bugs. It runs on
Flask's development server (werkzeug, threaded), as the course runs it, without the per-request
log line, which would only slow it down. Start it with `python -m bench.reference_app PORT`.
"""

from __future__ import annotations

import hashlib
import sys

from flask import Flask, abort, redirect, request
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

from helpers.net import LOOPBACK


def create_app() -> Flask:
    """`POST /shorten` with `{"url": ...}` returns a code; `GET /r/<code>` redirects to the URL."""
    app = Flask(__name__)
    links: dict[str, str] = {}

    @app.post("/shorten")
    def shorten() -> tuple[dict[str, str], int]:
        url = request.get_json()["url"]
        code = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()[:5]
        links[code] = url
        return {"code": code}, 201

    @app.get("/r/<code>")
    def follow(code: str) -> Response:
        if code not in links:
            abort(404)
        return redirect(links[code], 302)

    return app


class _SilentHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def main(argv: list[str]) -> None:
    """Serve the app on 127.0.0.1:PORT until the process is stopped."""
    port = int(argv[1])
    server = make_server(
        LOOPBACK, port, create_app(), threaded=True, request_handler=_SilentHandler
    )
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)

"""The reference course's URL shortener, rewritten to behave exactly as it does, bugs included.

Notebook 10 runs it to show what goes wrong, and `bench/redirects.py` measures it as the
baseline the real shortener must beat. Its flaws are the lesson, so do not fix them here:

- links live in a module-level dict: a restart loses them all, and two processes never share them;
- a code is the first five hex digits of the URL's MD5, so two URLs can get the same code, and the
  second one is told its link "already exists" and is handed a link to the first one's page;
- `request.json` answers `415` to a client that forgets the JSON content type;
- `"url" not in payload` is the only check: a body such as `["url"]`, `42` or `{"url": 7}` gets
  past it or breaks it, and the view crashes with a `500`;
- the `global` statement does nothing: the dict is changed, never rebound.

The reference answers with a line of text; this version answers with the same words in JSON,
plus the code, so that programs (the benchmark, the notebook) can read it.

Run it with `python -m helpers.reference_app PORT`: Flask's development server on 127.0.0.1,
threaded, as the course runs it, minus the per-request log line.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

from flask import Flask, redirect, request
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

from helpers.net import LOOPBACK

app = Flask(__name__)
links: dict[str, str] = {}


@app.post("/shorten")
def shorten() -> tuple[dict[str, str], int] | tuple[str, int]:
    """Store the URL under the first five hex digits of its MD5; say so, even when it did not."""
    global links  # the reference's needless global, kept on purpose
    payload: Any = request.json
    if "url" not in payload:
        return "Missing URL parameter", 400
    code = hashlib.md5(payload["url"].encode(), usedforsecurity=False).hexdigest()[:5]
    if code in links:
        return {"message": "Already exists", "code": code}, 200
    links[code] = payload["url"]
    return {"message": "Shortened", "code": code}, 200


@app.get("/r/<hash_>")
def follow(hash_: str) -> Response | tuple[str, int]:
    """Redirect to the URL stored under `hash_` with a 302, or answer 404."""
    if hash_ not in links:
        return "URL not found", 404
    return redirect(links[hash_])


class _SilentHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def main(argv: list[str]) -> None:
    """Serve the app on 127.0.0.1:PORT until the process is stopped."""
    port = int(argv[1])
    server = make_server(LOOPBACK, port, app, threaded=True, request_handler=_SilentHandler)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)

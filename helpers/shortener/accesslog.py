"""Access logs as JSON lines: one per request, easy for a program to search and count.

Where the lines go is the deployment's choice, made once with `configure()`: the gunicorn
configuration sends them to standard error, where the process manager collects them.
Unconfigured, as in a notebook or a test, nothing is written and the fast path builds nothing.
Each line is written straight to its stream, with one `write` and a flush, and not through
`logging`: a log record and the lookup of its caller cost more than the rest of a fast redirect
(bench/README.md).

Each line carries a request id: the client's X-Request-ID header when it is a sensible one (so a
request can be followed through a proxy or another service), else a new random one. It is sent
back in the X-Request-ID response header, so a user reporting a problem can quote it. Its
`remote_addr` is the client's address as the rate limit sees it (see TRUSTED_PROXIES in `config`).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from datetime import UTC, datetime
from typing import TextIO

REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# The fields of an access line, in this order.
FIELDS = ("time", "method", "path", "status", "duration_ms", "request_id", "remote_addr")

_stream: TextIO | None = None
_writing = threading.Lock()  # the threads of a worker write whole lines, one at a time


def request_id_from(header: str | None) -> str:
    """The incoming id if it is 8 to 128 safe characters, else a new random one (32 hex digits).

    Anything else is replaced rather than logged: a client must not be able to write newlines
    or quotes into the logs, nor make them huge.
    """
    if header is not None and VALID_REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)


def configure(stream: TextIO | None) -> None:
    """Write the access lines to `stream` from now on; None writes none."""
    global _stream
    _stream = stream


def enabled() -> bool:
    """Whether access lines are being written."""
    return _stream is not None


def log_request(
    *, method: str, path: str, status: int, seconds: float, request_id: str, remote_addr: str
) -> None:
    """Write the access line of one answered request, if access lines are being written."""
    stream = _stream
    if stream is None:
        return
    values = (_now(), method, path, status, round(seconds * 1000, 3), request_id, remote_addr)
    line = json.dumps(dict(zip(FIELDS, values, strict=True)), separators=(",", ":")) + "\n"
    with _writing:
        stream.write(line)
        stream.flush()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")

"""Access logs as JSON lines: one per request, easy for a program to search and count.

The application only logs, to the logger `shortener.access` at level INFO; where the lines go is
the deployment's choice, made once with `configure()` (the gunicorn configuration and `serve`
do it). Unconfigured, as in a notebook or a test, Python drops INFO records and the fast path
does not even build them.

Each line carries a request id: the client's X-Request-ID header when it is a sensible one (so a
request can be followed through a proxy or another service), else a new random one. It is sent
back in the X-Request-ID response header, so a user reporting a problem can quote it. Its
`remote_addr` is the client's address as the rate limit sees it (see TRUSTED_PROXIES in `config`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from typing import Any, TextIO

LOGGER_NAME = "shortener.access"
REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# The fields of an access line, in this order; the record's `access` dict holds them.
FIELDS = ("time", "method", "path", "status", "duration_ms", "request_id", "remote_addr")

logger = logging.getLogger(LOGGER_NAME)


def request_id_from(header: str | None) -> str:
    """The incoming id if it is 8 to 128 safe characters, else a new random one.

    Anything else is replaced rather than logged: a client must not be able to write newlines
    or quotes into the logs, nor make them huge.
    """
    if header is not None and VALID_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: its `access` fields if it has them, else its message."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "access", None) or {
            "time": _iso_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(fields, separators=(",", ":"))


def log_request(
    *, method: str, path: str, status: int, seconds: float, request_id: str, remote_addr: str
) -> None:
    """Write the access line of one answered request, if anybody listens."""
    if not logger.isEnabledFor(logging.INFO):
        return
    fields = dict(
        zip(
            FIELDS,
            (_iso_time(), method, path, status, round(seconds * 1000, 3), request_id, remote_addr),
            strict=True,
        )
    )
    logger.info("%s %s %s", method, path, status, extra={"access": fields})


def configure(stream: TextIO | None = None) -> logging.Handler:
    """Send access lines to `stream` (standard error by default) as JSON; return the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return handler


def _iso_time(timestamp: float | None = None) -> str:
    moment = datetime.now(UTC) if timestamp is None else datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds")

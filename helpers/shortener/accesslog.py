"""Access logs as JSON lines: one per request, easy for a program to search and count.

Where the lines go is the deployment's choice, made once with `configure()`: the gunicorn
configuration sends them to standard error, where the process manager collects them.
Unconfigured, as in a notebook or a test, nothing is written and the fast path builds nothing.
Lines are written straight to their stream, not through `logging`: a log record and the lookup
of its caller cost more than the rest of a fast redirect (bench/README.md). Each line is written
and flushed at once, or, configured with `every=`, gathered and written together, as nginx's
`access_log ... buffer= flush=` does: a write is a system call, and under gunicorn every system
call of a request hands the worker's GIL to its other thread (bench/README.md). The request that
finds the oldest gathered line `every` seconds old writes them all; a thread writes the last ones
once requests stop, waking only every IDLE_SECONDS (a thread that wakes often takes the GIL from
the requests each time). Invariants: lines stay whole and in order; a normal exit writes what is
pending; a SIGKILL loses at most `every` seconds of lines while requests arrive, and at most
IDLE_SECONDS more after the last one.

Each line carries a request id: the client's X-Request-ID header when it is a sensible one (so a
request can be followed through a proxy or another service), else a new random one. It is sent
back in the X-Request-ID response header, so a user reporting a problem can quote it. Its
`remote_addr` is the client's address as the rate limit sees it (see TRUSTED_PROXIES in `config`).
"""

from __future__ import annotations

import atexit
import json
import random
import re
import threading
import time
from datetime import UTC, datetime
from typing import TextIO

REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# The fields of an access line, in this order.
FIELDS = ("time", "method", "path", "status", "duration_ms", "request_id", "remote_addr")
IDLE_SECONDS = 1.0  # how often the thread looks for lines left gathered once requests stopped

_stream: TextIO | None = None
_every: float | None = None  # None: each line at once; else the seconds between writes
_pending: list[str] = []  # the lines not written yet, when they are gathered
_due = 0.0  # when the gathered lines must be written (time.monotonic), once there are any
_writing = threading.Lock()  # guards the four above: lines stay whole and in order
_stop_writer = threading.Event()  # tells the writing thread, if there is one, to stop


def request_id_from(header: str | None) -> str:
    """The incoming id if it is 8 to 128 safe characters, else a new random one (32 hex digits).

    Anything else is replaced rather than logged: a client must not be able to write newlines
    or quotes into the logs, nor make them huge. A new id need only be unique, not secret, so it
    comes from `random`, whose generator is seeded anew in every forked process (gunicorn's
    workers never repeat each other) and asks the system for nothing, where `secrets` reads the
    kernel's random source on every request.
    """
    if header is not None and VALID_REQUEST_ID.fullmatch(header):
        return header
    return f"{random.getrandbits(128):032x}"


def configure(stream: TextIO | None, *, every: float | None = None) -> None:
    """Write the access lines to `stream` from now on, or none if it is None: each line at once,
    or, with `every`, all the lines of the last `every` seconds together."""
    global _stream, _every, _stop_writer
    if every is not None and every <= 0:
        raise ValueError(f"every must be a positive number of seconds, got {every!r}")
    flush()  # what is pending belongs to the stream it was meant for
    _stop_writer.set()
    with _writing:
        _stream, _every = stream, every
    if stream is not None and every is not None:
        _stop_writer = threading.Event()
        threading.Thread(
            target=_write_when_idle, args=(_stop_writer,), name="access-log", daemon=True
        ).start()


def enabled() -> bool:
    """Whether access lines are being written."""
    return _stream is not None


def log_request(
    *, method: str, path: str, status: int, seconds: float, request_id: str, remote_addr: str
) -> None:
    """Write the access line of one answered request, if access lines are being written."""
    global _due
    stream = _stream
    if stream is None:
        return
    values = (_now(), method, path, status, round(seconds * 1000, 3), request_id, remote_addr)
    line = json.dumps(dict(zip(FIELDS, values, strict=True)), separators=(",", ":")) + "\n"
    with _writing:
        if _every is None:
            stream.write(line)
            stream.flush()
            return
        now = time.monotonic()
        if not _pending:
            _due = now + _every
        _pending.append(line)
        if now >= _due:
            _write_pending()


@atexit.register
def flush() -> None:
    """Write the pending lines now (at exit, this runs by itself)."""
    with _writing:
        _write_pending()


def _write_pending() -> None:
    """Write the gathered lines; the caller holds `_writing`."""
    if _pending and _stream is not None:
        _stream.write("".join(_pending))
        _stream.flush()
    _pending.clear()


def _write_when_idle(stop: threading.Event) -> None:
    """Write the lines that no request wrote because none came after them."""
    while not stop.wait(IDLE_SECONDS):
        with _writing:
            if _pending and time.monotonic() >= _due:
                _write_pending()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")

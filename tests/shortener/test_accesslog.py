"""accesslog and middleware: one JSON line per request, fast path included, with a request id taken
from a sensible X-Request-ID or made up, and always sent back."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import net
from helpers.shortener import accesslog

from .support import create

RANDOM_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """The access log, configured to write into a string for the test."""
    stream = io.StringIO()
    accesslog.configure(stream)
    yield stream
    accesslog.configure(None)


def logged(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def log_one(path: str) -> None:
    """One access line for a redirect of `path`."""
    accesslog.log_request(
        method="GET",
        path=path,
        status=302,
        seconds=0.001,
        request_id="x" * 32,
        remote_addr="127.0.0.1",
    )


def test_one_json_line_per_request_fast_path_included(
    client: FlaskClient, lines: io.StringIO
) -> None:
    code = create(client)["code"]
    client.get(f"/{code}")  # the fast path
    client.get("/healthz", headers={"X-Request-ID": "trace-0001-abc"})

    created, redirected, healthy = logged(lines)
    assert list(created) == list(accesslog.FIELDS)
    assert (created["method"], created["path"], created["status"]) == ("POST", "/api/links", 201)
    assert (redirected["path"], redirected["status"]) == (f"/{code}", 302)
    assert healthy["request_id"] == "trace-0001-abc"
    assert redirected["remote_addr"] == "127.0.0.1"
    assert all(line["duration_ms"] >= 0 for line in (created, redirected, healthy))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", created["time"])


@pytest.mark.parametrize("sent", [None, "short", "has space inside", "x" * 129, 'quote"s-and-more'])
def test_a_missing_or_unsafe_request_id_is_replaced(
    client: FlaskClient, lines: io.StringIO, sent: str | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    response = client.get("/healthz", headers=headers)
    returned = response.headers["X-Request-ID"]
    assert RANDOM_ID.fullmatch(returned)
    assert logged(lines)[-1]["request_id"] == returned


def test_the_request_id_comes_back_on_every_kind_of_answer(client: FlaskClient) -> None:
    code = create(client)["code"]
    for path in (f"/{code}", "/no-such-code", "/healthz", "/metrics"):
        response = client.get(path, headers={"X-Request-ID": "follow-me-42"})
        assert response.headers["X-Request-ID"] == "follow-me-42", path


def test_nothing_is_written_unless_configured(client: FlaskClient, lines: io.StringIO) -> None:
    accesslog.configure(None)
    assert not accesslog.enabled()
    assert client.get("/healthz").status_code == 200
    assert lines.getvalue() == ""


def test_lines_from_many_threads_stay_whole(lines: io.StringIO) -> None:
    def log_some(thread: int) -> None:
        for number in range(200):
            log_one(f"/t{thread}/{number}")

    threads = [threading.Thread(target=log_some, args=(thread,)) for thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    paths = {line["path"] for line in logged(lines)}
    assert paths == {f"/t{thread}/{number}" for thread in range(8) for number in range(200)}


def test_gathered_lines_are_written_together_every_interval() -> None:
    stream = io.StringIO()
    accesslog.configure(stream, every=0.2)
    try:
        for number in range(3):
            log_one(f"/g{number}")
        assert stream.getvalue() == ""  # gathered, not written yet
        assert net.wait_until(lambda: len(logged(stream)) == 3, timeout=2.0)
        assert [line["path"] for line in logged(stream)] == ["/g0", "/g1", "/g2"]
    finally:
        accesslog.configure(None)


def test_the_request_after_the_interval_writes_the_gathered_lines() -> None:
    # Under load no thread wakes up to write: the request that comes once the oldest gathered
    # line is `every` old writes them all, long before the idle thread's next look.
    stream = io.StringIO()
    accesslog.configure(stream, every=0.05)
    try:
        log_one("/first")
        time.sleep(0.06)
        assert stream.getvalue() == ""
        log_one("/second")
        assert [line["path"] for line in logged(stream)] == ["/first", "/second"]
        log_one("/third")
        assert len(logged(stream)) == 2  # a new interval has begun
    finally:
        accesslog.configure(None)
    assert accesslog.IDLE_SECONDS >= 0.5  # so the thread could not have written them in time


def test_reconfiguring_writes_what_is_pending_to_the_old_stream() -> None:
    old, new = io.StringIO(), io.StringIO()
    accesslog.configure(old, every=60.0)  # the thread would wait a minute
    log_one("/pending")
    accesslog.configure(new)
    accesslog.configure(None)
    assert [line["path"] for line in logged(old)] == ["/pending"]
    assert new.getvalue() == ""


def test_a_normal_exit_writes_the_pending_lines() -> None:
    program = (
        "import sys\n"
        "from helpers.shortener import accesslog\n"
        "accesslog.configure(sys.stdout, every=60.0)\n"
        "accesslog.log_request(method='GET', path='/at-exit', status=302, seconds=0.0,"
        " request_id='z' * 32, remote_addr='127.0.0.1')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=30, check=True
    )
    assert json.loads(done.stdout)["path"] == "/at-exit"


@pytest.mark.parametrize("every", [0, -1.0])
def test_a_senseless_interval_is_refused(every: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        accesslog.configure(io.StringIO(), every=every)


def test_forked_workers_make_different_request_ids() -> None:
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: one new id into the pipe, and out without any clean-up
        os.write(writing, accesslog.request_id_from(None).encode())
        os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    with os.fdopen(reading) as pipe:
        from_child = pipe.read()
    assert RANDOM_ID.fullmatch(from_child)
    assert from_child != accesslog.request_id_from(None)

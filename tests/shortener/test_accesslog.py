"""accesslog and middleware: one JSON line per request, fast path included, with a request id taken
from a sensible X-Request-ID or made up, and always sent back."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers.shortener import accesslog

from .support import create

RANDOM_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """The access log, configured to write into a string for the test."""
    stream = io.StringIO()
    handler = accesslog.configure(stream)
    yield stream
    accesslog.logger.removeHandler(handler)
    accesslog.logger.setLevel(logging.NOTSET)
    accesslog.logger.propagate = True


def logged(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


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


def test_nothing_is_built_when_nobody_listens(client: FlaskClient) -> None:
    assert not accesslog.logger.isEnabledFor(logging.INFO)
    assert client.get("/healthz").status_code == 200


def test_other_records_become_json_too() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "disk %s", ("full",), None)
    fields = json.loads(accesslog.JsonFormatter().format(record))
    assert fields["message"] == "disk full" and fields["level"] == "WARNING"

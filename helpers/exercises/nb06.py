"""Exercises of notebook 06, HTTP by hand: parse a request strictly, build a response."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from http import HTTPStatus

import requests

from helpers import net
from helpers.exercises import Exercise, NotYet, require

METHOD = re.compile(r"[A-Z]+")
VERSION = re.compile(r"HTTP/\d\.\d")


def parse_request_line(line: str) -> tuple[str, str, str]:
    parts = line.split(" ")
    if len(parts) != 3:
        raise ValueError(f"expected 'METHOD target HTTP/x.y', got {line!r}")
    method, target, version = parts
    if not METHOD.fullmatch(method):
        raise ValueError(f"bad method {method!r}")
    if not target.startswith("/"):
        raise ValueError(f"bad target {target!r}")
    if not VERSION.fullmatch(version):
        raise ValueError(f"bad version {version!r}")
    return method, target, version


GOOD_LINES = {
    "GET / HTTP/1.1": ("GET", "/", "HTTP/1.1"),
    "POST /api/links?from=notebook HTTP/1.1": ("POST", "/api/links?from=notebook", "HTTP/1.1"),
    "DELETE /r/abc123 HTTP/1.0": ("DELETE", "/r/abc123", "HTTP/1.0"),
}
BAD_LINES = [
    "",
    "GET /",
    "GET  / HTTP/1.1",
    "get / HTTP/1.1",
    "GET index.html HTTP/1.1",
    "GET / HTTP/one",
    "GET / HTTP/1.1 extra",
    "GET / http/1.1",
]


def _check_parse_request_line(candidate: Callable[[str], tuple[str, str, str]]) -> None:
    require(callable(candidate), "the answer should be a function that takes a request line.")
    for line, expected in GOOD_LINES.items():
        got = candidate(line)
        require(
            tuple(got) == expected, f"parse_request_line({line!r}) gave {got!r}; want {expected!r}."
        )
    for line in BAD_LINES:
        try:
            got = candidate(line)
        except ValueError:
            continue
        raise NotYet(f"parse_request_line({line!r}) returned {got!r}; it should raise ValueError.")


q1 = Exercise(
    "parse_request_line accepts good request lines and rejects bad ones",
    _check_parse_request_line,
    hints=[
        "`line.split(' ')` (with an explicit single space) must give exactly three parts; two "
        "spaces in a row give an empty part.",
        "The method is upper-case letters only, the target starts with '/', and the version "
        "looks like HTTP/1.1: `re.fullmatch(r'HTTP/\\d\\.\\d', version)`.",
    ],
    solution=parse_request_line,
    wrong=[
        lambda line: tuple(line.split()),
        lambda line: tuple(line.split(" ", 2)),
    ],
)


def parse_headers(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise ValueError(f"bad header line {line!r}")
        name, value = name.lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


GOOD_HEADERS: list[tuple[list[str], dict[str, str]]] = [
    ([], {}),
    (["Host: 127.0.0.1", "Accept: */*"], {"host": "127.0.0.1", "accept": "*/*"}),
    (["Content-Length:   12  "], {"content-length": "12"}),
    (["Location: /r/abc?at=10:30"], {"location": "/r/abc?at=10:30"}),
    (["X-Tag: a", "x-tag: b"], {"x-tag": "a, b"}),
    (["Empty:"], {"empty": ""}),
]
BAD_HEADERS = [["Host 127.0.0.1"], [": no name"], ["Host : 127.0.0.1"]]


def _check_parse_headers(candidate: Callable[[list[str]], dict[str, str]]) -> None:
    require(callable(candidate), "the answer should be a function that takes a list of lines.")
    for lines, expected in GOOD_HEADERS:
        got = candidate(list(lines))
        require(got == expected, f"parse_headers({lines!r}) gave {got!r}; want {expected!r}.")
    for lines in BAD_HEADERS:
        try:
            got = candidate(list(lines))
        except ValueError:
            continue
        raise NotYet(f"parse_headers({lines!r}) returned {got!r}; it should raise ValueError.")


q2 = Exercise(
    "parse_headers reads header lines the way RFC 9112 asks",
    _check_parse_headers,
    hints=[
        "`name, colon, value = line.partition(':')` splits at the first colon only, so values "
        "may contain colons; `colon` is '' when there was none.",
        "Names are case-insensitive (store them lower-cased); values lose surrounding spaces; a "
        "space before the colon is an error; a repeated name joins its values with ', '.",
    ],
    solution=parse_headers,
    wrong=[
        lambda lines: dict(line.split(": ", 1) for line in lines),
        lambda lines: {
            n.strip().lower(): v.strip() for n, _, v in (x.partition(":") for x in lines)
        },
    ],
)


def build_response(status: int, body: bytes) -> bytes:
    reason = HTTPStatus(status).phrase
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


RESPONSE_CASES = [
    (200, b"hello\n"),
    (404, b"no such page"),
    (201, "caf\u00e9 \u2615".encode()),
    (500, b""),
]


def _check_response_text(status: int, body: bytes, response: bytes) -> None:
    """Read the candidate's bytes the way a strict client would."""
    head, blank, got_body = response.partition(b"\r\n\r\n")
    require(bool(blank), "the head must end with an empty line: b'\\r\\n\\r\\n'.")
    lines = head.split(b"\r\n")
    require(
        not any(b"\n" in line or b"\r" in line for line in lines),
        "every line of the head must end with b'\\r\\n', not a bare b'\\n'.",
    )
    want = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}".encode()
    require(lines[0] == want, f"the status line for {status} was {lines[0]!r}; want {want!r}.")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    require(
        headers.get("content-length") == str(len(body)),
        f"Content-Length should be {len(body)} (the body's length in bytes), "
        f"not {headers.get('content-length')!r}.",
    )
    require(headers.get("connection") == "close", "the response should say Connection: close.")
    require(got_body == body, f"the body after the blank line is {got_body!r}; want {body!r}.")


def _check_build_response(candidate: Callable[[int, bytes], bytes]) -> None:
    require(callable(candidate), "the answer should be a function of (status, body).")
    responses = [candidate(status, body) for status, body in RESPONSE_CASES]
    for (status, body), response in zip(RESPONSE_CASES, responses, strict=True):
        require(isinstance(response, bytes), f"build_response returned {response!r}, not bytes.")
        _check_response_text(status, body, response)

    def answer_by_path(connection: socket.socket, address: tuple[str, int]) -> None:
        request = b""
        while b"\r\n\r\n" not in request and (chunk := connection.recv(4096)):
            request += chunk
        index = int(request.split(b" ")[1].strip(b"/"))
        connection.sendall(responses[index])

    with net.serve_tcp(answer_by_path, name="nb06-q2-check") as server:
        for index, (status, body) in enumerate(RESPONSE_CASES):
            try:
                reply = requests.get(f"{server.url}/{index}", timeout=2)
            except requests.RequestException as error:
                raise NotYet(f"requests could not read the {status} response: {error}") from None
            require(reply.status_code == status, f"requests saw {reply.status_code}, not {status}.")
            require(reply.content == body, f"requests read {reply.content!r}, not {body!r}.")


q3 = Exercise(
    "build_response makes an HTTP/1.1 response that requests can read",
    _check_build_response,
    hints=[
        "`http.HTTPStatus(404).phrase` is 'Not Found'. The status line is "
        "'HTTP/1.1 404 Not Found'.",
        "Join the status line and the headers with '\\r\\n', end the head with an empty line, "
        "encode it, then append the body bytes.",
        "Content-Length counts bytes: `len(body)` of the bytes, not the length of some text.",
    ],
    solution=build_response,
    wrong=[
        lambda status, body: (
            (
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\nContent-Length: {len(body)}\n"
                "Connection: close\n\n"
            ).encode()
            + body
        ),
        lambda status, body: (
            (
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                f"Content-Length: {len(body.decode())}\r\nConnection: close\r\n\r\n"
            ).encode()
            + body
        ),
        lambda status, body: (
            (
                f"HTTP/1.1 {status} OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode()
            + body
        ),
    ],
)

"""Exercises of notebook 06, HTTP by hand: parse a request strictly, build a response."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import urlsplit

import requests

from helpers import net
from helpers.exercises import Exercise, NotYet, answer_of, require

# RFC 9112's request line: a token (RFC 9110's tchar, ASCII only), a space, a target, a space,
# HTTP-version. DIGIT and ALPHA are ASCII: Python's `\d`, `\w` and str.isdigit() are not.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
VERSION = re.compile(r"HTTP/[0-9]\.[0-9]")


def parse_request_line(line: str) -> tuple[str, str, str]:
    parts = line.split(" ")
    if len(parts) != 3:
        raise ValueError(f"expected 'METHOD target HTTP/x.y', got {line!r}")
    method, target, version = parts
    if not TOKEN.fullmatch(method):
        raise ValueError(f"bad method {method!r}")
    url = urlsplit(target)
    absolute_form = url.scheme in ("http", "https") and bool(url.netloc)
    if not (target.startswith("/") or absolute_form or target == "*"):
        raise ValueError(f"bad target {target!r}")
    if not VERSION.fullmatch(version):
        raise ValueError(f"bad version {version!r}")
    return method, target, version


# Each good line with why a parser must accept it, then each bad line with why it must not.
GOOD_LINES: dict[str, tuple[tuple[str, str, str], str]] = {
    "GET / HTTP/1.1": (("GET", "/", "HTTP/1.1"), ""),
    "POST /api/links?from=notebook HTTP/1.1": (
        ("POST", "/api/links?from=notebook", "HTTP/1.1"),
        "",
    ),
    "DELETE /r/abc123 HTTP/1.0": (("DELETE", "/r/abc123", "HTTP/1.0"), ""),
    "get / HTTP/1.1": (
        ("get", "/", "HTTP/1.1"),
        " Methods are case-sensitive: `get` is a well-formed method, just not GET (a server answers"
        " it 501 Not Implemented, not 400), and the method is returned as it was sent.",
    ),
    "OPTIONS * HTTP/1.1": (
        ("OPTIONS", "*", "HTTP/1.1"),
        " `*` is a target of its own, the asterisk-form (a question about the whole server).",
    ),
    "M-SEARCH * HTTP/1.1": (
        ("M-SEARCH", "*", "HTTP/1.1"),
        " A method is a token: letters, digits and !#$%&'*+-.^_`|~ (M-SEARCH is a real one).",
    ),
    "GET http://example.com/a?b=1 HTTP/1.1": (
        ("GET", "http://example.com/a?b=1", "HTTP/1.1"),
        " A whole URL is the absolute-form target, which RFC 9112 says a server MUST accept.",
    ),
    "GET https://example.com HTTP/1.1": (
        ("GET", "https://example.com", "HTTP/1.1"),
        " A whole https URL is an absolute-form target too, even without a path.",
    ),
}
BAD_LINES = {
    "": "an empty line has no parts at all",
    "GET /": "the version is missing",
    "GET  / HTTP/1.1": "the parts are separated by single spaces",
    "GET / HTTP/1.1 extra": "a request line has exactly three parts",
    "<GET> / HTTP/1.1": "'<' and '>' are not token characters",
    "G\u00c9T / HTTP/1.1": "a token's letters are ASCII, and \u00c9 is not one",
    "GET index.html HTTP/1.1": "a target starts with '/', is a whole http(s) URL, or is '*'",
    "GET example.com/a HTTP/1.1": "a URL without its scheme is not an absolute-form target",
    "GET ftp://example.com/a HTTP/1.1": "an absolute-form target is an http or https URL",
    "GET http:// HTTP/1.1": "an absolute-form target names a host after the '//'",
    "GET / HTTP/one": "the version is HTTP/, a digit, a dot and a digit",
    "GET / http/1.1": "the name HTTP in the version is case-sensitive",
    "GET / HTTP/1.10": "the version has one digit on each side of the dot",
    "GET / HTTP/\u0661.\u0661": "the RFC's DIGIT means 0-9, and \u0661 (Arabic-Indic one) is not",
    "GET / HTTP/1.1\n": "the version ends the line: nothing, not even a newline, comes after it",
}


def _require_value_error(
    call: str, candidate: Callable[..., object], argument: object, why: str
) -> None:
    """`candidate(argument)` must raise ValueError; `call` names it, `why` says what is wrong."""
    try:
        got = candidate(argument)
    except ValueError:
        return
    except (NotImplementedError, NotYet):
        raise
    except Exception as error:
        raise NotYet(
            f"{call} raised {type(error).__name__}: {error}; it should raise ValueError: {why}."
        ) from error
    raise NotYet(f"{call} returned {got!r}; it should raise ValueError: {why}.")


def _check_parse_request_line(candidate: Callable[[str], tuple[str, str, str]]) -> None:
    require(callable(candidate), "the answer should be a function that takes a request line.")
    for line, (expected, why) in GOOD_LINES.items():
        got = answer_of(f"the well-formed line {line!r}", candidate, line, advice=why)
        require(
            isinstance(got, tuple | list) and tuple(got) == expected,
            f"parse_request_line({line!r}) gave {got!r}; want {expected!r}.{why}",
        )
    for line, why in BAD_LINES.items():
        _require_value_error(f"parse_request_line({line!r})", candidate, line, why)


def _upper_case_only(line: str) -> tuple[str, str, str]:
    """Upper-case methods and origin-form targets only: it rejects `get` and whole URLs."""
    method, target, version = line.split(" ")
    if not (method.isupper() and method.isalpha() and target.startswith("/")):
        raise ValueError(line)
    if not re.fullmatch(r"HTTP/\d\.\d", version):
        raise ValueError(line)
    return method, target, version


def _digits_of_any_script(line: str) -> tuple[str, str, str]:
    """Right but for `\\d` in the version, which matches the digits of every script."""
    rest, _, version = line.rpartition(" ")
    if not re.fullmatch(r"HTTP/\d\.\d", version):
        raise ValueError(f"bad version {version!r}")
    method, target, _ = parse_request_line(f"{rest} HTTP/1.1")
    return method, target, version


q1 = Exercise(
    "parse_request_line accepts every well-formed request line and rejects malformed ones",
    _check_parse_request_line,
    hints=[
        "`line.split(' ')` (with an explicit single space) must give exactly three parts; two "
        "spaces in a row give an empty part.",
        "Keep the method as it was sent, and accept only the token characters of the task. In a "
        "regular expression, spell out the ASCII ranges (`A-Za-z`, `0-9`): `\\w`, `\\d`, "
        "str.isalpha() and str.isdigit() all accept letters and digits of other scripts.",
        "Three target forms: origin-form starts with '/', asterisk-form is exactly '*', and for "
        "absolute-form `urllib.parse.urlsplit(target)` gives its `.scheme` and its host "
        "(`.netloc`). The version is fixed text and two single digits: `re.fullmatch` with "
        "`[0-9]` does it.",
    ],
    solution=parse_request_line,
    wrong=[
        lambda line: tuple(line.split()),
        lambda line: tuple(line.split(" ", 2)),
        _upper_case_only,
        _digits_of_any_script,
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
    (["x-tag: a", "X-Tag: b", "X-TAG: c"], {"x-tag": "a, b, c"}),
    (["Empty:"], {"empty": ""}),
]
BAD_HEADERS = {
    ("Host 127.0.0.1",): "a header line needs a colon",
    (": no name",): "a header needs a name before its colon",
    ("Host : 127.0.0.1",): "no whitespace is allowed between a name and its colon",
    ("Host\t: 127.0.0.1",): "a tab before the colon is whitespace too",
    ("Accept: */*", " Host: 127.0.0.1"): "a line that starts with whitespace is an obsolete fold",
}


def _check_parse_headers(candidate: Callable[[list[str]], dict[str, str]]) -> None:
    require(callable(candidate), "the answer should be a function that takes a list of lines.")
    for lines, expected in GOOD_HEADERS:
        got = answer_of(f"the well-formed lines {lines!r}", candidate, list(lines))
        require(got == expected, f"parse_headers({lines!r}) gave {got!r}; want {expected!r}.")
    for bad, why in BAD_HEADERS.items():
        _require_value_error(f"parse_headers({list(bad)!r})", candidate, list(bad), why)


q2 = Exercise(
    "parse_headers reads header lines the way RFC 9112 asks",
    _check_parse_headers,
    hints=[
        "`name, colon, value = line.partition(':')` splits at the first colon only, so values "
        "may contain colons; `colon` is '' when there was none.",
        "Names are case-insensitive: lower-case a name before you look it up or store it. Values "
        "lose surrounding spaces; whitespace at either end of a name is an error; a repeated name "
        "joins its values with ', '.",
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
    content_type = headers.get("content-type", "")
    require(
        content_type.replace(" ", "").replace('"', "").lower() == "text/plain;charset=utf-8",
        f"Content-Type should say plain text in UTF-8 (as the task asks), not {content_type!r}.",
    )
    require(
        headers.get("connection", "").lower() == "close",
        "the response should say Connection: close.",
    )
    require(got_body == body, f"the body after the blank line is {got_body!r}; want {body!r}.")


def _check_build_response(candidate: Callable[[int, bytes], bytes]) -> None:
    require(callable(candidate), "the answer should be a function of (status, body).")
    responses = [candidate(status, body) for status, body in RESPONSE_CASES]
    for (status, body), response in zip(RESPONSE_CASES, responses, strict=True):
        require(
            isinstance(response, bytes),
            f"build_response returned {type(response).__name__}, not bytes: "
            "return a bytes object (bytes(...) turns a bytearray into one).",
        )
        _check_response_text(status, body, response)

    def answer_by_path(connection: socket.socket, address: tuple[str, int]) -> None:
        request = b""
        while b"\r\n\r\n" not in request and (chunk := connection.recv(4096)):
            request += chunk
        index = int(request.split(b" ")[1].strip(b"/"))
        connection.sendall(responses[index])

    with net.serve_tcp(answer_by_path, name="nb06-q3-check") as server:
        for index, (status, body) in enumerate(RESPONSE_CASES):
            try:
                reply = requests.get(f"{server.url}/{index}", timeout=2)
            except requests.RequestException as error:
                raise NotYet(f"requests could not read the {status} response: {error}") from None
            require(reply.status_code == status, f"requests saw {reply.status_code}, not {status}.")
            require(reply.content == body, f"requests read {reply.content!r}, not {body!r}.")


# The wrong answers below say Content-Type right, so that each is refused for the bug it plants.
CONTENT_TYPE = "Content-Type: text/plain; charset=utf-8"

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
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n{CONTENT_TYPE}\r\n"
                f"Content-Length: {len(body.decode())}\r\nConnection: close\r\n\r\n"
            ).encode()
            + body
        ),
        lambda status, body: (
            (
                f"HTTP/1.1 {status} OK\r\n{CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            + body
        ),
    ],
)

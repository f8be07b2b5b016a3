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
VISIBLE = re.compile(r"[!-~]+")  # visible ASCII: no space, tab, control or non-ASCII character


def parse_request_line(line: str) -> tuple[str, str, str]:
    parts = line.split(" ")
    if len(parts) != 3:
        raise ValueError(f"expected 'METHOD target HTTP/x.y', got {line!r}")
    method, target, version = parts
    if not TOKEN.fullmatch(method):
        raise ValueError(f"bad method {method!r}")
    if not VISIBLE.fullmatch(target) or "#" in target:  # a fragment stays in the client
        raise ValueError(f"bad target {target!r}")
    url = urlsplit(target)
    absolute_form = url.scheme in ("http", "https") and bool(url.hostname)
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
    "GET /\x00 HTTP/1.1": "a target is visible ASCII, and NUL is a control character",
    "GET /caf\u00e9 HTTP/1.1": "a target is ASCII: a client sends \u00e9 percent-encoded, %C3%A9",
    "GET /a#top HTTP/1.1": "a fragment (#...) stays in the client: a request target has none",
    "GET http://:80/ HTTP/1.1": "an http URL with an empty host is invalid (RFC 9110, 4.2.1)",
    "GET http://exa\tmple.com/ HTTP/1.1": (
        "a tab is not visible ASCII (and urllib.parse.urlsplit silently drops it)"
    ),
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
            isinstance(got, tuple) and got == expected,
            f"parse_request_line({line!r}) gave {got!r}; want the tuple {expected!r}.{why}",
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


def _any_target_urlsplit_accepts(line: str) -> tuple[str, str, str]:
    """Right but for the target: any text that urlsplit reads as a path or an http(s) URL with a
    `.netloc` passes, so NUL, \u00e9, '#', 'http://:80/' and a tab inside the host all do."""
    method, target, version = line.split(" ")
    parse_request_line(f"{method} / {version}")  # the method and the version, checked
    url = urlsplit(target)
    if target.startswith("/") or target == "*" or (url.scheme in ("http", "https") and url.netloc):
        return method, target, version
    raise ValueError(f"bad target {target!r}")


q1 = Exercise(
    "parse_request_line accepts every well-formed request line and rejects malformed ones",
    _check_parse_request_line,
    hints=[
        "`line.split(' ')` (with an explicit single space) must give exactly three parts; two "
        "spaces in a row give an empty part.",
        "Keep the method as it was sent, and accept only the token characters of the task. In a "
        "regular expression, spell out the ASCII ranges (`A-Za-z`, `0-9`): `\\w`, `\\d`, "
        "str.isalpha() and str.isdigit() all accept letters and digits of other scripts.",
        "A target is visible ASCII, `[!-~]` in a regular expression, without '#'. Then three "
        "forms: origin-form starts with '/', asterisk-form is exactly '*', and for absolute-form "
        "`urllib.parse.urlsplit(target)` gives its `.scheme` and its `.hostname`. The version "
        "is fixed text and two single digits: `re.fullmatch` with `[0-9]` does it.",
    ],
    solution=parse_request_line,
    wrong=[
        lambda line: tuple(line.split()),
        lambda line: tuple(line.split(" ", 2)),
        _upper_case_only,
        _digits_of_any_script,
        _any_target_urlsplit_accepts,
    ],
)


def parse_headers(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise ValueError(f"bad header line {line!r}")
        name, value = name.lower(), value.strip(" \t")  # optional whitespace: space and tab
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


GOOD_HEADERS: list[tuple[list[str], dict[str, str]]] = [
    ([], {}),
    (["Host: 127.0.0.1", "Accept: */*"], {"host": "127.0.0.1", "accept": "*/*"}),
    (["Content-Length:   12  "], {"content-length": "12"}),
    (["Content-Length:\t12 \t"], {"content-length": "12"}),
    (["X-Note: \xa0a\x85"], {"x-note": "\xa0a\x85"}),
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


OWS_ADVICE = (
    " The whitespace around a value is spaces and tabs only: str.strip() also removes characters"
    " such as \\xa0 and \\x85, which belong to the value; strip(' \\t') removes just those two."
)


def _check_parse_headers(candidate: Callable[[list[str]], dict[str, str]]) -> None:
    require(callable(candidate), "the answer should be a function that takes a list of lines.")
    for lines, expected in GOOD_HEADERS:
        got = answer_of(f"the well-formed lines {lines!r}", candidate, list(lines))
        why = OWS_ADVICE if any(c in "".join(lines) for c in "\t\xa0\x85") else ""
        require(got == expected, f"parse_headers({lines!r}) gave {got!r}; want {expected!r}.{why}")
    for bad, why in BAD_HEADERS.items():
        _require_value_error(f"parse_headers({list(bad)!r})", candidate, list(bad), why)


def _headers_stripping(chars: str | None) -> Callable[[list[str]], dict[str, str]]:
    """Right but for the value, stripped of `chars` (None: whatever str.strip() removes)."""

    def parse(lines: list[str]) -> dict[str, str]:
        parse_headers(lines)  # the reference's refusals, for the malformed lines
        headers: dict[str, str] = {}
        for line in lines:
            name, _, value = line.partition(":")
            name, value = name.lower(), value.strip(chars)
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return headers

    return parse


q2 = Exercise(
    "parse_headers reads header lines the way RFC 9112 asks",
    _check_parse_headers,
    hints=[
        "`name, colon, value = line.partition(':')` splits at the first colon only, so values "
        "may contain colons; `colon` is '' when there was none.",
        "Names are case-insensitive: lower-case a name before you look it up or store it. Values "
        "lose surrounding spaces and tabs, `value.strip(' \\t')`; whitespace at either end of a "
        "name is an error; a repeated name joins its values with ', '.",
    ],
    solution=parse_headers,
    wrong=[
        lambda lines: dict(line.split(": ", 1) for line in lines),
        lambda lines: {
            n.strip().lower(): v.strip() for n, _, v in (x.partition(":") for x in lines)
        },
        _headers_stripping(" "),
        _headers_stripping(None),
    ],
)


def build_response(status: int, body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    lines.append("Content-Type: text/plain; charset=utf-8")
    if status >= 200 and status != 204:  # RFC 9110 8.6: never a Content-Length in 1xx or 204
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


RESPONSE_CASES = [
    (200, b"hello\n"),
    (404, b"no such page"),
    (201, "caf\u00e9 \u2615".encode()),
    (500, b""),
    (204, b""),
]
NO_LENGTH = (204,)  # the statuses among RESPONSE_CASES whose response has no Content-Length


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
        name, colon, value = line.decode("latin-1").partition(":")
        require(bool(colon), f"the header line {line!r} has no colon.")
        require(
            not name.startswith((" ", "\t")),
            f"the header line {line!r} starts with whitespace, an obsolete fold that a client may "
            "refuse or read as part of the previous header.",
        )
        require(
            bool(name) and name == name.rstrip(" \t"),
            f"the header line {line!r}: no whitespace is allowed between a header name and its "
            "colon (RFC 9112, section 5.1).",
        )
        headers[name.lower()] = value.strip(" \t")
    require(
        headers.get("connection", "").lower() == "close",
        "the response should say Connection: close.",
    )
    if status in NO_LENGTH:
        require(
            "content-length" not in headers,
            f"a {status} response must not have a Content-Length, not even 0 (RFC 9110, section "
            "8.6): it never has a body.",
        )
        require(got_body == b"", f"a {status} response has no body, not {got_body!r}.")
        return  # a Content-Type is allowed here, not required: there is nothing to describe
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
        """Send the response the path names, then keep the connection open until the client
        closes it: the client must find the end of the body from the head alone."""
        request = b""
        while b"\r\n\r\n" not in request and (chunk := connection.recv(4096)):
            request += chunk
        index = int(request.split(b" ")[1].strip(b"/"))
        connection.sendall(responses[index])
        while connection.recv(4096):
            pass

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


def _with_length_always(status: int, body: bytes) -> bytes:
    """Right but for a 204, which gets a Content-Length (0) too."""
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n{CONTENT_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def _replacing(old: bytes, new: bytes) -> Callable[[int, bytes], bytes]:
    """The reference, with `old` replaced by `new` (say, a space before a colon)."""
    return lambda status, body: build_response(status, body).replace(old, new)


q3 = Exercise(
    "build_response makes an HTTP/1.1 response that requests can read",
    _check_build_response,
    hints=[
        "`http.HTTPStatus(404).phrase` is 'Not Found'. The status line is "
        "'HTTP/1.1 404 Not Found'.",
        "Join the status line and the headers with '\\r\\n', end the head with an empty line, "
        "encode it, then append the body bytes.",
        "Content-Length counts bytes: `len(body)` of the bytes, not the length of some text. "
        "A 204 has no body and no Content-Length line at all.",
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
        _with_length_always,
        _replacing(b"Content-Length:", b"Content-Length :"),
        _replacing(b"Content-Type:", b"Content-Type :"),
        _replacing(b"Connection:", b"Connection\t:"),
        _replacing(b"\r\nContent-Length:", b"\r\n Content-Length:"),
    ],
)

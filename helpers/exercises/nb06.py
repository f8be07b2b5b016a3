"""Exercises of notebook 06, HTTP by hand: parse a request strictly, build a response, read a
chunked body."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Callable
from http import HTTPStatus
from typing import BinaryIO
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
    if not (target.startswith("/") or target == "*"):  # neither origin- nor asterisk-form
        url = urlsplit(target)  # raises ValueError for some URLs, such as http://[::1
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"bad target {target!r}")
        _ = url.port  # reading it raises ValueError unless the port is digits, 0 to 65535
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
    "GET http://127.0.0.1:8080/a HTTP/1.1": (
        ("GET", "http://127.0.0.1:8080/a", "HTTP/1.1"),
        " A URL may name a port after its host: digits, here 8080.",
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
    "GET ftp://example.com/a HTTP/1.1": (
        "this exercise takes http or https URLs only (RFC 9112 allows any scheme: a policy)"
    ),
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
    "GET http://example.com:abc/ HTTP/1.1": "a port, after the host's ':', is digits",
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
        "forms: origin-form starts with '/', asterisk-form is exactly '*', and any other target "
        "must be absolute-form: `urllib.parse.urlsplit(target)` gives its `.scheme` and its "
        "`.hostname`, and reading its `.port` raises ValueError for a port that is not digits "
        "(or is over 65535). Keep urlsplit off origin-form targets: it reads '//x/a' as the "
        "host x. The version is fixed text and two single digits: `re.fullmatch` with `[0-9]`.",
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
    if status >= 200 and status not in (204, 304):  # RFC 9110 8.6: none in 1xx or 204, and
        lines.append(f"Content-Length: {len(body)}")  # a 304's would be the page's length
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
    responses = [
        answer_of(
            f"build_response({status}, {body!r})",
            candidate,
            status,
            body,
            advice=" A 204 has no body and no Content-Length: build its head without one."
            if status in NO_LENGTH
            else "",
        )
        for status, body in RESPONSE_CASES
    ]
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


HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]+")  # RFC 9112's HEXDIG, ASCII only; int(x, 16) takes more


def read_chunked(stream, limit: int) -> bytes:  # stream: a binary file, as makefile("rb")
    body = b""
    while True:
        line = stream.readline(4096)  # a bound: a line that never ends must not fill memory
        if not line.endswith(b"\r\n"):  # over 4096 bytes, a bare LF, or the end of the stream
            raise ValueError(f"a size line ends with CRLF within 4096 bytes: {line[:9]!r}")
        size_text, semicolon, _ = line[:-2].partition(b";")  # an extension is ignored
        if semicolon:
            size_text = size_text.rstrip(b" \t")  # whitespace may come before a ';' only
        if not re.fullmatch(rb"[0-9A-Fa-f]+", size_text):  # int(x, 16) would take more
            raise ValueError(f"a chunk size is hexadecimal digits, not {size_text!r}")
        size = int(size_text, 16)
        if size == 0:
            break  # the last chunk
        if len(body) + size > limit:
            raise ValueError(f"the body would be over {limit} bytes")
        data = stream.read(size + 2)  # the chunk's data, then its CRLF
        if len(data) < size + 2 or not data.endswith(b"\r\n"):
            raise ValueError("a chunk's data is followed by CRLF")
        body += data[:-2]
    trailers = 0  # bytes of trailer lines so far
    while (line := stream.readline(4096)) != b"\r\n":  # trailer lines, up to the empty line
        trailers += len(line)
        if not line.endswith(b"\r\n") or trailers > 64 * 1024:
            raise ValueError("the trailers are cut short, or longer than 64 KiB")
    return body


NEXT_REQUEST = b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n"  # after every body: it must stay unread
# Each well-formed chunked body, the limit it is read with, and what it decodes to.
GOOD_CHUNKED: list[tuple[bytes, int, bytes, str]] = [
    (b"7\r\nhello, \r\n5\r\nworld\r\n0\r\n\r\n", 1024, b"hello, world", ""),
    (b"0\r\n\r\n", 1024, b"", " An empty body is the last chunk alone."),
    (
        b"A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n",
        20,
        b"0123456789abcdefghij",
        " Sizes are hexadecimal, in either case (A and a are ten), and a body of exactly the"
        " limit is allowed.",
    ),
    (
        b"5;name=value\r\nhello\r\n5 ; x\r\nworld\r\n0;last\r\n\r\n",
        1024,
        b"helloworld",
        " A size may be followed by an extension, from ';' (after optional spaces or tabs) to the"
        " end of the line: ignore it.",
    ),
    (
        b"5\r\n0\r\n\r\n\r\n0\r\n\r\n",
        1024,
        b"0\r\n\r\n",
        " A chunk's data is any bytes, even ones that look like the last chunk: count them by the"
        " size, never search for an end marker.",
    ),
    (
        b"3\r\n\x00\xff\r\r\n000\r\nExpires: 0\r\nX-Check: abc\r\n\r\n",
        1024,
        b"\x00\xff\r",
        " After the last chunk (any number of zeros) come trailer lines, up to the empty line:"
        " read them all.",
    ),
    (b"00000004\r\nwiki\r\n0\r\n\r\n", 1024, b"wiki", " A size may have leading zeros."),
]
# Each malformed body (with its limit), and why it must raise ValueError. Nothing follows it: the
# client sent that much and closed.
BAD_CHUNKED: list[tuple[bytes, int, str]] = [
    (
        b"+5\r\nhello\r\n0\r\n\r\n",
        1024,
        "a size is hex digits only: int(text, 16) also takes a sign",
    ),
    (b"0x5\r\nhello\r\n0\r\n\r\n", 1024, "a size is hex digits only, without int()'s 0x prefix"),
    (b" 5\r\nhello\r\n0\r\n\r\n", 1024, "a size is hex digits only: no space before them"),
    (
        b"5 \r\nhello\r\n0\r\n\r\n",
        1024,
        "spaces or tabs may come before a ';' only, and '5 ' alone is not a size",
    ),
    (b"5_0\r\n" + b"x" * 80 + b"\r\n0\r\n\r\n", 1024, "a size is hex digits only: no underscore"),
    (b"\r\nhello\r\n0\r\n\r\n", 1024, "a size has at least one digit"),
    (b"g\r\nhello\r\n0\r\n\r\n", 1024, "g is not a hexadecimal digit"),
    (b"5\nhello\r\n0\r\n\r\n", 1024, "a size line ends with \\r\\n, not a bare \\n"),
    (b"5\r\nhelloXY0\r\n\r\n", 1024, "a chunk's data is followed by \\r\\n"),
    (b"5\r\nhel", 1024, "the stream ended in the middle of a chunk"),
    (b"5\r\nhello\r\n", 1024, "the stream ended before the last chunk"),
    (b"0\r\nExpires: 0\r\n", 1024, "the stream ended before the empty line after the trailers"),
    (b"0\r\n", 1024, "the stream ended before the empty line after the last chunk"),
    (
        b"4\r\nabcd\r\n4\r\nefgh\r\n4\r\nijkl\r\n0\r\n\r\n",
        10,
        "the body, 12 bytes, is over the limit of 10",
    ),
    (
        b"ffffffffff\r\n" + b"x" * 64,
        1024,
        "a chunk of 0xffffffffff bytes (a terabyte) is over the limit of 1024",
    ),
    (
        b"f" * 100_000,
        1024,
        "a size line of 100,000 bytes, with no \\r\\n in sight, is over the 4096 bytes a line may "
        "have",
    ),
    (
        b"0\r\n" + (b"X-Padding: " + b"x" * 50 + b"\r\n") * 1700 + b"\r\n",
        1024,
        "the trailers come to 107,100 bytes, over the 64 KiB allowed",
    ),
]
# A reader must give up on a line, or on the trailers, before it has read this much of a body.
READ_BOUND = 64 * 1024 + 4096


class _Wire(io.BytesIO):
    """The bytes that follow a request head on a connection. Like a socket's file, whose read(n)
    sets aside room for n bytes before any arrive, it takes no read larger than a body under
    `limit` can need, and no read() to the end, which on a connection would wait for the client
    to close. It notes the first such read in `misread` (a learner's code may catch the error)."""

    def __init__(self, data: bytes, limit: int) -> None:
        super().__init__(data)
        self.limit = limit
        self.misread = ""

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            self.misread = (
                "stream.read() without a size reads to the end of the stream: on a connection it "
                "waits for the client to close, and it takes the next request too. Read each "
                "chunk's size (and its \\r\\n) exactly, with read(n)"
            )
        elif size > self.limit + 2:
            self.misread = (
                f"stream.read({size}) was asked with a limit of {self.limit}: compare each size "
                f"with the limit before you read the chunk (a socket's file sets aside room for "
                f"all {size} bytes first)"
            )
        if self.misread:
            raise MemoryError(self.misread)
        return super().read(size)


def _read_from_wire(
    candidate: Callable[[BinaryIO, int], bytes], wire: bytes, limit: int, then: bytes = b""
) -> tuple[_Wire, object]:
    """The stream of `wire`, then `then`, after `candidate` read it, and what `candidate`
    returned or the error it raised."""
    stream = _Wire(wire + then, limit)
    try:
        got: object = candidate(stream, limit)
    except (NotImplementedError, NotYet):
        raise
    except Exception as error:
        got = error
    require(not stream.misread, f"for the body {wire[:40]!r}, {stream.misread}.")
    return stream, got


def _check_read_chunked(candidate: Callable[[BinaryIO, int], bytes]) -> None:
    require(callable(candidate), "the answer should be a function of (stream, limit).")
    for wire, limit, expected, why in GOOD_CHUNKED:
        stream, got = _read_from_wire(candidate, wire, limit, then=NEXT_REQUEST)
        if isinstance(got, Exception):
            raise NotYet(
                f"for the well-formed body {wire!r} (limit {limit}), your code raised "
                f"{type(got).__name__}: {got}.{why}"
            )
        require(
            isinstance(got, bytes | bytearray) and bytes(got) == expected,
            f"read_chunked gave {got!r} for the body {wire!r}; want {expected!r}.{why}",
        )
        left = stream.getvalue()[stream.tell() :]
        require(
            left == NEXT_REQUEST,
            f"after the body {wire!r}, the stream should hold the next request, "
            f"{NEXT_REQUEST!r}, and it holds {left!r}: read up to the empty line that ends the "
            "body, and not one byte further.",
        )
    for wire, limit, why in BAD_CHUNKED:
        stream, got = _read_from_wire(candidate, wire, limit)
        require(
            stream.tell() <= READ_BOUND,
            f"for the body {wire[:40]!r} (limit {limit}), your code read {stream.tell():,} bytes "
            f"before it stopped; it should raise ValueError: {why}. On a connection, a client that "
            "never ends a line would fill the server's memory: read every line with a bound, "
            "stream.readline(4096), and count the trailers' bytes.",
        )
        if isinstance(got, ValueError):
            continue
        if isinstance(got, Exception):
            raise NotYet(
                f"for the body {wire[:40]!r} (limit {limit}), your code raised "
                f"{type(got).__name__}: {got}; it should raise ValueError: {why}."
            )
        raise NotYet(
            f"read_chunked returned {got!r} for the body {wire[:40]!r} (limit {limit}); it "
            f"should raise ValueError: {why}."
        )
    _check_over_loopback(candidate)


def _check_over_loopback(candidate: Callable[[BinaryIO, int], bytes]) -> None:
    """Serve `candidate` on a loopback port and post chunked bodies to it with requests, twice on
    one connection: the second request is read only if the first body was read exactly."""

    def echo_chunked(connection: socket.socket, address: tuple[str, int]) -> None:
        with connection.makefile("rb") as stream:
            while line := stream.readline(65536):  # a request line, or b"": the client left
                while line not in (b"\r\n", b""):  # the headers, up to the empty line
                    line = stream.readline(65536)
                try:
                    body, status = bytes(candidate(stream, 1 << 20)), b"200 OK"
                except Exception as error:
                    body, status = f"{type(error).__name__}: {error}".encode(), b"400 Bad Request"
                head = b"HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n" % (status, len(body))
                connection.sendall(head + body)

    pieces = [[b"hello, ", b"world"], [b"a", b"\r\n0\r\n\r\n", b"x" * 300]]
    server = net.serve_tcp(echo_chunked, name="nb06-q4-check", timeout=2)
    with server, requests.Session() as session:
        for sent in pieces:
            try:
                reply = session.post(server.url, data=iter(sent), timeout=2)
            except requests.RequestException as error:
                raise NotYet(f"posting a chunked body to your reader failed: {error}") from None
            require(
                reply.status_code == 200 and reply.content == b"".join(sent),
                f"requests posted the chunks {sent!r} to a server that reads them with your "
                f"function, which gave {reply.content!r}.",
            )


def _until_the_end_marker(stream: BinaryIO, limit: int) -> bytes:
    """The smuggling demo's reader: everything up to the first b'0\\r\\n\\r\\n', with the sizes
    dropped by hand."""
    data, _, _ = stream.read().partition(b"0\r\n\r\n")
    return b"".join(data.split(b"\r\n")[1::2])


def _int_base_16(stream: BinaryIO, limit: int) -> bytes:
    """Right but for the size, read by int(text, 16), which takes a sign, spaces, 0x and _."""
    body = b""
    while size := int(stream.readline().split(b";")[0], 16):
        if len(body) + size > limit:
            raise ValueError("too large")
        data = stream.read(size + 2)
        if not data.endswith(b"\r\n") or len(data) < size + 2:
            raise ValueError("no CRLF")
        body += data[:-2]
    while stream.readline() not in (b"\r\n", b""):
        pass
    return body


def _stopping_at_the_last_chunk(stream: BinaryIO, limit: int) -> bytes:
    """Right but for the end: it returns after the last chunk's line, leaving the empty line
    (and any trailers) to be read as the start of the next request."""
    body = b""
    while True:
        line = stream.readline()
        size_text = line[:-2].split(b";", 1)[0].rstrip(b" \t")
        if not line.endswith(b"\r\n") or not HEX_DIGITS.fullmatch(size_text):
            raise ValueError("bad size")
        if (size := int(size_text, 16)) == 0:
            return body
        if len(body) + size > limit:
            raise ValueError("too large")
        data = stream.read(size + 2)
        if len(data) < size + 2 or not data.endswith(b"\r\n"):
            raise ValueError("no CRLF")
        body += data[:-2]


def _lines_without_a_bound(stream: BinaryIO, limit: int) -> bytes:
    """Right but for its lines, read with readline() to their end however long they are."""

    class Unbounded:
        def readline(self, size: int = -1) -> bytes:
            return stream.readline()

        def read(self, size: int) -> bytes:
            return stream.read(size)

    return read_chunked(Unbounded(), limit)


def _without_a_limit(stream: BinaryIO, limit: int) -> bytes:
    """Right but for the limit, never compared with the body's size."""
    return read_chunked(stream, 1 << 62)


q4 = Exercise(
    "read_chunked reads a chunked body exactly, and refuses a malformed one",
    _check_read_chunked,
    hints=[
        "Loop: `line = stream.readline(4096)`; it must end with b'\\r\\n' (a line that does not "
        "was too long, or the stream ended first). The size is the text before any ';', without "
        "the spaces or tabs before that ';'. Check that it is made of hex digits only before "
        "`int(text, 16)` reads it: int takes a sign, spaces, 0x and underscores too.",
        "`re.fullmatch(rb'[0-9A-Fa-f]+', text)` says whether a size is hex digits. A size of 0 "
        "ends the chunks. Otherwise compare `len(body) + size` with `limit` first, then "
        "`stream.read(size + 2)`: the data and its b'\\r\\n', which you check and drop. Too few "
        "bytes means the stream ended early.",
        "After the last chunk, keep reading lines, with the same bound, until the one that is "
        "exactly b'\\r\\n' (the lines before it are trailers, to be skipped). Add up their "
        "lengths and raise past 64 KiB; a line without b'\\r\\n' at its end, b'' included, means "
        "the stream ended first.",
    ],
    solution=read_chunked,
    wrong=[
        _until_the_end_marker,
        _int_base_16,
        _stopping_at_the_last_chunk,
        _without_a_limit,
        _lines_without_a_bound,
    ],
)

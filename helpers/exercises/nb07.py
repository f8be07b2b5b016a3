"""Exercises of notebook 07, A framework from scratch."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote

from helpers.exercises import Exercise, answer_of, require
from helpers.framework import App, Request, Response, call_wsgi, make_response

# q1: match a path against a pattern


def match(pattern: str, path: str) -> dict[str, Any] | None:
    """Compare segment by segment; `<name>` takes any one segment, `<int:name>` digits only."""
    pattern_parts, path_parts = pattern.split("/"), path.split("/")
    if len(pattern_parts) != len(path_parts):
        return None
    params: dict[str, Any] = {}
    for expected, actual in zip(pattern_parts, path_parts, strict=True):
        if expected.startswith("<int:") and expected.endswith(">"):
            if not (actual.isascii() and actual.isdigit()):
                return None
            params[expected[5:-1]] = int(actual)
        elif expected.startswith("<") and expected.endswith(">"):
            if not actual:
                return None
            params[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return params


MATCH_CASES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("/", "/", {}),
    ("/about", "/about", {}),
    ("/about", "/about/", None),
    ("/about", "/about\n", None),  # re.match(regex + "$") lets a final newline through
    ("/a.b", "/a.b", {}),
    ("/a.b", "/aXb", None),  # a dot in a pattern is a dot: re.escape the literal text
    ("/users/<name>", "/users/ada", {"name": "ada"}),
    ("/users/<name>", "/users/ada/posts", None),
    ("/users/<name>", "/users/", None),
    ("/users/<name>", "/people/ada", None),
    ("/posts/<int:id>", "/posts/42", {"id": 42}),
    ("/posts/<int:id>", "/posts/forty-two", None),
    ("/posts/<int:id>", "/posts/-1", None),
    ("/posts/<int:id>", "/posts/+5", None),  # int() accepts these three; a digits-only rule not
    ("/posts/<int:id>", "/posts/1_0", None),
    ("/posts/<int:id>", "/posts/ 7", None),
    ("/posts/<int:id>", "/posts/42\n", None),  # int() ignores the newline, `$` lets it through
    ("/posts/<int:id>", "/posts/٤٢", None),  # Arabic-Indic digits: \d and isdigit() accept them
    ("/posts/<int:id>", "/posts/²", None),  # isdigit() accepts it, int() does not
    ("/users/<name>/posts/<int:id>", "/users/bo/posts/7", {"name": "bo", "id": 7}),
]


NOT_ASCII_DIGITS = (
    " (digits 0-9 only: `\\d` and str.isdigit() also accept the digits of other scripts)"
)
INT_IS_LENIENT = " (digits 0-9 only: int() also accepts a sign, '_' between digits, and spaces)"


def _why_none(pattern: str, path: str) -> str:
    """The rule a path breaks, for the cases that test `<int:...>`, `$` and `.`."""
    if path.endswith("\n") and "<int:" in pattern:
        return " (digits 0-9 only: int() ignores a final newline, and a regex's `$` lets it pass)"
    if path.endswith("\n"):
        return (
            " (the whole path must fit: in a regex, `$` also matches just before a final newline;"
            " use re.fullmatch)"
        )
    if "." in pattern:
        return " (a `.` in a pattern is a literal dot: escape the text around the parameters)"
    if not path.isascii():
        return NOT_ASCII_DIGITS
    if "<int:" in pattern and any(char in path for char in "+-_ "):
        return INT_IS_LENIENT
    return ""


def _check_match(candidate: Callable[[str, str], Any]) -> None:
    require(callable(candidate), "the answer should be a function match(pattern, path).")
    for pattern, path, expected in MATCH_CASES:
        call = f"match({pattern!r}, {path!r})"
        got = answer_of(call, candidate, pattern, path)
        if expected is None:
            require(
                got is None, f"{call} returned {got!r}; expected None{_why_none(pattern, path)}."
            )
            continue
        require(isinstance(got, dict), f"{call} returned {got!r}; expected the dict {expected!r}.")
        for name, value in expected.items():
            if name in got and type(got[name]) is not type(value):
                require(
                    False,
                    f"{call} gave {name}={got[name]!r} ({type(got[name]).__name__}); expected "
                    f"{value!r} ({type(value).__name__}).",
                )
        require(got == expected, f"{call} returned {got!r}; expected {expected!r}.")


def _match_prefix_only(pattern: str, path: str) -> dict[str, Any] | None:
    """Wrong: accepts a path that merely starts like the pattern."""
    return match(pattern, "/".join(path.split("/")[: len(pattern.split("/"))]))


def _match_without_converting(pattern: str, path: str) -> dict[str, Any] | None:
    """Wrong: leaves `<int:id>` as text."""
    return match(pattern.replace("<int:", "<"), path)


q1 = Exercise(
    "match(pattern, path) finds the parameters of a route",
    _check_match,
    hints=[
        "Split both strings on '/': a pattern and a path that fit have the same number of pieces.",
        "Walk the pieces in pairs. A piece like `<name>` captures the path's piece; any other "
        "piece must be equal. `<int:id>` captures only digits 0-9 and stores `int(...)` of them; "
        "check the digits first, since `int()` also accepts '+5', '1_0' and ' 7'.",
        "Return None as soon as one pair does not fit, and the dict of captures at the end.",
    ],
    solution=match,
    wrong=[_match_prefix_only, _match_without_converting],
)


# q2: add a route with a path parameter to an app

ITEMS = {1: "apple", 2: "pear", 3: "plum"}


def add_item_route(app: App) -> None:
    """Register GET /items/<int:item_id> on `app`, answering JSON, or a 404 for unknown ids."""

    @app.route("/items/<int:item_id>")
    def show_item(request: Request, item_id: int) -> Any:
        if item_id not in ITEMS:
            return {"error": "no such item"}, 404
        return {"id": item_id, "name": ITEMS[item_id]}


NOT_ITEM_IDS = [
    ("/items/nine", ""),
    ("/items/+1", ""),
    ("/items/1_0", ""),
    ("/items/%D9%A1", " (%D9%A1 is ١, the Arabic-Indic digit one)"),
]


def _ask(app: App, method: str, path: str) -> tuple[int, Any]:
    return _ask_with_headers(app, method, path)[:2]


def _ask_with_headers(app: App, method: str, path: str) -> tuple[int, Any, dict[str, str]]:
    """Status, body (parsed as JSON when it is JSON) and headers (names in lower case)."""
    response = app.dispatch(Request.from_target(method, path))
    require(
        isinstance(response.status, int) and isinstance(response.body, bytes),
        f"{method} {path} gave a Response with status {response.status!r} and body "
        f"{response.body!r}: its fields are Response(status, headers, body), the body in bytes.",
    )
    headers = {str(name).lower(): str(value) for name, value in dict(response.headers).items()}
    try:
        return response.status, json.loads(response.body), headers
    except ValueError:
        return response.status, response.body.decode(errors="replace"), headers


def _check_add_item_route(candidate: Callable[[App], None]) -> None:
    require(callable(candidate), "the answer should be a function add_item_route(app).")
    app = App("shop")
    app.route("/")(lambda request: "shop front")
    candidate(app)
    for item_id, name in ITEMS.items():
        status, body, headers = _ask_with_headers(app, "GET", f"/items/{item_id}")
        expected = (200, {"id": item_id, "name": name})
        require(
            (status, body) == expected,
            f"GET /items/{item_id} gave {(status, body)}; expected {expected}.",
        )
        content_type = headers.get("content-type", "")
        require(
            content_type.split(";")[0].strip() == "application/json",
            f"GET /items/{item_id} answered with Content-Type {content_type!r}: a client reads "
            "the body as JSON only if it says 'application/json' (return the dict itself, not "
            "json.dumps of it, which is a str and goes out as text).",
        )
    got = _ask(app, "GET", "/items/9")
    require(got[0] == 404, f"GET /items/9 gave {got}; it should be a 404 (there is no item 9).")
    for path, note in NOT_ITEM_IDS:
        got = _ask(app, "GET", path)
        require(
            got[0] == 404,
            f"GET {path} gave {got}; it should be a 404{note}: the id is an `<int:...>` "
            "parameter, digits 0-9 only.",
        )
    for method in ("POST", "PUT", "DELETE"):
        status, body, headers = _ask_with_headers(app, method, "/items/1")
        require(
            status == 405,
            f"{method} /items/1 gave {(status, body)}; it should be a 405: the route is GET only.",
        )
        require(
            headers.get("allow") == "GET, HEAD",
            f"{method} /items/1 gave a 405 with Allow {headers.get('allow')!r}; expected "
            "'GET, HEAD': register the route for GET alone (HEAD comes with it).",
        )
    require(_ask(app, "GET", "/") == (200, "shop front"), "the app's other route stopped working.")


def _add_item_route_with_text_id(app: App) -> None:
    """Wrong: `<item_id>` is a string, so `ITEMS[item_id]` never finds it."""

    @app.route("/items/<item_id>")
    def show_item(request: Request, item_id: str) -> Any:
        if item_id not in ITEMS:
            return {"error": "no such item"}, 404
        return {"id": item_id, "name": ITEMS[item_id]}  # type: ignore[index]


def _add_item_route_without_404(app: App) -> None:
    """Wrong: an unknown id answers 200 with a null name."""

    @app.route("/items/<int:item_id>")
    def show_item(request: Request, item_id: int) -> Any:
        return {"id": item_id, "name": ITEMS.get(item_id)}


q2 = Exercise(
    "add a route with a path parameter to an app",
    _check_add_item_route,
    hints=[
        "Inside add_item_route, decorate a view with `@app.route('/items/<int:item_id>')`; the "
        "decorator registers it on that app.",
        "The view receives the request first, then item_id as an int. Return a dict for JSON, or "
        "a `(dict, 404)` pair when the id is not in ITEMS.",
    ],
    solution=add_item_route,
    wrong=[_add_item_route_with_text_id, _add_item_route_without_404],
)


# q3: a WSGI application by hand, no framework


def greeting_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Answer `Hello, NAME!` as plain text, NAME from the query string (default: world)."""
    name = parse_qs(environ.get("QUERY_STRING", "")).get("name", ["world"])[0]
    body = f"Hello, {name}!".encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response("200 OK", headers)
    return [body]


GREETINGS = (
    ("name=Ada", "Hello, Ada!"),
    ("", "Hello, world!"),
    ("name=Grace", "Hello, Grace!"),
    ("name=Zo%C3%AB", "Hello, Zoë!"),  # a query string arrives percent-encoded
    ("lang=en", "Hello, world!"),  # other parameters are not the name
    ("lang=en&name=Ada", "Hello, Ada!"),
    ("name=Ada&lang=en", "Hello, Ada!"),
    ("name=Ada+Lovelace", "Hello, Ada Lovelace!"),  # in a query string, + is a space
)


def _query_note(query: str, body: bytes) -> str:
    """What the query string holds that a wrong answer may have missed."""
    if b"%" in body:
        return " (the query string is percent-encoded)"
    if "+" in query:
        return " (in a query string, + stands for a space)"
    if "lang=" in query:
        return " (a query string may hold other parameters, joined by &)"
    return ""


def _check_greeting_app(candidate: Callable[..., Any]) -> None:
    require(callable(candidate), "the answer should be a function greeting_app(environ, ...).")
    for query, expected in GREETINGS:
        try:
            status, headers, body = call_wsgi(candidate, "GET", f"/?{query}")
        except NotImplementedError:
            raise
        except AssertionError as error:  # wsgiref.validate found a breach of PEP 3333
            reason = str(error).rstrip(".")
            require(False, f"with query {query!r}, wsgiref.validate refused the app: {reason}.")
        except Exception as error:
            require(False, f"with query {query!r}, your app raised {type(error).__name__}: {error}")
        require(status == "200 OK", f"the status is {status!r}; expected '200 OK'.")
        require(
            body == expected.encode(),
            f"with query {query!r} the body is {body!r}; expected {expected.encode()!r}, the "
            f"text in UTF-8{_query_note(query, body)}.",
        )
        length = {name.lower(): value for name, value in headers.items()}.get("content-length")
        require(
            length == str(len(body)),
            f"with query {query!r} the Content-Length header should be {len(body)}, the number "
            f"of bytes in the body; got {length!r}.",
        )


def _greeting_app_without_length(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    """Wrong: no Content-Length, so a client cannot tell where the body ends."""

    def start_without_length(status: str, headers: list[tuple[str, str]]) -> Any:
        return start_response(status, [h for h in headers if h[0] != "Content-Length"])

    return greeting_app(environ, start_without_length)


def _greeting_app_for_ada_only(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    """Wrong: knows one name by heart instead of reading it."""
    name = "Ada" if "name=Ada" in environ.get("QUERY_STRING", "") else "world"
    return greeting_app({**environ, "QUERY_STRING": f"name={name}"}, start_response)


def _greeting_app_ignoring_name(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    """Wrong: always greets the world."""
    return greeting_app({**environ, "QUERY_STRING": ""}, start_response)


q3 = Exercise(
    "a WSGI application by hand",
    _check_greeting_app,
    hints=[
        "The name is in environ['QUERY_STRING'], for example 'name=Ada'; "
        "urllib.parse.parse_qs turns it into {'name': ['Ada']}, and decodes percent-escapes "
        "such as 'Zo%C3%AB' on the way.",
        "A query string can hold several parameters, such as 'lang=en&name=Ada', and writes a "
        "space as '+': let parse_qs do the splitting and the decoding.",
        "Encode the text in UTF-8, call start_response('200 OK', headers) with a Content-Type "
        "and a Content-Length (the length of the bytes, not of the text, as a string), then "
        "return [body].",
    ],
    solution=greeting_app,
    wrong=[_greeting_app_without_length, _greeting_app_ignoring_name, _greeting_app_for_ada_only],
)


# q4: a socket handler that answers every request instead of dropping the connection

# Stand-ins with the names and behaviour of the notebook's pieces, so that the reference
# solution reads as a learner's would: an app with no routes (every path is a 404).
_NO_ROUTES = App("q4")
dispatch = _NO_ROUTES.dispatch


def to_http(response: Response, send_body: bool = True) -> bytes:
    """The response as the bytes an HTTP/1.1 server sends (the notebook's `to_http`)."""
    return response.to_bytes(send_body=send_body)


def careful_handle_connection(connection: socket.socket, address: object) -> None:
    """handle_connection that answers every request: a 400 or a 501, never a dropped one.

    The body is read before the Host check: a refusal sent with bytes still unread would make
    the close send a reset, which can destroy the answer before the client reads it.
    """
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return  # the client left before the end of the head: nobody to answer
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = request_line.split(" ")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length", "0")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        status, error = 400, "not an HTTP/1.x request line"
    elif "transfer-encoding" in headers:
        status, error = 501, "this server does not read chunked bodies"
    elif not (length.isascii() and length.isdigit()):
        status, error = 400, f"Content-Length is not a number: {length!r}"
    else:
        while len(body) < int(length):  # the body may come in several pieces
            chunk = connection.recv(4096)
            if not chunk:
                return
            body += chunk
        method, target, version = parts
        if version == "HTTP/1.1" and "host" not in headers:
            status, error = 400, "an HTTP/1.1 request must send Host"
        else:
            path, _, query = target.partition("?")
            response = dispatch(Request(method, unquote(path), parse_qs(query), body))
            connection.sendall(to_http(response, send_body=method != "HEAD"))
            return
    connection.sendall(to_http(make_response(({"error": error}, status))))


CHUNKED = "a chunked body, valid HTTP/1.1 that this server does not read"
CAREFUL_CASES = [
    (b"HELLO, IS ANYONE THERE?\r\n\r\n", 400, "a line that is not HTTP"),
    (
        b"POST /q4/nowhere HTTP/1.1\r\nHost: localhost\r\nContent-Length: ten\r\n\r\n",
        400,
        "a Content-Length that is not a number",
    ),
    (
        b"POST /q4/nowhere HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n",
        400,
        "a Content-Length of -1 (digits 0-9 only: int() accepts a sign)",
    ),
    (
        b"POST /q4/nowhere HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n",
        501,
        CHUNKED,
    ),
    (b"GET /q4/nowhere HTTP/1.1\r\n\r\n", 400, "an HTTP/1.1 request without Host (RFC 9112, 3.2)"),
    (b"GET /q4/nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n", 404, "a valid request: dispatch it"),
    (b"GET /q4/nowhere HTTP/1.0\r\n\r\n", 404, "a valid HTTP/1.0 request (1.0 needs no Host)"),
]
# (head, body sent 0.1 s later, status, what): the body comes in a second piece.
LATE_BODY_CASES = [
    (
        b"POST /q4/nowhere HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhello",
        b"world",
        404,
        "a valid POST whose 10-byte body comes in two pieces",
    ),
    (
        b"POST /q4/nowhere HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
        b"hello",
        400,
        "a POST without Host whose 5-byte body comes after the head",
    ),
]
LATE_DELAY = 0.1


def _serve_once(
    handler: Callable[[socket.socket, object], Any],
    raw: bytes,
    case: str,
    later: bytes = b"",
    chunked: bool = False,
) -> bytes:
    """Send `raw` (and `later`, LATE_DELAY s after) to `handler` over a socket pair; return all
    it sent before the socket closed. Refuses an answer that leaves bytes of a Content-Length
    body unread; a `chunked` body, which the task does not ask to read, may stay unread, and is
    discarded here before the close."""
    client, server_side = socket.socketpair()
    with client, server_side:
        server_side.settimeout(2)
        client.settimeout(2)
        client.sendall(raw)
        refused: list[OSError] = []

        def send_later() -> None:
            try:
                client.sendall(later)
            except OSError as error:  # the handler closed its end already
                refused.append(error)

        timer = threading.Timer(LATE_DELAY, send_later)
        if later:
            timer.start()
        answer_of(
            case,
            handler,
            server_side,
            ("127.0.0.1", 50000),
            who="your function",
            advice=" The client got no answer: catch what goes wrong and answer it.",
        )
        if later:
            timer.join()
        require(
            not refused,
            f"for {case}, your function closed the connection before the rest of the body "
            "arrived: read all the bytes Content-Length announces, which may come in pieces.",
        )
        unread = b""
        if server_side.fileno() != -1:
            server_side.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                while piece := server_side.recv(65536):
                    unread += piece
        require(
            chunked or not unread,
            f"for {case}, your function returned with {len(unread)} bytes of the body unread "
            f"({unread[:20]!r}): read all the bytes Content-Length announces before you answer, "
            "even to refuse the request. Closing a socket with bytes unread sends a reset, which "
            "can erase the answer before the client reads it (RFC 9112, section 9.6).",
        )
        server_side.close()  # as serve_tcp does when the handler returns
        received = b""
        try:
            while chunk := client.recv(65536):
                received += chunk
        except ConnectionResetError:
            require(
                False,
                f"for {case}, the client's read was reset and its answer lost: your function "
                "closed the socket with bytes of the request unread; read them all first.",
            )
    return received


def _check_careful_handle_connection(candidate: Callable[[socket.socket, object], Any]) -> None:
    require(
        callable(candidate),
        "the answer should be a function careful_handle_connection(connection, address).",
    )
    cases = [(raw, b"", expected, what) for raw, expected, what in CAREFUL_CASES]
    for raw, later, expected, what in [*cases, *LATE_BODY_CASES]:
        case = f"{raw[:40]!r} ({what})"
        received = _serve_once(candidate, raw, case, later, chunked=what == CHUNKED)
        require(bool(received), f"for {case}, the client received nothing: answer {expected}.")
        head, _, body = received.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        require(
            status_line.startswith(f"HTTP/1.1 {expected} "),
            f"for {case}, the answer began {status_line!r}; expected 'HTTP/1.1 {expected} ...'.",
        )
        lengths = [
            line.split(":", 1)[1].strip()
            for line in header_lines
            if line.lower().startswith("content-length:")
        ]
        require(
            lengths == [str(len(body))],
            f"for {case}, the answer should carry one Content-Length, {len(body)} (the bytes of "
            f"its body); it had {lengths}.",
        )


def _careful_as_before(connection: socket.socket, address: object) -> None:
    """Wrong: the notebook's handle_connection, which lets each parsing error escape."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _version = request_line.split(" ")
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    body += (
        connection.recv(int(headers.get("content-length", 0)))
        if "content-length" in headers
        else b""
    )
    response = dispatch(Request(method, unquote(target), {}, body))
    connection.sendall(to_http(response))


def _careful_answering_500(connection: socket.socket, address: object) -> None:
    """Wrong: answers, but blames the server (500) for what the client sent."""
    try:
        _careful_as_before(connection, address)
    except Exception as error:
        connection.sendall(to_http(make_response(({"error": str(error)}, 500))))


def _careful_without_host(connection: socket.socket, address: object) -> None:
    """Wrong: every check but the Host one, so an HTTP/1.1 request without Host is served."""
    data = connection.recv(65536)
    if b"\r\nhost:" not in data.lower() and b" HTTP/1.1\r\n" in data:
        data = data.replace(b"\r\n", b"\r\nHost: x\r\n", 1)
    replay, other = socket.socketpair()
    with replay, other:
        replay.sendall(data)
        other.settimeout(2)
        careful_handle_connection(other, address)
        other.shutdown(socket.SHUT_WR)
        connection.sendall(replay.makefile("rb").read())


q4 = Exercise(
    "a socket handler that answers every request",
    _check_careful_handle_connection,
    hints=[
        "read_request cannot tell you about Host or Transfer-Encoding: it keeps no headers. Read "
        "the head yourself as it does (recv until b'\\r\\n\\r\\n', split the lines), keep the "
        "headers in a dict with lower-case names, and check before you dispatch.",
        "Checks in order: three parts and 'HTTP/1.' in the request line, else 400; "
        "'transfer-encoding', 501; a Content-Length that is not digits 0-9 (str.isascii() and "
        "str.isdigit()), 400. Then read the body: recv until it has Content-Length bytes, which "
        "may come in several pieces. Only then: HTTP/1.1 without 'host', 400; else dispatch.",
        "Why the body before the Host check? A refusal sent while the body is still on its way "
        "leaves bytes unread when the socket closes, and that close becomes a reset, which can "
        "erase the answer before the client has read it.",
        "A refusal is a response like any other: "
        "`connection.sendall(to_http(make_response(({'error': why}, status))))`.",
    ],
    solution=careful_handle_connection,
    wrong=[_careful_as_before, _careful_answering_500, _careful_without_host],
)


# q5: a float converter for the framework the notebook builds

# The notebook's CONVERTERS and WEIGHTS as they stand before the exercise.
NOTEBOOK_CONVERTERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "str": (r"[^/]+", str),
    "int": (r"[0-9]+", int),
}
NOTEBOOK_WEIGHTS: dict[str, float] = {"int": 1, "str": 2}
_PARAMETER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def add_float_converter(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Give the framework a `float` converter: digits, a dot, digits, as Werkzeug's has."""
    converters["float"] = (r"[0-9]+\.[0-9]+", float)  # no sign, no exponent, no 'inf' or 'nan'
    weights["float"] = 1  # as specific as int: before a plain <name>, after literal text


# Registered in this order, then in the reverse one: a tie in weight goes to the route registered
# first, so only a weight that is truly between the neighbours' wins in both.
FLOAT_ROUTES = ["/n/<float:x>", "/n/<int:k>", "/n/<name>", "/n/1.5"]
FLOAT_ORDERS = [FLOAT_ROUTES, FLOAT_ROUTES[::-1]]
# (path, the route that must win, its parameters, why)
FLOAT_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("/n/2.25", "/n/<float:x>", {"x": 2.25}, ""),
    ("/n/0.5", "/n/<float:x>", {"x": 0.5}, ""),
    ("/n/10.0", "/n/<float:x>", {"x": 10.0}, ""),
    ("/n/1.5", "/n/1.5", {}, " (literal text beats any parameter: a float weight above 0)"),
    ("/n/2", "/n/<int:k>", {"k": 2}, " (no dot, no float: digits alone are the int route's)"),
    ("/n/one", "/n/<name>", {"name": "one"}, ""),
    ("/n/1.5.2", "/n/<name>", {"name": "1.5.2"}, " (one dot only)"),
    ("/n/.5", "/n/<name>", {"name": ".5"}, " (digits before the dot)"),
    ("/n/5.", "/n/<name>", {"name": "5."}, " (digits after the dot)"),
    ("/n/-1.5", "/n/<name>", {"name": "-1.5"}, " (no sign: float() accepts one, the route not)"),
    ("/n/1e3", "/n/<name>", {"name": "1e3"}, " (no exponent: float() reads 1e3, the route not)"),
    ("/n/inf", "/n/<name>", {"name": "inf"}, " (float() reads 'inf' and 'nan'; the route not)"),
    ("/n/1_0.5", "/n/<name>", {"name": "1_0.5"}, " (float() reads '1_0.5' as 10.5)"),
    ("/n/١.٥", "/n/<name>", {"name": "١.٥"}, " (digits 0-9 only: \\d also takes ١ and ٥)"),
]


def _routed(
    converters: dict[str, Any], weights: dict[str, Any], path: str, routes: list[str]
) -> tuple[str, dict[str, Any]] | None:
    """The notebook's compile_pattern, specificity and find_route, on these dicts: the route of
    `routes` (in registration order) that wins `path` and its converted parameters."""
    compiled: list[tuple[list[Any], str, re.Pattern[str], dict[str, Any]]] = []
    for pattern in routes:
        text, convert, position = "", {}, 0
        for found in _PARAMETER.finditer(pattern):
            piece, convert[found["name"]] = converters[found["kind"] or "str"]
            text += re.escape(pattern[position : found.start()]) + f"(?P<{found['name']}>{piece})"
            position = found.end()
        weight = [
            weights[hole["kind"] or "str"] if (hole := _PARAMETER.search(segment)) else 0
            for segment in pattern.split("/")
        ]
        text += re.escape(pattern[position:])
        compiled.append((weight, pattern, re.compile(text), convert))
    for _weight, pattern, regex, convert in sorted(compiled, key=lambda route: route[0]):
        fits = regex.fullmatch(path)
        if fits is not None:
            return pattern, {name: convert[name](part) for name, part in fits.groupdict().items()}
    return None


def _check_add_float_converter(candidate: Callable[[dict[str, Any], dict[str, Any]], Any]) -> None:
    require(callable(candidate), "the answer should be a function add_float_converter(c, w).")
    converters, weights = dict(NOTEBOOK_CONVERTERS), dict(NOTEBOOK_WEIGHTS)
    answer_of("add_float_converter(CONVERTERS, WEIGHTS)", candidate, converters, weights)
    require(
        "float" in converters,
        "CONVERTERS has no 'float' entry after your function ran: add it to the dict you are "
        "given, `converters['float'] = (regex, conversion)`, so that the notebook's CONVERTERS "
        "gains it.",
    )
    entry = converters["float"]
    require(
        isinstance(entry, tuple | list) and len(entry) == 2,
        f"converters['float'] is {entry!r}; compile_pattern unpacks a pair (regex, conversion).",
    )
    regex, conversion = entry
    require(
        isinstance(regex, str) and callable(conversion),
        f"converters['float'] is {entry!r}: a regex as a str, then a function such as float.",
    )
    try:
        re.compile(regex)
    except re.error as error:
        require(False, f"the regex {regex!r} does not compile: {error}.")
    require(
        all(converters[kind] == NOTEBOOK_CONVERTERS[kind] for kind in NOTEBOOK_CONVERTERS)
        and all(weights.get(kind) == NOTEBOOK_WEIGHTS[kind] for kind in NOTEBOOK_WEIGHTS),
        "your function changed the str or int entries: add float, and leave the others be.",
    )
    require(
        "float" in weights,
        "WEIGHTS has no 'float' entry: specificity() looks up WEIGHTS[kind], so a route with "
        "<float:...> would raise KeyError. Give float a weight.",
    )
    weight = weights["float"]
    require(
        isinstance(weight, int | float) and not isinstance(weight, bool),
        f"weights['float'] is {weight!r}; a weight is a number, compared with int's 1 and str's 2.",
    )
    for (path, winner, params, why), routes in (
        (case, routes) for routes in FLOAT_ORDERS for case in FLOAT_CASES
    ):
        order = ", ".join(routes)
        try:
            got = _routed(converters, weights, path, routes)
        except Exception as error:
            require(
                False,
                f"routing {path} raised {type(error).__name__}: {error} (the regex let through "
                "text that the conversion cannot read).",
            )
        if got is None:
            require(False, f"no route took {path}; expected {winner}.")
            return
        pattern, values = got
        if pattern == winner == "/n/<float:x>" and type(values["x"]) is not float:
            found = values["x"]
            require(
                False,
                f"{path} gave x={found!r} ({type(found).__name__}); expected {params['x']!r} "
                "(float): the conversion must hand the view a float.",
            )
        if pattern != winner and winner == "/n/<float:x>" and weight > weights["str"]:
            why = f" (a weight of {weight!r} puts float after str's {weights['str']}: below it)"
        elif pattern != winner and winner == "/n/<float:x>" and weight == weights["str"]:
            why = (
                f" (a weight of {weight!r} ties with str's {weights['str']}, so the route "
                "registered first wins: give float less)"
            )
        require(
            (pattern, values) == (winner, params),
            f"with the routes registered as {order}, {path} went to {pattern} with {values!r}; "
            f"expected {winner} with {params!r}{why}.",
        )


def _float_with_d(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Wrong: `\\d` takes the digits of every script, which float() reads too."""
    converters["float"] = (r"\d+\.\d+", float)
    weights["float"] = 1


def _float_as_text(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Wrong: the view gets the text '2.25', not a float."""
    converters["float"] = (r"[0-9]+\.[0-9]+", str)
    weights["float"] = 1


def _float_after_str(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Wrong: a weight of 3 tries a plain <name> first, which takes every float."""
    converters["float"] = (r"[0-9]+\.[0-9]+", float)
    weights["float"] = 3


q5 = Exercise(
    "a float converter for your own framework",
    _check_add_float_converter,
    hints=[
        "Two entries: `converters['float'] = (regex, conversion)`, as CONVERTERS holds for int, "
        "and `weights['float'] = ...`, which specificity() looks up for every parameter.",
        "The regex: digits 0-9, a dot, digits 0-9; `[0-9]`, not `\\d`, for the same reason as "
        "int. The conversion: float itself.",
        "The weight decides what is tried first: literal text is 0, int 1, str 2. A float route "
        "must come after literal text and before a plain <name>, which would take '2.25' too.",
    ],
    solution=add_float_converter,
    wrong=[_float_with_d, _float_as_text, _float_after_str],
)

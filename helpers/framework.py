"""A small Flask-like web framework: a route registry, path parameters, JSON, 404 and 405.

Notebook 07 builds these pieces one at a time; this module keeps them together, tested. The same
`App` runs two ways:

- on raw sockets, `App.serve()` (built on `helpers.net.serve_tcp`): it reads each HTTP request off
  the socket itself and writes an HTTP/1.1 response with `Content-Length` and `Connection: close`;
- as a WSGI application, `app(environ, start_response)`: a WSGI server owns the socket and parses
  HTTP, and the app only maps a request to a view.

A view receives the `Request` first, then the path parameters as keyword arguments. It returns a
`Response`, a `str` (sent as text), a `dict` or `list` (sent as JSON), or a `(body, status)` pair.

Routes are tried most specific first: segment by segment, literal text before an `int` parameter,
before a `str` one, before a `path` one; equally specific routes keep the order they were
registered in. For segments that are all text or a single parameter this is Werkzeug's order; a
segment that mixes text and a parameter (`<name>.json`) weighs as its parameter alone here, while
Werkzeug also counts its text. A route that answers GET also answers HEAD, with the same headers
and no body (RFC 9110, sections 9.3.2 and 8.6).

The names follow notebook 07: `Request(method, path, query, body, headers)`,
`Response(status, headers, body)`, `make_response`, and the same 404 and 405 bodies.
"""

from __future__ import annotations

import io
import json
import re
import socket
import wsgiref.util
import wsgiref.validate
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from helpers import net

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024
HEAD_END = b"\r\n\r\n"

View = Callable[..., Any]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class RequestError(Exception):
    """The bytes a client sent are not a request this framework reads; `status` says why.

    400 for bytes that are not a valid HTTP/1.x request (an HTTP/1.1 request without `Host`
    included), 501 for a chunked body: valid HTTP/1.1 (every HTTP/1.1 server must read it), but
    this small server only reads `Content-Length` bodies.
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# Requests and responses


@dataclass
class Request:
    """One HTTP request: the method, the decoded path, the query, the body and the headers.

    The method is kept as sent: HTTP methods are case-sensitive (RFC 9110, section 9.1).
    """

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case

    @classmethod
    def from_target(
        cls, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Request:
        """Build a request from a request-target such as `/search?q=flask`."""
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        return cls(method, unquote(parts.path), query, body=body, headers=headers or {})

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        """Build a request from a WSGI environ, which the WSGI server filled in."""
        # PEP 3333 hands the path over as bytes decoded as latin-1; recover the UTF-8 text.
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        query = parse_qs(environ.get("QUERY_STRING", ""))
        return cls(environ["REQUEST_METHOD"], path or "/", query, body=body, headers=headers)

    def json(self) -> Any:
        """The body parsed as JSON; raises `ValueError` if it is not JSON."""
        return json.loads(self.body)


@dataclass
class Response:
    """What a view answers: a status, headers and a body of bytes."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def text(cls, text: str, status: int = 200) -> Response:
        return cls(status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode())

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(data).encode()
        return cls(status, {"Content-Type": "application/json", **(headers or {})}, body)

    @property
    def status_line(self) -> str:
        """The status as HTTP writes it, for example `404 Not Found`."""
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    def header_list(self) -> list[tuple[str, str]]:
        """The headers as the WSGI `start_response` wants them, with `Content-Length`.

        1xx and 204 responses must not carry one (RFC 9110, section 8.6); a 304 may carry the
        length of the 200 it stands for, and leaving it out is the safe choice made here.
        """
        if self.status < 200 or self.status in (204, 304):
            return list(self.headers.items())
        return [*self.headers.items(), ("Content-Length", str(len(self.body)))]

    def to_bytes(self, *, send_body: bool = True) -> bytes:
        """The whole HTTP/1.1 response; the connection closes after it.

        For a HEAD request pass `send_body=False`: the headers, `Content-Length` included, stay
        those of the GET response, and the body is left out.
        """
        lines = [
            f"HTTP/1.1 {self.status_line}",
            *(f"{name}: {value}" for name, value in self.header_list()),
            "Connection: close",
        ]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head + self.body if send_body else head


def make_response(result: Any) -> Response:
    """Turn what a view returned into a `Response`."""
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple) and len(result) == 2:
        body, status = result
        response = make_response(body)
        response.status = int(status)
        return response
    if isinstance(result, str):
        return Response.text(result)
    if isinstance(result, dict | list):
        return Response.json(result)
    raise TypeError(f"a view returned {type(result).__name__}; return str, dict, list or Response")


# Routes


# name: (regex, conversion, weight); a lower weight is more specific and tried first
CONVERTERS: dict[str, tuple[str, Callable[[str], Any], int]] = {
    "int": (r"[0-9]+", int, 1),  # not \d, which also takes other scripts' digits, such as ٤٢
    "str": (r"[^/]+", str, 2),
    "path": (r".+", str, 3),
}
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>[A-Za-z_]\w*)>")


@dataclass(frozen=True)
class Route:
    """A URL pattern such as `/posts/<int:id>`, the methods it accepts, and its view."""

    pattern: str
    view: View
    methods: frozenset[str]
    regex: re.Pattern[str]
    converters: dict[str, Callable[[str], Any]]
    specificity: tuple[int, ...]  # per segment: 0 for literal text, else the converter's weight

    @classmethod
    def compile(cls, pattern: str, view: View, methods: Iterable[str] = ("GET",)) -> Route:
        """Translate `pattern` into a regular expression with one named group per parameter.

        A route with GET also gets HEAD, which is GET without the body.
        """
        pieces, converters, position = [], {}, 0
        for found in PARAMETER.finditer(pattern):
            kind, name = found["converter"] or "str", found["name"]
            if kind not in CONVERTERS:
                raise ValueError(f"unknown converter {kind!r} in {pattern!r}")
            if name in converters:
                raise ValueError(f"parameter {name!r} appears twice in {pattern!r}")
            regex, converters[name], _weight = CONVERTERS[kind]
            pieces += [re.escape(pattern[position : found.start()]), f"(?P<{name}>{regex})"]
            position = found.end()
        pieces.append(re.escape(pattern[position:]))
        upper = {method.upper() for method in methods}
        if "GET" in upper:
            upper.add("HEAD")
        specificity = tuple(_segment_weight(segment) for segment in pattern.split("/"))
        return cls(
            pattern, view, frozenset(upper), re.compile("".join(pieces)), converters, specificity
        )

    def match(self, path: str) -> dict[str, Any] | None:
        """The converted parameters if `path` fits the whole pattern, else None."""
        found = self.regex.fullmatch(path)
        if found is None:
            return None
        return {name: self.converters[name](text) for name, text in found.groupdict().items()}


def _segment_weight(segment: str) -> int:
    """0 for a segment of literal text, else the weight of its least specific converter."""
    kinds = [found["converter"] or "str" for found in PARAMETER.finditer(segment)]
    return max((CONVERTERS[kind][2] for kind in kinds), default=0)


class App:
    """A registry of routes that dispatches requests to views, on sockets or under WSGI."""

    def __init__(self, name: str = "app") -> None:
        self.name = name
        self.routes: list[Route] = []

    def route(self, pattern: str, methods: Sequence[str] = ("GET",)) -> Callable[[View], View]:
        """Decorator: register the view for `pattern` and `methods`, and return it unchanged.

        A view registered again under the same name, pattern and methods (a notebook cell run
        twice) replaces its old entry; a route whose pattern or methods changed is a new entry.
        """

        def register(view: View) -> View:
            new = Route.compile(pattern, view, methods)
            keys = [(old.view.__name__, old.pattern, old.methods) for old in self.routes]
            key = (view.__name__, new.pattern, new.methods)
            if key in keys:
                self.routes[keys.index(key)] = new
            else:
                self.routes.append(new)
                self.routes.sort(key=lambda route: route.specificity)  # stable: ties keep order
            return view

        return register

    def dispatch(self, request: Request) -> Response:
        """Call the most specific fitting route's view; 404 if no pattern fits, 405 if no method."""
        allowed: set[str] = set()
        for route in self.routes:
            params = route.match(request.path)
            if params is None:
                continue
            if request.method in route.methods:
                try:
                    return make_response(route.view(request, **params))
                except Exception as error:  # a broken view must not take the server down
                    return Response.json({"error": f"{type(error).__name__} in the view"}, 500)
            allowed |= route.methods
        if allowed:
            methods = ", ".join(sorted(allowed))
            body = {"error": f"{request.method} not allowed"}
            return Response.json(body, 405, headers={"Allow": methods})
        return Response.json({"error": f"nothing at {request.path}"}, 404)

    # On sockets: the framework reads and writes HTTP itself.

    def handle_connection(self, connection: socket.socket, _address: object = None) -> None:
        """Read one request from `connection`, dispatch it and write the response."""
        try:
            request = read_request(connection)
        except RequestError as error:
            response, send_body = Response.json({"error": str(error)}, error.status), True
        else:
            response, send_body = self.dispatch(request), request.method != "HEAD"
        connection.sendall(response.to_bytes(send_body=send_body))

    def serve(self, *, name: str | None = None) -> net.BackgroundServer:
        """Serve the app on raw sockets, on a free loopback port, in the background."""
        return net.serve_tcp(self.handle_connection, name=name or self.name)

    # Under WSGI: the server parses HTTP; the app only maps the request to a view.

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        request = Request.from_environ(environ)
        response = self.dispatch(request)
        start_response(response.status_line, response.header_list())
        return [] if request.method == "HEAD" else [response.body]  # servers send what we return

    def __repr__(self) -> str:
        return f"<App {self.name!r} with {len(self.routes)} routes>"


# Reading a request off a socket


def read_request(connection: socket.socket) -> Request:
    """Read one HTTP/1.x request: the head up to the blank line, then `Content-Length` bytes.

    The body is read before the `Host` checks (none in HTTP/1.1, or more than one: 400), so that
    a refused request leaves no unread bytes.
    """
    head, rest = _read_head(connection)
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise RequestError(f"not an HTTP/1.x request line: {request_line!r}")
    method, target, version = parts
    headers = parse_headers(header_lines)
    if "transfer-encoding" in headers:
        raise RequestError("this server does not read chunked bodies", 501)
    body = _read_body(connection, rest, _content_length(headers))
    if version == "HTTP/1.1" and "host" not in headers:  # RFC 9112, section 3.2: a 400
        raise RequestError("an HTTP/1.1 request must send a Host header")
    if sum(line.partition(":")[0].lower() == "host" for line in header_lines) > 1:  # the same
        raise RequestError("a request must send one Host header, not several")
    return Request.from_target(method, target, headers, body)


def parse_headers(lines: Iterable[str]) -> dict[str, str]:
    """`Name: value` lines into a dict with lower-case names; repeated names are joined by `, `."""
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise RequestError(f"malformed header line: {line!r}")
        key = name.lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return headers


def _read_head(connection: socket.socket) -> tuple[bytes, bytes]:
    buffer = b""
    while HEAD_END not in buffer:
        if len(buffer) > MAX_HEAD_BYTES:
            raise RequestError(f"the request head is longer than {MAX_HEAD_BYTES} bytes")
        chunk = connection.recv(4096)
        if not chunk:
            raise RequestError("the client closed the connection before the end of the head")
        buffer += chunk
    head, _, rest = buffer.partition(HEAD_END)
    return head, rest


def _content_length(headers: dict[str, str]) -> int:
    text = headers.get("content-length", "0")
    if not (text.isascii() and text.isdigit()):  # isdigit() alone accepts '²', which int() refuses
        raise RequestError(f"Content-Length is not a number: {text!r}")
    if int(text) > MAX_BODY_BYTES:
        raise RequestError(f"the body is longer than {MAX_BODY_BYTES} bytes")
    return int(text)


def _read_body(connection: socket.socket, received: bytes, length: int) -> bytes:
    body = received
    while len(body) < length:
        chunk = connection.recv(min(65536, length - len(body)))
        if not chunk:
            raise RequestError(f"the body ended after {len(body)} of {length} bytes")
        body += chunk
    return body[:length]


def call_wsgi(
    app: Callable[..., Any], method: str = "GET", target: str = "/", body: bytes = b""
) -> tuple[str, dict[str, str], bytes]:
    """Call a WSGI app as a server would, through wsgiref's validator (which checks PEP 3333).

    Returns the status line, the headers and the body. Handy for testing an app without a socket.
    """
    path, _, query = target.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path.encode().decode("latin-1"),
        "QUERY_STRING": query,
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
    }
    wsgiref.util.setup_testing_defaults(environ)
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.update(status=status, headers=dict(headers))
        return lambda data: None

    result: Any = wsgiref.validate.validator(app)(environ, start_response)
    try:
        data = b"".join(result)
    finally:
        result.close()
    return seen["status"], seen["headers"], data

"""helpers.framework: routes, dispatch, HTTP on raw sockets, and the same app under WSGI."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from helpers import net
from helpers.framework import (
    App,
    Request,
    RequestError,
    Response,
    Route,
    call_wsgi,
    make_response,
    parse_headers,
    read_request,
)

TIMEOUT = 5


def blog() -> App:
    """A small app that uses every feature: static routes, parameters, methods, JSON, errors."""
    app = App("blog")
    posts = {1: "Hello"}

    @app.route("/")
    def index(request: Request) -> str:
        return "home"

    @app.route("/users/<name>")
    def user(request: Request, name: str) -> dict[str, str]:
        return {"user": name}

    @app.route("/posts/<int:post_id>")
    def post(request: Request, post_id: int) -> tuple[dict[str, Any], int] | dict[str, Any]:
        if post_id not in posts:
            return {"error": "no such post"}, 404
        return {"id": post_id, "title": posts[post_id]}

    @app.route("/posts/<int:post_id>", methods=["DELETE"])
    def delete_post(request: Request, post_id: int) -> Response:
        posts.pop(post_id, None)
        return Response(status=204)

    @app.route("/posts", methods=["POST"])
    def create_post(request: Request) -> tuple[dict[str, Any], int]:
        post_id = max(posts, default=0) + 1
        posts[post_id] = request.json()["title"]
        return {"id": post_id}, 201

    @app.route("/search")
    def search(request: Request) -> list[str]:
        return request.query.get("q", [])

    @app.route("/files/<path:name>")
    def file(request: Request, name: str) -> str:
        return name

    @app.route("/broken")
    def broken(request: Request) -> str:
        raise RuntimeError("bug")

    @app.route("/odd")
    def odd(request: Request) -> set[int]:
        return {1}

    return app


def get(app: App, method: str, target: str, body: bytes = b"") -> Response:
    return app.dispatch(Request.from_target(method, target, {}, body))


# Routes and patterns


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/", "/", {}),
        ("/", "/x", None),
        ("/", "", None),
        ("/users/<name>", "/users/ada", {"name": "ada"}),
        ("/users/<name>", "/users/ada/posts", None),
        ("/users/<name>", "/users/", None),
        ("/users/<name>", "/users/ada/", None),
        ("/posts/<int:id>", "/posts/42", {"id": 42}),
        ("/posts/<int:id>", "/posts/x42", None),
        ("/posts/<int:id>", "/posts/-1", None),
        ("/files/<path:name>", "/files/a/b.txt", {"name": "a/b.txt"}),
        ("/a.b", "/a.b", {}),
        ("/a.b", "/axb", None),  # the dot is a literal, not a regex wildcard
        ("/<int:year>/<int:month>", "/2024/05", {"year": 2024, "month": 5}),
        ("/v<int:n>/docs", "/v3/docs", {"n": 3}),
    ],
)
def test_route_matches_whole_paths_and_converts(
    pattern: str, path: str, expected: dict[str, Any] | None
) -> None:
    assert Route.compile(pattern, view=print).match(path) == expected


def test_route_rejects_unknown_converters_and_repeated_names() -> None:
    with pytest.raises(ValueError, match="unknown converter"):
        Route.compile("/x/<uuid:id>", view=print)
    with pytest.raises(ValueError, match="appears twice"):
        Route.compile("/<a>/<a>", view=print)


def test_route_decorator_registers_and_returns_the_view_unchanged() -> None:
    app = App()

    def hello(request: Request) -> str:
        return "hi"

    assert app.route("/hello", methods=["get", "Post"])(hello) is hello
    assert [(r.pattern, r.methods, r.view) for r in app.routes] == [
        ("/hello", frozenset({"GET", "HEAD", "POST"}), hello)  # GET brings HEAD
    ]
    assert repr(app) == "<App 'app' with 1 routes>"


# Dispatch


def test_dispatch_calls_the_view_with_converted_parameters() -> None:
    app = blog()
    assert get(app, "GET", "/").body == b"home"
    assert get(app, "GET", "/users/ada").body == b'{"user": "ada"}'
    response = get(app, "GET", "/posts/1")
    assert (response.status, response.body) == (200, b'{"id": 1, "title": "Hello"}')
    assert response.headers["Content-Type"] == "application/json"


def test_dispatch_answers_404_when_no_pattern_fits() -> None:
    response = get(blog(), "GET", "/nowhere")
    assert response.status == 404
    assert b"nothing at /nowhere" in response.body


def test_a_view_may_choose_its_own_status() -> None:
    app = blog()
    assert get(app, "GET", "/posts/9").status == 404
    created = get(app, "POST", "/posts", b'{"title": "Second"}')
    assert (created.status, created.body) == (201, b'{"id": 2}')
    assert get(app, "GET", "/posts/2").body == b'{"id": 2, "title": "Second"}'
    assert get(app, "DELETE", "/posts/2").status == 204
    assert get(app, "GET", "/posts/2").status == 404


def test_dispatch_answers_405_with_every_allowed_method() -> None:
    response = get(blog(), "PUT", "/posts/1")
    assert response.status == 405
    assert response.headers["Allow"] == "DELETE, GET, HEAD"  # collected across both routes
    assert get(blog(), "GET", "/posts").headers["Allow"] == "POST"
    assert get(blog(), "HEAD", "/posts").status == 405  # HEAD comes with GET only


def test_request_methods_are_case_sensitive() -> None:
    # RFC 9110, section 9.1: `get` is not GET. The registered route still lists GET in Allow.
    response = get(blog(), "get", "/")
    assert (response.status, response.headers["Allow"]) == (405, "GET, HEAD")


def test_int_parameters_take_ascii_digits_only() -> None:
    app = blog()
    assert get(app, "GET", "/posts/1").status == 200
    for digits in ("/posts/%D9%A1", "/posts/%EF%BC%91", "/posts/%C2%B9"):  # ١, full-width 1, ¹
        assert get(app, "GET", digits).status == 404, digits


def test_a_view_registered_again_replaces_its_old_entry() -> None:
    app = App()
    for answer in ("old", "new"):  # the same cell, edited and run twice

        def index(request: Request, answer: str = answer) -> str:
            return answer

        app.route("/")(index)
    assert (len(app.routes), get(app, "GET", "/").body) == (1, b"new")
    app.route("/", methods=["POST"])(index)  # other methods: a route of its own
    app.route("/home")(index)  # another pattern: a route of its own, the old one stays
    assert len(app.routes) == 3


def test_one_view_can_sit_under_two_patterns() -> None:
    app = App()

    @app.route("/about")
    @app.route("/about-us")
    def about(request: Request) -> str:
        return "about"

    assert [get(app, "GET", path).body for path in ("/about", "/about-us")] == [b"about"] * 2


def test_the_most_specific_route_wins_whatever_the_order() -> None:
    app = App()
    app.route("/files/<path:rest>")(lambda request, rest: "path")
    app.route("/users/<name>")(lambda request, name: name)
    app.route("/files/<name>")(lambda request, name: "str")
    app.route("/users/me")(lambda request: "me")
    app.route("/files/<int:number>")(lambda request, number: "int")
    assert get(app, "GET", "/users/me").body == b"me"
    assert get(app, "GET", "/users/bo").body == b"bo"
    assert [get(app, "GET", f"/files/{tail}").body for tail in ("7", "x", "a/b")] == [
        b"int",
        b"str",
        b"path",
    ]


def test_equally_specific_routes_keep_their_order() -> None:
    app = App()
    app.route("/<a>")(lambda request, a: "first")
    app.route("/<b>")(lambda request, b: "second")
    assert get(app, "GET", "/x").body == b"first"


ROUTING_CASES = [
    ("GET", "/users/me"),
    ("GET", "/users/ada"),
    ("GET", "/posts/7"),
    ("GET", "/posts/seven"),
    ("HEAD", "/posts/7"),
    ("POST", "/posts/7"),
    ("DELETE", "/posts"),
    ("GET", "/files/7"),
    ("GET", "/files/a/b"),
    ("GET", "/nowhere"),
]


@pytest.mark.parametrize(("method", "path"), ROUTING_CASES)
def test_routing_agrees_with_werkzeug(method: str, path: str) -> None:
    """The same rules, registered in an order that misleads first-match routing."""
    rules = [
        ("/users/<name>", ["GET"], "user"),
        ("/users/me", ["GET"], "me"),
        ("/posts/<name>", ["GET"], "post_by_name"),
        ("/posts/<int:post_id>", ["GET"], "post"),
        ("/posts", ["POST"], "create"),
        ("/files/<path:rest>", ["GET"], "file"),
        ("/files/<int:number>", ["GET"], "numbered_file"),
    ]
    app = App()
    for pattern, methods, endpoint in rules:
        app.route(pattern, methods)(lambda request, endpoint=endpoint, **params: endpoint)
    adapter = Map([Rule(p, methods=m, endpoint=e) for p, m, e in rules]).bind("localhost")
    try:
        expected: Any = adapter.match(path, method)[0]
    except MethodNotAllowed as error:
        expected = ", ".join(sorted(error.valid_methods or []))
    except NotFound:
        expected = 404
    response = get(app, method, path)
    got = {200: response.body.decode(), 404: 404, 405: response.headers.get("Allow")}
    assert got[response.status] == expected


def test_a_failing_view_becomes_a_500_not_a_crash() -> None:
    app = blog()
    assert get(app, "GET", "/broken").status == 500
    assert get(app, "GET", "/odd").status == 500  # returned a set: TypeError
    assert get(app, "POST", "/posts", b"not json").status == 500


def test_query_and_percent_encoded_path_are_decoded() -> None:
    app = blog()
    assert get(app, "GET", "/search?q=a&q=b%20c").body == b'["a", "b c"]'
    assert get(app, "GET", "/users/J%C3%BCrgen").body == b'{"user": "J\\u00fcrgen"}'


# Responses


@pytest.mark.parametrize(
    ("result", "status", "content_type", "body"),
    [
        ("héllo", 200, "text/plain; charset=utf-8", "héllo".encode()),
        ({"a": 1}, 200, "application/json", b'{"a": 1}'),
        ([1, 2], 200, "application/json", b"[1, 2]"),
        (("made", 201), 201, "text/plain; charset=utf-8", b"made"),
        (Response(202, {"Content-Type": "x/y"}, b"raw"), 202, "x/y", b"raw"),
    ],
)
def test_make_response_understands_what_views_return(
    result: Any, status: int, content_type: str, body: bytes
) -> None:
    response = make_response(result)
    assert (response.status, response.headers["Content-Type"], response.body) == (
        status,
        content_type,
        body,
    )


def test_make_response_refuses_other_types() -> None:
    with pytest.raises(TypeError, match="returned int"):
        make_response(3)


def test_responses_without_content_have_no_content_length() -> None:
    assert Response(status=204).header_list() == []
    assert Response(status=304, headers={"ETag": '"x"'}).header_list() == [("ETag", '"x"')]
    assert ("Content-Length", "0") in Response(status=200).header_list()


def test_a_head_response_keeps_the_headers_and_drops_the_body() -> None:
    response = Response.text("héllo")
    assert response.to_bytes(send_body=False) == response.to_bytes()[: -len(response.body)]


def test_a_response_serialises_as_http_1_1() -> None:
    raw = Response.text("héllo", 404).to_bytes()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.split(b"\r\n") == [
        b"HTTP/1.1 404 Not Found",
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Length: 6",  # bytes, not characters: the accent takes two
        b"Connection: close",
    ]
    assert body == "héllo".encode()


# Reading requests from a socket


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    client, server = socket.socketpair()
    server.settimeout(TIMEOUT)
    with client, server:
        yield client, server


def test_read_request_parses_line_headers_and_body(pair: tuple[socket.socket, ...]) -> None:
    client, server = pair
    client.sendall(
        b"POST /posts?draft=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 15\r\n\r\n"
        b'{"title": "Hi"}'
    )
    request = read_request(server)
    assert (request.method, request.path, request.query) == ("POST", "/posts", {"draft": ["1"]})
    assert request.headers == {
        "host": "x",
        "content-type": "application/json",
        "content-length": "15",
    }
    assert request.json() == {"title": "Hi"}


def test_read_request_waits_for_pieces_that_arrive_late(pair: tuple[socket.socket, ...]) -> None:
    client, server = pair
    pieces = [b"GET / HT", b"TP/1.1\r\nHost: x\r\nContent-Le", b"ngth: 4\r\n\r", b"\nab", b"cd"]

    def send_slowly() -> None:
        for piece in pieces:
            client.sendall(piece)
            threading.Event().wait(0.01)

    sender = threading.Thread(target=send_slowly)
    sender.start()
    request = read_request(server)
    sender.join(TIMEOUT)
    assert (request.path, request.body) == ("/", b"abcd")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"hello\r\n\r\n", "not an HTTP/1.x request line"),
        (b"GET / HTTP/2\r\n\r\n", "not an HTTP/1.x request line"),
        (b"GET / HTTP/1.1\r\nNoColon\r\n\r\n", "malformed header line"),
        (b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", "not a number"),
        (b"GET / HTTP/1.1\r\nContent-Length: \xb2\r\n\r\n", "not a number"),  # latin-1: '²'
        (b"GET / HTTP/1.1\r\nContent-Length: \xb9\r\n\r\n", "not a number"),  # isdigit() is True
        (b"GET / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", "body is longer"),
        (b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "does not read chunked"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n", "before the end of the head"),
        (b"GET / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc", "ended after 3 of 9 bytes"),
        (b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", "must send a Host header"),  # RFC 9112, 3.2
        (b"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "one Host header, not several"),
        (b"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", "one Host header, not several"),
    ],
)
def test_read_request_rejects_what_it_cannot_read(
    pair: tuple[socket.socket, ...], data: bytes, reason: str
) -> None:
    client, server = pair
    client.sendall(data)
    client.shutdown(socket.SHUT_WR)
    with pytest.raises(RequestError, match=reason):
        read_request(server)


def test_only_http_1_1_requires_host(pair: tuple[socket.socket, ...]) -> None:
    client, server = pair
    client.sendall(b"GET /old HTTP/1.0\r\n\r\nGET /new HTTP/1.1\r\nHost:\r\n\r\n")
    assert read_request(server).path == "/old"  # HTTP/1.0 had no Host requirement


def test_read_request_refuses_an_endless_head(pair: tuple[socket.socket, ...]) -> None:
    client, server = pair
    sender = threading.Thread(target=lambda: client.sendall(b"GET / HTTP/1.1\r\n" + b"X" * 70000))
    sender.start()
    with pytest.raises(RequestError, match="head is longer"):
        read_request(server)
    server.close()  # unblocks the sender if its buffer is full
    sender.join(TIMEOUT)


def test_parse_headers_joins_repeated_names() -> None:
    assert parse_headers(["Accept: a", "accept: b", "X:  y "]) == {"accept": "a, b", "x": "y"}
    with pytest.raises(RequestError):
        parse_headers([" Folded: no"])


# Serving on sockets, used by a real HTTP client


def test_the_app_serves_real_http_on_sockets() -> None:
    with blog().serve() as server:
        assert server.name == "blog"
        home = requests.get(f"{server.url}/", timeout=TIMEOUT)
        assert (home.status_code, home.text, home.headers["Connection"]) == (200, "home", "close")
        created = requests.post(f"{server.url}/posts", json={"title": "New"}, timeout=TIMEOUT)
        assert (created.status_code, created.json()) == (201, {"id": 2})
        assert requests.get(f"{server.url}/posts/2", timeout=TIMEOUT).json()["title"] == "New"
        refused = requests.put(f"{server.url}/posts/2", timeout=TIMEOUT)
        assert (refused.status_code, refused.headers["Allow"]) == (405, "DELETE, GET, HEAD")
        assert requests.get(f"{server.url}/missing", timeout=TIMEOUT).status_code == 404
    assert "blog" not in net.running()


def test_head_on_sockets_sends_the_get_headers_without_the_body() -> None:
    with (
        blog().serve(name="head") as server,
        socket.create_connection(server.address, timeout=TIMEOUT) as client,
    ):
        client.sendall(b"HEAD /posts/1 HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = client.makefile("rb").read()
        get_answer = requests.get(f"{server.url}/posts/1", timeout=TIMEOUT)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert f"Content-Length: {len(get_answer.content)}".encode() in head.split(b"\r\n")
    assert body == b""


def test_garbage_on_the_socket_gets_a_400() -> None:
    with (
        blog().serve(name="garbage") as server,
        socket.create_connection(server.address, timeout=TIMEOUT) as client,
    ):
        client.sendall(b"HELLO THERE\r\n\r\n")
        answer = client.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"not an HTTP/1.x request line" in answer


def test_a_chunked_body_gets_a_501_not_a_400() -> None:
    # Chunked is valid HTTP/1.1 (RFC 9112, section 7.1); this server only does not read it.
    with (
        blog().serve(name="chunked") as server,
        socket.create_connection(server.address, timeout=TIMEOUT) as client,
    ):
        client.sendall(
            b"POST /posts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )
        answer = client.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 501 Not Implemented\r\n")


# The same app under WSGI


def test_the_app_is_a_valid_wsgi_application() -> None:
    app = blog()
    status, headers, body = call_wsgi(app, "GET", "/users/jürgen")
    assert (status, body) == ("200 OK", b'{"user": "j\\u00fcrgen"}')
    assert headers["Content-Length"] == str(len(body))
    assert "Connection" not in headers  # hop-by-hop headers belong to the server, not the app
    assert call_wsgi(app, "POST", "/posts", b'{"title": "W"}')[0] == "201 Created"
    assert call_wsgi(app, "GET", "/search?q=x")[2] == b'["x"]'
    status, headers, _ = call_wsgi(app, "PATCH", "/posts/1")
    assert (status, headers["Allow"]) == ("405 Method Not Allowed", "DELETE, GET, HEAD")
    get_body = call_wsgi(app, "GET", "/posts/1")[2]
    status, headers, body = call_wsgi(app, "HEAD", "/posts/1")
    assert (status, headers["Content-Length"], body) == ("200 OK", str(len(get_body)), b"")
    status, headers, body = call_wsgi(app, "DELETE", "/posts/1")
    assert (status, "Content-Length" in headers, body) == ("204 No Content", False, b"")


def test_the_app_runs_under_a_real_wsgi_server() -> None:
    with net.serve_wsgi(blog(), name="blog-wsgi") as server:
        created = requests.post(f"{server.url}/posts", json={"title": "Via WSGI"}, timeout=TIMEOUT)
        assert created.status_code == 201
        answer = requests.get(f"{server.url}/posts/2", timeout=TIMEOUT)
        assert answer.json() == {"id": 2, "title": "Via WSGI"}
        assert requests.get(f"{server.url}/nope", timeout=TIMEOUT).status_code == 404

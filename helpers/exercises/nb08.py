"""Exercises of notebook 08, Flask. Every check drives a fresh app with Flask's test client."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, Map

from helpers.exercises import Exercise, require

# q1: an app factory


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a new app: `GET /api/greet/<name>` answers JSON with the configured greeting."""
    app = Flask(__name__)
    app.config.from_mapping(GREETING="Hello")
    app.config.update(config or {})

    @app.get("/api/greet/<name>")
    def greet(name: str) -> dict[str, str]:
        return {"greeting": f"{app.config['GREETING']}, {name}!"}

    return app


def _greeting(app: Flask, name: str) -> tuple[int, Any]:
    app.testing = True  # a failing view raises here instead of logging a traceback
    response = app.test_client().get(f"/api/greet/{name}")
    return response.status_code, response.get_json(silent=True)


def _check_create_app(candidate: Callable[..., Flask]) -> None:
    require(callable(candidate), "the answer should be a function create_app(config=None).")
    plain = candidate()
    require(isinstance(plain, Flask), f"create_app() returned {plain!r}, not a Flask app.")
    got = _greeting(plain, "Ada")
    expected = (200, {"greeting": "Hello, Ada!"})
    require(got == expected, f"GET /api/greet/Ada gave {got}; expected {expected}.")
    french = candidate({"GREETING": "Bonjour"})
    require(french is not plain, "create_app must build a new app on every call.")
    got = _greeting(french, "Ada")
    expected = (200, {"greeting": "Bonjour, Ada!"})
    require(
        got == expected,
        f"with config {{'GREETING': 'Bonjour'}}, GET /api/greet/Ada gave {got}; expected "
        f"{expected}.",
    )
    require(
        _greeting(plain, "Bo") == (200, {"greeting": "Hello, Bo!"}),
        "building a second app changed the first one: keep each app's settings in its config.",
    )
    status = plain.test_client().post("/api/greet/Ada").status_code
    require(status == 405, f"POST /api/greet/Ada gave {status}; only GET should be allowed.")


def _create_app_ignoring_config(config: Mapping[str, Any] | None = None) -> Flask:
    """Wrong: the config is never applied."""
    return create_app()


_shared_config: dict[str, Any] = {"GREETING": "Hello"}


def _create_app_with_a_global_setting(config: Mapping[str, Any] | None = None) -> Flask:
    """Wrong: every app reads one module-level setting, so the last app built wins."""
    _shared_config.update(config or {})
    app = Flask(__name__)

    @app.get("/api/greet/<name>")
    def greet(name: str) -> dict[str, str]:
        return {"greeting": f"{_shared_config['GREETING']}, {name}!"}

    return app


q1 = Exercise(
    "an app factory with its own configuration",
    _check_create_app,
    hints=[
        "Inside create_app: make `app = Flask(__name__)`, fill `app.config` (a default GREETING, "
        "then `app.config.update(config or {})`), register the route, and `return app`.",
        "In the view, read `app.config['GREETING']` (or `current_app.config`) and return a dict: "
        "Flask turns it into JSON. `@app.get(...)` allows GET only.",
    ],
    solution=create_app,
    wrong=[_create_app_ignoring_config, _create_app_with_a_global_setting],
)


# q2: a custom converter


class ListConverter(BaseConverter):
    """`<list:names>` matches `a,b,c` and hands the view `["a", "b", "c"]`."""

    regex = r"[^/]+"

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: list[str]) -> str:
        return ",".join(BaseConverter.to_url(self, item) for item in value)


def _check_list_converter(candidate: type[BaseConverter]) -> None:
    require(callable(candidate), "the answer should be a class, ListConverter.")
    converter = candidate(Map())
    require(
        isinstance(converter, BaseConverter),
        "the class should inherit from werkzeug.routing.BaseConverter.",
    )
    got = converter.to_python("ada,bo")
    require(got == ["ada", "bo"], f"to_python('ada,bo') returned {got!r}; expected ['ada', 'bo'].")
    built = converter.to_url(["x", "y"])
    require(built == "x,y", f"to_url(['x', 'y']) returned {built!r}; expected 'x,y'.")
    app = Flask(__name__)
    app.testing = True
    app.url_map.converters["list"] = candidate

    @app.get("/hello/<list:names>")
    def hello(names: list[str]) -> dict[str, Any]:
        return {"names": names}

    client = app.test_client()
    for path, expected in (("/hello/ada,bo,cy", ["ada", "bo", "cy"]), ("/hello/ada", ["ada"])):
        response = client.get(path)
        got = response.get_json(silent=True)
        require(
            response.status_code == 200 and got == {"names": expected},
            f"GET {path} gave {response.status_code} {got}; expected the view to receive "
            f"names={expected}.",
        )
    status = client.get("/hello/ada/bo").status_code
    require(status == 404, f"GET /hello/ada/bo gave {status}; a slash ends the parameter (404).")
    with app.test_request_context():
        built = url_for("hello", names=["x", "y"])
    require(built == "/hello/x,y", f"url_for('hello', names=['x', 'y']) built {built!r}.")


class _ListConverterWithoutToUrl(BaseConverter):
    """Wrong: without to_url, url_for writes the list's repr into the URL."""

    def to_python(self, value: str) -> list[str]:
        return value.split(",")


class _ListConverterWithoutToPython(BaseConverter):
    """Wrong: without to_python, the view receives the text 'ada,bo', not a list."""

    def to_url(self, value: list[str]) -> str:
        return ",".join(value)


q2 = Exercise(
    "a custom converter for comma-separated lists",
    _check_list_converter,
    hints=[
        "Subclass `werkzeug.routing.BaseConverter`. Its `regex` says what the parameter may match; "
        "the default, `[^/]+`, stops at a slash, which is what you want.",
        "`to_python(self, value)` turns the URL text into the view's argument (split on commas); "
        "`to_url(self, value)` does the reverse for `url_for` (join with commas).",
    ],
    solution=ListConverter,
    wrong=[_ListConverterWithoutToUrl, _ListConverterWithoutToPython],
)


# q3: errors as JSON


def register_json_errors(app: Flask) -> None:
    """Answer every HTTP error as JSON `{"error": name, "status": code}`, keeping its headers."""

    @app.errorhandler(HTTPException)
    def as_json(error: HTTPException) -> Any:
        response = error.get_response()  # keeps headers such as a 405's Allow
        response.data = json.dumps({"error": error.name, "status": error.code})
        response.content_type = "application/json"
        return response


def _check_json_errors(candidate: Callable[[Flask], None]) -> None:
    require(callable(candidate), "the answer should be a function register_json_errors(app).")
    app = Flask(__name__)

    @app.get("/only-get")
    def only_get() -> str:
        return "fine"

    app.testing = True
    candidate(app)
    client = app.test_client()
    require(client.get("/only-get").get_data() == b"fine", "the normal route stopped working.")
    cases = (
        ("get", "/missing", 404, "Not Found"),
        ("post", "/only-get", 405, "Method Not Allowed"),
    )
    for method, path, code, name in cases:
        response = getattr(client, method)(path)
        got = response.get_json(silent=True)
        expected = {"error": name, "status": code}
        where = f"{method.upper()} {path}"
        require(response.status_code == code, f"{where} gave {response.status_code}, not {code}.")
        require(response.is_json, f"{where} answered {response.mimetype}, not application/json.")
        require(got == expected, f"{where} answered {got}; expected {expected}.")
    allow = client.post("/only-get").headers.get("Allow", "")
    require(
        "GET" in allow,
        "the 405 lost its Allow header, which HTTP requires; build on `error.get_response()`.",
    )


def _json_errors_without_headers(app: Flask) -> None:
    """Wrong: a fresh response, so the 405 loses its Allow header."""

    @app.errorhandler(HTTPException)
    def as_json(error: HTTPException) -> Any:
        return {"error": error.name, "status": error.code}, error.code


def _json_errors_for_404_only(app: Flask) -> None:
    """Wrong: only the 404 becomes JSON."""
    app.register_error_handler(404, lambda error: ({"error": "Not Found", "status": 404}, 404))


q3 = Exercise(
    "HTTP errors as JSON, headers kept",
    _check_json_errors,
    hints=[
        "`@app.errorhandler(HTTPException)` (from werkzeug.exceptions) catches every HTTP error: "
        "404, 405, and the rest. `error.code` and `error.name` say which.",
        "`error.get_response()` is the response Flask would have sent, headers included; replace "
        "its `data` with your JSON and set `content_type = 'application/json'`.",
    ],
    solution=register_json_errors,
    wrong=[_json_errors_without_headers, _json_errors_for_404_only],
)

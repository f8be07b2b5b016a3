"""Exercises of notebook 08, Flask. Every check drives a fresh app with Flask's test client."""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, abort, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, Map

from helpers.exercises import (
    Exercise,
    NotYet,
    answer_of,
    check_test,
    failure_of,
    require,
    solutions_withheld,
    source_of,
)

# q1: a hook that counts the answers per endpoint and status


def count_statuses(app: Flask) -> Counter[tuple[str | None, int]]:
    """Count every answer of `app` by (endpoint, status code); the counter belongs to this app."""
    counts: Counter[tuple[str | None, int]] = Counter()

    @app.after_request
    def count(response: Response) -> Response:
        counts[request.endpoint, response.status_code] += 1
        return response

    return counts


def _counted_app() -> Flask:
    """A small app whose answers cover a view's 200, a view's own 409 and 404, routing's, and
    (on an app with TESTING off) the 500 of a view that raises."""
    app = Flask(__name__)
    app.testing = True  # an exception in a hook reaches the check instead of becoming a 500

    @app.get("/hello")
    def hello() -> str:
        return "hi"

    @app.get("/items/<int:number>")
    def item(number: int) -> dict[str, int]:
        if number > 3:
            abort(404)
        return {"item": number}

    @app.post("/orders")
    def order() -> tuple[dict[str, str], int]:
        return {"error": "out of stock"}, 409

    @app.get("/broken")
    def broken() -> dict[str, float]:
        return {"share": 1 / 0}

    return app


# The requests the check sends, and what a right counter holds after them.
_COUNTED_REQUESTS = (
    ("GET", "/hello"),
    ("GET", "/hello"),
    ("GET", "/nowhere"),
    ("GET", "/made-up"),
    ("POST", "/hello"),
    ("POST", "/orders"),
    ("GET", "/items/1"),
    ("GET", "/items/7"),
)
_COUNTED = {
    ("hello", 200): 2,
    (None, 404): 2,
    (None, 405): 1,
    ("order", 409): 1,
    ("item", 200): 1,
    ("item", 404): 1,
}


def _send(app: Flask, method: str, path: str) -> None:
    """Send one request; an exception raised by the learner's hook becomes a NotYet."""
    try:
        app.test_client().open(path, method=method)
    except (NotImplementedError, NotYet):
        raise
    except Exception as error:
        lost = isinstance(error, TypeError) and "NoneType" in str(error)
        advice = " An after_request function must return the response it was given." if lost else ""
        raise NotYet(
            f"for {method} {path}, the app with your hook raised {type(error).__name__}: "
            f"{error}.{advice}"
        ) from error


def _check_count_statuses(candidate: Callable[[Flask], Any]) -> None:
    require(callable(candidate), "the answer should be a function count_statuses(app).")
    app = _counted_app()
    counts = candidate(app)
    require(
        isinstance(counts, Mapping),
        f"count_statuses(app) returned {counts!r}; it should return the counter its hook updates.",
    )
    require(len(counts) == 0, f"before any request the counter already holds {dict(counts)}.")
    for method, path in _COUNTED_REQUESTS:
        _send(app, method, path)
    got = dict(counts)
    paths = sorted(
        {str(key[0]) for key in got if isinstance(key, tuple) and str(key[0])[:1] == "/"}
    )
    require(
        not paths,
        f"your keys hold URLs or rules ({', '.join(paths)}); key by the endpoint, the name a "
        "rule gives its view. A key per URL would give every URL a client makes up a key of its "
        "own.",
    )
    sent = ", ".join(f"{method} {path}" for method, path in _COUNTED_REQUESTS)
    require(
        bool(got),
        f"after {sent}, the counter is still empty: did your hook run, and did it stay "
        "registered? (A function connected to a signal with `connect` is held by a weak "
        "reference, so a local function disappears when count_statuses returns; "
        "`connect(..., weak=False)` keeps it.)",
    )
    require(got == _COUNTED, f"after {sent}, the counter holds {got}; expected {_COUNTED}.")
    other = _counted_app()
    other_counts = candidate(other)
    _send(other, "GET", "/hello")
    require(
        dict(other_counts) == {("hello", 200): 1} and dict(counts) == _COUNTED,
        "a second app and the first share their counts: each call of count_statuses should "
        "create a counter of its own.",
    )
    other.testing = False  # as on a server: the view's exception becomes a 500
    try:
        other.test_client().get("/broken", errors_stream=io.StringIO())
    except Exception as error:
        raise NotYet(
            f"for GET /broken, whose view raises ZeroDivisionError, the app with your hook let "
            f"{type(error).__name__} through, with TESTING off: a server answers it with a 500."
        ) from error
    expected = {("hello", 200): 1, ("broken", 500): 1}
    require(
        dict(other_counts) == expected,
        f"after GET /hello and GET /broken, whose view raises ZeroDivisionError, on an app with "
        f"TESTING off (as on a server), the counter holds {dict(other_counts)}; expected "
        f"{expected}: the 500 that a server answers to a view's exception counts too.",
    )


def _count_statuses_by_path(app: Flask) -> Counter[tuple[str, int]]:
    """Wrong: one key per path, so every made-up URL adds a key."""
    counts: Counter[tuple[str, int]] = Counter()

    @app.after_request
    def count(response: Response) -> Response:
        counts[request.path, response.status_code] += 1
        return response

    return counts


_everything: Counter[tuple[str | None, int]] = Counter()


def _count_statuses_in_one_global(app: Flask) -> Counter[tuple[str | None, int]]:
    """Wrong: every app adds to one module-level counter."""

    @app.after_request
    def count(response: Response) -> Response:
        _everything[request.endpoint, response.status_code] += 1
        return response

    _everything.clear()
    return _everything


def _count_statuses_around_the_views(app: Flask) -> Counter[tuple[str | None, int]]:
    """Wrong: wraps each view and handles 404 and 405, so a view's exception, a 500, is lost."""
    counts: Counter[tuple[str | None, int]] = Counter()

    def counted(view: Callable[..., Any]) -> Callable[..., Response]:
        def wrapper(**arguments: Any) -> Response:
            response = app.make_response(view(**arguments))
            counts[request.endpoint, response.status_code] += 1
            return response

        return wrapper

    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = counted(view)

    def count_error(error: HTTPException) -> HTTPException:
        counts[request.endpoint, error.code or 0] += 1
        return error

    app.register_error_handler(404, count_error)
    app.register_error_handler(405, count_error)
    return counts


def _count_statuses_losing_the_response(app: Flask) -> Counter[tuple[str | None, int]]:
    """Wrong: the hook returns None, so the app has no response to send."""
    counts: Counter[tuple[str | None, int]] = Counter()

    @app.after_request
    def count(response: Response) -> Any:
        counts[request.endpoint, response.status_code] += 1

    return counts


q1 = Exercise(
    "a hook that counts the answers per endpoint and status",
    _check_count_statuses,
    hints=[
        "Which hook of section 11 runs for every answer (a view's, routing's, and the 500 of a "
        "view that raised) and is handed the response? The counter is created in count_statuses, "
        "so each app gets its own.",
        "In that hook, `request.endpoint` says which view answered (None when no rule matched) "
        "and the response says the status. What must the hook give back?",
    ],
    solution=count_statuses,
    wrong=[
        _count_statuses_by_path,
        _count_statuses_in_one_global,
        _count_statuses_losing_the_response,
        _count_statuses_around_the_views,
    ],
)


# q2: a custom converter


class ListConverter(BaseConverter):
    """`<list:names>` matches `a,b,c` and hands the view `["a", "b", "c"]`."""

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: list[str]) -> str:
        return ",".join(BaseConverter.to_url(self, item) for item in value)


# Names that a URL cannot carry as they are: url_for must quote them, and the view get them back.
_AWKWARD_NAMES = ["a b", "why?", "no#3", "café"]


def _check_list_converter(candidate: type[BaseConverter]) -> None:
    require(callable(candidate), "the answer should be a class, ListConverter.")
    converter = candidate(Map())
    require(
        isinstance(converter, BaseConverter),
        "the class should inherit from werkzeug.routing.BaseConverter.",
    )
    got = converter.to_python("ada,bo")
    require(got == ["ada", "bo"], f"to_python('ada,bo') returned {got!r}; expected ['ada', 'bo'].")
    try:
        built = converter.to_url(["x", "y"])
    except NotImplementedError:
        raise NotYet(
            "to_python works; to_url still raises NotImplementedError: write it too."
        ) from None
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
        quoted = url_for("hello", names=_AWKWARD_NAMES)
    require(built == "/hello/x,y", f"url_for('hello', names=['x', 'y']) built {built!r}.")
    response = client.get(quoted)
    got = response.get_json(silent=True)
    require(
        response.status_code == 200 and got == {"names": _AWKWARD_NAMES},
        f"url_for('hello', names={_AWKWARD_NAMES}) built {quoted!r}, and GET of it gave "
        f"{response.status_code} {got}: a space, a `?` or a `#` must be quoted (`%20`, `%3F`, "
        "`%23`), or the URL means something else. The default converter's to_url quotes one "
        "value; quote each name.",
    )


class _ListConverterWithoutToUrl(BaseConverter):
    """Wrong: without to_url, url_for writes the list's repr into the URL."""

    def to_python(self, value: str) -> list[str]:
        return value.split(",")


class _ListConverterWithoutToPython(BaseConverter):
    """Wrong: without to_python, the view receives the text 'ada,bo', not a list."""

    def to_url(self, value: list[str]) -> str:
        return ",".join(value)


class _ListConverterWithoutQuoting(BaseConverter):
    """Wrong: a name with a space or a `?` goes into the URL as it is."""

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: list[str]) -> str:
        return ",".join(value)


q2 = Exercise(
    "a custom converter for comma-separated lists",
    _check_list_converter,
    hints=[
        "Subclass `werkzeug.routing.BaseConverter`. Its `regex` says what the parameter may match; "
        "the one it inherits, `[^/]+`, stops at a slash, which is what you want: set none.",
        "`to_python(self, value)` turns the URL text into the view's argument (split on commas); "
        "`to_url(self, value)` does the reverse for `url_for` (join with commas).",
        "`BaseConverter.to_url(self, name)` quotes one name as the default converter does (a space "
        "becomes `%20`, a `?` `%3F`) and leaves commas alone: join the quoted names.",
    ],
    solution=ListConverter,
    wrong=[_ListConverterWithoutToUrl, _ListConverterWithoutToPython, _ListConverterWithoutQuoting],
)


# q3: errors as JSON


def register_json_errors(app: Flask) -> None:
    """Answer every HTTP error as JSON `{"error": name, "status": code}`, keeping its headers.

    An unhandled exception is one too: no handler matches its class, so with TESTING off Flask
    wraps it in an InternalServerError and asks the handlers of that error, this one included,
    which answers with the 500's generic name and nothing of the exception.
    """

    @app.errorhandler(HTTPException)
    def as_json(error: HTTPException) -> Any:
        response = error.get_response()  # keeps headers such as a 405's Allow
        response.data = json.dumps({"error": error.name, "status": error.code})
        response.content_type = "application/json"
        return response


_SECRET = "sk-live-4242"  # the message of the exception a view raises in q3's check


def _json_error_body(where: str, response: Any, code: int) -> dict[str, Any]:
    """The JSON object of an error answer, required to hold a non-empty "error" and the status."""
    require(response.status_code == code, f"{where} gave {response.status_code}, not {code}.")
    try:
        got = json.loads(response.get_data(as_text=True))
    except ValueError:
        got = None
    require(
        got is None or response.is_json,
        f"{where} answered a JSON body, but with the Content-Type {response.mimetype}: a "
        "header you copied from the original error overrode the JSON type.",
    )
    return got  # type: ignore[no-any-return]


def _check_json_errors(candidate: Callable[[Flask], None]) -> None:
    require(callable(candidate), "the answer should be a function register_json_errors(app).")
    app = Flask(__name__)

    @app.get("/only-get")
    def only_get() -> str:
        return "fine"

    @app.post("/echo")
    def echo() -> Any:
        return {"echo": request.get_json()}  # a body that is not JSON: a 415 from get_json

    app.testing = True
    candidate(app)
    client = app.test_client()
    require(client.get("/only-get").get_data() == b"fine", "the normal route stopped working.")
    cases: tuple[tuple[str, dict[str, Any], int, str], ...] = (
        ("GET /missing", {"method": "GET", "path": "/missing"}, 404, "Not Found"),
        ("POST /only-get", {"method": "POST", "path": "/only-get"}, 405, "Method Not Allowed"),
        (
            "POST /echo with a text/plain body",
            {"method": "POST", "path": "/echo", "data": "hi", "content_type": "text/plain"},
            415,
            "Unsupported Media Type",
        ),
    )
    for number, (where, request_, code, name) in enumerate(cases):
        response = client.open(**request_)
        got = _json_error_body(where, response, code)
        cover = ": the answer must cover every HTTP error, not only some codes" if number else ""
        require(response.is_json, f"{where} answered {response.mimetype}, not JSON{cover}.")
        example = {"error": name, "status": code}
        require(
            isinstance(got, dict)
            and isinstance(got.get("error"), str)
            and bool(got["error"].strip())
            and got.get("status") == code,
            f"{where} answered {got}; expected an object such as {example}: a non-empty string "
            f'"error" and the status {code} (other keys may come too).',
        )
    allow = client.post("/only-get").headers.get("Allow", "")
    require(
        "GET" in allow,
        "the 405 lost its Allow header, which HTTP requires; start from the response the error "
        "itself would give.",
    )
    _check_json_500(candidate)


def _check_json_500(candidate: Callable[[Flask], None]) -> None:
    """An exception no handler expects: a JSON 500 that says nothing of the exception."""
    app = Flask(__name__)  # TESTING off, as on a server: the exception becomes a 500

    @app.get("/report")
    def report() -> Any:
        raise ZeroDivisionError(_SECRET)

    candidate(app)
    where = "GET /report, whose view raises ZeroDivisionError"
    try:
        response = app.test_client().get("/report", errors_stream=io.StringIO())
    except Exception as error:
        raise NotYet(
            f"for {where}, the app with your handlers let {type(error).__name__} through to the "
            "client: on a server, an exception that no view catches must become a JSON 500 (did "
            "you turn TESTING on, or does a handler of yours raise?)."
        ) from error
    got = _json_error_body(where, response, 500)
    require(
        response.is_json,
        f"{where} answered {response.mimetype}, not JSON: an exception that no view catches "
        "must become a JSON 500 too.",
    )
    text = response.get_data(as_text=True)
    require(
        _SECRET not in text and "Traceback" not in text and "ZeroDivisionError" not in text,
        f"{where} answered {text[:80]!r}: the exception's name, message or traceback reached the "
        "client, and a message may hold a secret. Say only that the server failed.",
    )
    require(
        isinstance(got, dict)
        and isinstance(got.get("error"), str)
        and bool(got["error"].strip())
        and got.get("status") == 500,
        f'{where} answered {got}; expected an object with a non-empty "error" and the status 500.',
    )


def _json_errors_without_headers(app: Flask) -> None:
    """Wrong: a fresh response, so the 405 loses its Allow header."""

    @app.errorhandler(HTTPException)
    def as_json(error: HTTPException) -> Any:
        return {"error": error.name, "status": error.code}, error.code


def _json_errors_for_404_only(app: Flask) -> None:
    """Wrong: only the 404 becomes JSON."""
    app.register_error_handler(404, lambda error: ({"error": "Not Found", "status": 404}, 404))


def _json_errors_leaking_the_exception(app: Flask) -> None:
    """Wrong: the 500 tells the client the exception's message, which may hold a secret."""
    register_json_errors(app)

    @app.errorhandler(Exception)
    def as_json(error: Exception) -> Any:
        if isinstance(error, HTTPException):
            return error
        return {"error": f"{type(error).__name__}: {error}", "status": 500}, 500


def _json_errors_for_404_and_405(app: Flask) -> None:
    """Wrong: only the two codes the prompt names become JSON; a 415 or a 400 stays HTML."""

    def as_json(error: HTTPException) -> Any:
        allow = getattr(error, "valid_methods", None)
        headers = {"Allow": ", ".join(allow)} if allow else {}
        return {"error": error.name, "status": error.code}, error.code, headers

    app.register_error_handler(404, as_json)
    app.register_error_handler(405, as_json)


q3 = Exercise(
    "HTTP errors as JSON, headers kept",
    _check_json_errors,
    hints=[
        "Werkzeug's HTTP errors (404, 405, 415 and the rest) are classes with one base class in "
        "werkzeug.exceptions, and a handler registered for a class also handles its subclasses.",
        "A 405 carries a header that a dict you build yourself lacks. Which response has it "
        "already, and what would you change in it to make it JSON?",
        "For the 500: section 12 showed which handler a view's exception reaches. A handler for "
        "its class or a base class (`Exception`) gets the exception itself; when none matches, "
        "Flask wraps it in an `InternalServerError` and asks the handlers of that error (Flask's "
        "code: `inspect.getsource(Flask.handle_exception)`). What must the answer leave out?",
    ],
    solution=register_json_errors,
    wrong=[
        _json_errors_without_headers,
        _json_errors_for_404_only,
        _json_errors_for_404_and_405,
        _json_errors_leaking_the_exception,
    ],
)


# q4: a view that checks an optional field, and answers 400, never 500, to a body it cannot use


def add_task() -> tuple[dict[str, Any], int]:
    """`POST /tasks`: a non-blank string "task" and an optional whole "priority" from 1 to 5."""
    data = request.get_json(silent=True)  # None for broken JSON or a body that is not JSON
    if not isinstance(data, dict):
        return {"error": "send a JSON object"}, 400
    task = data.get("task")
    if not isinstance(task, str) or not task.strip():
        return {"error": 'send a non-blank string "task"'}, 400
    priority = data.get("priority", 3)  # the default when the body has none
    if type(priority) is not int or not 1 <= priority <= 5:  # not isinstance: True is an int
        return {"error": '"priority" must be a whole number from 1 to 5'}, 400
    return {"task": task, "priority": priority}, 201


# Bodies the view must accept, and the priority each answer must hold.
_GOOD_TASK_BODIES: tuple[tuple[dict[str, Any], int], ...] = (
    ({"task": "write tests"}, 3),
    ({"task": "ünïcode ✓", "priority": 1}, 1),
    ({"task": "ship it", "priority": 5}, 5),
)
# Bodies that must be refused, each with the words that name it in the feedback.
_BAD_TASK_BODIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("a JSON list", {"json": ["write tests"]}),
    ("the JSON number 42", {"json": 42}),
    ("broken JSON", {"data": '{"task": ', "content_type": "application/json"}),
    ("an object without a task", {"json": {"title": "write tests"}}),
    ("an object whose task is a number", {"json": {"task": 42}}),
    ("an object whose task is only spaces", {"json": {"task": "   "}}),
    ('an object whose priority is the text "2"', {"json": {"task": "a", "priority": "2"}}),
    ("an object whose priority is 2.5", {"json": {"task": "a", "priority": 2.5}}),
    ("an object whose priority is true", {"json": {"task": "a", "priority": True}}),
    ("an object whose priority is 0", {"json": {"task": "a", "priority": 0}}),
    ("an object whose priority is 6", {"json": {"task": "a", "priority": 6}}),
)
_FORM_BODY = {"data": {"task": "write tests"}}  # an HTML form: not JSON at all


def _post_task(view: Callable[..., Any], body: dict[str, Any], what: str) -> Any:
    app = Flask(__name__)
    app.testing = True  # an exception in the view reaches the check instead of becoming a 500
    app.add_url_rule("/tasks", "add_task", view, methods=["POST"])
    try:
        return app.test_client().post("/tasks", **body)
    except NotImplementedError:  # the stub: not attempted yet
        raise
    except Exception as error:
        raise NotYet(
            f"for {what}, your view raised {type(error).__name__}: {error}. A server answers an "
            "exception with a 500 Internal Server Error; check what the body holds before using it."
        ) from error


def _check_add_task(candidate: Callable[..., Any]) -> None:
    require(callable(candidate), "the answer should be a view function, add_task().")
    for body, priority in _GOOD_TASK_BODIES:
        response = _post_task(candidate, {"json": body}, f"the body {body}")
        got = response.get_json(silent=True)
        expected = {"task": body["task"], "priority": priority}
        require(
            response.status_code == 201
            and isinstance(got, dict)
            and got.get("task") == body["task"]
            and type(got.get("priority")) is int
            and got["priority"] == priority,
            f"for the body {body}, the view answered {response.status_code} {got}; expected 201 "
            f"with a JSON object such as {expected}"
            + ("" if "priority" in body else ": without a priority, the task gets 3")
            + ".",
        )
    for what, body in _BAD_TASK_BODIES:
        response = _post_task(candidate, body, what)
        got = response.get_json(silent=True)
        require(
            response.status_code == 400,
            f"for {what}, the view answered {response.status_code}; a body it cannot use is the "
            "client's mistake: 400 Bad Request.",
        )
        text = response.get_data(as_text=True)
        flask_page = text.lower().startswith("<!doctype html>")
        advice = (
            "Flask's own error pages are HTML, so the view answers this 400 itself"
            if flask_page
            else "answer it with a JSON object"
        )
        require(
            isinstance(got, dict) and "error" in got,
            f"for {what}, the 400 is not a JSON object with an 'error' key ({response.mimetype}: "
            f"{text[:40]!r}...); {advice}.",
        )
    status = _post_task(candidate, _FORM_BODY, "an HTML form").status_code
    require(
        status in (400, 415),
        f"for an HTML form (not JSON at all), the view answered {status}; expected 400 or 415.",
    )


def _add_task_trusting_the_body() -> tuple[dict[str, Any], int]:
    """Wrong: the reference shortener's bug, a 500 on any body that is not an object with a task."""
    data = request.get_json()
    return {"task": data["task"], "priority": data.get("priority", 3)}, 201


def _add_task_taking_true_for_a_number() -> tuple[dict[str, Any], int]:
    """Wrong: isinstance(True, int) holds, so the priority `true` is taken for 1."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return {"error": "send an object"}, 400
    task = data.get("task")
    if not isinstance(task, str) or not task.strip():
        return {"error": "no task"}, 400
    priority = data.get("priority", 3)
    if not isinstance(priority, int) or not 1 <= priority <= 5:
        return {"error": "bad priority"}, 400
    return {"task": task, "priority": priority}, 201


def _add_task_without_a_default() -> tuple[dict[str, Any], int]:
    """Wrong: a body without a priority is refused instead of getting 3."""
    data = request.get_json(silent=True)
    task = data.get("task") if isinstance(data, dict) else None
    priority = data.get("priority") if isinstance(data, dict) else None
    if not isinstance(task, str) or not task.strip() or type(priority) is not int:
        return {"error": "send a task and a priority"}, 400
    if not 1 <= priority <= 5:
        return {"error": "bad priority"}, 400
    return {"task": task, "priority": priority}, 201


def _add_task_without_a_range() -> tuple[dict[str, Any], int]:
    """Wrong: any whole number is a priority, 0 and 6 included."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return {"error": "send an object"}, 400
    task = data.get("task")
    if not isinstance(task, str) or not task.strip():
        return {"error": "no task"}, 400
    priority = data.get("priority", 3)
    if type(priority) is not int:
        return {"error": "bad priority"}, 400
    return {"task": task, "priority": priority}, 201


def _add_task_with_flask_html_errors() -> tuple[dict[str, Any], int]:
    """Wrong: without silent=True, broken JSON gets Flask's own HTML 400 page, not JSON."""
    data = request.get_json()
    task = data.get("task") if isinstance(data, dict) else None
    if not isinstance(task, str) or not task.strip():
        return {"error": "no task"}, 400
    priority = data.get("priority", 3)
    if type(priority) is not int or not 1 <= priority <= 5:
        return {"error": "bad priority"}, 400
    return {"task": task, "priority": priority}, 201


q4 = Exercise(
    "a view that checks an optional field, and answers 400, never 500, to a body it cannot use",
    _check_add_task,
    hints=[
        "Start as section 5's `note_text` does: `request.get_json(silent=True)` (None for broken "
        'JSON), then `isinstance(..., dict)`, then the type and the value of its "task". Answer '
        '`{"error": "..."}, 400` for anything else.',
        '`data.get("priority", 3)` gives the default when the key is missing. Then check its type '
        "and its range (`1 <= priority <= 5`) before using it.",
        "JSON `true` arrives as Python `True`, and `isinstance(True, int)` holds: `bool` is a "
        "subclass of `int`, and `True == 1`. `type(priority) is int` refuses it.",
    ],
    solution=add_task,
    wrong=[
        _add_task_trusting_the_body,
        _add_task_taking_true_for_a_number,
        _add_task_without_a_default,
        _add_task_without_a_range,
        _add_task_with_flask_html_errors,
    ],
)


# q5: an application factory, and a pytest-style test that the check runs


def create_counter_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A new app: `GET /hello` greets with its GREETING, `POST /visits` counts this app's visits."""
    app = Flask(__name__)
    app.config.from_mapping(GREETING="Hello")
    app.config.update(config or {})
    visits = [0]  # this app's own count: a new list for every app the factory builds

    @app.get("/hello")
    def hello() -> dict[str, str]:
        return {"greeting": app.config["GREETING"]}

    @app.post("/visits")
    def visit() -> dict[str, int]:
        visits[0] += 1
        return {"visits": visits[0]}

    return app


def test_counter_apps(create_counter_app: Callable[..., Flask]) -> None:
    first = create_counter_app({"TESTING": True}).test_client()
    assert first.post("/visits").get_json() == {"visits": 1}
    assert first.post("/visits").get_json() == {"visits": 2}
    french = create_counter_app({"TESTING": True, "GREETING": "Bonjour"}).test_client()
    assert french.post("/visits").get_json() == {"visits": 1}, "each app counts its own visits"
    assert french.get("/hello").get_json() == {"greeting": "Bonjour"}
    plain = create_counter_app().test_client()
    assert plain.get("/hello").get_json() == {"greeting": "Hello"}, "no config: the default"


Factory = Callable[..., Flask]


def _counter_factory(*, shared: bool, uses_config: bool, keeps_config: bool) -> Factory:
    """A factory like create_counter_app, with the bugs asked for (each call, fresh state)."""
    defaults = {"GREETING": "Hello"}
    shared_visits = [0]

    def create(config: Mapping[str, Any] | None = None) -> Flask:
        app = Flask(__name__)
        if keeps_config:
            defaults.update(
                config or {}
            )  # the bug: one app's config becomes the next one's default
        app.config.from_mapping(defaults)
        if uses_config and not keeps_config:
            app.config.update(config or {})
        visits = shared_visits if shared else [0]

        @app.get("/hello")
        def hello() -> dict[str, str]:
            return {"greeting": app.config["GREETING"]}

        @app.post("/visits")
        def visit() -> dict[str, int]:
            visits[0] += 1
            return {"visits": visits[0]}

        return app

    return create


def _broken_factories() -> list[tuple[Factory, str]]:
    return [
        (
            _counter_factory(shared=True, uses_config=True, keeps_config=False),
            "shares one count among all its apps (a second app's first visit goes on from the "
            "first app's count): build two apps, visit both, and check that each counts from 1",
        ),
        (
            _counter_factory(shared=False, uses_config=False, keeps_config=False),
            "ignores its config (an app built with {'GREETING': 'Bonjour'} still says Hello): "
            "build one with another GREETING and check its greeting",
        ),
        (
            _counter_factory(shared=False, uses_config=True, keeps_config=True),
            "keeps the config of one app for the apps built after it (after an app with "
            "{'GREETING': 'Bonjour'}, create_counter_app() greets with Bonjour too): after such an "
            "app, build one without config and check that it says Hello",
        ),
    ]


def _answer(client: Any, method: str, path: str, where: str) -> Any:
    """The JSON of one request to a learner's app; an exception in it becomes a NotYet."""
    try:
        response = client.open(path, method=method)
    except (NotImplementedError, NotYet):
        raise
    except Exception as error:
        raise NotYet(
            f"{method} {path} on {where} raised {type(error).__name__}: {error}."
        ) from error
    got = response.get_json(silent=True)
    return got if response.status_code == 200 else f"{response.status_code} {got}"


def _build(factory: Factory, *config: Mapping[str, Any]) -> Flask:
    """`factory(*config)`, required to be a Flask app."""
    call = f"create_counter_app({', '.join(map(repr, config))})"
    app = answer_of(call, factory, *config)
    require(isinstance(app, Flask), f"{call} returned {app!r}; return the Flask app it builds.")
    return app  # type: ignore[no-any-return]


def _check_factory(factory: Factory) -> None:
    """The learner's factory: apps with the two routes, config applied, each app its own."""
    app = _build(factory, {"TESTING": True})
    require(
        app.testing,
        "create_counter_app({'TESTING': True}) built an app whose TESTING is off: put the config "
        "it is given into app.config (app.config.update(config)).",
    )
    where = "the app of create_counter_app({'TESTING': True})"
    first = app.test_client()
    got = _answer(first, "GET", "/hello", where)
    require(
        got == {"greeting": "Hello"},
        f"GET /hello on {where} answered {got!r}; expected {{'greeting': 'Hello'}}.",
    )
    counts = [_answer(first, "POST", "/visits", where) for _ in range(2)]
    require(
        counts == [{"visits": 1}, {"visits": 2}],
        f"two POST /visits on {where} answered {counts}; expected 200 OK with {{'visits': 1}}, "
        "then with {'visits': 2}.",
    )
    config = {"TESTING": True, "GREETING": "Bonjour"}
    french = _build(factory, config).test_client()
    where = f"the app of create_counter_app({config})"
    got = _answer(french, "GET", "/hello", where)
    require(
        got == {"greeting": "Bonjour"},
        f"GET /hello on {where} answered {got!r}: the config it is given overrides the defaults.",
    )
    got = _answer(french, "POST", "/visits", where)
    require(
        got == {"visits": 1},
        f"the first POST /visits on a second app answered {got!r}: each "
        "app counts its own visits, from 1 (keep the count inside the factory, one per app).",
    )
    got = _answer(first, "POST", "/visits", "the first app")
    require(
        got == {"visits": 3},
        f"the first app's third visit answered {got!r}, not "
        "{'visits': 3}: a second app changed the first one's count.",
    )
    plain = _build(factory).test_client()
    got = _answer(plain, "GET", "/hello", "the app of create_counter_app()")
    require(
        got == {"greeting": "Hello"},
        f"after an app with GREETING Bonjour, "
        f"create_counter_app() greets with {got!r}: one app's config reached the defaults of "
        "the next (a module-level dict that config updates?).",
    )


def _check_factory_and_test(answer: Any) -> None:
    require(
        isinstance(answer, tuple) and len(answer) == 2 and all(map(callable, answer)),
        "pass both functions, the factory and the test: "
        "q5.check((create_counter_app, test_counter_apps)).",
    )
    factory, test = answer
    _check_factory(factory)
    advice = "Use only what the exercise asks of the apps: GET /hello, POST /visits and the config."
    failure = failure_of(test, factory)
    require(not failure, f"your test fails against your own factory ({failure}). {advice}")
    check_test(test, create_counter_app, _broken_factories(), name="factory", advice=advice)


class _FactoryAndTest(Exercise):
    """An exercise whose answer is a pair, the factory and its test: the solution shows both."""

    def solution(self) -> None:
        if solutions_withheld():
            print(f"The solution to '{self.title}' is withheld in this copy of the course.")
            return
        print(f"One solution to '{self.title}':\n")
        parts = self.reference
        assert isinstance(parts, tuple)
        print("\n\n\n".join(source_of(part) for part in parts))


def _test_that_checks_nothing(create_counter_app: Factory) -> None:
    """Wrong: builds an app and sends a request, but asserts nothing."""
    create_counter_app({"TESTING": True}).test_client().post("/visits")


def _test_of_one_app(create_counter_app: Factory) -> None:
    """Wrong: one app only, so a count shared by all the apps passes."""
    client = create_counter_app({"TESTING": True, "GREETING": "Bonjour"}).test_client()
    assert client.get("/hello").get_json() == {"greeting": "Bonjour"}
    assert client.post("/visits").get_json() == {"visits": 1}


_SHARED_COUNT = _counter_factory(shared=True, uses_config=True, keeps_config=False)
_CONFIG_IGNORED = _counter_factory(shared=False, uses_config=False, keeps_config=False)


q5 = _FactoryAndTest(
    "an application factory, and a test that catches its broken versions",
    _check_factory_and_test,
    hints=[
        "Inside create_counter_app: `app = Flask(__name__)`, the default "
        "`app.config.from_mapping(GREETING='Hello')`, then `app.config.update(config or {})`, "
        "and the two views. A count kept inside the factory (a list, or app.extensions) is a new "
        "one for every app; a count at module level is shared by them all.",
        "The test gets the factory as its argument. Build apps with it, take each one's "
        "`test_client()`, and assert on `.get_json()`: two apps each counting from 1, an app "
        "built with another GREETING, then an app built without config that must say Hello.",
    ],
    solution=(create_counter_app, test_counter_apps),
    wrong=[
        (create_counter_app, _test_that_checks_nothing),
        (create_counter_app, _test_of_one_app),
        (_SHARED_COUNT, test_counter_apps),
        (_CONFIG_IGNORED, test_counter_apps),
    ],
)


# q6: section 8's race, fixed: the check and the act made one step


def create_shop(stock: dict[str, int], pay: Callable[[str], None]) -> Flask:
    """A shop selling from `stock`: `POST /order/<item>` pays, then takes one, never overselling.

    One lock per shop holds the check, the payment and the subtraction together, so a second
    order waits until the first is done. Holding it through a slow payment queues every order;
    a shop that must go faster takes the unit under the lock and pays after, giving it back if
    paying fails.
    """
    app = Flask(__name__)
    lock = threading.Lock()  # made once per shop, shared by all its requests

    @app.post("/order/<item>")
    def order(item: str) -> tuple[dict[str, Any], int]:
        with lock:
            if item not in stock:
                return {"error": f"{item} is not sold here"}, 404
            if stock[item] == 0:
                return {"error": f"{item} is out of stock"}, 409
            pay(item)
            stock[item] -= 1
            return {"ordered": item, "left": stock[item]}, 200

    return app


_PAYMENT_SECONDS = 0.1  # the slow step of the check's payment service
_CUSTOMERS = 6  # orders sent at once for the last two apples
_WAIT_SECONDS = 10.0  # how long the check waits for all of them


class _Payments:
    """A payment service for the check: records each item paid for, slowly if asked."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.paid: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, item: str) -> None:
        time.sleep(self.seconds)
        with self._lock:
            self.paid.append(item)


def _build_shop(candidate: Callable[..., Any], stock: dict[str, int], pay: _Payments) -> Flask:
    call = f"create_shop({stock}, pay)"
    app = answer_of(call, candidate, stock, pay)
    require(isinstance(app, Flask), f"{call} returned {app!r}; return the Flask app it builds.")
    app.testing = True  # an exception in a view reaches the check instead of becoming a 500
    return app  # type: ignore[no-any-return]


def _request_order(app: Flask, item: str) -> tuple[int, Any]:
    """POST /order/<item> on `app`: the status and the JSON; a view's exception is a NotYet."""
    try:
        response = app.test_client().post(f"/order/{item}")
    except (NotImplementedError, NotYet):
        raise
    except Exception as error:
        raise NotYet(
            f"POST /order/{item} raised {type(error).__name__}: {error}; a server answers an "
            "exception with a 500."
        ) from error
    return response.status_code, response.get_json(silent=True)


_HANGS = "does a request wait for a lock that is never released?"


def _order(app: Flask, item: str) -> tuple[int, Any]:
    """`_request_order` in a thread of its own, so that a shop that never answers cannot hang
    the check: after _WAIT_SECONDS it is a NotYet."""
    outcome: list[tuple[int, Any]] = []
    failure: list[BaseException] = []

    def send() -> None:
        try:
            outcome.append(_request_order(app, item))
        except BaseException as error:  # handed to the check's thread below
            failure.append(error)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    thread.join(timeout=_WAIT_SECONDS)
    require(
        not thread.is_alive(),
        f"POST /order/{item} had not been answered after {_WAIT_SECONDS:.0f} s: {_HANGS}",
    )
    if failure:
        raise failure[0]
    return outcome[0]


def _check_orders_one_at_a_time(candidate: Callable[..., Any]) -> None:
    stock = {"apple": 2, "pear": 0}
    pay = _Payments()
    app = _build_shop(candidate, stock, pay)
    expected: list[tuple[str, int, Any]] = [
        ("apple", 200, {"ordered": "apple", "left": 1}),
        ("apple", 200, {"ordered": "apple", "left": 0}),
        ("apple", 409, "error"),
        ("pear", 409, "error"),
        ("kiwi", 404, "error"),
    ]
    for number, (item, status, body) in enumerate(expected, start=1):
        got_status, got = _order(app, item)
        if body == "error":
            right = got_status == status and isinstance(got, dict) and "error" in got
            want = f"{status} with a JSON object that has an 'error' key"
        else:
            right = (got_status, got) == (status, body)
            want = f"{status} {body}"
        require(
            right,
            f"with stock {{'apple': 2, 'pear': 0}}, order {number} (POST /order/{item}) answered "
            f"{got_status} {got}; expected {want}.",
        )
    require(
        pay.paid == ["apple", "apple"],
        f"after two sales and three refusals, pay() was called for {pay.paid}; expected "
        "['apple', 'apple']: once per sale, with the item, and never for a refused order.",
    )
    require(stock == {"apple": 0, "pear": 0}, f"after two sales the stock is {stock}.")


def _check_orders_at_once(candidate: Callable[..., Any]) -> None:
    stock = {"apple": 2}
    pay = _Payments(_PAYMENT_SECONDS)
    app = _build_shop(candidate, stock, pay)
    start = threading.Barrier(_CUSTOMERS, timeout=_WAIT_SECONDS)
    answers: list[tuple[int, Any]] = []
    failures: list[BaseException] = []

    def customer() -> None:
        try:
            start.wait()
            answers.append(_request_order(app, "apple"))
        except BaseException as error:  # handed to the check's thread below
            failures.append(error)

    customers = [threading.Thread(target=customer, daemon=True) for _ in range(_CUSTOMERS)]
    for thread in customers:
        thread.start()
    deadline = time.monotonic() + _WAIT_SECONDS
    for thread in customers:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    require(
        not any(thread.is_alive() for thread in customers),
        f"{_CUSTOMERS} orders at once had not all been answered after {_WAIT_SECONDS:.0f} s: "
        + _HANGS,
    )
    for failure in failures:
        if isinstance(failure, NotYet):
            raise NotYet(f"with {_CUSTOMERS} orders at once, {failure}")
        raise failure
    sold = sum(status == 200 for status, _ in answers)
    statuses = sorted(status for status, _ in answers)
    require(
        sold == 2 and statuses == [200, 200] + [409] * (_CUSTOMERS - 2) and stock["apple"] == 0,
        f"{_CUSTOMERS} orders at once for the last 2 apples, with a payment that takes "
        f"{_PAYMENT_SECONDS * 1000:.0f} ms, answered {statuses} and left a stock of "
        f"{stock['apple']}: {sold} apples sold. Orders passed the check before others had taken "
        "their apple: the check and the act must be one step that no other request can come "
        "between.",
    )
    require(
        len(pay.paid) == 2,
        f"{_CUSTOMERS} orders at once sold 2 apples but called pay() {len(pay.paid)} times: "
        "once per sale.",
    )


def _check_create_shop(candidate: Callable[..., Any]) -> None:
    require(callable(candidate), "the answer should be a function create_shop(stock, pay).")
    _check_orders_one_at_a_time(candidate)
    _check_orders_at_once(candidate)


def _shop_with(
    guarded: Callable[[Callable[[], tuple[dict[str, Any], int]]], tuple[dict[str, Any], int]],
) -> Callable[[dict[str, int], Callable[[str], None]], Flask]:
    """A factory of shops whose order view runs its steps through `guarded` (for wrong answers)."""

    def create(stock: dict[str, int], pay: Callable[[str], None]) -> Flask:
        app = Flask(__name__)

        @app.post("/order/<item>")
        def order(item: str) -> tuple[dict[str, Any], int]:
            def steps() -> tuple[dict[str, Any], int]:
                if item not in stock:
                    return {"error": "not sold here"}, 404
                if stock[item] == 0:
                    return {"error": "out of stock"}, 409
                pay(item)
                stock[item] -= 1
                return {"ordered": item, "left": stock[item]}, 200

            return guarded(steps)

        return app

    return create


def _shop_checking_then_acting(stock: dict[str, int], pay: Callable[[str], None]) -> Flask:
    """Wrong: section 8's race, a check and an act with nothing to hold them together."""
    return _shop_with(lambda steps: steps())(stock, pay)


def _shop_with_a_lock_per_request(stock: dict[str, int], pay: Callable[[str], None]) -> Flask:
    """Wrong: each request makes a lock of its own, which no other request ever waits for."""

    def guarded(steps: Callable[[], tuple[dict[str, Any], int]]) -> tuple[dict[str, Any], int]:
        with threading.Lock():
            return steps()

    return _shop_with(guarded)(stock, pay)


def _shop_locking_the_act_only(stock: dict[str, int], pay: Callable[[str], None]) -> Flask:
    """Wrong: the subtraction is locked, but the check before it is not."""
    app = Flask(__name__)
    lock = threading.Lock()

    @app.post("/order/<item>")
    def order(item: str) -> tuple[dict[str, Any], int]:
        if item not in stock:
            return {"error": "not sold here"}, 404
        if stock[item] == 0:
            return {"error": "out of stock"}, 409
        pay(item)
        with lock:
            stock[item] -= 1
            return {"ordered": item, "left": stock[item]}, 200

    return app


q6 = Exercise(
    "a shop that sells its last apple once, however many ask at once",
    _check_create_shop,
    hints=[
        "Section 8 showed the cure: which object turns two steps into one, so that a second "
        "request waits until the first is done with both?",
        "Make one `threading.Lock()` in create_shop, not in the view: a lock made per request is "
        "one no other request waits for. Then do the check, `pay(item)` and the subtraction "
        "inside `with lock:`.",
    ],
    solution=create_shop,
    wrong=[_shop_checking_then_acting, _shop_with_a_lock_per_request, _shop_locking_the_act_only],
)

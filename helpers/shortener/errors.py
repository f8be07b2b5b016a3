"""Errors as RFC 9457 problem details, whatever raised them.

Every 4xx and 5xx, from a view, from Werkzeug's routing (404, 405), from the body-size limit
(413) or from flask-limiter (429), becomes `application/problem+json` with `type`, `title`,
`status` and a `detail` that says what went wrong. A browser asking for an HTML page gets the
same news as a small HTML page instead.
"""

from __future__ import annotations

import sqlite3

import psycopg
import psycopg_pool
from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable, TooManyRequests

from .ratelimit import seconds_until_reset

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str) -> Response:
    """A problem-details response; `type` is about:blank, so `title` is the status phrase."""
    response = jsonify(type="about:blank", title=title, status=status, detail=detail)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def wants_html() -> bool:
    """True for a browser asking for a page; API clients and unknown clients get JSON."""
    if request.blueprint in ("api", "openapi"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", PROBLEM_JSON, "text/html"])
    return best == "text/html"


def handle_http_exception(error: HTTPException) -> Response:
    """Turn any HTTP error into a problem response (or an HTML page for a browser)."""
    status = error.code or 500
    title = error.name
    detail = error.description or title
    if wants_html():
        response = Response(
            render_template("error.html", status=status, title=title, detail=detail),
            status=status,
            mimetype="text/html",
        )
    else:
        response = problem(status, title, detail)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(seconds_until_reset())
    return response


def handle_busy_database(error: sqlite3.OperationalError) -> Response:
    """A database too busy to answer in time is a 503 with Retry-After, not a crash."""
    if "locked" not in str(error) and "busy" not in str(error):
        raise error
    return unavailable("the database is busy; try again in a moment")


def handle_unreachable_database(
    error: psycopg.OperationalError | psycopg_pool.PoolTimeout,
) -> Response:
    """PostgreSQL out of reach (down, restarting, no connection free in time) is a 503 too."""
    return unavailable("the database cannot be reached; try again in a moment")


def unavailable(detail: str) -> Response:
    """A 503 that asks the client to try again in a second."""
    response = handle_http_exception(ServiceUnavailable(detail))
    response.headers["Retry-After"] = "1"
    return response


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(sqlite3.OperationalError, handle_busy_database)
    app.register_error_handler(psycopg.OperationalError, handle_unreachable_database)
    app.register_error_handler(psycopg_pool.PoolTimeout, handle_unreachable_database)

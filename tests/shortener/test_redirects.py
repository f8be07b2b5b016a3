"""redirects: the fast path answers live links without Flask, exactly as Flask would; Flask
answers everything else."""

from __future__ import annotations

from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import Client

from helpers.shortener.middleware import Observed
from helpers.shortener.redirects import RedirectFastPath

from .conftest import Clock
from .support import create, store_unchecked

pytestmark = pytest.mark.both_stores


@pytest.fixture
def handed_to_flask(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The requests ("METHOD /path") that the fast path hands over to Flask, as they happen."""
    observed = app.wsgi_app
    assert isinstance(observed, Observed)  # the outermost layer: metrics and access log
    fast_path = observed.wsgi_app
    assert isinstance(fast_path, RedirectFastPath)
    flask_wsgi_app = fast_path.flask_wsgi_app
    handed: list[str] = []

    def spy(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        handed.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        return flask_wsgi_app(environ, start_response)

    monkeypatch.setattr(fast_path, "flask_wsgi_app", spy)
    return handed


def test_a_live_link_is_answered_without_flask(
    client: FlaskClient, handed_to_flask: list[str]
) -> None:
    code = create(client)["code"]
    handed_to_flask.clear()
    assert client.get(f"/{code}").status_code == 302
    assert client.head(f"/{code}").status_code == 302
    assert handed_to_flask == []
    assert client.get(f"/api/links/{code}").get_json()["clicks"]["total"] == 2


def test_everything_else_is_answered_by_flask(
    app: Flask, client: FlaskClient, handed_to_flask: list[str], clock: Clock
) -> None:
    live = create(client, alias="live")["code"]
    expired = create(client, alias="expired", expires_in=60)["code"]
    clock.advance(60)
    store_unchecked(app, "https://example.com/hidden", "healthz")  # a row no rule allowed
    requests = {
        f"GET /{expired}": 410,
        f"HEAD /{expired}": 410,
        "GET /unknown": 404,
        "GET /no": 404,  # too short to be a code
        f"POST /{live}": 405,
        f"DELETE /{live}": 405,
        f"GET /{live}/": 404,
        f"GET /{live}+": 200,
        f"GET /{live}/stats": 200,
        f"GET /api/links/{live}": 200,
        "GET /healthz": 200,  # the health check, not the stored link
    }
    handed_to_flask.clear()
    for request, status in requests.items():
        method, path = request.split()
        assert client.open(path, method=method).status_code == status, request
    assert handed_to_flask == list(requests)


def test_the_fast_path_and_the_flask_view_answer_alike(app: Flask, client: FlaskClient) -> None:
    code = create(client, "https://bücher.example/ö?q=[1]")["code"]
    observed = app.wsgi_app
    assert isinstance(observed, Observed)  # the outermost layer: metrics and access log
    fast_path = observed.wsgi_app
    assert isinstance(fast_path, RedirectFastPath)
    fast_first, flask_only = Client(fast_path), Client(fast_path.flask_wsgi_app)
    for method in ("GET", "HEAD"):
        fast = fast_first.open(f"/{code}", method=method)
        slow = flask_only.open(f"/{code}", method=method)
        assert (fast.status, fast.headers.to_wsgi_list(), fast.data) == (
            slow.status,
            slow.headers.to_wsgi_list(),
            slow.data,
        )
    assert fast.headers.to_wsgi_list() == [
        ("Location", "https://xn--bcher-kva.example/%C3%B6?q=%5B1%5D"),  # as werkzeug writes it
        ("Cache-Control", "private"),
        ("Content-Length", "0"),
    ]
    assert client.get(f"/api/links/{code}").get_json()["clicks"]["total"] == 4

"""helpers.reference_app: the reference course's shortener keeps its behaviour, bugs included.

Notebook 10 shows these bugs and the benchmark reads these answers, so both depend on them.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Iterator

import pytest
import requests
from flask.testing import FlaskClient

from helpers import net, reference_app

COLLIDING = ("https://www.example.com/articles/92", "https://www.example.com/articles/134")


@pytest.fixture
def client() -> Iterator[FlaskClient]:
    """A test client on an emptied dict; the module's links are put back afterwards."""
    saved = dict(reference_app.links)
    reference_app.links.clear()
    yield reference_app.app.test_client()
    reference_app.links.clear()
    reference_app.links.update(saved)


def test_shorten_answers_the_md5_prefix_and_redirects_with_302(client: FlaskClient) -> None:
    url = "https://www.example.com/page"
    response = client.post("/shorten", json={"url": url})
    assert response.status_code == 200
    code = hashlib.md5(url.encode()).hexdigest()[:5]
    assert response.get_json() == {"message": "Shortened", "code": code}
    followed = client.get(f"/r/{code}")
    assert followed.status_code == 302
    assert followed.headers["Location"] == url
    assert client.get("/r/00000").status_code == 404


def test_without_a_json_content_type_it_is_415(client: FlaskClient) -> None:
    response = client.post("/shorten", data='{"url": "https://www.example.com/"}')
    assert response.status_code == 415


@pytest.mark.parametrize("body", [["url", "https://www.example.com/"], 42, {"url": 7}])
def test_json_that_is_not_an_object_crashes_with_500(
    client: FlaskClient, body: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger=reference_app.app.logger.name):
        assert client.post("/shorten", json=body).status_code == 500
    assert any(record.exc_info for record in caplog.records)


def test_a_collision_silently_sends_the_second_url_to_the_first(client: FlaskClient) -> None:
    first, second = COLLIDING
    assert client.post("/shorten", json={"url": first}).get_json()["message"] == "Shortened"
    answer = client.post("/shorten", json={"url": second})
    assert answer.status_code == 200
    assert answer.get_json()["message"] == "Already exists"
    assert client.get(f"/r/{answer.get_json()['code']}").headers["Location"] == first


def test_a_restarted_process_has_forgotten_every_link() -> None:
    def start() -> net.BackgroundProcess:
        port = net.free_port()
        command = [sys.executable, "-m", "helpers.reference_app", str(port)]
        return net.run_process(command, port, name="reference app under test")

    with start() as server:
        made = requests.post(
            f"{server.url}/shorten", json={"url": "https://www.example.com/kept"}, timeout=5
        )
        code = made.json()["code"]
        assert requests.get(f"{server.url}/r/{code}", allow_redirects=False, timeout=5).ok
    with start() as server:
        assert requests.get(f"{server.url}/r/{code}", timeout=5).status_code == 404

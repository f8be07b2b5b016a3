"""TRUSTED_PROXIES: behind nginx each client has its own rate limit and access-log address, and
short URLs keep the proxy's port and scheme; with 0, a forged X-Forwarded-For changes nothing.

The clients connect from different loopback addresses (127.0.0.2, 127.0.0.3, ...: all of
127.0.0.0/8 is the loopback), which `http.client` binds with `source_address`. The shortener runs
under gunicorn with one worker (`helpers.deploy.gunicorn`, with its production configuration:
JSON access lines), so the rate limit's counts, in that worker's memory, are exact.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import deploy, net

TIMEOUT = 10.0
LIMIT = "2/hour"  # no window ends during the test
CREATED_THEN_REFUSED = [201, 201, 429]


def start_shortener(folder: Path, trusted_proxies: int) -> net.BackgroundProcess:
    env = {
        "SHORTENER_DATABASE": str(folder / f"links-{trusted_proxies}.sqlite3"),
        "SHORTENER_RATE_LIMIT": LIMIT,
        "SHORTENER_TRUSTED_PROXIES": str(trusted_proxies),
    }
    name = f"shortener trusting {trusted_proxies}"
    return deploy.gunicorn("helpers.shortener:create_app()", workers=1, name=name, env=env)


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="proxy-test-") as path:
        yield Path(path)


@pytest.fixture(scope="module")
def trusting_one(folder: Path) -> Iterator[net.BackgroundProcess]:
    with start_shortener(folder, trusted_proxies=1) as server:
        yield server


@pytest.fixture(scope="module")
def trusting_none(folder: Path) -> Iterator[net.BackgroundProcess]:
    with start_shortener(folder, trusted_proxies=0) as server:
        yield server


@pytest.fixture(scope="module")
def nginx(
    require_programs: Callable[..., None], trusting_one: net.BackgroundProcess, folder: Path
) -> Iterator[net.BackgroundProcess]:
    """deploy/nginx/shortener.conf in front of the shortener that trusts one proxy."""
    require_programs("nginx")
    port = net.free_port()
    (folder / "nginx").mkdir()
    config = deploy.render_nginx_config(port, [trusting_one.port])
    with deploy.run_nginx(config, port, folder / "nginx") as server:
        yield server


def create_from(
    source: str, server: net.BackgroundServer, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    """POST a new link to `server` from the loopback address `source`.

    The answer's status and JSON body, and the request id sent, to find the access line by.
    """
    request_id = f"proxy-test-{uuid.uuid4().hex}"
    connection = http.client.HTTPConnection(
        server.host, server.port, timeout=TIMEOUT, source_address=(source, 0)
    )
    try:
        body = json.dumps({"url": "https://example.com/proxied"})
        sent = {"Content-Type": "application/json", "X-Request-ID": request_id, **(headers or {})}
        connection.request("POST", "/api/links", body, sent)
        response = connection.getresponse()
        return response.status, json.loads(response.read()), request_id
    finally:
        connection.close()


def logged_address(server: net.BackgroundProcess, request_id: str) -> str:
    """The `remote_addr` of the access line of request `request_id` (a worker writes its lines
    every 0.2 s, so it may take a moment to appear)."""
    assert net.wait_until(lambda: f'"{request_id}"' in server.log(), timeout=TIMEOUT), (
        f"no access line for {request_id}:\n{server.log()}"
    )
    (line,) = (line for line in server.log().splitlines() if f'"{request_id}"' in line)
    address: str = json.loads(line)["remote_addr"]
    return address


def test_two_clients_through_nginx_have_their_own_limits_and_addresses(
    nginx: net.BackgroundProcess, trusting_one: net.BackgroundProcess
) -> None:
    first = [create_from("127.0.0.2", nginx) for _ in range(3)]
    second = create_from("127.0.0.3", nginx)
    assert [status for status, _, _ in first] == CREATED_THEN_REFUSED
    assert second[0] == 201, "the first client's limit is its own"
    assert {logged_address(trusting_one, request_id) for _, _, request_id in first} == {"127.0.0.2"}
    assert logged_address(trusting_one, second[2]) == "127.0.0.3"


def test_a_forged_forwarded_for_does_not_get_past_nginx(
    nginx: net.BackgroundProcess, trusting_one: net.BackgroundProcess
) -> None:
    answers = [
        create_from("127.0.0.4", nginx, {"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(3)
    ]
    assert [status for status, _, _ in answers] == CREATED_THEN_REFUSED
    assert logged_address(trusting_one, answers[0][2]) == "127.0.0.4"


def test_short_urls_through_nginx_keep_its_port_and_its_scheme(
    nginx: net.BackgroundProcess,
) -> None:
    status, link, _ = create_from("127.0.0.5", nginx, {"X-Forwarded-Proto": "https"})
    assert status == 201
    assert link["short_url"] == f"http://127.0.0.1:{nginx.port}/{link['code']}"  # nginx's http


def test_a_trusted_proxy_over_tls_gives_https_short_urls(
    trusting_one: net.BackgroundProcess,
) -> None:
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    status, link, request_id = create_from("127.0.0.6", trusting_one, forwarded)
    assert status == 201
    assert link["short_url"] == f"https://127.0.0.1:{trusting_one.port}/{link['code']}"
    assert logged_address(trusting_one, request_id) == "203.0.113.9"


def test_without_trusted_proxies_forwarded_headers_change_nothing(
    trusting_none: net.BackgroundProcess,
) -> None:
    answers = [
        create_from(
            "127.0.0.7",
            trusting_none,
            {"X-Forwarded-For": f"198.51.100.{n}", "X-Forwarded-Proto": "https"},
        )
        for n in range(3)
    ]
    assert [status for status, _, _ in answers] == CREATED_THEN_REFUSED
    link = answers[0][1]
    assert link["short_url"] == f"http://127.0.0.1:{trusting_none.port}/{link['code']}"
    assert {logged_address(trusting_none, request_id) for _, _, request_id in answers} == {
        "127.0.0.7"
    }


FIRST_CHAIN = "198.51.100.1, 192.0.2.1, 10.0.0.2"


@pytest.mark.parametrize(
    ("proxies", "same_client", "other_client"),
    [
        (1, "203.0.113.5, 192.0.2.9, 10.0.0.2", "198.51.100.1, 192.0.2.1, 10.0.0.3"),
        (2, "203.0.113.5, 192.0.2.1, 10.0.0.3", "198.51.100.1, 192.0.2.2, 10.0.0.2"),
    ],
    ids=["one proxy", "two proxies"],
)
def test_the_client_is_the_address_as_many_proxies_from_the_right(
    make_app: Any, proxies: int, same_client: str, other_client: str
) -> None:
    """Of FIRST_CHAIN, one proxy makes 10.0.0.2 the client, two make 192.0.2.1 the client (and
    10.0.0.2 the outer proxy); whatever is further left, the client may have written itself."""
    app = make_app(TRUSTED_PROXIES=proxies, RATE_LIMIT_ENABLED=True, RATE_LIMIT_CREATE="1/hour")
    client: FlaskClient = app.test_client()

    def create_through(chain: str) -> int:
        return client.post(
            "/api/links", json={"url": "https://example.com/"}, headers={"X-Forwarded-For": chain}
        ).status_code

    assert [create_through(chain) for chain in (FIRST_CHAIN, same_client)] == [201, 429]
    assert create_through(other_client) == 201

"""deploy/nginx/shortener.conf: nginx accepts it, and in front of two shorteners hides a crash."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from helpers import deploy, loadgen, net


@pytest.fixture
def nginx_present(require_programs: Callable[..., None]) -> None:
    require_programs("nginx")


def test_rendering_puts_one_upstream_line_per_backend() -> None:
    config = deploy.render_nginx_config(9000, [9001, 9002, 9003])
    assert "listen 127.0.0.1:9000;" in config
    for port in (9001, 9002, 9003):
        assert f"server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" in config
    assert "8001" not in config and "8002" not in config and "8080" not in config
    with pytest.raises(ValueError):
        deploy.render_nginx_config(9000, [])


@pytest.mark.usefixtures("nginx_present")
def test_nginx_accepts_the_configuration() -> None:
    valid, said = deploy.check_nginx_config(deploy.NGINX_CONFIG.read_text())
    assert valid, said
    valid, said = deploy.check_nginx_config(deploy.render_nginx_config(9000, [9001, 9002]))
    assert valid, said


@pytest.mark.usefixtures("nginx_present")
def test_nginx_refuses_a_broken_configuration() -> None:
    broken = deploy.NGINX_CONFIG.read_text().replace("least_conn;", "least_conn")
    valid, said = deploy.check_nginx_config(broken)
    assert not valid
    assert "nginx" in said


@pytest.fixture
def two_shorteners() -> Iterator[list[net.BackgroundProcess]]:
    with tempfile.TemporaryDirectory(prefix="nginx-test-") as folder:
        env = {
            "SHORTENER_DATABASE": str(Path(folder) / "links.sqlite3"),
            "SHORTENER_RATE_LIMIT_ENABLED": "false",
        }
        app = "helpers.shortener:create_app()"
        instances = [
            deploy.gunicorn(app, workers=1, name=f"shortener {n}", env=env) for n in (1, 2)
        ]
        try:
            yield instances
        finally:
            for instance in instances:
                instance.stop()


@pytest.mark.usefixtures("nginx_present")
def test_nginx_hides_an_instance_killed_under_load(
    two_shorteners: list[net.BackgroundProcess],
) -> None:
    port = net.free_port()
    config = deploy.render_nginx_config(port, [instance.port for instance in two_shorteners])
    with (
        tempfile.TemporaryDirectory(prefix="nginx-run-") as folder,
        deploy.run_nginx(config, port, Path(folder)) as nginx,
    ):
        created = requests.post(
            f"{nginx.url}/api/links", json={"url": "https://example.com/a"}, timeout=5
        )
        assert created.status_code == 201, created.text
        code = created.json()["code"]
        victim = two_shorteners[1].process.pid
        killer = threading.Timer(0.3, os.killpg, args=(victim, signal.SIGKILL))
        killer.start()
        result = loadgen.run_load(
            nginx.url, [f"/{code}"], requests=1_500, concurrency=4, progress=False
        )
        killer.join()
        assert two_shorteners[1].process.wait(timeout=5) == -signal.SIGKILL
        assert result.finished_at[-1] > 0.3  # the kill happened during the load
        assert result.statuses == {302: 1_500}, result.statuses
        assert result.errors == 0

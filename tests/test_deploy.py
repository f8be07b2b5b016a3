"""helpers.deploy.gunicorn, the one launcher: it returns once every worker has loaded the app,
gives each app its production configuration, and reports a server that cannot start.

(The nginx half of helpers.deploy is tests/test_nginx.py's.)
"""

from __future__ import annotations

import re

import psutil
import pytest
import requests

from helpers import deploy, gunicorn_ready

READY_PID = re.compile(rf"{gunicorn_ready.READY} \(pid (\d+)\)")


def test_it_returns_once_every_worker_has_loaded_the_app() -> None:
    with deploy.gunicorn("helpers.reference_app:app", workers=3, name="deploy-ready") as server:
        ready = {int(pid) for pid in READY_PID.findall(server.log())}
        workers = {child.pid for child in psutil.Process(server.process.pid).children()}
        made = requests.post(
            f"{server.url}/shorten", json={"url": "https://www.example.com/"}, timeout=5
        )
    assert len(ready) == 3 and ready == workers, server.log()
    assert made.status_code == 200, made.text


@pytest.mark.parametrize(
    ("app", "config"),
    [
        (deploy.SHORTENER, f"--config={deploy.SHORTENER_CONFIG}"),
        ("helpers.bare_wsgi:app", "--config=python:helpers.gunicorn_ready"),
    ],
)
def test_each_app_runs_with_its_own_configuration(app: str, config: str) -> None:
    command = deploy.gunicorn_command(app, bind="127.0.0.1:8000", workers=2)
    assert config in command and "--no-control-socket" in command
    assert command[-1] == app


def test_a_server_that_cannot_start_raises_with_its_log() -> None:
    with pytest.raises(RuntimeError, match=r"exited with code [1-9](.|\n)*no_such_module"):
        deploy.gunicorn("no_such_module:app", workers=2, name="deploy-broken")

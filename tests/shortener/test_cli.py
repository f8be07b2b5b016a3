"""cli: python -m helpers.shortener create | stats | serve (Werkzeug's server, or
gunicorn with --workers), and the same commands under flask --app helpers.shortener."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import psycopg
import pytest
import requests
from click.testing import CliRunner
from flask import Flask

from helpers import deploy, monitoring, net
from helpers.shortener import cli

from .support import table_names


@pytest.fixture
def runner(tmp_path: Path) -> CliRunner:
    """A CLI runner whose commands use a temporary database."""
    return CliRunner(env={"SHORTENER_DATABASE": str(tmp_path / "cli.sqlite3")})


def test_the_first_command_creates_the_tables(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli.main, ["create", "https://example.com/first"])
    assert result.exit_code == 0, result.output
    assert table_names(tmp_path / "cli.sqlite3") == {"links", "daily_clicks"}


def test_with_a_database_url_the_commands_work_in_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    runner = CliRunner(
        env={
            "SHORTENER_DATABASE_URL": postgres_url,
            "SHORTENER_DATABASE": str(tmp_path / "unused.sqlite3"),
        }
    )
    created = runner.invoke(cli.main, ["create", "https://example.com/pg", "--alias", "in-pg"])
    assert created.exit_code == 0, created.output
    with psycopg.connect(postgres_url, connect_timeout=10) as connection:
        row = connection.execute("SELECT url FROM links WHERE code = 'in-pg'").fetchone()
    assert row == ("https://example.com/pg",)
    assert not (tmp_path / "unused.sqlite3").exists()


def test_create_then_stats(runner: CliRunner) -> None:
    result = runner.invoke(cli.main, ["create", "https://example.com/x", "--alias", "from-cli"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["code"] == "from-cli"
    assert created["short_url"] == "http://127.0.0.1:8000/from-cli"
    stats = json.loads(runner.invoke(cli.main, ["stats", "from-cli"]).output)
    assert stats["url"] == "https://example.com/x"
    assert stats["clicks"] == {"total": 0, "last": None, "per_day": {}}


def test_create_uses_base_url_and_expiry(runner: CliRunner) -> None:
    result = runner.invoke(
        cli.main,
        ["create", "https://example.com/", "--expires-in", "60"],
        env={"SHORTENER_BASE_URL": "https://sho.rt"},
    )
    created = json.loads(result.output)
    assert created["short_url"] == f"https://sho.rt/{created['code']}"
    assert created["expires_at"] is not None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["create", "javascript:alert(1)"], "only http"),
        (["create", "http://localhost/"], "private"),
        (["create", "https://example.com/", "--alias", "api"], "reserved"),
        (["create", "https://example.com/", "--expires-in", "0"], "0 is not in the range"),
        (["create", "https://example.com/", "--expires-in", "999999999"], "between 1 and"),
        (["stats", "unknown"], "no link has the code 'unknown'"),
    ],
)
def test_errors_are_friendly(runner: CliRunner, arguments: list[str], message: str) -> None:
    result = runner.invoke(cli.main, arguments)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_taken_alias_is_an_error(runner: CliRunner) -> None:
    runner.invoke(cli.main, ["create", "https://example.com/", "--alias", "twice"])
    result = runner.invoke(cli.main, ["create", "https://example.com/", "--alias", "twice"])
    assert result.exit_code == 1
    assert "already taken" in result.output


def test_python_dash_m_serves_on_loopback(tmp_path: Path) -> None:
    """Werkzeug's server, one process: metrics work without PROMETHEUS_MULTIPROC_DIR."""
    port = net.free_port()
    environment = {"SHORTENER_DATABASE": str(tmp_path / "served.sqlite3"), "PATH": ""}
    command = [sys.executable, "-m", "helpers.shortener", "serve", "--port", str(port)]
    with net.run_process(command, port, name="shortener-serve", env=environment, ready_timeout=20):
        response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert response.json() == {"status": "ok"}
        samples = monitoring.scrape(f"http://127.0.0.1:{port}")
    assert monitoring.total(samples, "shortener_http_requests_total", route="/healthz") == 1


def test_serve_with_workers_runs_gunicorn_in_production_configuration(tmp_path: Path) -> None:
    """gunicorn_conf.py's marks: a READY line per worker, JSON access lines, shared metrics."""
    port = net.free_port()
    environment = {"SHORTENER_DATABASE": str(tmp_path / "served.sqlite3")}
    command = [sys.executable, "-m", "helpers.shortener", "serve", f"--port={port}", "--workers=2"]
    with net.run_process(command, port, name="serve-workers", env=environment) as server:
        assert "gunicorn" in psutil.Process(server.process.pid).cmdline()  # serve exec'd it
        deploy.wait_for_workers(server, 2)
        for _ in range(20):  # a new connection each time, so both workers get some
            assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200
        samples = monitoring.scrape(server.url)
    assert monitoring.total(samples, "shortener_http_requests_total", route="/healthz") == 20
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    assert [line["status"] for line in lines if line["path"] == "/healthz"] == [200] * 20


# The same commands under `flask --app helpers.shortener`


def test_flask_has_the_same_commands(app: Flask) -> None:
    for name, command in {"create": cli.create, "stats": cli.stats}.items():
        assert app.cli.commands[name] is command


def test_flask_commands_work_on_the_app_flask_loaded(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create", "https://example.com/f", "--alias", "via-flask"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["url"] == "https://example.com/f"
    app.test_client().get("/via-flask")
    stats = json.loads(runner.invoke(args=["stats", "via-flask"]).output)
    assert stats["clicks"]["total"] == 1  # the app's own pending click is stored first


def test_flask_dash_dash_app_runs_them(tmp_path: Path) -> None:
    database = tmp_path / "flask-cli.sqlite3"
    environment = {**os.environ, "SHORTENER_DATABASE": str(database)}

    def flask(*arguments: str) -> str:
        command = [sys.executable, "-m", "flask", "--app", "helpers.shortener", *arguments]
        done = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=60, check=True
        )
        return done.stdout

    assert json.loads(flask("create", "https://example.com/", "--alias", "by-flask"))["code"]
    assert table_names(database) == {"links", "daily_clicks"}
    assert json.loads(flask("stats", "by-flask"))["url"] == "https://example.com/"

"""The command line: `python -m helpers.shortener serve | create | stats`.

`create` and `stats` are also Flask commands (`flask --app helpers.shortener create | stats`),
the very same functions on the application Flask loaded. Run with `python -m`, a command builds
the application with `create_app()` (which creates the tables if missing), so either way it
reads the same environment variables as the server (SHORTENER_DATABASE or
SHORTENER_DATABASE_URL, SHORTENER_BASE_URL, ...).
"""

from __future__ import annotations

import json
import os
from typing import Any

import click
from flask import Flask
from flask.cli import ScriptInfo
from werkzeug.exceptions import HTTPException

from helpers import deploy

from .service import NewLink, find_or_404, link_json, link_with_clicks_json, shorten

DEFAULT_PORT = 8000


def _app() -> Flask:
    """The application to work on: the one Flask's command line loaded, else a new one."""
    flask_cli = click.get_current_context().find_object(ScriptInfo)
    if flask_cli is not None:
        return flask_cli.load_app()
    from . import create_app  # here, not at the top: the package imports this module

    return create_app()


def _base_url(app: Flask) -> str:
    """Where short links point when no request tells us: BASE_URL, else the local server."""
    return app.config["BASE_URL"] or f"http://127.0.0.1:{DEFAULT_PORT}"


def _in_request(app: Flask, action: Any) -> Any:
    """Run `action()` as if inside a request to BASE_URL, which the shared code expects.

    An HTTP error from it (a refused URL, a taken alias) becomes a friendly CLI error.
    """
    with app.test_request_context(base_url=_base_url(app)):
        try:
            return action()
        except HTTPException as error:
            raise click.ClickException(error.description or error.name) from None


def _echo_json(value: dict[str, Any]) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True))


@click.group()
def main() -> None:
    """A URL shortener: serve it, or manage its links from the command line."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="gunicorn worker processes; 0 runs Werkzeug's development server instead.",
)
def serve(host: str, port: int, workers: int) -> None:
    """Run the shortener (loopback only by default): under gunicorn, or for development.

    gunicorn runs in the foreground, in this very process (exec), so that it is what receives
    the operator's signals (TERM to stop, HUP to reload): the command is helpers.deploy's.
    """
    if workers:
        command = deploy.gunicorn_command(deploy.SHORTENER, bind=f"{host}:{port}", workers=workers)
        click.echo(f"gunicorn, {workers} worker(s), on http://{host}:{port}", err=True)
        os.execv(command[0], command)
    _app().run(host=host, port=port, debug=False)


@main.command()
@click.argument("url")
@click.option("--alias", default=None, help="A custom code: 3 to 32 of A-Z a-z 0-9 _ -.")
@click.option("--expires-in", type=click.IntRange(min=1), default=None, help="Seconds to live.")
def create(url: str, alias: str | None, expires_in: int | None) -> None:
    """Shorten URL and print the new link as JSON."""
    app = _app()
    _echo_json(_in_request(app, lambda: link_json(shorten(NewLink(url, alias, expires_in)))))


@main.command()
@click.argument("code")
def stats(code: str) -> None:
    """Print a link and its clicks as JSON."""
    app = _app()
    _echo_json(_in_request(app, lambda: link_with_clicks_json(find_or_404(code))))


def init_app(app: Flask) -> None:
    """Make `create` and `stats` commands of `flask --app helpers.shortener` too."""
    for command in (create, stats):
        app.cli.add_command(command)

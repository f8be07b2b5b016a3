"""A gunicorn configuration that logs a line when each worker is ready to serve.

gunicorn's master accepts connections on the port before its workers have loaded the app, so a
program that starts gunicorn and waits only for the port may send every request to the one
worker that happened to be ready first. `helpers.deploy.gunicorn` passes
`-c python:helpers.gunicorn_ready` and waits for one READY line per worker.
"""

from __future__ import annotations

from typing import Any

READY = "worker ready to serve"


def post_worker_init(worker: Any) -> None:
    """gunicorn calls this in each worker once it has loaded the application."""
    worker.log.warning("%s (pid %s)", READY, worker.pid)

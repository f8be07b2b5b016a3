"""The plain gunicorn configuration: each worker logs READY once it has loaded the application.

gunicorn's master accepts connections on the port before its workers have loaded the app, so a
program that waits only for the port may send every request to the one worker that happened to
be ready first. `helpers.deploy.gunicorn` waits for one READY line per worker instead: it runs
every app with this configuration (`-c python:helpers.gunicorn_ready`), except the shortener,
whose own `gunicorn_conf.py` calls `announce_ready` too.

Nothing here imports more than the standard library: gunicorn reads it in the master.
"""

from __future__ import annotations

from typing import Any

READY = "worker ready to serve"


def announce_ready(worker: Any) -> None:
    """Log READY (at warning level, so that `--log-level=warning` keeps it) with the pid."""
    worker.log.warning("%s (pid %s)", READY, worker.pid)


post_worker_init = announce_ready  # gunicorn's hook, called in each worker after it loads the app

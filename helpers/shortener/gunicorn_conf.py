"""gunicorn's configuration for the shortener: metrics shared by all workers, JSON access logs.

Give gunicorn this file by its path, `gunicorn -c helpers/shortener/gunicorn_conf.py
'helpers.shortener:create_app()'` (`python -m helpers.shortener serve --workers N` does): gunicorn
then runs it in the master without importing the `helpers.shortener` package, so that
prometheus_client is first imported by the workers, after PROMETHEUS_MULTIPROC_DIR is set here.
The folder is new and empty for each start (stale files would add old counts), and removed when
the master exits.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

if not os.environ.get(MULTIPROCESS_DIR):
    os.environ[MULTIPROCESS_DIR] = tempfile.mkdtemp(prefix="shortener-metrics-")
    _made_here = os.environ[MULTIPROCESS_DIR]
else:
    _made_here = ""

accesslog = None  # gunicorn's own access log: replaced by the application's JSON lines


def post_worker_init(worker: Any) -> None:
    """A worker has loaded the application: its access lines go to standard error as JSON."""
    from helpers.shortener import accesslog  # in the worker, never in the master

    accesslog.configure()


def child_exit(server: Any, worker: Any) -> None:
    """A worker is gone: its live gauges (requests in progress) must not count any more."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """The master stops: remove the metrics folder it made."""
    if _made_here:
        shutil.rmtree(_made_here, ignore_errors=True)

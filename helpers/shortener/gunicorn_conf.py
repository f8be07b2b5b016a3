"""gunicorn's configuration for the shortener: metrics shared by all workers, JSON access logs,
and a READY line from each worker once it has loaded the application.

Give gunicorn this file by its path: `helpers.deploy.gunicorn` and `python -m helpers.shortener
serve --workers N` do, and `gunicorn -c helpers/shortener/gunicorn_conf.py
'helpers.shortener:create_app()'` is the same by hand. gunicorn runs it in the master without
importing the `helpers.shortener` package, so that prometheus_client is first imported after
PROMETHEUS_MULTIPROC_DIR is set here: by the workers, or with `--preload` by the master, which
loads the application after reading this file. (Without this file the application refuses to
start under gunicorn: see `metrics`.)

The folder is shared by all the workers of one master and holds no file of an earlier run (they
would add old counts): a folder given in PROMETHEUS_MULTIPROC_DIR is emptied of them; else a new
one is made, and removed when the master exits. gunicorn reads this file again in the same master
at each reload (SIGHUP), when the workers' files must stay: the folder is prepared once per master.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from helpers import gunicorn_ready

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_PREPARED_BY = "SHORTENER_METRICS_PREPARED_BY"  # the pid of the master that prepared the folder
_MADE = "SHORTENER_METRICS_MADE"  # the folder that master made, to remove at its exit


def _prepare_metrics_folder() -> None:
    """Empty the given metrics folder, or make one; once per master."""
    if os.environ.get(_PREPARED_BY) == str(os.getpid()):
        return  # a reload of this master's configuration
    given = os.environ.get(MULTIPROCESS_DIR)
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        os.environ.pop(_MADE, None)
    else:
        os.environ[MULTIPROCESS_DIR] = os.environ[_MADE] = tempfile.mkdtemp(
            prefix="shortener-metrics-"
        )
    os.environ[_PREPARED_BY] = str(os.getpid())


_prepare_metrics_folder()

accesslog = None  # gunicorn's own access log: replaced by the application's JSON lines
ACCESS_LOG_EVERY = 0.2  # seconds between writes of the JSON lines (`accesslog`: why, and the cost)


def post_worker_init(worker: Any) -> None:
    """A worker has loaded the application: its access lines go to standard error as JSON, every
    ACCESS_LOG_EVERY seconds, and it says it is ready."""
    from helpers.shortener import accesslog  # in the worker, never in the master

    accesslog.configure(sys.stderr, every=ACCESS_LOG_EVERY)
    gunicorn_ready.announce_ready(worker)


def child_exit(server: Any, worker: Any) -> None:
    """A worker is gone: its live gauges (requests in progress) must not count any more."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """The master stops: remove the metrics folder it made."""
    made = os.environ.get(_MADE)
    if made:
        shutil.rmtree(made, ignore_errors=True)

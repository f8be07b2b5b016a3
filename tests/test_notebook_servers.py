"""No server outlives the notebook that started it, nor the kernel that ran it.

Every notebook passes a check during the nbval run (tests/plugins/notebook_servers.py); here it
is shown able to fail (a leaky notebook, run directly and under nbval) and able to pass.
Then a kernel that started servers is SIGKILLed, as Jupyter stops a kernel, so no `atexit` runs:
its servers (a child process, gunicorn's master and workers; with the system programs, notebook
12's PostgreSQL, Redis and gunicorns) must be gone within seconds, their ports closed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from jupyter_client.provisioning import LocalProvisioner
from nbformat.v4 import new_code_cell, new_notebook

from tests.plugins import notebook_servers
from tests.plugins.notebook_servers import (
    describe,
    family,
    leftover_listeners,
    own_sockets,
    survivors,
)

pytest_plugins = ["pytester"]

REPOSITORY = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPOSITORY / "notebooks"
CELL_TIMEOUT = 60


class Kernel:
    """A Jupyter kernel of this environment, started in notebooks/ as nbval starts one."""

    def __init__(self) -> None:
        self.manager, self.client = start_new_kernel(
            kernel_name="python3", cwd=str(NOTEBOOKS), stderr=subprocess.DEVNULL
        )
        assert isinstance(self.manager.provisioner, LocalProvisioner)
        assert self.manager.provisioner.pid is not None
        self.pid: int = self.manager.provisioner.pid

    def run(self, code: str) -> str:
        """Execute `code`; return what it printed; fail with the traceback if it raised."""
        printed: list[str] = []

        def collect(message: dict[str, Any]) -> None:
            if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
                printed.append(message["content"]["text"])

        reply = self.client.execute_interactive(
            code, timeout=CELL_TIMEOUT, output_hook=collect, allow_stdin=False
        )
        if reply["content"]["status"] != "ok":
            pytest.fail("\n".join(reply["content"].get("traceback", [])), pytrace=False)
        return "".join(printed)

    def close(self) -> None:
        """Stop the kernel as nbval does: SIGKILL to its process group."""
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture
def kernel() -> Iterator[Kernel]:
    started = Kernel()
    yield started
    started.close()


def refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


# The check itself: a tidy notebook passes; a leaky one is caught, and when its kernel is
# SIGKILLed, as Jupyter stops a kernel (no `atexit` runs), its servers die with it.

TIDY_CELL = """
import sys

from helpers import net

with net.serve_tcp(lambda connection, address: None, name="tidy"):
    pass
port = net.free_port()
with net.run_process([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)], port):
    pass
net.serve_tcp(lambda connection, address: None, name="stopped-at-the-end")
net.stop_all()
"""

LEAKY_CELL = """
import json
import socket
import sys

from helpers import deploy, net

thread_server = net.serve_tcp(lambda connection, address: None, name="forgotten")
raw = socket.socket()
raw.bind(("127.0.0.1", 0))
raw.listen()
port = net.free_port()
child = net.run_process(
    [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)], port, name="child"
)
app = deploy.gunicorn("helpers.reference_app:app", workers=2, name="gunicorn")
print(json.dumps({"kernel": [thread_server.port, raw.getsockname()[1]],
                  "child": [child.process.pid, child.port], "gunicorn": app.port}))
"""


def test_a_notebook_that_stops_its_servers_passes(kernel: Kernel) -> None:
    own = own_sockets(kernel.pid)
    kernel.run(TIDY_CELL)
    assert leftover_listeners(kernel.pid, own) == []


def descendants(kernel: Kernel) -> list[str]:
    """'pid 123 (command line)' for each descendant of the kernel."""
    return [describe(process) for process in family(kernel.pid)[1:]]


def kill(kernel: Kernel, ports: list[int]) -> tuple[list[str], list[int]]:
    """SIGKILL the kernel process alone; return its descendants still alive seconds later (the
    watchdog gives each server `GRACE` s) and those of `ports` still open."""
    assert not any(refuses(port) for port in ports), "every server listened before the kill"
    before = family(kernel.pid)[1:]
    os.kill(kernel.pid, signal.SIGKILL)
    left = survivors(before, notebook_servers.SURVIVOR_TIMEOUT)
    return [describe(process) for process in left], [port for port in ports if not refuses(port)]


def test_a_leaky_notebook_is_caught_and_its_servers_die_with_its_killed_kernel(
    kernel: Kernel,
) -> None:
    own = own_sockets(kernel.pid)
    assert own, "a kernel listens on its ZeroMQ channels"
    started = json.loads(kernel.run(LEAKY_CELL))
    leftover = leftover_listeners(kernel.pid, own)
    child_pid, child_port = started["child"]
    gunicorn = [item for item in leftover if item.port == started["gunicorn"]]
    assert sorted((item.pid, item.port) for item in leftover if item not in gunicorn) == sorted(
        [(kernel.pid, port) for port in started["kernel"]] + [(child_pid, child_port)]
    )
    assert len(gunicorn) == 3  # the master and two workers share its socket
    assert {item.ip for item in leftover} == {"127.0.0.1"}
    assert "-m http.server --bind 127.0.0.1" in str(
        next(item for item in leftover if item.pid == child_pid)
    )
    running = descendants(kernel)
    assert sum("-m http.server" in process for process in running) == 1
    assert sum("-m gunicorn" in process for process in running) == 3
    assert kill(kernel, [*started["kernel"], child_port, started["gunicorn"]]) == ([], [])


def test_under_nbval_a_notebook_that_leaks_fails_at_its_last_cell(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = pytester.path / "stray.pid"
    start_stray = (  # no listener, and nothing stops it: it must outlive the kernel
        "import subprocess, sys\n"
        "stray = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], "
        "start_new_session=True)\n"
        f"open({str(pid_file)!r}, 'w').write(str(stray.pid))"
    )
    start_server = (  # a listener, that the watchdog stops once the kernel is killed
        "from helpers import net\nport = net.free_port()\n"
        "server = net.run_process([sys.executable, '-m', 'http.server', '--bind', '127.0.0.1', "
        "str(port)], port, name='forgotten')"
    )
    nb = new_notebook(cells=[new_code_cell(start_stray), new_code_cell(start_server)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, pytester.path / "leaky.ipynb")
    monkeypatch.setenv("PYTHONPATH", str(REPOSITORY))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # only nbval and the plugin
    result = pytester.runpytest_subprocess(
        *("-p", "nbval", "--nbval", "--nbval-current-env", "-p", "tests.plugins.notebook_servers"),
        *("-o", "notebook_servers_survivor_timeout=1"),  # the stray is not meant to stop
        timeout=120,
    )
    result.assert_outcomes(passed=2, errors=1)
    output = result.stdout.str()
    stray = int(pid_file.read_text())
    assert "ERROR at teardown of leaky.ipynb::Cell 1" in output
    assert "leaky.ipynb leaves servers listening after its last cell" in output
    assert "127.0.0.1:" in output and "-m http.server --bind 127.0.0.1" in output
    assert "leaky.ipynb leaves processes running 1 s after its kernel was killed" in output
    assert f"pid {stray} (" in output and "time.sleep(60)" in output
    assert survivors(family(stray), timeout=5) == [], "the plugin kills what it reports"


def cells_up_to(nb: nbformat.NotebookNode, marker: str) -> list[str]:
    """The sources of the code cells of `nb`, up to and including the first that has `marker`."""
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    last = next(index for index, source in enumerate(sources) if marker in source)
    return sources[: last + 1]


@pytest.fixture
def postgresql_and_redis(require_programs: Callable[..., None]) -> None:
    """Skip (under CI, fail) unless PostgreSQL and Redis can run here."""
    require_programs("postgresql", "redis")


@pytest.mark.usefixtures("postgresql_and_redis")  # before the kernel: no kernel just to skip
def test_notebook_12_servers_die_with_its_killed_kernel(
    kernel: Kernel, request: pytest.FixtureRequest
) -> None:
    nb = nbformat.read(NOTEBOOKS / "12_many_machines.ipynb", as_version=4)
    for source in cells_up_to(nb, 'start_machine("machine-a"'):
        kernel.run(source)
    probe = """
import json
print(json.dumps({"directories": [str(postgres.directory), str(redis_server.directory)],
                  "ports": [postgres.port, redis_server.port, machine_a.port, machine_b.port],
                  "workdir": workdir.name}))
"""
    started = json.loads(kernel.run(probe))
    # the notebook's TemporaryDirectory: no finalizer runs in a killed kernel
    request.addfinalizer(lambda: shutil.rmtree(started["workdir"], ignore_errors=True))
    running = descendants(kernel)
    assert sum("/bin/postgres -D" in process for process in running) == 1  # the postmaster
    assert sum("(postgres: " in process for process in running) >= 3  # its backends and helpers
    assert sum("(redis-server 127.0.0.1:" in process for process in running) == 1
    assert sum("-m gunicorn" in process for process in running) == 6  # 2 masters, 4 workers
    assert kill(kernel, started["ports"]) == ([], [])
    assert [path for path in started["directories"] if Path(path).exists()] == []

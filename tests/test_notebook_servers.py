"""The notebooks that start servers leave none running.

Each of notebooks 05 to 08 that exists is executed in a fresh kernel, from `notebooks/` as nbval
does. Then, in that same kernel, a probe lists the TCP sockets that the kernel process and its
children still listen on. The kernel's own sockets (its ZeroMQ channels, and the pipe ipykernel
opens for the output of subprocesses, which its connection info does not list) are measured by
the same probe right after the kernel started, and left out; anything else is a server the
notebook forgot to stop.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SERVER_NOTEBOOKS = (
    "05_sockets.ipynb",
    "06_http_by_hand.ipynb",
    "07_framework_from_scratch.ipynb",
    "08_flask.ipynb",
)
CELL_TIMEOUT = 60

LISTENING_PROBE = """
import json as _json
import psutil as _psutil

_kernel = _psutil.Process()
print(_json.dumps(sorted(
    [connection.laddr.ip, connection.laddr.port]
    for process in [_kernel, *_kernel.children(recursive=True)]
    for connection in process.net_connections(kind="tcp")
    if connection.status == _psutil.CONN_LISTEN
)))
"""

# Run after the probe, so that a failing test does not leave orphans behind.
CLEAN_UP = "import helpers.net as _net\n_net.stop_all()"


def stdout_of(cell: NotebookNode) -> str:
    return "".join(
        output.text
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stdout"
    )


def run_and_list_listeners(nb: NotebookNode) -> list[tuple[str, int]]:
    """Execute `nb` in a fresh kernel; return the (ip, port) pairs it leaves listening.

    A probe runs before the notebook's cells and again after them; a clean-up cell runs last. All
    three are added to `nb`.
    """
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    before, after = new_code_cell(LISTENING_PROBE), new_code_cell(LISTENING_PROBE)
    nb.cells = [before, *nb.cells, after, new_code_cell(CLEAN_UP)]
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    kernel_own = {tuple(pair) for pair in json.loads(stdout_of(before))}
    return [tuple(pair) for pair in json.loads(stdout_of(after)) if tuple(pair) not in kernel_own]


@pytest.mark.parametrize("name", [name for name in SERVER_NOTEBOOKS if (NOTEBOOKS / name).exists()])
def test_notebook_leaves_no_server_listening(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert run_and_list_listeners(nb) == []


# The check itself must be able to fail: a notebook that forgets its servers is caught.

LEAKY_CELL = """
import json
import socket
import sys

from helpers import net

thread_server = net.serve_tcp(lambda connection, address: None, name="forgotten")
raw = socket.socket()
raw.bind(("127.0.0.1", 0))
raw.listen()
port = net.free_port()
child = net.run_process(
    [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)], port, name="child"
)
print(json.dumps(sorted([thread_server.port, raw.getsockname()[1], child.port])))
"""

TIDY_CELL = """
from helpers import net

with net.serve_tcp(lambda connection, address: None, name="tidy"):
    pass
net.serve_tcp(lambda connection, address: None, name="stopped-at-the-end")
net.stop_all()
"""


def test_a_notebook_that_leaves_servers_running_is_caught() -> None:
    leaky = new_code_cell(LEAKY_CELL)
    leftover = run_and_list_listeners(new_notebook(cells=[leaky]))
    expected_ports = json.loads(stdout_of(leaky))
    assert sorted(port for _ip, port in leftover) == expected_ports
    assert {ip for ip, _port in leftover} == {"127.0.0.1"}


def test_a_notebook_that_stops_its_servers_passes() -> None:
    nb = new_notebook(cells=[new_code_cell(TIDY_CELL)])
    assert run_and_list_listeners(nb) == []

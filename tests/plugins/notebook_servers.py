"""Every notebook leaves no server behind: checked during the nbval run itself.

Once nbval has started a notebook's kernel, the sockets the kernel listens on are recorded: its
ZeroMQ channels, and the pipe ipykernel opens for the output of subprocesses. At the teardown of
the notebook's last cell, before nbval stops the kernel, that cell gets an error naming each
other ip:port that the kernel or a descendant listens on, and the process. nbval then kills the
kernel (SIGKILL: no `atexit` runs); a process that was its descendant and is still alive a few
seconds later is an error too (and is killed). The hooks run where the cells run, so in a
pytest-xdist worker as well, provided every cell of a notebook runs in one worker, which nbval
needs anyway.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass

import psutil  # type: ignore[import-untyped]  # psutil ships no type hints
import pytest

from helpers import watchdog

# After the kernel dies, its watchdog gives each server GRACE s to stop before SIGKILL.
SURVIVOR_TIMEOUT = watchdog.GRACE + 3.0
TIMEOUT_OPTION = "notebook_servers_survivor_timeout"
KERNEL_SOCKETS = pytest.StashKey[frozenset[tuple[str, int]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        TIMEOUT_OPTION,
        "seconds a notebook's processes may outlive its kernel",
        default=str(SURVIVOR_TIMEOUT),
    )


@dataclass(frozen=True)
class Listener:
    """A listening TCP socket and the process that holds it."""

    ip: str
    port: int
    pid: int
    command: str

    def __str__(self) -> str:
        return f"{self.ip}:{self.port} ({describe_command(self.command)}, pid {self.pid})"


def describe_command(command: str, limit: int = 120) -> str:
    return command if len(command) <= limit else command[: limit - 3] + "..."


def describe(process: psutil.Process) -> str:
    """'pid 123 (python -m http.server 8000)', or just the pid if it cannot be read."""
    try:
        command = " ".join(process.cmdline()) or process.name()
    except psutil.Error:
        return f"pid {process.pid}"
    return f"pid {process.pid} ({describe_command(command)})"


def family(pid: int) -> list[psutil.Process]:
    """The process `pid` and all its descendants; empty if it has gone."""
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return []


def listeners(processes: Iterable[psutil.Process]) -> list[Listener]:
    """Every TCP socket (IPv4 or IPv6) that one of `processes` listens on."""
    found = []
    for process in processes:
        with contextlib.suppress(psutil.Error):  # it exited meanwhile
            command = " ".join(process.cmdline())
            found += [
                Listener(connection.laddr.ip, connection.laddr.port, process.pid, command)
                for connection in process.net_connections(kind="tcp")
                if connection.status == psutil.CONN_LISTEN
            ]
    return sorted(found, key=lambda listener: (listener.port, listener.pid))


def own_sockets(kernel_pid: int) -> frozenset[tuple[str, int]]:
    """The (ip, port) pairs a kernel listens on by itself, right after it started."""
    return frozenset((listener.ip, listener.port) for listener in listeners(family(kernel_pid)))


def leftover_listeners(kernel_pid: int, own: Iterable[tuple[str, int]]) -> list[Listener]:
    """What the kernel `kernel_pid` and its descendants listen on, other than its `own`."""
    mine = set(own)
    return [item for item in listeners(family(kernel_pid)) if (item.ip, item.port) not in mine]


def survivors(processes: Sequence[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Those of `processes` still alive (zombies do not count) after waiting up to `timeout` s."""
    return watchdog.wait_until_gone(processes, timeout)


def _kernel_pid(item: pytest.Item) -> int | None:
    """The pid of the kernel running the notebook of `item`, if it is one of nbval's and alive."""
    # nbval is not imported here: importing it costs a pytest process 1-3 s (jsonschema's format
    # checkers), which a pytest run without notebooks (a nested one, say) need not pay. Where it
    # was never imported, no item is a notebook's.
    nbval = sys.modules.get("nbval.plugin")
    notebook = item.parent
    kernel = getattr(notebook, "kernel", None)
    if nbval is None or not isinstance(notebook, nbval.IPyNbFile):
        return None
    if kernel is None or not kernel.is_alive():
        return None
    pid = getattr(kernel.km.provisioner, "pid", None)
    return pid if isinstance(pid, int) else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Record the kernel's own sockets once nbval has started it (in the first cell's setup)."""
    try:
        yield
    finally:
        pid = _kernel_pid(item)
        if pid is not None and item.parent is not None and KERNEL_SOCKETS not in item.parent.stash:
            item.parent.stash[KERNEL_SOCKETS] = own_sockets(pid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, None, None]:
    """At a notebook's last cell: fail if a server still listens, or outlives the kernel."""
    last = nextitem is None or nextitem.parent is not item.parent
    pid = _kernel_pid(item) if last else None
    if pid is None or item.parent is None:
        yield
        return
    own: frozenset[tuple[str, int]] = item.parent.stash.get(KERNEL_SOCKETS, frozenset())
    listening = leftover_listeners(pid, own)
    descendants = family(pid)[1:]
    yield  # nbval stops (kills) the kernel here
    timeout = float(item.config.getini(TIMEOUT_OPTION))
    left = survivors(descendants, timeout)
    described = [describe(process) for process in left]
    for process in left:
        with contextlib.suppress(psutil.Error):
            process.kill()
    problems = []
    if listening:
        problems.append(
            f"{item.path.name} leaves servers listening after its last cell "
            f"(stop them, or end with net.stop_all()): " + "; ".join(map(str, listening))
        )
    if described:
        problems.append(
            f"{item.path.name} leaves processes running {timeout:g} s after its kernel "
            f"was killed (start servers with helpers.net): " + "; ".join(described)
        )
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)

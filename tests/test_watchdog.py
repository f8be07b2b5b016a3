"""helpers.watchdog: a process killed with SIGKILL takes the servers it started along.

A parent Python process starts servers through `helpers.net`, prints what it started, and is
SIGKILLed, so no `atexit` or `finally` runs. A server started the old way (a bare `Popen` in a
session of its own) is the control: it survives the same kill, so the checks can fail.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # psutil ships no type hints
import pytest

from helpers import net, watchdog

REPOSITORY = Path(__file__).resolve().parent.parent
DEADLINE = watchdog.GRACE + 3.0  # the watchdog gives a server GRACE s before SIGKILL

PARENT = """
import json, os, subprocess, sys, time
import psutil
from helpers import net, watchdog

def http_server(**how):
    port = net.free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    if how.get("bare"):  # how servers were started before the watchdog
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        process = subprocess.Popen(command, start_new_session=True, **quiet)
        net.wait_for_port(port)
        return process.pid, port
    server = net.run_process(command, port, name=f"http-{port}")
    return server.process.pid, port

started = {"before": watchdog.pid(), "servers": [http_server()]}
started["watchdog"] = watchdog.pid()
scenario = sys.argv[1]
if scenario == "with a bare server":
    started["bare"] = http_server(bare=True)
elif scenario == "forked":
    child = os.fork()
    if child == 0:  # it must not keep the parent's watchdog from seeing the parent die
        time.sleep(60)
        os._exit(0)
    started["child"] = child
elif scenario == "watchdog killed":
    dead = psutil.Process(started["watchdog"])
    dead.kill()
    while dead.status() != psutil.STATUS_ZOMBIE:  # dead, and not yet reaped by us
        time.sleep(0.01)
    started["servers"].append(http_server())
    started["new watchdog"] = watchdog.pid()
print(json.dumps(started), flush=True)
sys.stdin.read()
"""


def alive(pid: int) -> bool:
    try:
        return watchdog.alive(psutil.Process(pid))
    except psutil.Error:
        return False


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


Started = dict[str, Any]  # what the parent says it started: pids, [pid, port] pairs
RunParent = Callable[[str], tuple[subprocess.Popen[str], Started]]


@pytest.fixture
def run_parent() -> Iterator[RunParent]:
    """Start PARENT with a scenario. Afterwards, kill whatever it started that is still alive:
    the control, as it must, and anything else should the test fail."""
    parents: list[subprocess.Popen[str]] = []
    started_processes: list[psutil.Process] = []

    def run(scenario: str) -> tuple[subprocess.Popen[str], Started]:
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT, scenario],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPOSITORY,
        )
        parents.append(parent)
        assert parent.stdout is not None
        line = parent.stdout.readline()
        assert line, f"the parent failed (exit code {parent.wait(timeout=10)})"
        started: Started = json.loads(line)
        pids = [pid for pid, _port in started["servers"] + [started.get("bare", [None, None])]]
        for pid in [*pids, started.get("child")]:
            if pid is not None:
                started_processes.append(psutil.Process(pid))
        return parent, started

    yield run
    for process in started_processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    for parent in parents:
        parent.kill()
        parent.wait()
        parent.stdin.close()  # type: ignore[union-attr]
        parent.stdout.close()  # type: ignore[union-attr]


def kill_and_list_survivors(parent: subprocess.Popen[str], servers: list[list[int]]) -> list:
    """SIGKILL the parent; return the servers ([pid, port]) still alive or listening DEADLINE s on.

    The ports are polled as well as the processes: a threaded server's main thread can show as a
    zombie while its other threads are still exiting and holding its socket open.
    """
    assert all(alive(pid) and listening(port) for pid, port in servers), "all ran before"
    processes = [psutil.Process(pid) for pid, _port in servers]  # knows its start time: no reuse
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + DEADLINE

    def survivors() -> list[list[int]]:
        return [
            [process.pid, port]
            for process, (_pid, port) in zip(processes, servers, strict=True)
            if watchdog.alive(process) or listening(port)
        ]

    while (left := survivors()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def test_a_killed_parent_takes_its_server_along_and_a_bare_one_survives(
    run_parent: RunParent,
) -> None:
    parent, started = run_parent("with a bare server")
    assert started["before"] is None, "the watchdog starts with the first server, not before"
    assert started["watchdog"] is not None
    assert kill_and_list_survivors(parent, started["servers"]) == []
    bare_pid, bare_port = started["bare"]
    assert alive(bare_pid) and listening(bare_port), "without the watchdog, a server survives"


def test_a_forked_child_does_not_keep_the_parent_watchdog_waiting(run_parent: RunParent) -> None:
    parent, started = run_parent("forked")
    assert kill_and_list_survivors(parent, started["servers"]) == []
    assert alive(started["child"])


def test_a_killed_watchdog_is_replaced_and_told_every_server(run_parent: RunParent) -> None:
    parent, started = run_parent("watchdog killed")
    assert started["new watchdog"] not in (None, started["watchdog"])
    assert len(started["servers"]) == 2
    assert kill_and_list_survivors(parent, started["servers"]) == []


# The watchdog's own side, in this process: what it does at end of file.

CHILD = """
import signal, sys, time
signal.signal(signal.SIGTERM, {on_sigterm})
signal.signal(signal.SIGINT, lambda *_: (print("SIGINT", flush=True), sys.exit(0)))
{more}
print("ready", flush=True)
time.sleep(60)
"""


StartChild = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def start_child() -> Iterator[StartChild]:
    """Start a process in a session of its own that says which signal stopped it, and wait until
    it is ready. Afterwards, kill it and what it started."""
    children: list[subprocess.Popen[str]] = []
    descendants: list[psutil.Process] = []

    def start(on_sigterm: str = "signal.SIG_DFL", more: str = "") -> subprocess.Popen[str]:
        code = CHILD.format(on_sigterm=on_sigterm, more=more)
        child = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        children.append(child)
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        descendants.extend(psutil.Process(child.pid).children(recursive=True))
        return child

    yield start
    for process in descendants:
        with contextlib.suppress(psutil.Error):
            process.kill()
    for child in children:
        child.kill()
        child.wait()
        child.stdout.close()  # type: ignore[union-attr]


def test_at_end_of_file_each_group_gets_its_signal_then_sigkill(
    start_child: StartChild, tmp_path: Path
) -> None:
    fast = start_child()  # like PostgreSQL: SIGINT is the way to stop it
    stubborn = start_child(on_sigterm="signal.SIG_IGN")
    unregistered = start_child()
    data = tmp_path / "data"
    (data / "deep").mkdir(parents=True)
    lines = [
        watchdog.Registration(fast.pid, signal.SIGINT, (str(data),)).encode(),
        watchdog.Registration(stubborn.pid).encode(),
        watchdog.Registration(unregistered.pid).encode(),
        json.dumps({"drop": unregistered.pid}).encode() + b"\n",
    ]
    watched = watchdog.read_registrations(io.BytesIO(b"".join(lines)))
    assert [registration.group for registration, _ in watched] == [fast.pid, stubborn.pid]
    watchdog.stop_groups(watched, grace=0.5)
    assert fast.wait(timeout=5) == 0
    assert fast.stdout is not None and fast.stdout.read() == "SIGINT\n"
    assert stubborn.wait(timeout=5) == -signal.SIGKILL
    assert not data.exists()
    assert unregistered.poll() is None


def test_descendants_that_left_the_group_are_stopped_too(start_child: StartChild) -> None:
    # PostgreSQL's backends each start a session of their own, leaving the postmaster's group.
    spawn = "import subprocess; subprocess.Popen(['sleep', '60'], start_new_session=True)"
    leader = start_child(on_sigterm="signal.SIG_IGN", more=spawn)
    [grandchild] = psutil.Process(leader.pid).children()
    assert os.getpgid(grandchild.pid) != leader.pid
    registration = watchdog.Registration(leader.pid).encode()
    watchdog.stop_groups(watchdog.read_registrations(io.BytesIO(registration)), grace=0.3)
    assert watchdog.wait_until_gone([grandchild], 5) == []


def test_a_registration_must_fit_one_atomic_write() -> None:
    with pytest.raises(ValueError, match="one atomic write"):
        watchdog.Registration(1, remove=("/tmp/" + "x" * 5000,)).encode()


def test_the_first_server_starts_the_watchdog_once_for_the_process() -> None:
    port = net.free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    with net.run_process(command, port, name="first"):
        first = watchdog.pid()
    port = net.free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    with net.run_process(command, port, name="second"):
        assert first is not None
        assert watchdog.pid() == first


def test_a_group_whose_leader_is_gone_is_never_signalled_by_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Once a group's last process has exited, its number may be given to a new process (another
    # test's server): a signal to the old group would kill that one instead.
    gone = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    leader = psutil.Process(gone.pid)
    gone.wait()
    signalled: list[tuple[int, int]] = []
    monkeypatch.setattr(
        watchdog, "_signal_group", lambda group, signum: signalled.append((group, signum))
    )
    watchdog.stop_groups([(watchdog.Registration(gone.pid), leader)], grace=0.1)
    assert signalled == []

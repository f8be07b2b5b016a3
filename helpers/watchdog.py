"""Stop the servers of a Python process when that process dies, however it dies.

`helpers.net` starts each server process in a process group of its own and registers the group
here. If the process that registered it dies, even by SIGKILL, when no `atexit` or `finally` runs
(Jupyter stops a kernel that way), its watchdog stops every group still registered and deletes
the directories registered with it.

One watchdog process per Python process, started by the first `register`, in a session of its
own (so that a signal to the parent's process group does not take it down first). It reads
registrations from a pipe whose write end only the parent holds: the servers do not inherit it,
and a forked child closes its copy (and starts a watchdog of its own if it needs one). End of
file on the pipe means that the parent is gone: the watchdog sends each group its stop signal
(SIGINT is PostgreSQL's fast shutdown; SIGTERM suits the others), waits up to `GRACE` seconds for
the group's leader and its descendants to exit, SIGKILLs what is left, deletes the directories,
and exits.

Why not a parent-death signal (Linux's PR_SET_PDEATHSIG): it fires when the thread that forked
ends, not the process; `setpriv`, which runs PostgreSQL as another user when we are root, clears
it; macOS has none.

Invariants: a group is registered right after its leader starts and unregistered once it has
stopped; the watchdog signals only registered groups whose leader it saw on registration, and
those leaders' descendants; the parent writes whole lines of at most PIPE_BUF bytes (atomic),
and waits for its watchdog only at a normal exit (`close`). The watchdog runs this file as an
isolated script (`python -I`), so it imports only the standard library and psutil.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import psutil  # type: ignore[import-untyped]  # psutil ships no type hints

GRACE = 5.0  # seconds a group has to stop after its signal, before SIGKILL


@dataclass(frozen=True)
class Registration:
    """A process group to stop when the parent dies, the signal that stops it well, and the
    directories to delete once it has stopped."""

    group: int
    stop_signal: int = signal.SIGTERM
    remove: tuple[str, ...] = ()

    def encode(self) -> bytes:
        """One line for the pipe."""
        message = {"add": self.group, "signal": int(self.stop_signal), "remove": self.remove}
        line = json.dumps(message).encode() + b"\n"
        if len(line) > select.PIPE_BUF:
            raise ValueError(f"a registration must fit one atomic write: {line[:80]!r}...")
        return line


# The parent's side.


@dataclass
class _Watchdog:
    owner: int  # the pid of the process that started it
    process: subprocess.Popen[bytes]
    pipe: int  # the write end; the watchdog reads the other end as its stdin


_lock = threading.Lock()
_watchdog: _Watchdog | None = None
_registered: dict[int, Registration] = {}  # told again to a new watchdog if the old one died


def register(
    group: int, stop_signal: int = signal.SIGTERM, remove: Sequence[str | Path] = ()
) -> None:
    """Have process group `group` stopped with `stop_signal`, and `remove` deleted, if we die."""
    registration = Registration(group, int(stop_signal), tuple(str(path) for path in remove))
    line = registration.encode()
    with _lock:
        _forget_if_inherited()
        _registered[group] = registration
        _send(line)


def unregister(group: int) -> None:
    """Forget `group`, which has stopped. Does nothing for a group that is not registered."""
    with _lock:
        _forget_if_inherited()
        if _registered.pop(group, None) is not None:
            _send(json.dumps({"drop": group}).encode() + b"\n")


def pid() -> int | None:
    """The pid of this process's watchdog, or None before the first registration."""
    watchdog = _watchdog
    return watchdog.process.pid if watchdog and watchdog.owner == os.getpid() else None


def close(timeout: float = 1.0) -> None:
    """At a normal exit, once the servers are stopped: close the pipe and let the watchdog end.

    It stops whatever is still registered, as if we had died; we wait up to `timeout` s.
    """
    global _watchdog
    with _lock:
        _forget_if_inherited()
        if _watchdog is None:
            return
        os.close(_watchdog.pipe)
        with contextlib.suppress(subprocess.TimeoutExpired):
            _watchdog.process.wait(timeout=timeout)
        _watchdog = None
        _registered.clear()


def _send(line: bytes) -> None:
    """Write `line` to the watchdog, starting one (and telling it everything) when needed."""
    global _watchdog
    if _watchdog is not None:
        try:
            os.write(_watchdog.pipe, line)
            return
        except BrokenPipeError:  # it died (someone killed it): start another
            os.close(_watchdog.pipe)
            _watchdog.process.wait()
    _watchdog = _start()
    for registration in _registered.values():
        os.write(_watchdog.pipe, registration.encode())


def _start() -> _Watchdog:
    read_end, write_end = os.pipe()  # not inheritable (PEP 446): the servers never get them
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", __file__],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
            start_new_session=True,
        )
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
    return _Watchdog(os.getpid(), process, write_end)


def _forget_if_inherited() -> None:
    """In a forked child, the parent's watchdog and servers are not ours: close our copy of the
    pipe, so that the parent's watchdog still sees end of file when the parent dies."""
    global _watchdog
    if _watchdog is not None and _watchdog.owner != os.getpid():
        with contextlib.suppress(OSError):
            os.close(_watchdog.pipe)
        _watchdog.process.returncode = 0  # not our child: never wait for it
        _watchdog = None
        _registered.clear()


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork
    _forget_if_inherited()


os.register_at_fork(after_in_child=_after_fork_in_child)


# The watchdog's side.

Watched = tuple[Registration, psutil.Process | None]  # with its leader, as seen on registration


def read_registrations(stream: BinaryIO) -> list[Watched]:
    """Read the pipe until end of file; return the groups still registered, with their leaders.

    A leader is looked up when its registration arrives, so that a pid reused later is not
    taken for it (psutil compares the creation time).
    """
    watched: dict[int, Watched] = {}
    for line in stream:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            message = json.loads(line)
            if "drop" in message:
                watched.pop(int(message["drop"]), None)
                continue
            group = int(message["add"])
            registration = Registration(
                group, int(message["signal"]), tuple(map(str, message["remove"]))
            )
            try:
                watched[group] = (registration, psutil.Process(group))
            except psutil.Error:
                watched[group] = (registration, None)
    return list(watched.values())


def stop_groups(watched: Sequence[Watched], grace: float = GRACE) -> None:
    """Signal each group, wait up to `grace` s, SIGKILL what is left, delete the directories."""
    doomed = [process for _, leader in watched for process in _family(leader)]
    for registration in _led(watched):
        _signal_group(registration.group, registration.stop_signal)
    survivors = wait_until_gone(doomed, grace)
    for registration in _led(watched):
        _signal_group(registration.group, signal.SIGKILL)
    for process in survivors:
        with contextlib.suppress(psutil.Error):
            process.kill()
    wait_until_gone(survivors, grace)
    for registration, _ in watched:
        for path in registration.remove:
            shutil.rmtree(path, ignore_errors=True)


def _led(watched: Sequence[Watched]) -> list[Registration]:
    """The registrations whose leader still runs. A group whose leader is gone is never signalled
    by number: once its last member has exited, the system may give that number to a new
    process (a server of another test, say), which a signal to the old group would then hit."""
    return [registration for registration, leader in watched if leader and alive(leader)]


def _family(leader: psutil.Process | None) -> list[psutil.Process]:
    """The leader and its descendants (PostgreSQL's leave its process group), while it runs."""
    if leader is None or not alive(leader):
        return []
    try:
        return [leader, *leader.children(recursive=True)]
    except psutil.Error:
        return [leader]


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)


def alive(process: psutil.Process) -> bool:
    """True while `process` runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def wait_until_gone(processes: Sequence[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Poll until none of `processes` is alive or `timeout` s passed; return those still alive."""
    deadline = time.monotonic() + timeout
    while (left := [process for process in processes if alive(process)]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.02)
    return left


def main() -> None:
    """The watchdog process: read registrations from stdin until end of file, then stop them."""
    stop_groups(read_registrations(sys.stdin.buffer))


if __name__ == "__main__":
    main()

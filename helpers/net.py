"""Run servers in the background of a notebook, on loopback, and always stop them.

Every server here binds 127.0.0.1 on a port the operating system picks, so two notebooks (or two
runs of one cell) never fight over a port. Each server has a name; starting a second server with
the same name stops the first, which is what makes re-running a cell safe. `stop_all()` stops
everything, and runs by itself when the Python process exits. A server that is a child process
also dies when this process is killed and no exit handler runs (a Jupyter kernel stopped with
SIGKILL): `helpers.watchdog` then stops it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from helpers import watchdog

LOOPBACK = "127.0.0.1"
DEFAULT_TIMEOUT = 5.0

ConnectionHandler = Callable[[socket.socket, tuple[str, int]], None]


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port on `host` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, host: str = LOOPBACK, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Block until (host, port) accepts TCP connections; raise TimeoutError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError as error:
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"nothing accepted connections on {host}:{port} within {timeout} s"
                ) from error
            time.sleep(0.02)


def wait_until(
    condition: Callable[[], object], timeout: float = DEFAULT_TIMEOUT, interval: float = 0.02
) -> bool:
    """Call `condition()` every `interval` s until it is true: True then, False after `timeout` s
    (the caller says what did not happen). It is always called at least once."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


class BackgroundServer:
    """A server running in the background; a context manager that stops it on the way out."""

    def __init__(self, name: str, port: int, host: str = LOOPBACK) -> None:
        self.name = name
        self.host = host
        self.port = port

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) pair a client connects to."""
        return (self.host, self.port)

    @property
    def url(self) -> str:
        """The base URL of the server, for HTTP servers."""
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop the server and release its port. Safe to call twice."""
        _running.pop(self.name, None)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} on {self.host}:{self.port}>"


_running: dict[str, BackgroundServer] = {}


def _register(server: BackgroundServer) -> None:
    """Remember `server`, stopping an older one of the same name first (a re-run cell)."""
    previous = _running.get(server.name)
    if previous is not None:
        previous.stop()
    _running[server.name] = server


def stop_all() -> list[str]:
    """Stop every background server started here; return their names."""
    names = list(_running)
    for server in list(_running.values()):
        server.stop()
    return names


def running() -> list[str]:
    """Names of the background servers that are still running."""
    return list(_running)


def _at_exit() -> None:
    stop_all()
    watchdog.close()  # nothing is left for it to stop


atexit.register(_at_exit)


class _ThreadedServer(BackgroundServer):
    """Shared logic for servers whose `serve_forever` loop runs in a daemon thread."""

    def __init__(self, name: str, server: socketserver.BaseServer, port: int) -> None:
        super().__init__(name, port)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"server:{name}",
            daemon=True,
        )
        _register(self)
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=DEFAULT_TIMEOUT)
        self._server.server_close()
        super().stop()


class _TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False


def serve_tcp(
    handle: ConnectionHandler, *, name: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> BackgroundServer:
    """Serve TCP on a free loopback port, calling `handle(connection, client_address)` per client.

    Each connection gets its own thread and a socket with a `timeout`, and is closed after
    `handle` returns. The returned server is a context manager.
    """

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.settimeout(timeout)
            with contextlib.suppress(OSError):  # a client that vanishes is not our error
                handle(self.request, self.client_address)

    server = _TCPServer((LOOPBACK, 0), Handler)
    return _ThreadedServer(name or handle.__name__, server, server.server_address[1])


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without its per-request log line (it would clutter outputs)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def serve_wsgi(
    app: Callable[..., Any], *, name: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> BackgroundServer:
    """Serve the WSGI application `app` (a Flask app, say) on a free loopback port, threaded."""
    handler = type("Handler", (_QuietHandler,), {"timeout": timeout})
    server: BaseWSGIServer = make_server(LOOPBACK, 0, app, threaded=True, request_handler=handler)
    label = name or str(getattr(app, "name", None) or getattr(app, "__name__", "wsgi"))
    return _ThreadedServer(label, server, server.server_port)


class BackgroundProcess(BackgroundServer):
    """A command run as a child process that serves on a port; its output goes to a log file.

    It runs in a process group of its own, which `stop()` ends with `stop_signal` (then SIGKILL),
    deleting the directories `remove` afterwards. Should this Python process die without
    stopping it, its watchdog does the same.
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        port: int,
        *,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
        ready_timeout: float = 15.0,
        stop_signal: signal.Signals = signal.SIGTERM,
        remove: Sequence[str | Path] = (),
    ) -> None:
        super().__init__(name, port)
        self.stop_signal = stop_signal
        self.remove = tuple(Path(path) for path in remove)
        self.log_path = Path(tempfile.mkstemp(prefix=f"{name}-", suffix=".log")[1])
        _register(self)
        try:
            with self.log_path.open("wb") as log:
                self.process = subprocess.Popen(
                    list(command),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=cwd,
                    env={**os.environ, **(env or {})},
                    start_new_session=True,
                )
        except BaseException:  # no such program, say: there is nothing to stop
            super().stop()
            raise
        try:
            watchdog.register(self.process.pid, stop_signal, remove)
            self._wait_until_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode}:\n{self.log()}"
                )
            try:
                wait_for_port(self.port, self.host, timeout=0.2)
                return
            except TimeoutError:
                if time.monotonic() >= deadline:
                    raise TimeoutError(
                        f"{self.name} did not listen on port {self.port} "
                        f"within {timeout} s:\n{self.log()}"
                    ) from None

    def log(self) -> str:
        """Everything the process has written so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self, grace: float = DEFAULT_TIMEOUT) -> None:
        """Stop the process group: `stop_signal`, then SIGKILL if it still runs after `grace` s."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, self.stop_signal)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        watchdog.unregister(self.process.pid)
        for path in self.remove:
            shutil.rmtree(path, ignore_errors=True)
        super().stop()


def run_process(
    command: Sequence[str],
    port: int,
    *,
    name: str | None = None,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    ready_timeout: float = 15.0,
    stop_signal: signal.Signals = signal.SIGTERM,
    remove: Sequence[str | Path] = (),
) -> BackgroundProcess:
    """Start `command`, which must listen on `port` (see `free_port()`), and wait for it.

    `stop_signal` stops it well (SIGINT for PostgreSQL); the directories `remove` are deleted
    once it has stopped.
    """
    return BackgroundProcess(
        name or Path(command[0]).name,
        command,
        port,
        env=env,
        cwd=cwd,
        ready_timeout=ready_timeout,
        stop_signal=stop_signal,
        remove=remove,
    )

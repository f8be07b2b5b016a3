"""Real PostgreSQL and Redis servers for notebooks and tests, each thrown away when stopped.

`start_postgres()` and `start_redis()` run the programs of the system's packages (Debian's
`postgresql` and `redis-server`) as child processes: a fresh server in a new temporary directory,
listening on 127.0.0.1 on a free port, registered with `helpers.net` like every other background
server, so that `net.stop_all()`, a re-run with the same name and the interpreter's exit all stop
it. Neither keeps anything: the data live in the temporary directory, deleted on stop. They are
tuned for throwaway work, not for safety: PostgreSQL runs with `fsync=off`, Redis saves nothing.

PostgreSQL refuses to run as root (a database server should not own the machine), so as root
`initdb` and `postgres` run as the `postgres` system user that the package creates, in a
directory that user owns. Should this process die without stopping them, `helpers.watchdog`
stops them and deletes their directories.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from . import net, programs

DATABASE = "shortener"  # the database created, and the role that owns it
START_TIMEOUT = 30.0
POSTGRES_SETTINGS = {
    "fsync": "off",  # a throwaway database: no waiting for the disk
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "32MB",
    "max_connections": "200",  # many app processes, each with a small pool
    "listen_addresses": net.LOOPBACK,
}


class PostgresServer(net.BackgroundProcess):
    """A PostgreSQL server with one database, `shortener`, that its role `shortener` owns."""

    def __init__(self, name: str, directory: Path, port: int, command: list[str]) -> None:
        self.directory = directory
        super().__init__(
            name,
            command,
            port,
            cwd=directory,
            ready_timeout=START_TIMEOUT,
            stop_signal=signal.SIGINT,
            remove=[directory],
        )

    @property
    def url(self) -> str:
        """Where to connect, as a libpq URL: postgresql://shortener@127.0.0.1:PORT/shortener."""
        return f"postgresql://{DATABASE}@{self.host}:{self.port}/{DATABASE}"

    def stop(self, grace: float = net.DEFAULT_TIMEOUT) -> None:
        """Shut down fast: SIGINT to the postmaster alone, which ends every session without
        waiting for clients; then, if it still runs, its group is stopped and the data deleted."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
        super().stop(grace)


class RedisServer(net.BackgroundProcess):
    """A Redis server that keeps everything in memory only."""

    def __init__(self, name: str, directory: Path, port: int, command: list[str]) -> None:
        self.directory = directory
        super().__init__(
            name, command, port, cwd=directory, ready_timeout=START_TIMEOUT, remove=[directory]
        )

    @property
    def url(self) -> str:
        """Where to connect: redis://127.0.0.1:PORT/0."""
        return f"redis://{self.host}:{self.port}/0"


def start_postgres(name: str = "postgres") -> PostgresServer:
    """A fresh PostgreSQL server on a free loopback port, with the database `shortener`."""
    reasons = programs.missing(["postgresql"])
    if reasons:
        raise RuntimeError(reasons[0])
    folder = programs.postgres_bin()
    assert folder is not None
    directory = _directory_for_the_server(name)
    data = directory / "data"
    initdb = [str(folder / "initdb"), "-D", str(data), "-U", DATABASE, "--auth=trust"]
    initdb += ["--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"]
    _run(_as_server_user(initdb), cwd=directory)
    port = net.free_port()
    command = [str(folder / "postgres"), "-D", str(data), "-p", str(port)]
    command += ["-k", str(directory)]  # its Unix socket stays in the temporary directory
    for setting, value in POSTGRES_SETTINGS.items():
        command += ["-c", f"{setting}={value}"]
    server = PostgresServer(name, directory, port, _as_server_user(command))
    try:
        _create_database(server)
    except BaseException:
        server.stop()
        raise
    return server


def start_redis(name: str = "redis") -> RedisServer:
    """A fresh Redis server on a free loopback port that saves nothing to disk."""
    reasons = programs.missing(["redis"])
    if reasons:
        raise RuntimeError(reasons[0])
    directory = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    port = net.free_port()
    command = ["redis-server", "--bind", net.LOOPBACK, "--port", str(port), "--dir", str(directory)]
    command += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
    return RedisServer(name, directory, port, command)


def _directory_for_the_server(name: str) -> Path:
    """A new temporary directory that the user running PostgreSQL owns."""
    directory = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam(programs.POSTGRES_USER)
        os.chown(directory, account.pw_uid, account.pw_gid)
    return directory


def _as_server_user(command: list[str]) -> list[str]:
    """`command` as the `postgres` user when we are root; `setpriv` then execs it in place, so
    the process we start is the server itself and our signals reach it."""
    if os.geteuid() != 0:
        return command
    switch = [
        "setpriv",
        f"--reuid={programs.POSTGRES_USER}",
        f"--regid={programs.POSTGRES_USER}",
        "--init-groups",
    ]
    return [*switch, "--", *command]


def _run(command: list[str], cwd: Path) -> None:
    """Run a setup program; raise with its output if it fails."""
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=START_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def _create_database(server: PostgresServer) -> None:
    """Create the database `shortener`, once the server accepts sessions (it listens before)."""
    deadline = time.monotonic() + START_TIMEOUT
    admin = f"postgresql://{DATABASE}@{server.host}:{server.port}/postgres"
    while True:
        try:
            with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
                connection.execute(f"CREATE DATABASE {DATABASE}")
                return
        except psycopg.OperationalError:  # "the database system is starting up"
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)

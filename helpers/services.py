"""Real PostgreSQL and Redis servers for notebooks and tests, each thrown away when stopped.

`start_postgres()` and `start_redis()` run the programs of the system's packages (Debian's
`postgresql` and `redis-server`) as child processes: a fresh server in a new temporary directory
(PostgreSQL's in memory, in /dev/shm, where that has room), listening on 127.0.0.1 on a free
port, registered with `helpers.net` like every other background server, so that
`net.stop_all()`, a re-run with the same name and the interpreter's exit all stop it. Neither
keeps anything: the data live in the temporary directory, deleted on stop. (A new PostgreSQL
cluster is a copy of one that `initdb` made once for this machine, kept in build/: see
`_new_cluster`.) They are tuned for throwaway work, not for safety: PostgreSQL runs with
`fsync=off`, Redis saves nothing.

PostgreSQL refuses to run as root (a database server should not own the machine), so as root
`initdb` and `postgres` run as the `postgres` system user that the package creates, in a
directory that user owns (copies keep that owner). Should this process die without stopping
them, `helpers.watchdog` stops them and deletes their directories.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from . import net, programs

DATABASE = "shortener"  # the database created, and the role that owns it
START_TIMEOUT = 30.0
CLUSTERS = Path(__file__).resolve().parent.parent / "build" / "postgres-clusters"
INITDB_OPTIONS = (
    "-U",
    DATABASE,
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C",
    "--no-sync",
    "--no-instructions",
)
MEMORY = Path("/dev/shm")  # where PostgreSQL's data go when there is room (see `_in_memory`)
MEMORY_ROOM = 2**30  # bytes; Docker's default /dev/shm has 64 MB, too little for a cluster
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
    _run(["cp", "-a", str(_new_cluster(folder) / "data"), str(data)], cwd=directory)
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


def _new_cluster(folder: Path) -> Path:
    """A folder holding `data`, a new cluster as `initdb` makes it here, to copy, not to run.

    Made once per machine, in CLUSTERS, under a key naming all that initdb's output depends on:
    PostgreSQL's version, initdb's arguments, the user who owns the files, and the time zone
    that initdb writes into postgresql.conf. Copying is much cheaper than initdb, and a copy
    differs from a cluster of its own only by the system identifier, which replication reads.
    """
    template = CLUSTERS / _cluster_key(folder)
    if template.is_dir():
        return template
    made = _directory_for_the_server("initdb")
    template.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{template.name}-", dir=template.parent))
    initdb = [str(folder / "initdb"), "-D", str(made / "data"), *INITDB_OPTIONS]
    try:
        _run(_as_server_user(initdb), cwd=made)
        _run(["cp", "-a", str(made / "data"), str(staging / "data")], cwd=staging)
        with contextlib.suppress(OSError):  # another process made it meanwhile: theirs is kept
            staging.rename(template)
    finally:
        shutil.rmtree(made, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    return template


def _cluster_key(folder: Path) -> str:
    """The name of the cluster that `folder`'s initdb makes here: a hash of all its files
    depend on (see `_new_cluster`)."""
    version = subprocess.run(
        [str(folder / "postgres"), "--version"],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=True,
    ).stdout
    localtime = Path("/etc/localtime")
    zone = [os.environ.get("TZ"), os.path.realpath(localtime)]
    if localtime.is_file():
        zone.append(hashlib.sha256(localtime.read_bytes()).hexdigest())
    owner = programs.POSTGRES_USER if os.geteuid() == 0 else str(os.geteuid())
    facts = json.dumps([version, INITDB_OPTIONS, owner, zone]).encode()
    return f"postgres-{hashlib.sha256(facts).hexdigest()[:16]}"


def _directory_for_the_server(name: str) -> Path:
    """A new temporary directory that the user running PostgreSQL owns, in memory if it can be."""
    directory = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=_in_memory()))
    if os.geteuid() == 0:
        account = pwd.getpwnam(programs.POSTGRES_USER)
        os.chown(directory, account.pw_uid, account.pw_gid)
    return directory


def _in_memory() -> Path | None:
    """Linux's shared-memory file system (tmpfs) if it has `MEMORY_ROOM` free, else None (the
    system's temporary folder): a throwaway database need not wait for the disk, where writing
    the files of a new cluster costs more than creating them."""
    with contextlib.suppress(OSError):
        if os.access(MEMORY, os.W_OK | os.X_OK) and shutil.disk_usage(MEMORY).free >= MEMORY_ROOM:
            return MEMORY
    return None


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

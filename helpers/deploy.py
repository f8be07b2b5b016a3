"""Run the apps as they run in production, on loopback: gunicorn workers, and nginx in front.

`gunicorn` is the one way this repository starts gunicorn (the notebooks, the benchmarks, the
tests; `python -m helpers.shortener serve` runs the same `gunicorn_command` in the foreground).
Every app gets its production configuration: the shortener its `gunicorn_conf.py` (metrics shared
by the workers, JSON access logs), any other app `helpers.gunicorn_ready`. Both log a READY line
from each worker once it has loaded the app, and `gunicorn` returns when every worker has.

The nginx configuration deploy/nginx/shortener.conf is written for fixed ports;
`render_nginx_config` rewrites its `listen` and upstream `server` lines for free ports,
`check_nginx_config` asks `nginx -t`, and `run_nginx` runs nginx in the foreground with its logs
and pid file in a temporary folder.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from helpers import gunicorn_ready, net, programs

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONFIG = ROOT / "deploy" / "nginx" / "shortener.conf"
SHORTENER = "helpers.shortener:create_app()"
# gunicorn reads the shortener's configuration by its path, never as a module: see its docstring.
SHORTENER_CONFIG = ROOT / "helpers" / "shortener" / "gunicorn_conf.py"
PLAIN_CONFIG = f"python:{gunicorn_ready.__name__}"
WORKERS_TIMEOUT = 30.0
_UPSTREAM_SERVER = re.compile(r"^(\s*server 127\.0\.0\.1:)\d+( [^\n]*;\n)", re.MULTILINE)
_LISTEN = re.compile(r"listen 127\.0\.0\.1:\d+;")


def gunicorn_config(app: str) -> str:
    """The configuration `app` ("module:variable") runs with: its own, or the plain one."""
    return str(SHORTENER_CONFIG) if app.partition(":")[0] == "helpers.shortener" else PLAIN_CONFIG


def gunicorn_command(
    app: str,
    *,
    bind: str,
    workers: int,
    threads: int = 1,
    worker_class: str = "gthread",
    options: Sequence[str] = (),
) -> list[str]:
    """The gunicorn command line serving `app` on `bind` ("host:port") with its configuration.

    Threaded workers of one thread by default (bench/README.md says why). No control socket: by
    default gunicorn 27 opens one at a fixed path, which two servers would fight over. `options`
    are more of gunicorn's (`--preload`, `--graceful-timeout=5`).
    """
    command = [sys.executable, "-m", "gunicorn", f"--config={gunicorn_config(app)}"]
    command += [f"--bind={bind}", f"--workers={workers}", f"--worker-class={worker_class}"]
    command += [f"--threads={threads}", "--no-control-socket", "--log-level=warning"]
    return [*command, *options, app]


def gunicorn(
    app: str,
    *,
    workers: int,
    name: str,
    env: dict[str, str] | None = None,
    threads: int = 1,
    worker_class: str = "gthread",
    options: Sequence[str] = (),
) -> net.BackgroundProcess:
    """Start `app` under gunicorn on a free loopback port (see `gunicorn_command`).

    Returns once every worker has loaded the app, not merely once the port accepts connections;
    raises, with gunicorn's log, if they do not within WORKERS_TIMEOUT seconds.
    """
    port = net.free_port()
    command = gunicorn_command(
        app,
        bind=f"{net.LOOPBACK}:{port}",
        workers=workers,
        threads=threads,
        worker_class=worker_class,
        options=options,
    )
    server = net.run_process(command, port, name=name, env=env, ready_timeout=WORKERS_TIMEOUT)
    try:
        wait_for_workers(server, workers)
    except BaseException:
        server.stop()
        raise
    return server


def wait_for_workers(server: net.BackgroundProcess, count: int) -> None:
    """Wait until `count` workers in all have logged READY since `server` started (after a
    restart, its old workers' lines count too); raise after WORKERS_TIMEOUT seconds."""
    deadline = time.monotonic() + WORKERS_TIMEOUT
    while (ready := server.log().count(gunicorn_ready.READY)) < count:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with code {server.process.returncode}:\n{server.log()}"
            )
        if time.monotonic() > deadline:
            raise TimeoutError(f"{server.name}: {ready} of {count} workers ready:\n{server.log()}")
        time.sleep(0.02)


def render_nginx_config(listen_port: int, backend_ports: Sequence[int]) -> str:
    """deploy/nginx/shortener.conf, listening on `listen_port`, with one upstream per backend."""
    if not backend_ports:
        raise ValueError("give at least one backend port")
    text = NGINX_CONFIG.read_text()
    template = _UPSTREAM_SERVER.search(text)
    if template is None:
        raise ValueError(f"no 'server 127.0.0.1:PORT ...;' line in {NGINX_CONFIG}")
    servers = "".join(f"{template[1]}{port}{template[2]}" for port in backend_ports)
    text = _UPSTREAM_SERVER.sub("", text)
    text = text[: template.start()] + servers + text[template.start() :]
    return _LISTEN.sub(f"listen {net.LOOPBACK}:{listen_port};", text)


def _prefix_with(config: str, folder: Path) -> Path:
    """Write `config` into `folder` (with the logs folder nginx expects); return its path."""
    (folder / "logs").mkdir(exist_ok=True)
    path = folder / "nginx.conf"
    path.write_text(config)
    return path


def check_nginx_config(config: str) -> tuple[bool, str]:
    """Ask `nginx -t` about `config` in a temporary prefix: (valid, what nginx said)."""
    binary = programs.nginx_binary()
    if binary is None:
        raise FileNotFoundError(programs.missing(["nginx"])[0])
    with tempfile.TemporaryDirectory(prefix="nginx-check-") as folder:
        path = _prefix_with(config, Path(folder))
        command = [binary, "-t", "-q", "-p", folder, "-e", "logs/error.log", "-c", str(path)]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=30)
    return completed.returncode == 0, completed.stderr.strip()


def run_nginx(config: str, listen_port: int, folder: Path) -> net.BackgroundProcess:
    """Run nginx with `config` in the foreground, its logs and pid file under `folder`."""
    binary = programs.nginx_binary()
    if binary is None:
        raise FileNotFoundError(programs.missing(["nginx"])[0])
    path = _prefix_with(config, folder)
    command = [binary, "-p", str(folder), "-e", "logs/error.log", "-c", str(path)]
    return net.run_process([*command, "-g", "daemon off;"], listen_port, name="nginx")

"""Run the apps as they run in production, on loopback: gunicorn workers, and nginx in front.

`gunicorn` starts a WSGI app with a number of worker processes. The nginx configuration
deploy/nginx/shortener.conf is written for fixed ports; `render_nginx_config` rewrites its
`listen` and upstream `server` lines for free ports, `check_nginx_config` asks `nginx -t`, and
`run_nginx` runs nginx in the foreground with its logs and pid file in a temporary folder.
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

NGINX_CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "shortener.conf"
_UPSTREAM_SERVER = re.compile(r"^(\s*server 127\.0\.0\.1:)\d+( [^\n]*;\n)", re.MULTILINE)
WORKERS_TIMEOUT = 30.0
_LISTEN = re.compile(r"listen 127\.0\.0\.1:\d+;")


def gunicorn(
    app: str, *, workers: int, name: str, env: dict[str, str] | None = None
) -> net.BackgroundProcess:
    """Start `app` ("module:variable") under gunicorn, `workers` processes of one thread each.

    Returns once every worker has loaded the app, not merely once the port accepts connections.
    """
    port = net.free_port()
    command = [sys.executable, "-m", "gunicorn", app, f"--bind={net.LOOPBACK}:{port}"]
    command += [f"--workers={workers}", "--worker-class=gthread", "--threads=1"]
    command += ["--no-control-socket", "--log-level=warning", "-c", "python:helpers.gunicorn_ready"]
    server = net.run_process(command, port, name=name, env=env, ready_timeout=WORKERS_TIMEOUT)
    deadline = time.monotonic() + WORKERS_TIMEOUT
    while server.log().count(gunicorn_ready.READY) < workers:
        if time.monotonic() > deadline or server.process.poll() is not None:
            server.stop()
            raise TimeoutError(f"{name}: {workers} workers not ready:\n{server.log()}")
        time.sleep(0.02)
    return server


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

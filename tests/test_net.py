"""helpers.net: servers on loopback that start, answer, and always stop."""

from __future__ import annotations

import signal
import socket
import sys
from pathlib import Path

import pytest
import requests

from helpers import net


def echo(connection: socket.socket, _address: tuple[str, int]) -> None:
    connection.sendall(connection.recv(1024).upper())


def refuses(address: tuple[str, int]) -> bool:
    try:
        socket.create_connection(address, timeout=1).close()
    except OSError:
        return True
    return False


def test_free_port_is_bindable() -> None:
    port = net.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_serve_tcp_answers_and_stops() -> None:
    with net.serve_tcp(echo) as server:
        assert server.host == "127.0.0.1"
        with socket.create_connection(server.address, timeout=5) as client:
            client.sendall(b"hello")
            assert client.recv(1024) == b"HELLO"
        assert "echo" in net.running()
    assert "echo" not in net.running()
    assert refuses(server.address)


def test_starting_a_server_again_stops_the_old_one() -> None:
    first = net.serve_tcp(echo, name="again")
    second = net.serve_tcp(echo, name="again")
    try:
        assert refuses(first.address)
        assert net.running().count("again") == 1
    finally:
        second.stop()


def test_handler_sockets_time_out() -> None:
    def report_timeout(connection: socket.socket, _address: tuple[str, int]) -> None:
        connection.sendall(str(connection.gettimeout()).encode())

    with (
        net.serve_tcp(report_timeout, timeout=0.25) as server,
        socket.create_connection(server.address, timeout=5) as client,
    ):
        assert client.recv(64) == b"0.25"


def test_serve_wsgi_serves_an_app() -> None:
    def app(environ: dict, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]

    with net.serve_wsgi(app) as server:
        assert requests.get(f"{server.url}/ping", timeout=5).text == "/ping"
    assert refuses(server.address)


def test_stop_all_stops_everything() -> None:
    servers = [net.serve_tcp(echo, name=f"many-{i}") for i in range(3)]
    assert set(net.stop_all()) >= {"many-0", "many-1", "many-2"}
    assert all(refuses(server.address) for server in servers)


def test_wait_for_port_times_out_on_a_closed_port() -> None:
    with pytest.raises(TimeoutError, match=r"within 0\.3 s"):
        net.wait_for_port(net.free_port(), timeout=0.3)


def test_run_process_waits_for_the_port_and_stops_the_process() -> None:
    port = net.free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with net.run_process(command, port, name="http.server") as server:
        assert requests.get(server.url, timeout=5).status_code == 200
        process = server.process
    assert process.poll() is not None
    assert refuses(("127.0.0.1", port))


def test_run_process_reports_a_crash_with_its_output() -> None:
    command = [sys.executable, "-c", "import sys; print('no luck'); sys.exit(3)"]
    with pytest.raises(RuntimeError, match="exited with code 3:\nno luck"):
        net.run_process(command, net.free_port(), name="crasher")


def test_run_process_stops_with_its_signal_and_deletes_its_directories(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    (scratch / "inside").mkdir(parents=True)
    port = net.free_port()
    # A shell runs a background job with SIGINT ignored, and Python then leaves it ignored: the
    # server takes SIGINT back, so that the test means the same however pytest was started.
    serve = (
        "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        f"sys.argv = ['http.server', '{port}', '--bind', '127.0.0.1']; "
        "runpy.run_module('http.server', run_name='__main__')"
    )
    server = net.run_process(
        [sys.executable, "-c", serve], port, stop_signal=signal.SIGINT, remove=[scratch]
    )
    server.stop()
    assert server.process.returncode == 0  # SIGINT: KeyboardInterrupt, a clean exit (not -15)
    assert "Keyboard interrupt received" in server.log()
    assert not scratch.exists()


def test_a_program_that_cannot_start_is_not_left_registered() -> None:
    with pytest.raises(FileNotFoundError):
        net.run_process(["no-such-program-here"], net.free_port(), name="missing")
    assert "missing" not in net.running()

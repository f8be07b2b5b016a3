"""Exercises of notebook 00, Start here."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable

from helpers import net
from helpers.exercises import Exercise, NotYet, require

LOOPBACK = "127.0.0.1"


def loopback_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/"


def _check_loopback_url(candidate: Callable[[int], str]) -> None:
    """Take the address apart, so that each wrong piece gets its own reason. The expected address
    is spelt out here, not taken from the reference solution, so the solution is tested too."""
    require(callable(candidate), "the answer should be a function that takes a port number.")
    for port in (8000, 8888, 54321):
        got = candidate(port)
        said = f"loopback_url({port}) returned {got!r}"
        require(
            got is not None,
            f"{said}: did you forget `return`? A function without one gives back None, even if "
            "it prints the address.",
        )
        require(isinstance(got, str), f"{said}, not a string.")
        require(got == got.strip(), f"{said}: no spaces or newlines around the address.")
        scheme, separator, rest = got.partition("://")
        require(bool(separator), f"{said}: an address starts with its scheme and `://`.")
        require(
            scheme.lower() != "https",
            f"{said}: the course's servers speak plain HTTP, without TLS, so `https` cannot reach "
            "them.",
        )
        require(scheme.lower() == "http", f"{said}: the scheme of a web address is `http`.")
        authority, slash, path = rest.partition("/")
        host, colon, digits = authority.partition(":")
        require(
            host != "localhost",
            f"{said}: the name localhost may resolve to the IPv6 address ::1 first, where the "
            f"course's servers do not listen (a client then has to try again, or fails): they "
            f"listen on the IPv4 address {LOOPBACK} only.",
        )
        require(
            bool(colon) or not host.startswith(LOOPBACK),
            f"{said}: after the host comes a `:`, then the port.",
        )
        require(
            host == LOOPBACK,
            f"{said}: the host should be {LOOPBACK}, the address the course's servers listen on.",
        )
        require(
            digits.isdigit(),
            f"{said}: after the `:` the port is written in digits, and {digits!r} is not a number.",
        )
        require(
            digits == str(port),
            f"{said}: the port in the address should be the `port` the function was given.",
        )
        require(
            bool(slash),
            f"{said}: a base address ends with `/`, the path of the server's root, so that a "
            "path such as `api/links` can be appended to it.",
        )
        require(not path, f"{said}: the base address stops at the `/` after the port.")


q1 = Exercise(
    "loopback_url builds the address of a server on this machine",
    _check_loopback_url,
    hints=[
        "An f-string puts the value of an expression inside a string: with `port = 8000`, "
        'f"port {port}" is the string "port 8000".',
        'Start from the example, "http://127.0.0.1:8000/": which part of it changes with the '
        "port, and which stays the same?",
    ],
    solution=loopback_url,
    wrong=[
        lambda port: f"http://localhost:{port}/",
        lambda port: f"http://127.0.0.1:{port}",
        lambda port: f"https://127.0.0.1:{port}/",
        lambda port: "http://127.0.0.1:8000/",
        lambda port: f"127.0.0.1:{port}/",
        lambda port: print(f"http://127.0.0.1:{port}/"),
        lambda port: f"http://127.0.0.1:{port}/\n",
        lambda port: f"http://127.0.0.1/{port}/",
        lambda port: f"http://127.0.0.1:{port}/api",
    ],
)


# q2: a serve_tcp handler, checked over a real socket. Each message is the whole of what one
# client sends before it closes its sending half, so a handler that calls recv() once and one that
# reads until recv() returns b"" both see all of it.
MESSAGES = (b"hello", b"stressed", b"ab cd\n", b"x")
REPLY_TIMEOUT = 2.0


def reverse_back(connection: socket.socket, address: tuple[str, int]) -> None:
    data = connection.recv(1024)
    connection.sendall(data[::-1])


def _exchange(server: net.BackgroundServer, message: bytes) -> bytes:
    """Send `message`, close the sending half, and read the reply until the server closes."""
    with socket.create_connection(server.address, timeout=REPLY_TIMEOUT) as client:
        client.sendall(message)
        reply = b""
        try:
            client.shutdown(socket.SHUT_WR)
            while chunk := client.recv(1024):
                reply += chunk
        except TimeoutError:
            raise
        except OSError:  # the server closed the connection first, after a handler that failed
            pass
    return reply


def _check_reverse_back(candidate: Callable[[socket.socket, tuple[str, int]], object]) -> None:
    require(
        callable(candidate),
        "the answer should be a function of (connection, address), like shout_back.",
    )
    outcomes: list[object] = []  # what each call of the handler returned, or the error it raised
    # A handler still running when the check ends, such as one that calls recv() in a loop that
    # never stops, fails on its next call once the check has closed its connection.
    closing = contextlib.ExitStack()

    def handler(connection: socket.socket, address: tuple[str, int]) -> None:
        closing.callback(connection.close)
        try:
            outcomes.append(candidate(connection, address))
        except Exception as error:  # reported to the learner below, not printed by the server
            outcomes.append(error)
        # Read what the handler left unread: a socket closed with unread bytes resets the
        # connection, and a reset can throw away the answer before the client reads it.
        with contextlib.suppress(OSError):
            while connection.recv(1024):
                pass

    with (
        net.serve_tcp(handler, name="nb00-q2-check", timeout=REPLY_TIMEOUT) as server,
        closing,
    ):
        for message in MESSAGES:
            said = f"the client sent {message!r}"
            outcomes.clear()
            try:
                reply = _exchange(server, message)
            except TimeoutError:
                raise NotYet(
                    f"{said} and closed its sending half, then waited {REPLY_TIMEOUT:g} s for an "
                    "answer that never came to an end."
                ) from None
            net.wait_until(lambda: bool(outcomes), timeout=REPLY_TIMEOUT)
            outcome = outcomes[0] if outcomes else None
            if isinstance(outcome, NotImplementedError):
                raise outcome
            if isinstance(outcome, Exception):
                raise NotYet(f"{said}; your handler raised {type(outcome).__name__}: {outcome}")
            if not reply:
                returned = f" returned {outcome!r}, but" if outcome is not None else ""
                raise NotYet(
                    f"{said} and got no bytes back: your handler{returned} sent nothing. A "
                    "server answers by sending on the connection, as shout_back does."
                )
            if reply != bytes(reversed(message)):
                raise NotYet(
                    f"{said} and got back the same bytes, in the same order."
                    if reply == message
                    else f"{said} and got back {reply!r}, which is not its bytes in reverse order."
                )


q2 = Exercise(
    "reverse_back answers each client with its bytes reversed",
    _check_reverse_back,
    hints=[
        "Start from shout_back: receive the bytes, then send an answer. Only the answer changes.",
        "A bytes object is a sequence, like a string: slicing and reversed() work on it. "
        "sendall() wants bytes, and reversed() gives an iterator, so turn that back into bytes.",
    ],
    solution=reverse_back,
    wrong=[
        lambda connection, address: connection.sendall(connection.recv(1024)),
        lambda connection, address: connection.recv(1024)[::-1],
        lambda connection, address: connection.sendall(reversed(connection.recv(1024))),
        lambda connection, address: connection.sendall(connection.recv(1024).decode()[::-1]),
        lambda connection, address: connection.sendall(b"olleh"),
        lambda connection, address: connection.sendall(connection.recv(1024)[::-1].strip()),
        lambda connection: connection.sendall(connection.recv(1024)[::-1]),
        lambda connection, address: print(connection.recv(1024)[::-1]),
    ],
)

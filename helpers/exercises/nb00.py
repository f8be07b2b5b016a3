"""Exercises of notebook 00, Start here."""

from __future__ import annotations

from collections.abc import Callable

from helpers.exercises import Exercise, require

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
            f"{said}: a function that only prints the address gives back None. `return` it.",
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
            f"{said}: the name localhost may resolve to the IPv6 address ::1, where the course's "
            f"servers do not listen: they listen on the IPv4 address {LOOPBACK} only.",
        )
        require(
            host == LOOPBACK,
            f"{said}: the host should be {LOOPBACK}, the address the course's servers listen on.",
        )
        require(bool(colon), f"{said}: after the host come a `:` and the port.")
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

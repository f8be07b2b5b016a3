"""Exercises of notebook 00, Start here."""

from __future__ import annotations

from collections.abc import Callable

from helpers.exercises import Exercise, require


def loopback_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/"


def _check_loopback_url(candidate: Callable[[int], str]) -> None:
    require(callable(candidate), "the answer should be a function that takes a port number.")
    for port in (8000, 8888, 54321):
        got = candidate(port)
        require(isinstance(got, str), f"loopback_url({port}) returned {got!r}, not a string.")
        expected = loopback_url(port)
        require(got == expected, f"loopback_url({port}) returned {got!r}; expected {expected!r}.")


q1 = Exercise(
    "loopback_url builds the address of a server on this machine",
    _check_loopback_url,
    hints=[
        'An f-string puts a value inside a string: f"port {port}".',
        "The address has four parts: the scheme `http://`, the host `127.0.0.1`, a colon and the "
        "port, and a final `/`.",
    ],
    solution=loopback_url,
    wrong=[lambda port: f"http://localhost:{port}/", lambda port: f"http://127.0.0.1:{port}"],
)

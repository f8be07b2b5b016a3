"""Exercises of notebook 09, Designing a URL shortener."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

from helpers.exercises import Exercise, require


def collision_probability(n: int, space: int) -> float:
    return -math.expm1(-n * (n - 1) / (2 * space))


def _check_collision_probability(candidate: Callable[[int, int], float]) -> None:
    cases = [(0, 100), (1, 100), (2, 100), (23, 365), (1206, 16**5), (10**6, 62**7), (10**4, 10)]
    for n, space in cases:
        got = candidate(n, space)
        want = collision_probability(n, space)
        require(
            isinstance(got, float | int), f"collision_probability({n}, {space}) returned {got!r}"
        )
        require(
            math.isclose(got, want, rel_tol=1e-3, abs_tol=1e-9),
            f"collision_probability({n}, {space}) returned {got!r}; expected about {want:.6g}.",
        )


def md5_prefix(url: str, length: int) -> str:
    return hashlib.md5(url.encode()).hexdigest()[:length]


def find_collision(length: int) -> tuple[str, str]:
    seen: dict[str, str] = {}
    number = 0
    while True:
        url = f"https://www.example.com/{number}"
        code = md5_prefix(url, length)
        if code in seen:
            return seen[code], url
        seen[code] = url
        number += 1


def _check_find_collision(candidate: Callable[[int], tuple[str, str]]) -> None:
    for length in (3, 4):
        pair = candidate(length)
        require(
            isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(u, str) for u in pair),
            f"find_collision({length}) should return a tuple of two URL strings, not {pair!r}.",
        )
        first, second = pair
        require(first != second, f"find_collision({length}) returned the same URL twice.")
        require(
            md5_prefix(first, length) == md5_prefix(second, length),
            f"for length {length}, {first!r} and {second!r} get the codes "
            f"{md5_prefix(first, length)!r} and {md5_prefix(second, length)!r}.",
        )


ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def from_base62(code: str) -> int:
    number = 0
    for character in code:
        number = number * 62 + ALPHABET.index(character)
    return number


def _check_from_base62(candidate: Callable[[str], int]) -> None:
    cases = {"0": 0, "1": 1, "z": 35, "Z": 61, "10": 62, "4c92": 1_000_000, "ZZZZZZZ": 62**7 - 1}
    for code, want in cases.items():
        got = candidate(code)
        require(got == want, f"from_base62({code!r}) returned {got!r}; expected {want}.")


q1 = Exercise(
    "collision_probability follows the birthday bound",
    _check_collision_probability,
    hints=[
        "The notebook's formula: 1 - e^(-n(n-1)/2N).",
        "math.exp gives e^x. For very small x, 1 - exp(-x) loses precision; "
        "-math.expm1(-x) keeps it.",
    ],
    solution=collision_probability,
    wrong=[lambda n, space: n / space, lambda n, space: 1 - math.exp(-n / space)],
)

q2 = Exercise(
    "find_collision finds two URLs whose MD5 digests start alike",
    _check_find_collision,
    hints=[
        "Generate URLs with a number in them, and remember each URL's code in a dict.",
        "hashlib.md5(url.encode()).hexdigest()[:length] is the code; stop at the first code "
        "that is already in the dict.",
    ],
    solution=find_collision,
    wrong=[lambda length: ("https://a.example/", "https://a.example/")],
)

q3 = Exercise(
    "from_base62 turns a code back into its number",
    _check_from_base62,
    hints=[
        "ALPHABET.index(character) is the value of one digit.",
        "Read the digits left to right: number = number * 62 + value.",
    ],
    solution=from_base62,
    wrong=[lambda code: int(code, 36)],
)

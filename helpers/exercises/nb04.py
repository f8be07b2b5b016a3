"""Exercises of notebook 04, Gotchas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpers.exercises import Exercise, require


def append_to(item: Any, items: list[Any] | None = None) -> list[Any]:
    if items is None:
        items = []
    items.append(item)
    return items


def _check_append_to(candidate: Callable[..., list[Any]]) -> None:
    require(callable(candidate), "the answer should be a function append_to(item, items=None).")
    first, second = candidate("a"), candidate("b")
    require(
        first == ["a"] and second == ["b"],
        f'append_to("a") then append_to("b") returned {first!r} and {second!r}; each call '
        "without a list should start from a new, empty one.",
    )
    mine = ["x"]
    returned = candidate("y", mine)
    require(
        mine == ["x", "y"],
        f'append_to("y", mine) left mine as {mine!r}; it should append to the list it is given.',
    )
    require(returned is mine, "append_to(item, mine) should return the very list it was given.")


def _shared_default(item: Any, items: list[Any] = []) -> list[Any]:  # noqa: B006 (the trap)
    items.append(item)
    return items


q1 = Exercise(
    "append_to starts a fresh list on every call",
    _check_append_to,
    hints=[
        "The default value is created once, when `def` runs, and shared by every call.",
        "Use `items=None` as the default, and inside the function: `if items is None: items = []`.",
    ],
    solution=append_to,
    wrong=[_shared_default, lambda item, items=None: [item]],
)


def make_multipliers(count: int) -> list[Callable[[float], float]]:
    multipliers: list[Callable[[float], float]] = []
    for factor in range(count):

        def multiply(x: float, factor: int = factor) -> float:  # the default binds it now
            return factor * x

        multipliers.append(multiply)
    return multipliers


def _check_make_multipliers(candidate: Callable[[int], list[Callable[[float], float]]]) -> None:
    require(callable(candidate), "the answer should be a function make_multipliers(count).")
    multipliers = list(candidate(4))
    require(len(multipliers) == 4, f"make_multipliers(4) made {len(multipliers)} functions, not 4.")
    for factor, multiply in enumerate(multipliers):
        got = multiply(10)
        require(
            got == factor * 10,
            f"make_multipliers(4)[{factor}](10) returned {got!r}, not {factor * 10}: does every "
            "function see the loop variable's last value?",
        )
    require(list(candidate(0)) == [], "make_multipliers(0) should make an empty list.")


q2 = Exercise(
    "make_multipliers binds each factor when the function is made",
    _check_make_multipliers,
    hints=[
        "A lambda looks its variables up when it is *called*, by which time the loop is over.",
        "Bind the current value as a default argument, `lambda x, factor=factor: factor * x`, "
        "or build each function with `functools.partial`.",
    ],
    solution=make_multipliers,
    wrong=[
        lambda count: [lambda x: factor * x for factor in range(count)],  # noqa: B023 (the trap)
        lambda count: [lambda x, factor=factor: factor + x for factor in range(count)],
    ],
)


def drop_negatives(numbers: list[float]) -> None:
    numbers[:] = [n for n in numbers if n >= 0]


def _check_drop_negatives(candidate: Callable[[list[float]], object]) -> None:
    require(callable(candidate), "the answer should be a function drop_negatives(numbers).")
    for before, after in (([-1, -2, 3, -4, -5, 6], [3, 6]), ([5, -1, 0], [5, 0]), ([], [])):
        numbers: list[float] = list(before)
        candidate(numbers)
        require(
            numbers == after,
            f"after drop_negatives(numbers) with numbers = {before}, the list is {numbers}, "
            f"not {after}.",
        )


def _remove_while_iterating(numbers: list[float]) -> None:
    for n in numbers:
        if n < 0:
            numbers.remove(n)


q3 = Exercise(
    "drop_negatives changes the list itself, safely",
    _check_drop_negatives,
    hints=[
        "Removing items from a list while a `for` loop walks it makes the loop skip the item "
        "after each removal.",
        "Build the list of numbers to keep, then put them into the same list object with a "
        "slice assignment: `numbers[:] = ...`.",
    ],
    solution=drop_negatives,
    wrong=[_remove_while_iterating, lambda numbers: [n for n in numbers if n >= 0]],
)

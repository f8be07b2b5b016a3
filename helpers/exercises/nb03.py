"""Exercises of notebook 03, Decorators."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from helpers.exercises import Exercise, require


def cache(func: Callable[..., Any]) -> Callable[..., Any]:
    store: dict[tuple[Any, ...], Any] = {}

    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        if args not in store:
            store[args] = func(*args)
        return store[args]

    return wrapper


def _counted(calls: list[tuple[str, int]]) -> tuple[Callable[[int], int], Callable[[int], int]]:
    """Two functions that log each real call in `calls`, to see what a cache lets through."""

    def square(n: int) -> int:
        """Return n squared."""
        calls.append(("square", n))
        return n * n

    def cube(n: int) -> int:
        """Return n cubed."""
        calls.append(("cube", n))
        return n**3

    return square, cube


def _check_cache(candidate: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    require(callable(candidate), "the answer should be a decorator: a function that takes one.")
    calls: list[tuple[str, int]] = []
    square, cube = _counted(calls)
    cached_square, cached_cube = candidate(square), candidate(cube)
    require(callable(cached_square), "cache(func) should return a function, the wrapper.")
    results = [cached_square(n) for n in (3, 3, 4, 3)]
    require(
        results == [9, 9, 16, 9],
        f"calling the cached square with 3, 3, 4, 3 returned {results}, not [9, 9, 16, 9].",
    )
    square_calls = [n for name, n in calls if name == "square"]
    require(
        square_calls == [3, 4],
        f"the original square ran for {square_calls}; with a cache it runs once per argument, "
        "for [3, 4].",
    )
    require(
        cached_cube(3) == 27,
        "the cached cube(3) did not return 27: does every decorated function get its own cache?",
    )
    require(("cube", 3) in calls, "cube(3) was never computed: each function needs its own cache.")
    name, doc = getattr(cached_square, "__name__", None), getattr(cached_square, "__doc__", None)
    require(
        (name, doc) == ("square", "Return n squared."),
        f"the wrapper calls itself {name!r} with docstring {doc!r}; "
        "functools.wraps(func) keeps the original's.",
    )
    require(
        getattr(cached_square, "__wrapped__", None) is square,
        "the wrapper has no __wrapped__ pointing to the original; functools.wraps adds it.",
    )


q1 = Exercise(
    "cache remembers each result and keeps the function's name",
    _check_cache,
    hints=[
        "Inside `cache`, create a dictionary, then define and return a `wrapper(*args)`. Because "
        "the dictionary is created inside `cache`, each decorated function gets its own.",
        "In the wrapper: if `args` (a tuple, so it can be a key) is not in the dictionary yet, "
        "call `func(*args)` and store the result; then return the stored result.",
        "Put `@functools.wraps(func)` on the line above `def wrapper` to keep the name and "
        "docstring.",
    ],
    solution=cache,
    wrong=[
        lambda func: functools.wraps(func)(lambda *args: func(*args)),
        lambda func: functools.lru_cache(maxsize=None)(lambda *args: func(*args)),
    ],
)


def tag(name: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
    def decorate(func: Callable[..., str]) -> Callable[..., str]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> str:
            return f"<{name}>{func(*args, **kwargs)}</{name}>"

        return wrapper

    return decorate


def _greet(who: str, punctuation: str = "!") -> str:
    """Greet someone."""
    return f"Hello, {who}{punctuation}"


def _check_tag(
    candidate: Callable[[str], Callable[[Callable[..., str]], Callable[..., str]]],
) -> None:
    require(callable(candidate), "the answer should be a function that takes a tag name.")
    decorate = candidate("b")
    require(callable(decorate), 'tag("b") should return a decorator, a function.')
    bold = decorate(_greet)
    require(callable(bold), 'tag("b")(func) should return a function, the wrapper.')
    cases = [
        (bold("Ada"), "<b>Hello, Ada!</b>", 'tag("b") on greet, called as greet("Ada")'),
        (
            bold("Ada", punctuation="?"),
            "<b>Hello, Ada?</b>",
            'the same, called as greet("Ada", punctuation="?")',
        ),
        (candidate("em")(_greet)("Bo"), "<em>Hello, Bo!</em>", 'tag("em") on greet("Bo")'),
        (
            candidate("b")(candidate("i")(_greet))("Ada"),
            "<b><i>Hello, Ada!</i></b>",
            '@tag("b") stacked over @tag("i")',
        ),
    ]
    for got, expected, what in cases:
        require(got == expected, f"{what} returned {got!r}, not {expected!r}.")
    require(
        getattr(bold, "__name__", None) == "_greet" and bold.__doc__ == "Greet someone.",
        "the wrapper lost the function's name or docstring; use functools.wraps(func).",
    )


q2 = Exercise(
    "tag(name) wraps a function's result in an HTML tag",
    _check_tag,
    hints=[
        "Three nested functions: `tag(name)` returns `decorate(func)`, which returns "
        "`wrapper(*args, **kwargs)`.",
        'The wrapper calls `func(*args, **kwargs)` and returns f"<{name}>{result}</{name}>".',
        "Add `@functools.wraps(func)` above `def wrapper`.",
    ],
    solution=tag,
    wrong=[
        lambda name: lambda func: lambda: f"<{name}>{func()}</{name}>",
        lambda name: (
            lambda func: functools.wraps(func)(
                lambda *args, **kwargs: f"<b>{func(*args, **kwargs)}</b>"
            )
        ),
    ],
)


pauses_after_giving_up = [0.5, 1.5, 4.5, 10]


def _check_pauses(answer: Any) -> None:
    require(
        isinstance(answer, list | tuple)
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in answer),
        "the answer should be a list of numbers, the pauses in seconds.",
    )
    require(
        len(answer) == 4,
        f"your list has {len(answer)} pauses; with 5 attempts, there is a pause between each two "
        "of them, and none after the last.",
    )
    require(
        math.isclose(answer[0], 0.5),
        f"the first pause is base_delay, 0.5, not {answer[0]!r}.",
    )
    require(
        all(math.isclose(got, want) for got, want in zip(answer[:3], [0.5, 1.5, 4.5], strict=True)),
        f"{list(answer)} does not grow by the factor 3 at each step while under the cap.",
    )
    require(
        math.isclose(answer[3], 10),
        f"the last pause would be 13.5 without the cap; max_delay=10 holds it at 10, "
        f"not {answer[3]!r}.",
    )


q3 = Exercise(
    "the pauses of a retry that gives up",
    _check_pauses,
    hints=[
        "How many times does `sleep` run when all 5 attempts fail? The decorator gives up "
        "after the last failure without sleeping.",
        "The first pause is `base_delay`; each next one is the previous times `factor`, but "
        "never more than `max_delay`. `jitter=None` means no random draw: the pauses are exact.",
    ],
    solution=pauses_after_giving_up,
    wrong=[
        [0.5, 1.5, 4.5, 13.5],
        [0.5, 1.5, 4.5, 10, 10],
        [0.5, 1.0, 2.0, 4.0],
        [1.5, 4.5, 10, 10],
    ],
)

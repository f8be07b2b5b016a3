"""Exercises of notebook 02, Everything is an object."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from helpers.exercises import Exercise, require

# --- q1: a counter that remembers its count in a closure ---------------------------------------


def make_counter() -> Callable[[], int]:
    count = 0

    def counter() -> int:
        nonlocal count
        count += 1
        return count

    return counter


def _check_make_counter(candidate: Callable[[], Callable[[], int]]) -> None:
    require(callable(candidate), "the answer should be a function that makes counters.")
    first = candidate()
    require(callable(first), f"make_counter() returned {first!r}; it should return a function.")
    counts = [first(), first(), first()]
    require(
        counts == [1, 2, 3],
        f"three calls of a new counter returned {counts}; they should return [1, 2, 3].",
    )
    second = candidate()
    started_at = second()
    require(
        started_at == 1,
        f"a second counter started at {started_at!r}, not 1: do the two counters share one "
        "count? Each call of make_counter() needs a count of its own.",
    )
    fourth = first()
    require(
        fourth == 4,
        f"the first counter went on with {fourth!r}, not 4, after the second one was used: "
        "the counters must not share their count.",
    )
    # Independent counts rule out a shared global; what is left is where each counter keeps its
    # own count. Any state reached through the closure's cells is right: an int changed with
    # `nonlocal`, a list or a dict changed in place, an iterator.
    require(
        bool(getattr(first, "__closure__", None)),
        "the counter counts, but it is no closure (it has no __closure__ cells): keep the count in "
        "a variable of make_counter that the inner function uses.",
    )
    require(
        not vars(first),
        f"the counter keeps its count in attributes of the function ({vars(first)!r}), not in "
        "a variable of make_counter: use `nonlocal`.",
    )


_shared_count = [0]


def _make_shared_counter() -> Callable[[], int]:
    """Wrong on purpose: every counter shares one module-level count."""

    def counter() -> int:
        _shared_count[0] += 1
        return _shared_count[0]

    return counter


def _make_counter_from_zero() -> Callable[[], int]:
    """Wrong on purpose: returns the count before adding one."""
    count = 0

    def counter() -> int:
        nonlocal count
        count += 1
        return count - 1

    return counter


def _make_counter_in_a_default() -> Callable[[], int]:
    """Wrong on purpose: a fresh default list per counter counts, but it is no closure."""

    def counter(count: list[int] = [0]) -> int:  # noqa: B006 (the mutable default is the point)
        count[0] += 1
        return count[0]

    return counter


def _make_counter_in_an_attribute() -> Callable[[], int]:
    """Wrong on purpose: the count is an attribute of the function; the closure holds only the
    function itself."""

    def counter() -> int:
        counter.count += 1  # type: ignore[attr-defined]
        return counter.count  # type: ignore[attr-defined]

    counter.count = 0  # type: ignore[attr-defined]
    return counter


q1 = Exercise(
    "make_counter makes independent counters that live in closures",
    _check_make_counter,
    hints=[
        "Define `count = 0` inside make_counter, then an inner function that adds one to it and "
        "returns it; make_counter returns the inner function (without calling it).",
        "Assigning to `count` inside the inner function makes it a new local variable, unless "
        "you first declare `nonlocal count`.",
    ],
    solution=make_counter,
    wrong=[
        _make_shared_counter,
        _make_counter_from_zero,
        lambda: itertools.count(1).__next__,
        _make_counter_in_a_default,
        _make_counter_in_an_attribute,
    ],
)

# --- q2: the default values of a function's parameters ----------------------------------------


def defaults_of(function: Callable[..., Any]) -> dict[str, Any]:
    code = function.__code__
    positional = code.co_varnames[: code.co_argcount]
    defaults = function.__defaults__ or ()
    found = dict(zip(positional[len(positional) - len(defaults) :], defaults, strict=True))
    found.update(function.__kwdefaults__ or {})
    return found


def _no_defaults(a, b):
    return a, b


def _greet(name, greeting="Hello", *, punctuation="!"):
    return f"{greeting}, {name}{punctuation}"


def _connect(host, port=80, timeout=5.0, *hosts, retries=3, verbose, **options):
    return host, port, timeout, hosts, retries, verbose, options


def _positional_only(a, b=2, /, c=3):
    return a, b, c


# Each function's signature, the function, and the defaults that `defaults_of` must find for it.
DEFAULTS_CASES: list[tuple[str, Callable[..., Any], dict[str, Any]]] = [
    (
        "greet(name, greeting='Hello', *, punctuation='!')",
        _greet,
        {"greeting": "Hello", "punctuation": "!"},
    ),
    ("no_defaults(a, b)", _no_defaults, {}),
    (
        "connect(host, port=80, timeout=5.0, *hosts, retries=3, verbose, **options)",
        _connect,
        {"port": 80, "timeout": 5.0, "retries": 3},
    ),
    ("positional_only(a, b=2, /, c=3)", _positional_only, {"b": 2, "c": 3}),
    ("lambda x=None: x", lambda x=None: x, {"x": None}),
]


def _check_defaults_of(candidate: Callable[[Callable[..., Any]], dict[str, Any]]) -> None:
    require(callable(candidate), "the answer should be a function that takes a function.")
    for signature, function, expected in DEFAULTS_CASES:
        got = candidate(function)
        require(
            isinstance(got, dict),
            f"for {signature}, defaults_of returned {got!r}, not a dict of name -> default.",
        )
        missing = [name for name in expected if name not in got]
        require(
            not missing,
            f"for {signature}, defaults_of returned {got!r}, which misses {missing}. "
            "Positional defaults are in __defaults__, keyword-only ones in __kwdefaults__.",
        )
        require(
            got == expected,
            f"for {signature}, defaults_of returned {got!r}; expected {expected!r}. Remember that "
            "__defaults__ belongs to the *last* positional parameters.",
        )


def _defaults_aligned_from_the_start(function: Callable[..., Any]) -> dict[str, Any]:
    """Wrong on purpose: pairs the defaults with the first parameters instead of the last."""
    return dict(zip(function.__code__.co_varnames, function.__defaults__ or (), strict=False))


def _defaults_without_keyword_only(function: Callable[..., Any]) -> dict[str, Any]:
    """Wrong on purpose: forgets the keyword-only parameters."""
    keyword_only = function.__kwdefaults__ or {}
    return {
        name: value for name, value in defaults_of(function).items() if name not in keyword_only
    }


q2 = Exercise(
    "defaults_of reports the default arguments of a function",
    _check_defaults_of,
    hints=[
        "function.__defaults__ is a tuple of the default values of the *last* positional "
        "parameters; function.__kwdefaults__ is a dict (or None) for the keyword-only ones.",
        "The positional parameter names are function.__code__.co_varnames[:co_argcount]. "
        "With 3 names and 2 defaults, the defaults belong to names[1:], that is names[3 - 2:].",
        "inspect.signature(function).parameters is another way: each parameter has a .default, "
        "which is inspect.Parameter.empty when there is none.",
    ],
    solution=defaults_of,
    wrong=[
        lambda function: function.__defaults__,
        _defaults_aligned_from_the_start,
        _defaults_without_keyword_only,
    ],
)

# --- q3: the values a closure remembers --------------------------------------------------------


def closure_values(function: Callable[..., Any]) -> dict[str, Any]:
    names = function.__code__.co_freevars
    cells = function.__closure__ or ()
    return {name: cell.cell_contents for name, cell in zip(names, cells, strict=True)}


def _make_multiplier(n: int) -> Callable[[int], int]:
    def multiply(x: int) -> int:
        return x * n

    return multiply


def _make_greeter(greeting: str, mark: str) -> Callable[[str], str]:
    def greet(name: str) -> str:
        return f"{greeting}, {name}{mark}"

    return greet


def _make_accumulator(total: int) -> Callable[[int], int]:
    def add(amount: int) -> int:
        nonlocal total
        total += amount
        return total

    return add


def _closure_cases() -> list[tuple[str, Callable[..., Any], dict[str, Any]]]:
    """Fresh closures each time, since the accumulator's value changes when it is called."""
    accumulator = _make_accumulator(10)
    accumulator(5)
    accumulator(7)
    return [
        ("make_multiplier(3)", _make_multiplier(3), {"n": 3}),
        ("make_greeter('Hi', '?')", _make_greeter("Hi", "?"), {"greeting": "Hi", "mark": "?"}),
        ("an accumulator that started at 10 and added 5 and 7", accumulator, {"total": 22}),
        ("make_multiplier itself, which is no closure", _make_multiplier, {}),
    ]


def _check_closure_values(candidate: Callable[[Callable[..., Any]], dict[str, Any]]) -> None:
    require(callable(candidate), "the answer should be a function that takes a function.")
    for description, function, expected in _closure_cases():
        got = candidate(function)
        require(
            isinstance(got, dict),
            f"for {description}, closure_values returned {got!r}, not a dict of name -> value.",
        )
        require(
            got == expected,
            f"for {description}, closure_values returned {got!r}; expected {expected!r}."
            + (" A function with no closure has __closure__ None." if not expected else ""),
        )


q3 = Exercise(
    "closure_values reads what a closure remembers",
    _check_closure_values,
    hints=[
        "function.__code__.co_freevars holds the names, function.__closure__ the cells, in the "
        "same order; zip them.",
        "Each cell's value is cell.cell_contents.",
        "For a function that is not a closure, __closure__ is None, not an empty tuple.",
    ],
    solution=closure_values,
    wrong=[
        lambda function: function.__closure__,
        lambda function: dict(
            zip(function.__code__.co_freevars, function.__closure__ or (), strict=False)
        ),
        lambda function: {
            name: cell.cell_contents
            for name, cell in zip(function.__code__.co_freevars, function.__closure__, strict=False)
        },
    ],
)

"""Exercises of notebook 13, Monitoring: the arithmetic of service level objectives.

q1 turns an objective into an error budget, q2 measures how fast a budget burns, and q3 decides,
as the multiwindow alerts of deploy/prometheus/shortener-alerts.yml do, when to wake someone up.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import TypeGuard

from helpers.exercises import Exercise, NotYet, require


def _is_number(value: object) -> TypeGuard[numbers.Real]:
    """An int, a float, a Fraction or a numpy number; not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _close(got: object, expected: float) -> bool:
    return _is_number(got) and math.isclose(float(got), expected, rel_tol=1e-9, abs_tol=1e-12)


# q1: the error budget


def error_budget(total_requests: int, objective: float) -> float:
    return total_requests * (1 - objective)


def _check_error_budget(candidate: Callable[[int, float], float]) -> None:
    require(callable(candidate), "the answer should be a function error_budget(total, objective).")
    for total, objective in [(1_000_000, 0.999), (10_000, 0.99), (5_000, 0.9995), (0, 0.999)]:
        got = candidate(total, objective)
        expected = error_budget(total, objective)
        whole = _is_number(got) and float(got).is_integer()
        if whole and not _close(got, expected) and abs(float(got) - expected) < 1:
            raise NotYet(
                f"error_budget({total}, {objective}) returned {got!r}, a whole number: the budget "
                "may be fractional (an average over many periods); do not round it."
            )
        require(
            _close(got, expected),
            f"error_budget({total}, {objective}) returned {got!r}, expected {expected:g}: the "
            "budget is the number of requests the objective allows to be bad, out of "
            f"{total:,}.",
        )


q1 = Exercise(
    "error_budget(total, objective): how many bad requests the objective allows",
    _check_error_budget,
    hints=[
        "An objective of 0.999 means 99.9% good: the other 0.1% is the budget.",
        "Try round numbers first: among 1,000 requests, how many may a 99 % objective let "
        "fail? Your function should say the same.",
    ],
    solution=error_budget,
    wrong=[lambda total, objective: total * objective, lambda total, objective: 1 - objective],
)


# q2: the burn rate


def burn_rate(bad: int, total: int, objective: float) -> float:
    if total == 0:
        return 0.0
    return (bad / total) / (1 - objective)


def _check_burn_rate(candidate: Callable[[int, int, float], float]) -> None:
    require(
        callable(candidate), "the answer should be a function burn_rate(bad, total, objective)."
    )
    for bad, total, objective in [(1, 1000, 0.999), (144, 10_000, 0.999), (30, 1000, 0.99)]:
        got = candidate(bad, total, objective)
        expected = burn_rate(bad, total, objective)
        if total and _close(got, bad / total):
            raise NotYet(
                f"burn_rate({bad}, {total}, {objective}) returned {got!r}, the share of bad "
                "requests, which does not depend on the objective yet: the same share spends a "
                "99.9 % objective's budget ten times as fast as a 99 % one's."
            )
        require(
            _close(got, expected),
            f"burn_rate({bad}, {total}, {objective}) returned {got!r}; expected {expected:g}. At "
            "burn rate 1 the budget lasts exactly the whole period, at 2 half of it.",
        )
    try:
        quiet = candidate(0, 0, 0.999)
    except ZeroDivisionError:
        raise NotYet(
            "burn_rate(0, 0, 0.999) divided by zero: with no requests at all, return 0.0 or "
            "math.nan, not a crash."
        ) from None
    require(
        _close(quiet, 0.0) or (isinstance(quiet, float) and math.isnan(quiet)),
        f"burn_rate(0, 0, 0.999) returned {quiet!r}; with no requests nothing burns: 0.0, or "
        "math.nan for 'no ratio' as PromQL answers (a NaN is above no threshold, so no alert "
        "fires either).",
    )


q2 = Exercise(
    "burn_rate(bad, total, objective): how many times faster than allowed the budget goes",
    _check_burn_rate,
    hints=[
        "A burn rate of 1 spends the budget exactly by the end of the period; 14.4 spends a "
        "30-day budget in about two days.",
        "Compare two shares: the share of the requests that were bad, and the share the "
        "objective lets be bad. And look at `total` before you divide by it.",
    ],
    solution=burn_rate,
    wrong=[
        lambda bad, total, objective: bad / total if total else 0.0,
        lambda bad, total, objective: (bad / total) / objective if total else 0.0,
    ],
)


# q3: multiwindow alerting


def should_page(long_ratio: float, short_ratio: float, factor: float, objective: float) -> bool:
    threshold = factor * (1 - objective)
    return long_ratio > threshold and short_ratio > threshold


CASES = [
    # long window, short window, factor, objective; expected; what the case is
    ((0.02, 0.0, 14.4, 0.999), False, "a burst that is over: nothing bad in the short window"),
    ((0.02, 0.005, 14.4, 0.999), False, "a burst dying down: the short window is under the bar"),
    ((0.001, 0.5, 14.4, 0.999), False, "a fresh blip that has not mattered over the long window"),
    ((0.02, 0.03, 14.4, 0.999), True, "a burst still going on, over both windows"),
    ((0.007, 0.007, 6, 0.999), True, "a steady burn at 7x, over both windows"),
    ((0.005, 0.007, 6, 0.999), False, "a burn at 5x over the long window, under this rule's 6x"),
    ((0.05, 0.05, 14.4, 0.99), False, "a burn at 5x of a 99 % objective, under this rule's 14.4x"),
    ((0.004, 0.004, 6, 0.9995), True, "a burn at 8x of a 99.95 % objective, over this rule's 6x"),
    # 2 x (1 - 0.75) is exactly 0.5 in binary floating point, so this case is on the threshold
    ((0.5, 0.5, 2, 0.75), False, "ratios exactly on the threshold: a rule pages only above it"),
]


BOOL_NAMES = frozenset({"bool", "bool_"})  # numpy 2 names it bool, numpy 1 bool_


def _is_bool(value: object) -> bool:
    """True and False, and numpy's np.True_ and np.False_ (what a numpy comparison returns)."""
    kind = type(value)
    return isinstance(value, bool) or (kind.__module__ == "numpy" and kind.__name__ in BOOL_NAMES)


def _check_should_page(candidate: Callable[[float, float, float, float], bool]) -> None:
    require(callable(candidate), "the answer should be a function should_page(...).")
    for arguments, expected, case in CASES:
        got = candidate(*arguments)
        require(
            _is_bool(got),
            f"should_page{arguments} returned {got!r}, of type {type(got).__name__}: return a bool "
            "(True or False), which is what a comparison gives.",
        )
        require(
            bool(got) is expected,
            f"should_page{arguments} returned {got!r}; expected {expected}, for {case}.",
        )


q3 = Exercise(
    "should_page(long_ratio, short_ratio, factor, objective): the multiwindow rule",
    _check_should_page,
    hints=[
        "The threshold on the ratio of bad requests is factor * (1 - objective).",
        "The long window says it matters, the short one that it is still going on: which of "
        "the two must be over the threshold before you wake someone?",
    ],
    solution=should_page,
    wrong=[
        lambda long_ratio, short_ratio, factor, objective: long_ratio > factor * (1 - objective),
        lambda long_ratio, short_ratio, factor, objective: (
            long_ratio > factor * (1 - objective) or short_ratio > factor * (1 - objective)
        ),
    ],
)

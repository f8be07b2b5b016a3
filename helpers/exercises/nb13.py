"""Exercises of notebook 13, Monitoring: the arithmetic of service level objectives.

q1 turns an objective into an error budget, q2 measures how fast a budget burns, and q3 decides,
as the multiwindow alerts of deploy/prometheus/shortener-alerts.yml do, when to wake someone up.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from helpers.exercises import Exercise, NotYet, require


def _close(got: object, expected: float) -> bool:
    return isinstance(got, int | float) and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)


# q1: the error budget


def error_budget(total_requests: int, objective: float) -> float:
    return total_requests * (1 - objective)


def _check_error_budget(candidate: Callable[[int, float], float]) -> None:
    require(callable(candidate), "the answer should be a function error_budget(total, objective).")
    for total, objective in [(1_000_000, 0.999), (10_000, 0.99), (5_000, 0.9995), (0, 0.999)]:
        got = candidate(total, objective)
        expected = error_budget(total, objective)
        require(
            _close(got, expected),
            f"error_budget({total}, {objective}) returned {got!r}; the budget is the share of "
            f"requests allowed to be bad, {expected:g} here.",
        )


q1 = Exercise(
    "error_budget(total, objective): how many bad requests the objective allows",
    _check_error_budget,
    hints=[
        "An objective of 0.999 means 99.9% good: the other 0.1% is the budget.",
        "Multiply the number of requests by (1 - objective).",
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
        require(
            _close(got, expected),
            f"burn_rate({bad}, {total}, {objective}) returned {got!r}; expected {expected:g}: the "
            "share of bad requests divided by the share the objective allows.",
        )
    try:
        quiet = candidate(0, 0, 0.999)
    except ZeroDivisionError:
        raise NotYet("with no requests at all nothing burns: return 0.0, not a crash.") from None
    require(_close(quiet, 0.0), f"burn_rate(0, 0, 0.999) returned {quiet!r}; expected 0.")


q2 = Exercise(
    "burn_rate(bad, total, objective): how many times faster than allowed the budget goes",
    _check_burn_rate,
    hints=[
        "A burn rate of 1 spends the budget exactly by the end of the period; 14.4 spends a "
        "30-day budget in about two days.",
        "(bad / total) / (1 - objective), and 0.0 when total is 0.",
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
    # long window, short window, expected: a burst that is over, a fresh burst, a steady burn
    ((0.02, 0.0, 14.4, 0.999), False),
    ((0.001, 0.5, 14.4, 0.999), False),
    ((0.02, 0.03, 14.4, 0.999), True),
    ((0.007, 0.007, 6, 0.999), True),
    ((0.005, 0.007, 6, 0.999), False),
]


def _check_should_page(candidate: Callable[[float, float, float, float], bool]) -> None:
    require(callable(candidate), "the answer should be a function should_page(...).")
    for arguments, expected in CASES:
        got = candidate(*arguments)
        require(
            got is expected,
            f"should_page{arguments} returned {got!r}; expected {expected}. Both windows must "
            "burn faster than factor x (1 - objective).",
        )


q3 = Exercise(
    "should_page(long_ratio, short_ratio, factor, objective): the multiwindow rule",
    _check_should_page,
    hints=[
        "The threshold on the ratio of bad requests is factor * (1 - objective).",
        "The long window says it matters, the short one that it is still going on: both must "
        "exceed the threshold.",
    ],
    solution=should_page,
    wrong=[
        lambda long_ratio, short_ratio, factor, objective: long_ratio > factor * (1 - objective),
        lambda long_ratio, short_ratio, factor, objective: (
            long_ratio > factor * (1 - objective) or short_ratio > factor * (1 - objective)
        ),
    ],
)

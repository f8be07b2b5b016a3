"""helpers.decorators: timing, retry with backoff and memoize, each keeping the function's name."""

from __future__ import annotations

import functools
import inspect
import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import decorators
from helpers.decorators import backoff_delays, memoize, retry, timed


def fake_clock(ticks: list[float]) -> Callable[[], float]:
    """A clock that returns the given readings one after the other."""
    readings: Iterator[float] = iter(ticks)
    return lambda: next(readings)


def flaky(failures: int, error: type[Exception] = ConnectionError) -> Callable[[], str]:
    """A function that raises `error` on its first `failures` calls, then answers "ok"."""
    calls = {"count": 0}

    def call() -> str:
        calls["count"] += 1
        if calls["count"] <= failures:
            raise error(f"failure {calls['count']}")
        return "ok"

    return call


def test_timed_records_each_duration_and_returns_the_result() -> None:
    @timed(clock=fake_clock([10.0, 10.5, 20.0, 22.0]))
    def double(n: int) -> int:
        """Twice n."""
        return 2 * n

    assert [double(1), double(2)] == [2, 4]
    assert double.durations == [0.5, 2.0]
    assert (double.__name__, double.__doc__) == ("double", "Twice n.")


def test_timed_records_a_call_that_raises() -> None:
    @timed(clock=fake_clock([1.0, 4.0]))
    def broken() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        broken()
    assert broken.durations == [3.0]


def test_backoff_delays_grow_and_are_capped() -> None:
    assert list(backoff_delays(5, base_delay=0.1)) == pytest.approx([0.1, 0.2, 0.4, 0.8])
    assert list(backoff_delays(4, base_delay=1, factor=3, max_delay=5)) == [1, 3, 5]
    assert list(backoff_delays(1, base_delay=1)) == []


def test_retry_sleeps_between_failures_then_succeeds() -> None:
    pauses: list[float] = []
    call = retry(attempts=4, base_delay=0.5, jitter=None, sleep=pauses.append)(flaky(failures=3))
    assert call() == "ok"
    assert pauses == [0.5, 1.0, 2.0]


def test_retry_draws_each_pause_between_zero_and_the_delay() -> None:
    draws: list[tuple[float, float]] = []

    def halfway(low: float, high: float) -> float:
        draws.append((low, high))
        return (low + high) / 2

    pauses: list[float] = []
    call = retry(attempts=4, base_delay=1, max_delay=3, jitter=halfway, sleep=pauses.append)
    call(flaky(failures=3))()
    assert draws == [(0, 1), (0, 2), (0, 3)]
    assert pauses == [0.5, 1.0, 1.5]


def test_retry_jitters_by_default() -> None:
    pauses: list[float] = []
    call = retry(attempts=30, base_delay=1, max_delay=1, sleep=pauses.append)(flaky(failures=29))
    assert call() == "ok"
    assert all(0 <= pause <= 1 for pause in pauses)
    assert len(set(pauses)) > 1  # 29 draws of uniform(0, 1), all equal: about never


def test_retry_gives_up_with_the_last_error() -> None:
    pauses: list[float] = []
    call = retry(attempts=3, base_delay=1, jitter=None, sleep=pauses.append)(flaky(failures=10))
    with pytest.raises(ConnectionError, match="failure 3"):
        call()
    assert pauses == [1, 2]


def test_retry_retries_only_connection_errors_and_timeouts_by_default() -> None:
    pauses: list[float] = []
    call = retry(sleep=pauses.append)(flaky(1, error=ValueError))
    with pytest.raises(ValueError):
        call()
    assert pauses == []
    assert retry(sleep=pauses.append)(flaky(1, error=ConnectionResetError))() == "ok"
    assert retry(sleep=pauses.append)(flaky(1, error=TimeoutError))() == "ok"
    assert len(pauses) == 2


def test_retry_on_chooses_what_is_retried() -> None:
    pauses: list[float] = []
    call = retry(retry_on=(KeyError,), sleep=pauses.append)(flaky(1, error=KeyError))
    assert call() == "ok"
    assert len(pauses) == 1
    with pytest.raises(ConnectionError):
        retry(retry_on=(KeyError,), sleep=pauses.append)(flaky(1))()
    assert len(pauses) == 1


def test_retry_keeps_metadata_and_rejects_zero_attempts() -> None:
    def fetch(url: str, timeout: float = 1.0) -> str:
        """Fetch a page."""
        return url

    wrapped = retry()(fetch)
    assert (wrapped.__name__, wrapped.__doc__) == ("fetch", "Fetch a page.")
    assert inspect.signature(wrapped) == inspect.signature(fetch)
    with pytest.raises(ValueError):
        retry(attempts=0)


def test_memoize_calls_the_function_once_per_distinct_arguments() -> None:
    calls: list[tuple[int, int]] = []

    @memoize
    def add(a: int, b: int = 0) -> int:
        """Sum."""
        calls.append((a, b))
        return a + b

    assert [add(1, 2), add(1, 2), add(1, b=2), add(1, b=2), add(3)] == [3, 3, 3, 3, 3]
    assert calls == [(1, 2), (1, 2), (3, 0)]
    assert (add.hits, add.misses, len(add.cache)) == (2, 3, 3)
    assert (add.__name__, add.__doc__) == ("add", "Sum.")
    add.cache_clear()
    assert (add.hits, add.misses, add.cache) == (0, 0, {})


def test_memoize_forgets_one_result_on_request() -> None:
    calls: list[str] = []

    @memoize
    def find(code: str) -> str | None:
        calls.append(code)
        return None

    find("a"), find("b"), find("a")
    assert find.forget("a") is True  # a remembered None counts: it was an entry
    assert find.forget("a") is False
    find("a"), find("b")
    assert calls == ["a", "b", "a"]


def test_memoize_keyword_order_does_not_matter() -> None:
    @memoize
    def box(width: int, height: int) -> tuple[int, int]:
        return width, height

    box(width=1, height=2)
    box(height=2, width=1)
    assert (box.hits, box.misses) == (1, 1)


def test_memoize_makes_recursion_linear() -> None:
    @memoize
    def fib(n: int) -> int:
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    assert fib(80) == 23416728348467685
    assert fib.misses == 81


def test_memoize_rejects_unhashable_arguments_like_lru_cache() -> None:
    def total(numbers: list[int]) -> int:
        return sum(numbers)

    for decorator in (memoize, functools.lru_cache):
        with pytest.raises(TypeError, match="unhashable"):
            decorator(total)([1, 2])


def test_timed_and_memoize_decorate_methods() -> None:
    class Prices:
        def __init__(self, rate: int) -> None:
            self.rate = rate

        @timed(clock=fake_clock([0.0, 1.0, 1.0, 3.0]))
        def convert(self, amount: int) -> int:
            return amount * self.rate

        @memoize
        def doubled(self, amount: int) -> int:
            return 2 * amount * self.rate

    prices = Prices(rate=3)
    assert [prices.convert(2), prices.convert(5)] == [6, 15]
    assert Prices.convert.durations == [1.0, 2.0]
    assert [prices.doubled(4), prices.doubled(4), Prices(rate=1).doubled(4)] == [24, 24, 8]
    assert (Prices.doubled.hits, Prices.doubled.misses) == (1, 2)
    assert Prices.doubled.__name__ == "doubled"


NOTEBOOK_03 = Path(__file__).parents[1] / "notebooks" / "03_decorators.ipynb"
RETRY_CELL = "cb195c75"  # the cell that writes `retry` with jitter and `retry_on`


def notebook_retry() -> Callable[..., Callable[[Callable[[], str]], Callable[[], str]]]:
    """The `retry` that notebook 03 writes out in a cell, run as the notebook runs it."""
    notebook = json.loads(NOTEBOOK_03.read_text(encoding="utf-8"))
    (cell,) = [cell for cell in notebook["cells"] if cell.get("id") == RETRY_CELL]
    namespace: dict[str, object] = {"functools": functools, "time": time, "decorators": decorators}
    exec("".join(cell["source"]), namespace)
    return namespace["retry"]  # type: ignore[return-value]  # the cell defines it


def seeded_uniform(seed: int) -> Callable[[float, float], float]:
    """`random.uniform` of a generator of its own, seeded: two of them draw alike."""
    return random.Random(seed).uniform


@pytest.mark.parametrize(
    ("failures", "error", "settings"),
    [
        (3, ConnectionError, {"attempts": 4, "jitter": None}),  # heals on the last attempt
        (5, ConnectionError, {"attempts": 4, "max_delay": 0.25, "jitter": None}),  # gives up
        (1, KeyError, {"attempts": 4, "jitter": None}),  # a bug is not retried
        (2, TimeoutError, {"attempts": 3, "jitter": None}),
        (4, ConnectionError, {"attempts": 6, "jitter": "seeded"}),  # jittered pauses
    ],
)
def test_the_notebooks_retry_behaves_as_the_helpers(
    failures: int, error: type[Exception], settings: dict[str, object]
) -> None:
    """Notebook 03 writes `retry` out and says that `helpers.decorators.retry` is the same code
    with type hints: the two must pause alike, give up alike and let through the same errors."""

    def outcome(make_retry: Callable[..., Any]) -> tuple[str, list[float]]:
        pauses: list[float] = []
        options = dict(settings, sleep=pauses.append)
        if options["jitter"] == "seeded":
            options["jitter"] = seeded_uniform(7)
        call = make_retry(base_delay=0.1, **options)(flaky(failures, error))
        try:
            return call(), pauses
        except Exception as raised:  # the error that came through, by type and message
            return f"{type(raised).__name__}: {raised}", pauses

    assert outcome(notebook_retry()) == outcome(retry)

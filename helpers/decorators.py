"""Decorators an SRE reaches for: time a call, retry it with backoff, remember its results.

Notebook 03 builds each of them by hand; this module keeps tested versions to reuse. Every
decorator keeps the wrapped function's name and docstring and sets `__wrapped__`
(`functools.wraps`), `Timed` and `Memoized` also decorate methods (`__get__` binds them), and the
clock, the sleep and the random draw are parameters, so tests and notebooks can run them without
waiting and the same way every time.
"""

from __future__ import annotations

import functools
import random
import time
import types
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Timed(Generic[P, R]):
    """A function that records how long each of its calls took, in seconds, in `durations`.

    A call that raises is timed too: a slow failure is exactly what you want to see.
    """

    def __init__(self, func: Callable[P, R], clock: Callable[[], float]) -> None:
        functools.update_wrapper(self, func)
        self.func = func
        self.clock = clock
        self.durations: list[float] = []

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        start = self.clock()
        try:
            return self.func(*args, **kwargs)
        finally:
            self.durations.append(self.clock() - start)

    def __get__(self, instance: object, owner: type | None = None) -> Callable[..., R]:
        """Looked up on an instance, bind it as the first argument, as a plain function would."""
        return self if instance is None else types.MethodType(self, instance)


def timed(
    clock: Callable[[], float] = time.perf_counter,
) -> Callable[[Callable[P, R]], Timed[P, R]]:
    """Decorator factory: `@timed()` records the duration of every call in `func.durations`."""

    def decorate(func: Callable[P, R]) -> Timed[P, R]:
        return Timed(func, clock)

    return decorate


def backoff_delays(
    attempts: int, base_delay: float, factor: float = 2.0, max_delay: float = 30.0
) -> Iterator[float]:
    """The pauses between `attempts` tries: base, base*factor, base*factor**2 ..., capped.

    There is one pause fewer than there are attempts: nobody waits after the last failure.
    """
    for retry_number in range(attempts - 1):
        yield min(base_delay * factor**retry_number, max_delay)


def retry(
    attempts: int = 3,
    *,
    base_delay: float = 0.1,
    factor: float = 2.0,
    max_delay: float = 30.0,
    jitter: Callable[[float, float], float] | None = random.uniform,
    retry_on: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError),
    sleep: Callable[[float], object] = time.sleep,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator factory: call the function up to `attempts` times, pausing longer each time.

    The delays follow `backoff_delays`; with `jitter` (full jitter, the default) each pause is
    drawn from `jitter(0, delay)`, so clients that failed together do not retry together, and
    `jitter=None` pauses for the delays exactly. Only exceptions in `retry_on` are retried (a
    dropped connection or a timeout may heal, a bug will not; add a library's own errors, such
    as `requests.ConnectionError`, which are not built-in ones); anything else, and the last
    failure, propagate. Retry only calls that are safe to repeat. `sleep` does the waiting:
    pass a list's bound `append` (`pauses.append`) to record the pauses instead.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            delays = backoff_delays(attempts, base_delay, factor, max_delay)
            while True:
                try:
                    return func(*args, **kwargs)
                except retry_on:
                    delay = next(delays, None)
                    if delay is None:
                        raise
                    sleep(delay if jitter is None else jitter(0, delay))

        return wrapper

    return decorate


class Memoized(Generic[P, R]):
    """A function that remembers its results in `cache`, keyed by its arguments.

    Like `functools.lru_cache(maxsize=None)`, with the cache in plain sight. Arguments must be
    hashable: an unhashable one (a list, a dict) raises TypeError, as it does for `lru_cache`.
    """

    def __init__(self, func: Callable[P, R]) -> None:
        functools.update_wrapper(self, func)
        self.func = func
        self.cache: dict[Hashable, R] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key_of(args: tuple[object, ...], kwargs: dict[str, object]) -> Hashable:
        """The cache key of one call: its arguments, keyword order ignored."""
        return (args, tuple(sorted(kwargs.items())))

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        key = self.key_of(args, kwargs)
        if key in self.cache:
            self.hits += 1
            return self.cache[key]
        self.misses += 1
        result = self.func(*args, **kwargs)
        self.cache[key] = result
        return result

    def __get__(self, instance: object, owner: type | None = None) -> Callable[..., R]:
        """Looked up on an instance, bind it as the first argument, as a plain function would."""
        return self if instance is None else types.MethodType(self, instance)

    def forget(self, *args: P.args, **kwargs: P.kwargs) -> bool:
        """Drop the result kept for these arguments (invalidation); False if none was kept."""
        key = self.key_of(args, kwargs)
        if key not in self.cache:
            return False
        del self.cache[key]
        return True

    def cache_clear(self) -> None:
        """Forget every result and reset the counters."""
        self.cache.clear()
        self.hits = self.misses = 0


def memoize(func: Callable[P, R]) -> Memoized[P, R]:
    """Decorator: remember each result so that a repeated call costs one dictionary lookup."""
    return Memoized(func)

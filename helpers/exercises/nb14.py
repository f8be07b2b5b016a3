"""Exercises of notebook 14, The SRE view.

q1, the capstone: a memoize whose entries expire. The check runs the learner's decorator on a
clock it controls, then puts it in front of a real shortener and deletes a link through the API:
once the time-to-live has passed, the deleted link must stop redirecting.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from werkzeug.test import Client

from helpers.cached_redirects import CachedRedirects, find_link, shortener_app, temporary_database
from helpers.exercises import Exercise, require
from helpers.shortener.links import Link

Clock = Callable[[], float]
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def ttl_memoize(seconds: float, clock: Clock = time.monotonic) -> Decorator:
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        kept: dict[tuple[Any, ...], tuple[float, Any]] = {}

        @functools.wraps(func)
        def wrapper(*args: Any) -> Any:
            now = clock()
            if args in kept:
                fetched_at, result = kept[args]
                if now - fetched_at < seconds:
                    return result
            result = func(*args)
            kept[args] = (now, result)  # the age counts from the fetch, not from the last use
            return result

        return wrapper

    return decorate


class FakeClock:
    """A clock that moves only when told to, so that a check never waits."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _check_ttl_memoize(candidate: Callable[..., Decorator]) -> None:
    require(callable(candidate), "the answer should be a function ttl_memoize(seconds, clock).")
    _check_expiry(candidate)
    _check_a_deleted_link_stops_redirecting(candidate)


def _check_expiry(candidate: Callable[..., Decorator]) -> None:
    clock, calls = FakeClock(), []

    def fetch(key: str) -> str:
        """Fetch a value."""
        calls.append(key)
        return f"{key}#{len(calls)}"

    cached = candidate(10, clock=clock)(fetch)
    require(
        getattr(cached, "__name__", None) == "fetch" and cached.__doc__ == "Fetch a value.",
        "the decorated function lost its name or docstring: use functools.wraps.",
    )
    first, untouched = cached("a"), cached("z")
    clock.now += 6
    require(
        cached("a") == first and calls == ["a", "z"],
        "a second call 6 s later, with a time-to-live of 10 s, ran the function again: keep "
        "each result with the time it was computed, and return it while it is young enough.",
    )
    require(cached("b") == "b#3", "a call with other arguments must compute its own result.")
    clock.now += 4.5
    require(
        cached("z") != untouched,
        "a result computed 10.5 s ago, with a time-to-live of 10 s, came back: compare the "
        "time now, read from the `clock` you are given, with the time it was computed.",
    )
    require(
        cached("a") != first,
        "'a' was computed 10.5 s ago and used again 4.5 s ago, and the old result came back: "
        "count the age from when a result was computed, not from when it was last used, or a "
        "popular entry never expires.",
    )
    other = candidate(10, clock=clock)(lambda key: "other")
    require(
        other("a") == "other",
        "two decorated functions shared one cache: create the dictionary inside the decorator.",
    )


def _check_a_deleted_link_stops_redirecting(candidate: Callable[..., Decorator]) -> None:
    clock = FakeClock()
    with temporary_database() as database, shortener_app(database, {"API_KEY": "key"}) as app:

        @candidate(30, clock=clock)
        def lookup(code: str) -> Link | None:
            return find_link(app, code)

        client = Client(CachedRedirects(app, lookup))
        made = client.post("/api/links", json={"url": "https://www.example.com/sale"})
        code = made.get_json()["code"]
        first = client.get(f"/{code}")
        require(
            first.status_code == 302
            and first.headers["Location"] == "https://www.example.com/sale",
            f"through your cache, the new link answered {first.status_code}, not a 302 redirect.",
        )
        client.delete(f"/api/links/{code}", headers={"X-API-Key": "key"})
        clock.now += 31
        after = client.get(f"/{code}")
        require(
            after.status_code == 404,
            f"31 s after its deletion, with a time-to-live of 30 s, the link still answered "
            f"{after.status_code}: the stale entry was served.",
        )


def _never_expires(seconds: float, clock: Clock = time.monotonic) -> Decorator:
    """Wrong: notebook 03's memoize, which ignores the time-to-live."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        kept: dict[tuple[Any, ...], Any] = {}

        @functools.wraps(func)
        def wrapper(*args: Any) -> Any:
            if args not in kept:
                kept[args] = func(*args)
            return kept[args]

        return wrapper

    return decorate


def _sliding_expiry(seconds: float, clock: Clock = time.monotonic) -> Decorator:
    """Wrong: every hit makes the entry young again, so a popular stale link lives forever."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        kept: dict[tuple[Any, ...], tuple[float, Any]] = {}

        @functools.wraps(func)
        def wrapper(*args: Any) -> Any:
            now = clock()
            if args in kept and now - kept[args][0] < seconds:
                result = kept[args][1]
            else:
                result = func(*args)
            kept[args] = (now, result)
            return result

        return wrapper

    return decorate


def _ignores_the_clock(seconds: float, clock: Clock = time.monotonic) -> Decorator:
    """Wrong: reads time.monotonic() itself, so the check's clock cannot move it."""
    return ttl_memoize(seconds)


_SHARED: dict[tuple[Any, ...], tuple[float, Any]] = {}


def _one_cache_for_all(seconds: float, clock: Clock = time.monotonic) -> Decorator:
    """Wrong: one dictionary for every decorated function, so they answer for each other."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any) -> Any:
            now = clock()
            if args in _SHARED and now - _SHARED[args][0] < seconds:
                return _SHARED[args][1]
            _SHARED[args] = (now, func(*args))
            return _SHARED[args][1]

        return wrapper

    return decorate


q1 = Exercise(
    "ttl_memoize forgets each result after its time-to-live",
    _check_ttl_memoize,
    hints=[
        "Start from notebook 03's memoize, and keep (time computed, result) in the dictionary: "
        "`kept[args] = (clock(), result)`. Return the kept result only while "
        "`clock() - time_computed < seconds`; otherwise call the function again.",
        "The shape: `def ttl_memoize(seconds, clock=time.monotonic): def decorate(func): "
        "kept = {}; @functools.wraps(func) def wrapper(*args): ...; return wrapper; return "
        "decorate`. Write the time only when you compute a result, never on a hit.",
    ],
    solution=ttl_memoize,
    wrong=[_never_expires, _sliding_expiry, _ignores_the_clock, _one_cache_for_all],
)

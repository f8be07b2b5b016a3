"""Exercises of notebook 14, The SRE view.

q1, the capstone: a memoize whose entries expire. The check runs the learner's decorator on a
clock it controls, then puts it in front of a real shortener and deletes a link through the API:
once the time-to-live has passed, the deleted link must stop redirecting. q2: the test that proves
such a decorator right, run against a correct version and against broken ones.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from werkzeug.test import Client

from helpers.cached_redirects import CachedRedirects, find_link, shortener_app, temporary_database
from helpers.exercises import Exercise, check_test, require
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


def _one_cache_for_all() -> Callable[..., Decorator]:
    """Wrong: a ttl_memoize whose one dictionary serves every function it decorates, so they
    answer for each other. Each call makes a fresh one, so that no check sees another's entries."""
    shared: dict[tuple[Any, ...], tuple[float, Any]] = {}

    def ttl_memoize(seconds: float, clock: Clock = time.monotonic) -> Decorator:
        def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(func)
            def wrapper(*args: Any) -> Any:
                now = clock()
                if args not in shared or now - shared[args][0] >= seconds:
                    shared[args] = (now, func(*args))
                return shared[args][1]

            return wrapper

        return decorate

    return ttl_memoize


def _no_cache(seconds: float, clock: Clock = time.monotonic) -> Decorator:
    """Wrong: calls the function every time; never stale, and no faster either."""
    return lambda func: func


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
    wrong=[_never_expires, _sliding_expiry, _ignores_the_clock, _one_cache_for_all()],
)


# q2: the test that proves a ttl_memoize right


def test_ttl_memoize(ttl_memoize: Callable[..., Decorator]) -> None:
    now = [0.0]
    calls = []

    def fetch(key: str) -> int:
        calls.append(key)
        return len(calls)

    cached = ttl_memoize(10, clock=lambda: now[0])(fetch)
    other = ttl_memoize(10, clock=lambda: now[0])(lambda key: "other")
    assert cached("a") == 1 and cached("a") == 1, "a repeated call must come from the cache"
    assert other("a") == "other", "each decorated function must have its own cache"
    now[0] = 6.0
    assert cached("a") == 1, "6 s after it was computed, the result is still young"
    now[0] = 10.5
    assert cached("a") == 2, "10.5 s after it was computed, it must be computed again"


BROKEN_VERSIONS: tuple[tuple[Callable[[], Callable[..., Decorator]], str], ...] = (
    (lambda: _no_cache, "caches nothing at all (it calls the function every time)"),
    (lambda: _never_expires, "never expires anything (notebook 03's memoize)"),
    (
        lambda: _sliding_expiry,
        "makes an entry young again on every hit, so that a popular entry never expires: "
        "use the cached result once before the time-to-live is up, then check it expires anyway",
    ),
    (
        lambda: _ignores_the_clock,
        "reads time.monotonic() itself instead of the clock it is given",
    ),
    (
        _one_cache_for_all,
        "keeps one cache for every function it decorates: decorate two functions and call both "
        "with the same argument",
    ),
)


def _check_test(candidate: Callable[[Callable[..., Decorator]], None]) -> None:
    require(callable(candidate), "the answer should be a function test_ttl_memoize(ttl_memoize).")
    check_test(
        candidate,
        ttl_memoize,
        ((make_version(), bug) for make_version, bug in BROKEN_VERSIONS),
        name="ttl_memoize",
        advice="Give it a clock you move by hand: `now = [0.0]` and `clock=lambda: now[0]`.",
    )


def _asserts_nothing(ttl_memoize: Callable[..., Decorator]) -> None:
    """Wrong: runs the decorator, checks nothing."""
    ttl_memoize(10)(len)("abc")


def _caching_only(ttl_memoize: Callable[..., Decorator]) -> None:
    """Wrong: proves that results are kept, never that they expire."""
    calls: list[str] = []
    cached = ttl_memoize(10, clock=lambda: 0.0)(calls.append)
    cached("a"), cached("a")
    assert calls == ["a"]


def _expiry_without_a_hit(ttl_memoize: Callable[..., Decorator]) -> None:
    """Wrong: never uses the entry before it expires, so a sliding expiry passes."""
    now, calls = [0.0], list[str]()
    cached = ttl_memoize(10, clock=lambda: now[0])(calls.append)
    other = ttl_memoize(10, clock=lambda: now[0])(lambda key: "other")
    cached("a"), cached("a")
    assert calls == ["a"] and other("a") == "other"
    now[0] = 10.5
    cached("a")
    assert calls == ["a", "a"]


q2 = Exercise(
    "a test that catches every broken ttl_memoize",
    _check_test,
    hints=[
        "Control time: `now = [0.0]`, then `ttl_memoize(10, clock=lambda: now[0])`, and move it "
        "with `now[0] = 6.0`. Count the real calls with a function that appends to a list.",
        "Call once at 0 s, again at 6 s (must be cached), then at 10.5 s (must be computed again, "
        "although it was used at 6 s). And decorate a second function: called with the same "
        "argument, it must return its own result.",
    ],
    solution=test_ttl_memoize,
    wrong=[_asserts_nothing, _caching_only, _expiry_without_a_hit],
)

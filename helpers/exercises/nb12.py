"""Exercises of notebook 12, Many machines.

q1 works out the best hit ratio a small cache can reach on a skewed workload. q2 and q3 talk to
Redis through redis-py's own methods; the checks hand them fakeredis clients (the same methods,
kept in memory), and in q3 two clients share one fake server, as two machines share one Redis.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import fakeredis

from helpers.exercises import Exercise, require

# q1: the best hit ratio a small cache can reach on a skewed workload


def best_hit_ratio(paths: Sequence[str], capacity: int) -> float:
    if not paths:
        return 0.0
    popular = Counter(paths).most_common(capacity)
    return sum(count for _, count in popular) / len(paths)


def _check_best_hit_ratio(candidate: Callable[[Sequence[str], int], float]) -> None:
    require(callable(candidate), "the answer should be a function best_hit_ratio(paths, capacity).")
    # Link n asked for about 1/(n+1) as often as the first one, in a shuffled order.
    skewed = [f"/code{n}" for n in range(100) for _ in range(600 // (n + 1))]
    random.Random(12).shuffle(skewed)
    cases = [
        (["/a", "/b", "/a", "/c", "/a", "/b"], 1),
        (["/a", "/b", "/a", "/c", "/a", "/b"], 2),
        (["/a", "/b", "/c"], 5),
        ([], 3),
        (skewed, 10),
        (skewed, 0),
    ]
    for paths, capacity in cases:
        expected = best_hit_ratio(paths, capacity)
        got = candidate(list(paths), capacity)
        shown = paths if len(paths) < 10 else f"a skewed workload of {len(paths)} requests"
        require(
            isinstance(got, int | float) and not isinstance(got, bool),
            f"best_hit_ratio returned {got!r}; it should return a number from 0 to 1.",
        )
        require(
            abs(got - expected) < 1e-9,
            f"best_hit_ratio({shown}, capacity={capacity}) returned {got!r}; expected "
            f"{expected:.4g}: the share of the requests that go to the {capacity} most "
            "requested paths.",
        )


def _share_of_links(paths: Sequence[str], capacity: int) -> float:
    """Wrong: the share of the links kept, which ignores how often each is asked for."""
    distinct = len(set(paths))
    return min(capacity, distinct) / distinct if distinct else 0.0


def _first_seen(paths: Sequence[str], capacity: int) -> float:
    """Wrong: keeps the first links asked for, not the most popular ones."""
    kept = list(dict.fromkeys(paths))[:capacity]
    return sum(path in kept for path in paths) / len(paths) if paths else 0.0


q1 = Exercise(
    "best_hit_ratio: the share of requests that the most popular links take",
    _check_best_hit_ratio,
    hints=[
        "collections.Counter(paths).most_common(capacity) gives the `capacity` most requested "
        "paths with their counts.",
        "Add up those counts and divide by len(paths); an empty workload has a ratio of 0.0.",
    ],
    solution=best_hit_ratio,
    wrong=[_share_of_links, _first_seen],
)


# q2: cache-aside in front of a store

TTL_SECONDS = 60


def cached_find(code: str, cache: Any, find_in_store: Callable[[str], str | None]) -> str | None:
    key = f"link:{code}"
    url = cache.get(key)
    if url is not None:
        return url
    url = find_in_store(code)
    if url is not None:
        cache.set(key, url, ex=TTL_SECONDS)
    return url


class _CountingStore:
    """A store of two links that counts how often it is asked."""

    def __init__(self) -> None:
        self.links = {"hot": "https://www.example.com/hot", "cold": "https://www.example.com/cold"}
        self.asked = 0

    def find(self, code: str) -> str | None:
        self.asked += 1
        return self.links.get(code)


def _fake_cache() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis(decode_responses=True)


def _check_cached_find(candidate: Callable[..., str | None]) -> None:
    require(callable(candidate), "the answer should be a function cached_find(code, cache, find).")
    store, cache = _CountingStore(), _fake_cache()
    first = candidate("hot", cache, store.find)
    require(first == store.links["hot"], f"the first lookup of 'hot' returned {first!r}.")
    require(store.asked == 1, f"a miss should ask the store once; it asked {store.asked} times.")
    require(
        cache.get("link:hot") == store.links["hot"],
        "after a miss the URL should be in the cache under the key 'link:hot'.",
    )
    ttl = cache.ttl("link:hot")
    require(
        0 < ttl <= TTL_SECONDS,
        f"the cached key should expire within {TTL_SECONDS} s (set it with ex=TTL_SECONDS); "
        f"its TTL is {ttl}.",
    )
    for _ in range(3):
        again = candidate("hot", cache, store.find)
        require(again == store.links["hot"], f"a cache hit returned {again!r}.")
    require(
        store.asked == 1,
        f"hits must not ask the store; after 3 hits it had been asked {store.asked} times.",
    )
    missing = candidate("nope", cache, store.find)
    require(missing is None, f"an unknown code should give None, not {missing!r}.")
    store.links["nope"] = "https://www.example.com/new"
    created = candidate("nope", cache, store.find)
    require(
        created == store.links["nope"],
        "a code that was unknown, then created, is still missing: do not cache 'not found'.",
    )


def _no_ttl(code: str, cache: Any, find_in_store: Callable[[str], str | None]) -> str | None:
    """Wrong: keys that never expire keep stale or deleted links forever."""
    key = f"link:{code}"
    url = cache.get(key)
    if url is None:
        url = find_in_store(code)
        if url is not None:
            cache.set(key, url)
    return url


def _always_store(code: str, cache: Any, find_in_store: Callable[[str], str | None]) -> str | None:
    """Wrong: fills the cache but never reads it."""
    url = find_in_store(code)
    if url is not None:
        cache.set(f"link:{code}", url, ex=TTL_SECONDS)
    return url


def _caches_misses(code: str, cache: Any, find_in_store: Callable[[str], str | None]) -> str | None:
    """Wrong: remembers 'not found' as a URL."""
    key = f"link:{code}"
    url = cache.get(key)
    if url is None:
        url = str(find_in_store(code))
        cache.set(key, url, ex=TTL_SECONDS)
    return None if url == "None" else url


q2 = Exercise(
    "cached_find: Redis first, the store on a miss, with a TTL",
    _check_cached_find,
    hints=[
        "cache.get(key) returns None on a miss. Only then call find_in_store(code), and put what "
        "it found in the cache with cache.set(key, url, ex=TTL_SECONDS).",
        "Do not put None in the cache: a code unknown now may be created a second later.",
    ],
    solution=cached_find,
    wrong=[_no_ttl, _always_store, _caches_misses],
)


# q3: one rate limit for every machine


def allow(cache: Any, client: str, limit: int, window: int) -> bool:
    key = f"rate:{client}"
    count = cache.incr(key)
    if count == 1:
        cache.expire(key, window)
    return bool(count <= limit)


def _check_allow(candidate: Callable[[Any, str, int, int], bool]) -> None:
    require(callable(candidate), "the answer should be a function allow(cache, client, ...).")
    server = fakeredis.FakeServer()
    machine_a = fakeredis.FakeRedis(server=server, decode_responses=True)
    machine_b = fakeredis.FakeRedis(server=server, decode_responses=True)
    answers = [candidate(machine, "10.0.0.7", 5, 60) for machine in [machine_a, machine_b] * 6]
    allowed = sum(answer is True for answer in answers)
    require(
        all(isinstance(answer, bool) for answer in answers),
        f"allow should return True or False; it returned {answers[0]!r}.",
    )
    if allowed == 10:
        require(False, "each machine allowed 5, 10 in all: the count must live in Redis.")
    require(
        allowed == 5,
        f"12 requests through two machines sharing one Redis, limit 5: {allowed} were allowed; "
        "allow while the shared count is at most the limit.",
    )
    require(answers[:5] == [True] * 5, "the first 5 requests should be the ones allowed.")
    keys = machine_a.keys("*")
    ttls = {key: machine_a.ttl(key) for key in keys}
    require(
        bool(ttls) and all(0 < ttl <= 60 for ttl in ttls.values()),
        f"the count should expire at the end of the window (EXPIRE); the TTLs are {ttls}.",
    )
    require(
        candidate(machine_b, "10.0.0.8", 5, 60) is True,
        "another client has its own count: its first request must be allowed.",
    )


class _PerProcess:
    """Wrong: a count in each process's memory, like flask-limiter's memory:// storage."""

    def __init__(self) -> None:
        self.counts: dict[tuple[int, str], int] = {}

    def __call__(self, cache: Any, client: str, limit: int, window: int) -> bool:
        key = (id(cache), client)
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key] <= limit


def _never_expires(cache: Any, client: str, limit: int, window: int) -> bool:
    """Wrong: without EXPIRE a client that hit the limit is locked out for good."""
    return bool(cache.incr(f"rate:{client}") <= limit)


def _off_by_one(cache: Any, client: str, limit: int, window: int) -> bool:
    """Wrong: allows one request fewer than the limit."""
    key = f"rate:{client}"
    count = cache.incr(key)
    if count == 1:
        cache.expire(key, window)
    return bool(count < limit)


q3 = Exercise(
    "allow: a fixed-window rate limit that every machine shares",
    _check_allow,
    hints=[
        "cache.incr(key) adds 1 to the number stored under key (0 if there is none) and returns "
        "the new count, atomically: two machines can never both read 4 and both write 5.",
        "When incr returns 1 the window has just started: cache.expire(key, window) makes Redis "
        "delete the count when the window ends. Allow while the count is <= limit.",
    ],
    solution=allow,
    wrong=[_PerProcess(), _never_expires, _off_by_one],
)

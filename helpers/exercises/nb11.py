"""Exercises of notebook 11, Scaling out.

q1 picks a backend by least connections, q2 counts the keys that modulo hashing moves when a shard
joins (checked against helpers.sharding), and q3 is an LRU cache, replayed against a reference.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import partial

from helpers.exercises import Exercise, NotYet, require
from helpers.sharding import moved_keys

# q1: least connections


def least_connections(in_flight: dict[str, int]) -> str:
    fewest = min(in_flight.values())
    return next(name for name, count in in_flight.items() if count == fewest)


PICKS = [
    ({"a": 3, "b": 0, "c": 2}, "b"),
    ({"a": 1, "b": 1, "c": 0}, "c"),
    ({"a": 0, "b": 0}, "a"),
    ({"a": 5, "b": 5, "c": 5}, "a"),
    ({"solo": 9}, "solo"),
    ({"x": 2, "y": 1, "z": 1}, "y"),
]


def _check_least_connections(candidate: Callable[[dict[str, int]], str]) -> None:
    require(callable(candidate), "the answer should be a function least_connections(in_flight).")
    for in_flight, expected in PICKS:
        got = candidate(dict(in_flight))
        require(
            got == expected,
            f"least_connections({in_flight}) returned {got!r}; expected {expected!r} "
            "(the fewest requests in flight; on a tie, the first in the dict).",
        )


def _most_connections(in_flight: dict[str, int]) -> str:
    """Wrong: the busiest backend."""
    return max(in_flight, key=in_flight.__getitem__)


def _last_of_the_least(in_flight: dict[str, int]) -> str:
    """Wrong: ties go to the last one."""
    fewest = min(in_flight.values())
    return [name for name, count in in_flight.items() if count == fewest][-1]


q1 = Exercise(
    "least connections",
    _check_least_connections,
    hints=[
        "min(in_flight.values()) is the fewest requests in flight.",
        "Walk the dict in order and return the first name whose count equals that minimum.",
    ],
    solution=least_connections,
    wrong=[_most_connections, _last_of_the_least],
)

# q2: keys moved by modulo hashing


def modulo_moves(keys: list[int], shards: int) -> int:
    return sum(key % shards != key % (shards + 1) for key in keys)


def _modulo_shard(key: str, shards: int) -> str:
    return str(int(key) % shards)


def _check_modulo_moves(candidate: Callable[[list[int], int], int]) -> None:
    require(callable(candidate), "the answer should be a function modulo_moves(keys, shards).")
    numbers = random.Random(11)
    for shards in (1, 2, 4, 9):
        keys = [numbers.randrange(10**9) for _ in range(2_000)]
        expected = moved_keys(
            [str(key) for key in keys],
            partial(_modulo_shard, shards=shards),
            partial(_modulo_shard, shards=shards + 1),
        )
        got = candidate(list(keys), shards)
        require(
            got == expected,
            f"with {shards} shards your count is {got!r}; expected {expected}. A key moves when "
            "key % shards differs from key % (shards + 1).",
        )


def _moves_the_new_share(keys: list[int], shards: int) -> int:
    """Wrong: the share the new shard takes, which is what consistent hashing moves."""
    return len(keys) // (shards + 1)


def _counts_keys_that_stay(keys: list[int], shards: int) -> int:
    """Wrong: the keys that stay."""
    return sum(key % shards == key % (shards + 1) for key in keys)


q2 = Exercise(
    "keys moved by modulo hashing",
    _check_modulo_moves,
    hints=[
        "Before, key k lives on shard k % shards; after, on shard k % (shards + 1).",
        "sum(condition for key in keys) counts the keys for which the condition is True.",
    ],
    solution=modulo_moves,
    wrong=[_moves_the_new_share, _counts_keys_that_stay],
)

# q3: an LRU cache


class LRUCache:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.entries: OrderedDict[Hashable, object] = OrderedDict()

    def get(self, key: Hashable) -> object | None:
        if key not in self.entries:
            return None
        self.entries.move_to_end(key)  # now the most recently used
        return self.entries[key]

    def put(self, key: Hashable, value: object) -> None:
        self.entries[key] = value
        self.entries.move_to_end(key)
        if len(self.entries) > self.capacity:
            self.entries.popitem(last=False)  # the least recently used


def _replay(
    cache_class: Callable[[int], LRUCache], capacity: int, operations: list[tuple[str, int]]
) -> list[object]:
    cache = cache_class(capacity)
    seen: list[object] = []
    for operation, key in operations:
        if operation == "get":
            seen.append(cache.get(key))
        else:
            cache.put(key, f"url-{key}")
    return seen


def _operations(seed: int) -> list[tuple[str, int]]:
    numbers = random.Random(seed)
    return [(numbers.choice(("get", "get", "put")), numbers.randrange(12)) for _ in range(400)]


def _check_lru(candidate: Callable[[int], LRUCache]) -> None:
    require(callable(candidate), "the answer should be a class LRUCache(capacity).")
    cache = candidate(2)
    require(
        callable(getattr(cache, "get", None)) and callable(getattr(cache, "put", None)),
        "LRUCache(2) should have the methods get(key) and put(key, value).",
    )
    cache.put("a", 1)
    cache.put("b", 2)
    require(cache.get("a") == 1, "after put('a', 1), get('a') should return 1.")
    cache.put("c", 3)  # evicts b: a was used more recently
    require(
        cache.get("b") is None,
        "with capacity 2, after put a, put b, get a, put c, the least recently used is b: "
        "get('b') should return None.",
    )
    require(cache.get("a") == 1 and cache.get("c") == 3, "a and c should still be in the cache.")
    for seed in range(5):
        for capacity in (1, 3, 8):
            expected = _replay(LRUCache, capacity, _operations(seed))
            got = _replay(candidate, capacity, _operations(seed))
            if got != expected:
                first = next(
                    i
                    for i, pair in enumerate(zip(got, expected, strict=True))
                    if pair[0] != pair[1]
                )
                raise NotYet(
                    f"with capacity {capacity}, get number {first + 1} of a random run returned "
                    f"{got[first]!r} instead of {expected[first]!r}."
                )


class _FIFOCache(LRUCache):
    """Wrong: evicts the oldest insertion, however recently it was read."""

    def get(self, key: Hashable) -> object | None:
        return self.entries.get(key)


class _UnboundedCache(LRUCache):
    """Wrong: never evicts."""

    def put(self, key: Hashable, value: object) -> None:
        self.entries[key] = value


q3 = Exercise(
    "an LRU cache",
    _check_lru,
    hints=[
        "collections.OrderedDict remembers order; move_to_end(key) marks a key as just used.",
        "In put, after storing, popitem(last=False) removes the least recently used entry when "
        "there are more than capacity entries. In get, move the key to the end too.",
    ],
    solution=LRUCache,
    wrong=[_FIFOCache, _UnboundedCache],
)

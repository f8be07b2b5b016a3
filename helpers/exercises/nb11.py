"""Exercises of notebook 11, Scaling out.

q1 picks a backend by least connections, q2 finds a code's shard on a hash ring (checked against
helpers.sharding.HashRing), and q3 is an LRU cache, replayed against a reference.
"""

from __future__ import annotations

import bisect
import random
from collections import OrderedDict
from collections.abc import Callable, Hashable

from helpers.exercises import Exercise, NotYet, require
from helpers.sharding import HashRing, stable_hash

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
    ({"b": 0, "a": 0}, "b"),  # a tie out of alphabetical order: the dict's order decides
    ({"quick": 4, "slow": 2, "idle": 2}, "slow"),
]


def _check_least_connections(candidate: Callable[[dict[str, int]], str]) -> None:
    require(callable(candidate), "the answer should be a function least_connections(in_flight).")
    for in_flight, expected in PICKS:
        got = candidate(dict(in_flight))
        fewest = min(in_flight.values())
        require(
            got in in_flight and in_flight[got] == fewest,
            f"least_connections({in_flight}) returned {got!r}, which is not a backend with the "
            "fewest requests in flight.",
        )
        require(
            got == expected,
            f"least_connections({in_flight}) returned {got!r}: it has the fewest in flight, but "
            "so has a backend that comes before it in the dict (the dict's order breaks a tie, "
            "not the names' alphabetical order).",
        )


def _most_connections(in_flight: dict[str, int]) -> str:
    """Wrong: the busiest backend."""
    return max(in_flight, key=in_flight.__getitem__)


def _last_of_the_least(in_flight: dict[str, int]) -> str:
    """Wrong: ties go to the last one."""
    fewest = min(in_flight.values())
    return [name for name, count in in_flight.items() if count == fewest][-1]


def _alphabetical_tie(in_flight: dict[str, int]) -> str:
    """Wrong: ties go to the first name in alphabetical order."""
    return min(in_flight.items(), key=lambda pair: (pair[1], pair[0]))[0]


q1 = Exercise(
    "least connections",
    _check_least_connections,
    hints=[
        "min(in_flight.values()) is the fewest requests in flight.",
        "Walk the dict in order and return the first name whose count equals that minimum.",
    ],
    solution=least_connections,
    wrong=[_most_connections, _last_of_the_least, _alphabetical_tie],
)

# q2: a code's shard on a hash ring


def ring_shard(points: list[int], owners: list[str], point: int) -> str:
    index = bisect.bisect_left(points, point)
    return owners[index % len(points)]


def _ring(virtual_nodes: int) -> tuple[list[int], list[str]]:
    """The points of HashRing(["shard-0", "shard-1", "shard-2"]) in order, and their owners."""
    placed = sorted(
        (stable_hash(f"shard-{n}#{replica}"), f"shard-{n}")
        for n in range(3)
        for replica in range(virtual_nodes)
    )
    return [point for point, _ in placed], [owner for _, owner in placed]


def _probes(points: list[int]) -> list[tuple[str, int]]:
    """Hash values that test every case: on a point, just before and after one, past the last."""
    probes = [
        ("a hash below every point", points[0] - 1),
        ("a hash past the last point", 2**64 - 1),
    ]
    for point in points:
        probes += [("a hash exactly on a point", point), ("a hash just after a point", point + 1)]
    numbers = random.Random(len(points))
    return probes + [("a random hash", numbers.randrange(2**64)) for _ in range(50)]


def _check_ring_shard(candidate: Callable[[list[int], list[str], int], str]) -> None:
    require(callable(candidate), "the answer should be a function ring_shard(points, owners, h).")
    for virtual_nodes in (1, 2, 5, 100):
        points, owners = _ring(virtual_nodes)
        ring = HashRing([f"shard-{n}" for n in range(3)], virtual_nodes=virtual_nodes)
        for case, point in _probes(points):
            expected = owners[bisect.bisect_left(points, point) % len(points)]
            try:
                got = candidate(list(points), list(owners), point)
            except IndexError as error:
                raise NotYet(
                    f"on a ring of {len(points)} points, {case} ({point}) raised IndexError: "
                    f"{error}. A ring has no end."
                ) from error
            require(
                got == expected,
                f"on a ring of {len(points)} points, {case} ({point}) went to {got!r}, which is "
                "not the owner of the first point at or after it (past the last point, the "
                "ring goes round to the first).",
            )
        sample = [f"code{n}" for n in range(200)]
        require(
            all(candidate(points, owners, stable_hash(c)) == ring.shard_of(c) for c in sample),
            f"on a ring of {len(points)} points, your function and HashRing.shard_of place some "
            "codes on different shards.",
        )


def _next_point_after(points: list[int], owners: list[str], point: int) -> str:
    """Wrong: a hash exactly on a point goes to the next point's owner."""
    return owners[bisect.bisect_right(points, point) % len(points)]


def _no_wrap(points: list[int], owners: list[str], point: int) -> str:
    """Wrong: past the last point there is nothing (IndexError), instead of the first point."""
    return owners[bisect.bisect_left(points, point)]


def _previous_point(points: list[int], owners: list[str], point: int) -> str:
    """Wrong: the point before the hash (counter-clockwise)."""
    return owners[bisect.bisect_right(points, point) - 1]


q2 = Exercise(
    "a code's shard on a hash ring",
    _check_ring_shard,
    hints=[
        "The module bisect finds, in a sorted list, where a value would be inserted.",
        "bisect.bisect_left(points, h) is the index of the first point >= h; it equals "
        "len(points) when h is past the last point, and the ring goes round there.",
    ],
    solution=ring_shard,
    wrong=[_next_point_after, _no_wrap, _previous_point],
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
) -> dict[int, object]:
    """What each get of `operations` returned, by its position in `operations`."""
    cache = cache_class(capacity)
    seen: dict[int, object] = {}
    for position, (operation, key) in enumerate(operations):
        if operation == "get":
            seen[position] = cache.get(key)
        else:
            cache.put(key, f"url-{key}")
    return seen


def random_operations(seed: int) -> list[tuple[str, int]]:
    """The check's random run number `seed`: 400 ("get", key) or ("put", key) over 12 keys."""
    numbers = random.Random(seed)
    return [(numbers.choice(("get", "get", "put")), numbers.randrange(12)) for _ in range(400)]


def _show(operation: str, key: int) -> str:
    return f"get({key})" if operation == "get" else f"put({key}, 'url-{key}')"


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
            operations = random_operations(seed)
            expected = _replay(LRUCache, capacity, operations)
            got = _replay(candidate, capacity, operations)
            wrong = next((at for at in expected if got[at] != expected[at]), None)
            if wrong is not None:
                start = max(0, wrong - 7)
                steps = ", ".join(_show(*step) for step in operations[start : wrong + 1])
                raise NotYet(
                    f"in random run {seed} with LRUCache({capacity}), operations {start} to "
                    f"{wrong} were {steps}; that last get returned {got[wrong]!r}, an LRU cache "
                    f"returns {expected[wrong]!r}. To replay it: from helpers.exercises.nb11 "
                    f"import random_operations; for each (operation, key) in "
                    f"random_operations({seed})[:{wrong + 1}], call cache.get(key) or "
                    "cache.put(key, f'url-{key}'), and print the cache after each step."
                )


class _FIFOCache(LRUCache):
    """Wrong: evicts the oldest insertion, however recently it was read."""

    def get(self, key: Hashable) -> object | None:
        return self.entries.get(key)


class _PutKeepsItsAge(LRUCache):
    """Wrong: a put of a key already held changes its value but not its recency."""

    def put(self, key: Hashable, value: object) -> None:
        if key in self.entries:
            self.entries[key] = value
        else:
            super().put(key, value)


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
    wrong=[_FIFOCache, _PutKeepsItsAge, _UnboundedCache],
)

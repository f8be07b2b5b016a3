"""Exercises of notebook 11, Scaling out.

q1 picks a backend by least connections with ties taken in turn (as `Balancer.pick`), q2 measures
how much of a hash ring each shard owns (checked against where helpers.sharding.HashRing puts
codes), and q3 is an LRU cache, replayed against a reference.
"""

from __future__ import annotations

import random
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable

from helpers.exercises import Exercise, NotYet, require
from helpers.sharding import HashRing, stable_hash

# q1: least connections


def least_connections(in_flight: dict[str, int], turn: int) -> str:
    fewest = min(in_flight.values())
    tied = [name for name, count in in_flight.items() if count == fewest]
    return tied[turn % len(tied)]


PICKS = [
    ({"a": 3, "b": 0, "c": 2}, 0, "b"),
    ({"a": 3, "b": 0, "c": 2}, 7, "b"),
    ({"a": 1, "b": 1, "c": 0}, 4, "c"),
    ({"a": 0, "b": 0}, 0, "a"),
    ({"a": 0, "b": 0}, 1, "b"),
    ({"a": 5, "b": 5, "c": 5}, 2, "c"),
    ({"a": 5, "b": 5, "c": 5}, 4, "b"),
    ({"solo": 9}, 3, "solo"),
    ({"x": 2, "y": 1, "z": 1}, 5, "z"),
    ({"b": 0, "a": 0}, 0, "b"),  # a tie out of alphabetical order: the dict's order decides
    ({"quick": 4, "slow": 2, "idle": 2}, 6, "slow"),
    ({"a": 0, "b": 3, "c": 0}, 2, "a"),  # the turn counts over the tied ones only
    ({"a": 1, "b": 0, "c": 0, "d": 1}, 3, "c"),
]


def _check_least_connections(candidate: Callable[[dict[str, int], int], str]) -> None:
    require(
        callable(candidate), "the answer should be a function least_connections(in_flight, turn)."
    )
    for in_flight, turn, expected in PICKS:
        got = candidate(dict(in_flight), turn)
        fewest = min(in_flight.values())
        require(
            got in in_flight and in_flight[got] == fewest,
            f"least_connections({in_flight}, {turn}) returned {got!r}, which is not a backend "
            "with the fewest requests in flight.",
        )
        tied = [name for name, count in in_flight.items() if count == fewest]
        require(
            got == expected,
            f"least_connections({in_flight}, {turn}) returned {got!r}: it has the fewest in "
            f"flight, but so have {tied}, in the dict's order, and turn {turn} picks number "
            f"{turn} % {len(tied)} of them (counting from 0), which is {expected!r}.",
        )


def _most_connections(in_flight: dict[str, int], turn: int) -> str:
    """Wrong: the busiest backend."""
    return max(in_flight, key=in_flight.__getitem__)


def _first_of_the_least(in_flight: dict[str, int], turn: int) -> str:
    """Wrong: ties always go to the first one, so idle backends do not share the work."""
    return min(in_flight, key=in_flight.__getitem__)


def _turn_over_all(in_flight: dict[str, int], turn: int) -> str:
    """Wrong: the turn counts over every backend, not over the tied ones."""
    names = list(in_flight)
    fewest = min(in_flight.values())
    return next(
        names[(turn + k) % len(names)]
        for k in range(len(names))
        if in_flight[names[(turn + k) % len(names)]] == fewest
    )


q1 = Exercise(
    "least connections",
    _check_least_connections,
    hints=[
        "min(in_flight.values()) is the fewest requests in flight; collect, in the dict's order, "
        "the names that have it.",
        "Among those tied names, turn % (how many there are) is the index of the one to return.",
    ],
    solution=least_connections,
    wrong=[_most_connections, _first_of_the_least, _turn_over_all],
)

# q2: how much of the ring each shard owns

RING = 2**64  # stable_hash gives 64-bit values: the ring runs from 0 to 2**64 - 1


def ring_shares(points: list[int], owners: list[str]) -> dict[str, float]:
    shares: dict[str, float] = {}
    previous = points[-1] - RING  # the first point owns the arc that wraps past the last one
    for point, owner in zip(points, owners, strict=True):
        shares[owner] = shares.get(owner, 0.0) + (point - previous) / RING
        previous = point
    return shares


def _ring(virtual_nodes: int, shards: int = 3) -> tuple[list[int], list[str]]:
    """The points of HashRing(["shard-0", ...]) in order, and their owners."""
    placed = sorted(
        (stable_hash(f"shard-{n}#{replica}"), f"shard-{n}")
        for n in range(shards)
        for replica in range(virtual_nodes)
    )
    return [point for point, _ in placed], [owner for _, owner in placed]


RINGS = [
    ("two points", [RING // 4, 3 * RING // 4], ["a", "b"]),
    ("one point", [RING // 3], ["solo"]),
    ("three points, two of them a's", [10, RING // 2, RING - 10], ["a", "b", "a"]),
    *((f"HashRing's 3 shards with {k} virtual nodes each", *_ring(k)) for k in (1, 5, 100)),
]


def _check_ring_shares(candidate: Callable[[list[int], list[str]], dict[str, float]]) -> None:
    require(callable(candidate), "the answer should be a function ring_shares(points, owners).")
    for case, points, owners in RINGS:
        expected = ring_shares(points, owners)
        got = candidate(list(points), list(owners))
        require(
            isinstance(got, dict) and set(got) == set(expected),
            f"for {case}, ring_shares returned {got!r}: it should be a dict with one share for "
            f"each shard, {sorted(expected)}.",
        )
        require(
            all(isinstance(share, int | float) for share in got.values())
            and abs(sum(got.values()) - 1) < 1e-9,
            f"for {case}, the shares add up to {sum(got.values())!r}, not 1: every hash belongs "
            "to some shard, the ones past the last point included.",
        )
        wrong = [name for name in expected if abs(got[name] - expected[name]) > 1e-9]
        if wrong:
            raise NotYet(
                f"for {case}, {wrong[0]!r} got {got[wrong[0]]!r} of the ring, not "
                f"{expected[wrong[0]]!r}: a point owns the hashes from just after the point "
                "before it up to itself (HashRing.shard_of gives a hash the first point at or "
                "after it)."
            )
    sample = [f"code{n}" for n in range(20_000)]
    placed = Counter(map(HashRing(["shard-0", "shard-1", "shard-2"], virtual_nodes=1), sample))
    shares = candidate(*_ring(1))
    require(
        all(abs(shares[s] - placed[s] / len(sample)) < 0.02 for s in placed),
        "your shares do not match where HashRing puts 20,000 codes.",
    )


def _no_wrap(points: list[int], owners: list[str]) -> dict[str, float]:
    """Wrong: the first point owns only the arc from 0, not the one past the last point."""
    shares: dict[str, float] = {}
    previous = 0
    for point, owner in zip(points, owners, strict=True):
        shares[owner] = shares.get(owner, 0.0) + (point - previous) / RING
        previous = point
    return shares


def _arc_after(points: list[int], owners: list[str]) -> dict[str, float]:
    """Wrong: a point owns the arc after it (counter-clockwise), not the one before it."""
    shares: dict[str, float] = {}
    for index, (point, owner) in enumerate(zip(points, owners, strict=True)):
        following = points[(index + 1) % len(points)] + (RING if index == len(points) - 1 else 0)
        shares[owner] = shares.get(owner, 0.0) + (following - point) / RING
    return shares


def _count_points(points: list[int], owners: list[str]) -> dict[str, float]:
    """Wrong: the share of the points, as if every arc were as long as every other."""
    return {owner: count / len(owners) for owner, count in Counter(owners).items()}


q2 = Exercise(
    "how much of the ring each shard owns",
    _check_ring_shares,
    hints=[
        "Walk the points in order, remembering the point before: each point owns the hashes "
        "between the previous point and itself, (point - previous) of the RING values.",
        "The first point's previous one is the last point, one whole turn earlier: start with "
        "previous = points[-1] - RING.",
    ],
    solution=ring_shares,
    wrong=[_no_wrap, _arc_after, _count_points],
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

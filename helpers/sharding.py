"""Which shard holds a short code: modulo hashing and consistent hashing, side by side.

Modulo hashing (`hash(code) % shards`) is one line, but adding a shard changes the answer for
almost every code, so almost every link must move. A hash ring places each shard at many points
(virtual nodes) on a circle of hash values; a code belongs to the first shard point at or after its
own hash. Adding a shard then moves only the codes that now land on its points: about 1 / (n + 1).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Iterable, Sequence

Placement = Callable[[str], str]


def stable_hash(key: str) -> int:
    """A 64-bit hash of `key`, the same in every process (unlike the built-in `hash` of a str)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def modulo_shard(shards: Sequence[str]) -> Placement:
    """Place a code on `shards[stable_hash(code) % len(shards)]`."""
    if not shards:
        raise ValueError("give at least one shard")
    return lambda code: shards[stable_hash(code) % len(shards)]


class HashRing:
    """Consistent hashing: each shard owns the arcs of the ring that end at its virtual nodes."""

    def __init__(self, shards: Iterable[str], *, virtual_nodes: int = 100) -> None:
        if virtual_nodes < 1:
            raise ValueError("virtual_nodes must be at least 1")
        self.virtual_nodes = virtual_nodes
        self._points: list[int] = []
        self._owners: list[str] = []
        self.shards: list[str] = []
        for shard in shards:
            self.add(shard)
        if not self.shards:
            raise ValueError("give at least one shard")

    def add(self, shard: str) -> None:
        """Put `shard`'s virtual nodes on the ring."""
        if shard in self.shards:
            raise ValueError(f"{shard!r} is already on the ring")
        self.shards.append(shard)
        for replica in range(self.virtual_nodes):
            point = stable_hash(f"{shard}#{replica}")
            index = bisect.bisect(self._points, point)
            self._points.insert(index, point)
            self._owners.insert(index, shard)

    def shard_of(self, code: str) -> str:
        """The shard that holds `code`: the owner of the first point at or after its hash."""
        index = bisect.bisect_left(self._points, stable_hash(code)) % len(self._points)
        return self._owners[index]

    __call__ = shard_of


def moved_keys(keys: Iterable[str], before: Placement, after: Placement) -> int:
    """How many of `keys` live on a different shard under `after` than under `before`."""
    return sum(before(key) != after(key) for key in keys)


def moved_share_when_adding(
    keys: Sequence[str], shards: int, *, virtual_nodes: int = 100
) -> dict[str, float]:
    """The share of `keys` that move when shard number `shards + 1` joins, for both schemes."""
    names = [f"shard-{n}" for n in range(shards + 1)]
    ring_before = HashRing(names[:-1], virtual_nodes=virtual_nodes)
    ring_after = HashRing(names, virtual_nodes=virtual_nodes)
    return {
        "modulo": moved_keys(keys, modulo_shard(names[:-1]), modulo_shard(names)) / len(keys),
        "consistent": moved_keys(keys, ring_before, ring_after) / len(keys),
    }

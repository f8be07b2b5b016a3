"""helpers.sharding: placements are stable, balanced, and move few keys (or many) as promised."""

from __future__ import annotations

from collections import Counter

import pytest

from helpers.sharding import (
    HashRing,
    modulo_shard,
    moved_keys,
    moved_share_when_adding,
    stable_hash,
)

KEYS = [f"code{n}" for n in range(20_000)]


def test_stable_hash_is_stable_and_spread() -> None:
    assert stable_hash("abc") == 0xD8BB14D833D59559  # BLAKE2b: the same in every process
    assert stable_hash("abc") != stable_hash("abd")
    assert 0 <= stable_hash("abc") < 2**64


def test_modulo_balances_the_shards() -> None:
    place = modulo_shard(["a", "b", "c", "d"])
    counts = Counter(place(key) for key in KEYS)
    assert set(counts) == {"a", "b", "c", "d"}
    assert all(abs(count - 5_000) < 500 for count in counts.values())


def test_the_ring_balances_the_shards_with_enough_virtual_nodes() -> None:
    ring = HashRing(["a", "b", "c", "d"], virtual_nodes=200)
    counts = Counter(ring.shard_of(key) for key in KEYS)
    assert set(counts) == {"a", "b", "c", "d"}
    assert all(abs(count - 5_000) < 1_250 for count in counts.values()), counts


def test_virtual_nodes_even_out_the_shards() -> None:
    def spread(virtual_nodes: int) -> float:
        ring = HashRing([f"s{n}" for n in range(8)], virtual_nodes=virtual_nodes)
        counts = Counter(ring.shard_of(key) for key in KEYS)
        return max(counts.values()) / min(counts.values())

    assert spread(1) > 10  # one point each: arcs of very different lengths
    assert spread(200) < 1.5


def test_the_same_code_always_lands_on_the_same_shard() -> None:
    first, second = HashRing(["a", "b", "c"]), HashRing(["a", "b", "c"])
    assert [first(key) for key in KEYS[:500]] == [second(key) for key in KEYS[:500]]


def test_adding_a_shard_moves_only_its_keys_on_the_ring() -> None:
    before = HashRing(["a", "b", "c", "d"])
    after = HashRing(["a", "b", "c", "d"])
    after.add("e")
    for key in KEYS[:2_000]:
        if before(key) != after(key):
            assert after(key) == "e"  # a key moves only to the new shard, never between old ones


def test_moved_shares_modulo_against_consistent() -> None:
    shares = moved_share_when_adding(KEYS, shards=4)
    assert shares["modulo"] == pytest.approx(4 / 5, abs=0.03)  # all but 1 in n + 1 keys move
    assert shares["consistent"] == pytest.approx(1 / 5, abs=0.06)  # only the new shard's share


def test_moved_keys_counts_differences() -> None:
    assert moved_keys(["x", "y", "z"], lambda k: "a", lambda k: "a" if k == "x" else "b") == 2


def test_bad_rings_are_refused() -> None:
    with pytest.raises(ValueError):
        HashRing([])
    with pytest.raises(ValueError):
        HashRing(["a"], virtual_nodes=0)
    with pytest.raises(ValueError):
        HashRing(["a", "a"])
    with pytest.raises(ValueError):
        modulo_shard([])

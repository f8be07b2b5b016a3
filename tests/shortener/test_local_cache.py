"""local_cache: workers keep the links they found, and forget them all as soon as one is deleted,
whichever worker deleted it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from helpers.shortener import links, local_cache
from helpers.shortener.store import sqlite

from .conftest import Clock
from .support import create

KEY = {"X-API-Key": "cache-test-key"}
LINK = links.Link(1, "cached", "https://example.com/", "2026-01-01T00:00:00.000Z", None)


@pytest.fixture
def two_workers(make_app: Any) -> tuple[Any, Any]:
    """Test clients of two apps on one database, like two gunicorn workers."""
    return make_app(API_KEY=KEY["X-API-Key"]).test_client(), make_app(
        API_KEY=KEY["X-API-Key"]
    ).test_client()


def test_a_found_link_is_read_from_the_database_once(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = create(client)["code"]
    lookups: list[str] = []
    find_link = sqlite.find_link

    def counted(connection: Any, wanted: str) -> links.Link | None:
        lookups.append(wanted)
        return find_link(connection, wanted)

    monkeypatch.setattr(sqlite, "find_link", counted)
    assert [client.get(f"/{code}").status_code for _ in range(3)] == [302] * 3
    assert lookups == [code]


def test_a_link_deleted_by_another_worker_is_forgotten_at_once(
    two_workers: tuple[Any, Any],
) -> None:
    first, second = two_workers
    code = create(first)["code"]
    assert first.get(f"/{code}").status_code == 302  # now kept by the first worker
    assert second.delete(f"/api/links/{code}", headers=KEY).status_code == 204
    assert first.get(f"/{code}").status_code == 404


def test_an_alias_deleted_and_made_again_leads_to_its_new_url(
    two_workers: tuple[Any, Any],
) -> None:
    first, second = two_workers
    create(first, "https://example.com/old", alias="reused")
    assert first.get("/reused").headers["Location"] == "https://example.com/old"
    assert second.delete("/api/links/reused", headers=KEY).status_code == 204
    create(second, "https://example.com/new", alias="reused")
    assert first.get("/reused").headers["Location"] == "https://example.com/new"


def test_a_kept_link_still_expires(client: Any, clock: Clock) -> None:
    code = create(client, expires_in=60)["code"]
    assert client.get(f"/{code}").status_code == 302
    clock.advance(60)
    assert client.get(f"/{code}").status_code == 410


def test_a_link_read_before_a_deletion_is_not_kept(app: Flask) -> None:
    cache = local_cache.cache_of(app)
    before = cache.deletions.current()
    cache.deletions.increase()  # a deletion committed after the link was read
    cache.put(LINK, before)
    assert cache.get(LINK.code, cache.deletions.current()) is None
    cache.put(LINK, cache.deletions.current())
    assert cache.get(LINK.code, cache.deletions.current()) == LINK
    assert cache.get(LINK.code, before) is None  # an older reading trusts nothing kept


def numbered(number: int) -> links.Link:
    return links.Link(number, f"code{number}", f"https://example.com/{number}", "", None)


@pytest.fixture
def small_cache(app: Flask) -> local_cache.LinkCache:
    """A cache of three links at most, on the app's deletion count."""
    return local_cache.LinkCache(local_cache.cache_of(app).deletions, max_links=3)


def kept(cache: local_cache.LinkCache, numbers: range) -> list[int]:
    """Which of the links `numbers` the cache still holds (asking about each refreshes it)."""
    count = cache.deletions.current()
    return [n for n in numbers if cache.get(f"code{n}", count) == numbered(n)]


def test_a_full_cache_lets_go_of_the_least_recently_used_link_only(
    small_cache: local_cache.LinkCache,
) -> None:
    count = small_cache.deletions.current()
    for number in range(5):
        small_cache.put(numbered(number), count)
    assert kept(small_cache, range(5)) == [2, 3, 4]


def test_a_hit_makes_a_link_the_most_recently_used(small_cache: local_cache.LinkCache) -> None:
    count = small_cache.deletions.current()
    for number in range(3):
        small_cache.put(numbered(number), count)
    assert small_cache.get("code0", count) == numbered(0)  # 0 is now the most recent: 1 goes
    small_cache.put(numbered(3), count)
    assert kept(small_cache, range(4)) == [0, 2, 3]


def test_putting_a_kept_link_again_refreshes_it_without_growing(
    small_cache: local_cache.LinkCache,
) -> None:
    count = small_cache.deletions.current()
    for number in (0, 1, 2, 0, 3):
        small_cache.put(numbered(number), count)
    assert kept(small_cache, range(4)) == [0, 2, 3]


def test_a_deletion_still_empties_a_full_cache(small_cache: local_cache.LinkCache) -> None:
    count = small_cache.deletions.current()
    for number in range(3):
        small_cache.put(numbered(number), count)
    small_cache.deletions.increase()
    assert kept(small_cache, range(3)) == []


def test_the_deletion_count_is_shared_through_the_file(tmp_path: Path) -> None:
    database = str(tmp_path / "shared.sqlite3")
    here, there = local_cache.DeletionCount(database), local_cache.DeletionCount(database)
    here.increase()
    here.increase()
    assert there.current() == 2  # a memory read in "there" sees what "here" wrote
    here.close()
    there.close()

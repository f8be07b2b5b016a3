"""lookup: redirects find links in this process, then in Redis, then in the store; deletions and
expiry reach every cache; a Redis that does not answer costs speed, never an error."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
from flask import Flask

from helpers import net
from helpers.shortener import links, lookup
from helpers.shortener.store import store_of

from .conftest import Clock
from .support import create

KEY = {"X-API-Key": "cache-test-key"}


def count_store_lookups(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The codes `app`'s store is asked for from now on."""
    store = store_of(app)
    find_link = store.find_link
    asked: list[str] = []

    def counted(code: str) -> links.Link | None:
        asked.append(code)
        return find_link(code)

    monkeypatch.setattr(store, "find_link", counted)
    return asked


@pytest.fixture
def machine(redis_url: str, postgres_url: str, make_app: Any) -> Callable[..., Flask]:
    """Apps that share one PostgreSQL and one Redis, like app servers on separate machines."""

    def build(**settings: Any) -> Flask:
        shared = {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url, "API_KEY": KEY["X-API-Key"]}
        app: Flask = make_app(**shared | settings)
        return app

    return build


def redis_client(app: Flask) -> redis.Redis:
    client = lookup.redis_of(app)
    assert client is not None
    return client


def test_a_link_found_by_one_machine_is_served_to_another_from_redis(
    machine: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = machine(LOCAL_CACHE=False), machine(LOCAL_CACHE=False)
    code = create(first.test_client())["code"]
    assert first.test_client().get(f"/{code}").status_code == 302  # a miss fills Redis
    asked = count_store_lookups(second, monkeypatch)
    responses = [second.test_client().get(f"/{code}") for _ in range(3)]
    assert [response.status_code for response in responses] == [302] * 3
    assert responses[0].headers["Location"] == "https://example.com/page"
    assert asked == []
    ttl = redis_client(second).pttl(lookup.KEY_PREFIX + code)
    assert 0 < ttl <= lookup.REDIS_CACHE_SECONDS * 1000


def test_a_link_is_kept_in_redis_no_longer_than_it_lives(
    machine: Callable[..., Flask], clock: Clock
) -> None:
    client = machine(LOCAL_CACHE=False).test_client()
    code = create(client, expires_in=30)["code"]
    assert client.get(f"/{code}").status_code == 302
    ttl = redis_client(client.application).pttl(lookup.KEY_PREFIX + code)
    assert 29_000 < ttl <= 30_000
    clock.advance(30)
    assert client.get(f"/{code}").status_code == 410


def test_a_deleted_link_leaves_redis_and_every_machine_answers_404(
    machine: Callable[..., Flask],
) -> None:
    first, second = machine(LOCAL_CACHE=False), machine(LOCAL_CACHE=False)
    code = create(first.test_client())["code"]
    assert second.test_client().get(f"/{code}").status_code == 302  # now in Redis
    assert first.test_client().delete(f"/api/links/{code}", headers=KEY).status_code == 204
    assert redis_client(first).get(lookup.KEY_PREFIX + code) == lookup.DELETED
    assert second.test_client().get(f"/{code}").status_code == 404


def test_a_link_read_just_before_its_deletion_is_not_put_back(
    machine: Callable[..., Flask],
) -> None:
    app = machine(LOCAL_CACHE=False)
    link = store_of(app).create_link("https://example.com/raced", alias="raced")
    store_of(app).delete_link("raced")
    lookup.forget(app, "raced")
    # A redirect that had read the link before the deletion now tries to keep it:
    lookup._keep(redis_client(app), lookup.KEY_PREFIX + "raced", link)
    assert redis_client(app).get(lookup.KEY_PREFIX + "raced") == lookup.DELETED
    assert lookup.find_link(app, "raced") is None


def test_an_alias_made_again_after_a_deletion_leads_to_its_new_url(
    machine: Callable[..., Flask],
) -> None:
    first, second = machine(), machine()
    create(first.test_client(), "https://example.com/old", alias="again")
    assert second.test_client().get("/again").headers["Location"] == "https://example.com/old"
    assert first.test_client().delete("/api/links/again", headers=KEY).status_code == 204
    create(first.test_client(), "https://example.com/new", alias="again")
    time.sleep(0.15)  # past the second machine's LOCAL_CACHE_REFRESH_SECONDS (0.1)
    assert second.test_client().get("/again").headers["Location"] == "https://example.com/new"


def test_with_redis_down_redirects_and_creates_still_work(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    nowhere = f"redis://{net.LOOPBACK}:{net.free_port()}/0"  # nothing listens there
    app = make_app(REDIS_URL=nowhere, RATE_LIMIT_ENABLED=True, LOCAL_CACHE=False)
    client = app.test_client()
    code = create(client)["code"]  # the rate limit's Redis is down too: the create goes through
    asked = count_store_lookups(app, monkeypatch)
    assert [client.get(f"/{code}").status_code for _ in range(2)] == [302, 302]
    assert asked == [code, code]  # from the store, every time


@pytest.mark.parametrize("refresh", [0.1, 0.3])
def test_a_machine_forgets_a_link_deleted_elsewhere_within_the_refresh_interval(
    machine: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, refresh: float
) -> None:
    keeper = machine(REDIS_URL=None, LOCAL_CACHE_REFRESH_SECONDS=refresh)
    deleter = machine(REDIS_URL=None)
    code = create(deleter.test_client())["code"]
    client = keeper.test_client()
    asked = count_store_lookups(keeper, monkeypatch)
    assert [client.get(f"/{code}").status_code for _ in range(3)] == [302] * 3
    assert asked == [code]  # kept in the keeper's memory after the first lookup

    assert deleter.test_client().delete(f"/api/links/{code}", headers=KEY).status_code == 204
    deleted_at = time.monotonic()  # the deletion was committed before this
    served_at: list[float] = []  # when each redirect that still served the link started
    statuses: list[int] = []

    def forgotten() -> bool:
        started = time.monotonic() - deleted_at
        statuses.append(client.get(f"/{code}").status_code)
        if statuses[-1] == 302:
            served_at.append(started)
        return statuses[-1] != 302

    assert net.wait_until(forgotten, timeout=refresh + 5, interval=0.005), "never noticed"
    assert statuses[-1] == 404
    assert max(served_at, default=0.0) <= refresh, "served later than the promised bound"


def test_the_deleting_machine_forgets_at_once(machine: Callable[..., Flask]) -> None:
    client = machine(REDIS_URL=None, LOCAL_CACHE_REFRESH_SECONDS=60).test_client()
    code = create(client)["code"]
    assert client.get(f"/{code}").status_code == 302
    assert client.delete(f"/api/links/{code}", headers=KEY).status_code == 204
    assert client.get(f"/{code}").status_code == 404


def test_without_the_local_cache_every_redirect_asks_the_store(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(LOCAL_CACHE=False)
    code = create(app.test_client())["code"]
    asked = count_store_lookups(app, monkeypatch)
    assert [app.test_client().get(f"/{code}").status_code for _ in range(3)] == [302] * 3
    assert asked == [code] * 3

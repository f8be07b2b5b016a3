"""Finding a link for a redirect: in this process's memory, then in Redis, then in the store.

With REDIS_URL, Redis is a cache-aside shared by every process: a miss asks the store and keeps
the link in Redis for REDIS_CACHE_SECONDS, never beyond its expiry. A deletion through the
application writes a "deleted" marker under the key, and a miss fills a key only while it is
empty (`SET NX`), so a redirect racing a deletion cannot bring the link back. Redis is a cache,
not the truth: when it does not answer within REDIS_TIMEOUT_SECONDS, the store answers.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import datetime

import redis
from flask import Flask

from . import links, metrics
from .links import Link
from .local_cache import cache_of
from .process_local import per_process
from .store import store_of

REDIS = "shortener.redis"
KEY_PREFIX = "shortener:link:"
DELETED = b"deleted"
REDIS_CACHE_SECONDS = 300
REDIS_TIMEOUT_SECONDS = 0.25
log = logging.getLogger(__name__)

LOCAL_HITS = metrics.CACHE_LOOKUPS.labels(cache="local", result="hit")
LOCAL_MISSES = metrics.CACHE_LOOKUPS.labels(cache="local", result="miss")
REDIS_HITS = metrics.CACHE_LOOKUPS.labels(cache="redis", result="hit")
REDIS_MISSES = metrics.CACHE_LOOKUPS.labels(cache="redis", result="miss")


def redis_of(app: Flask) -> redis.Redis | None:
    """The Redis client of `app` in this process, or None if no REDIS_URL is configured."""
    url = app.config["REDIS_URL"]
    if not url:
        return None
    return per_process(
        app,
        REDIS,
        lambda: redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        ),
    )


def find_link(app: Flask, code: str) -> Link | None:
    """The link stored under `code`, from the nearest place that has it; None if none has."""
    if not app.config["LOCAL_CACHE"]:
        return find_shared(app, code)
    local = cache_of(app)
    deletions = local.deletions.current()  # before the lookup: see local_cache
    link = local.get(code, deletions)
    (LOCAL_MISSES if link is None else LOCAL_HITS).inc()
    if link is None:
        link = find_shared(app, code)
        if link is not None:
            local.put(link, deletions)
    return link


def find_shared(app: Flask, code: str) -> Link | None:
    """The link under `code` from Redis, else from the store (then kept in Redis)."""
    client = redis_of(app)
    if client is None:
        return find_stored(app, code)
    key = KEY_PREFIX + code
    try:
        kept = client.get(key)
    except redis.RedisError as error:
        log.warning("Redis did not answer (%s); asking the store", error)
        return find_stored(app, code)
    if kept is not None and kept != DELETED:
        REDIS_HITS.inc()
        return Link(**json.loads(kept))
    REDIS_MISSES.inc()
    link = find_stored(app, code)
    if link is not None and kept is None:
        _keep(client, key, link)
    return link


def find_stored(app: Flask, code: str) -> Link | None:
    """The link under `code` from the store itself, the time it took counted in the metrics."""
    with metrics.query_timer("find_link"):
        return store_of(app).find_link(code)


def _keep(client: redis.Redis, key: str, link: Link) -> None:
    """Put `link` in Redis unless the key holds something already, until it expires at most."""
    milliseconds = REDIS_CACHE_SECONDS * 1000
    if link.expires_at is not None:
        left = datetime.fromisoformat(link.expires_at) - links.utc_now()
        milliseconds = min(milliseconds, int(left.total_seconds() * 1000))
        if milliseconds <= 0:
            return  # expired: the redirect answers 410, from the store
    try:
        client.set(key, json.dumps(asdict(link)), px=milliseconds, nx=True)
    except redis.RedisError as error:
        log.warning("Redis did not answer (%s); the link is not cached", error)


def forget(app: Flask, code: str) -> None:
    """After `code` was deleted from the store: make every cache forget it."""
    if app.config["LOCAL_CACHE"]:
        cache_of(app).deletions.increase()
    client = redis_of(app)
    if client is None:
        return
    try:
        client.set(KEY_PREFIX + code, DELETED, ex=REDIS_CACHE_SECONDS)
    except redis.RedisError:
        log.exception(
            "Redis did not answer: %r may be served from it for %d s", code, REDIS_CACHE_SECONDS
        )

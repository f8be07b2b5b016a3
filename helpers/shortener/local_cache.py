"""Links a process has found, kept in its memory for the redirect's fast path (an LRU).

A stored link never changes, so a process may keep the ones it found, except when one expires
(the fast path checks every link's expiry, cached or not) or is deleted, maybe by another
process. Every deletion adds 1 to a count every process can read, after it is committed; a
lookup reads the count before asking the store, and a cache that finds it grown forgets
everything, so a link read before a deletion is never kept under the count that follows it.
With SQLite the count is a file beside the database mapped into every worker's memory
(`DeletionCount`: seen at once); with PostgreSQL a row the deleting statement adds to
(`StoredDeletionCount`), read at most every LOCAL_CACHE_REFRESH_SECONDS, which bounds how long
another process may still serve a deleted link. Only links that exist are kept, at most
MAX_LINKS; a row changed by hand in the database stays cached until the workers restart.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import threading
import time
from collections import OrderedDict
from typing import Protocol

from flask import Flask

from .links import Link
from .process_local import close_per_process, per_process
from .store import store_of
from .store.postgres import PostgresStore

CACHE = "shortener.link_cache"
MAX_LINKS = 10_000
COUNT_BYTES = 8


class SharedCount(Protocol):
    """How many links were deleted, as every process using one store can read it."""

    def current(self) -> int:
        """The count now, or a reading at most the promised age old."""

    def increase(self) -> None:
        """Tell the count that this process has just deleted a link."""

    def close(self) -> None: ...


class DeletionCount:
    """How many links were deleted: a number shared by every process using one database."""

    def __init__(self, database: str) -> None:
        self._fd = os.open(database + "-deletions", os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < COUNT_BYTES:
            os.ftruncate(self._fd, COUNT_BYTES)  # zero; several processes may do it, harmlessly
        self._shared = mmap.mmap(self._fd, COUNT_BYTES)

    def current(self) -> int:
        """The count now: a read of this process's memory, no system call."""
        return int.from_bytes(self._shared[:COUNT_BYTES], "little")

    def increase(self) -> None:
        """Count a deletion, once it is committed; a file lock keeps two from counting as one."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            self._shared[:COUNT_BYTES] = (self.current() + 1).to_bytes(COUNT_BYTES, "little")
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if not self._shared.closed:  # closing twice (by hand, then at collection) is fine
            self._shared.close()
            os.close(self._fd)


class StoredDeletionCount:
    """The deletion count that PostgreSQL keeps, read at most every `refresh_seconds`."""

    def __init__(self, store: PostgresStore, refresh_seconds: float) -> None:
        self._store = store
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._value = 0
        self._read_again_at = 0.0  # monotonic time

    def current(self) -> int:
        """The count, read again from the database if the last reading began too long ago."""
        if time.monotonic() >= self._read_again_at:
            with self._lock:
                started = time.monotonic()
                if started >= self._read_again_at:  # another thread may have just read it
                    self._value = self._store.deletion_count()
                    self._read_again_at = started + self._refresh_seconds
        return self._value

    def increase(self) -> None:
        """The store counted the deletion already; read the count again at the next lookup."""
        self._read_again_at = 0.0

    def close(self) -> None:
        pass  # the store's connections are the store's to close


class LinkCache:
    """Code -> Link, valid while the deletion count stays what it was when they were read.

    At most `max_links`, least recently used first in line to go. One lock guards all of it,
    since a lookup that finds a link also moves it (the threads of a gthread worker share it).
    """

    def __init__(self, deletions: SharedCount, max_links: int = MAX_LINKS) -> None:
        self.deletions = deletions
        self.max_links = max_links
        self._links: OrderedDict[str, Link] = OrderedDict()  # the least recently used first
        self._valid_for = deletions.current()
        self._lock = threading.Lock()

    def get(self, code: str, deletions: int) -> Link | None:
        """The link kept under `code`, if any; `deletions` is the count read just now."""
        with self._lock:
            if deletions > self._valid_for:
                self._valid_for = deletions
                self._links.clear()
            if deletions != self._valid_for:
                return None  # read before a later deletion: trust nothing kept
            link = self._links.get(code)
            if link is not None:
                self._links.move_to_end(code)
            return link

    def put(self, link: Link, deletions: int) -> None:
        """Keep `link`, read from the database after reading the count `deletions`."""
        with self._lock:
            if deletions != self._valid_for:
                return  # a link was deleted meanwhile: maybe this one
            self._links[link.code] = link
            self._links.move_to_end(link.code)
            if len(self._links) > self.max_links:
                self._links.popitem(last=False)

    def close(self) -> None:
        self.deletions.close()


def deletion_count_of(app: Flask) -> SharedCount:
    """A new reader of `app`'s deletion count: from PostgreSQL, or from the file beside SQLite."""
    store = store_of(app)
    if isinstance(store, PostgresStore):
        return StoredDeletionCount(store, app.config["LOCAL_CACHE_REFRESH_SECONDS"])
    return DeletionCount(app.config["DATABASE"])


def cache_of(app: Flask) -> LinkCache:
    """The link cache of `app` in this process."""
    return per_process(app, CACHE, lambda: LinkCache(deletion_count_of(app)))


def close_cache(app: Flask) -> None:
    """Let go of `app`'s cache and its shared count now (tests)."""
    close_per_process(app, CACHE)

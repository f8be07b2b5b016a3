"""Counting clicks: in memory on each redirect, in the store a moment later, in one transaction.

A write transaction per redirect would make the workers queue for SQLite's write lock, so each
process buffers (link, UTC day) -> (clicks, last click) and a thread adds it all to the store
every CLICK_FLUSH_SECONDS (`Store.add_clicks`). Invariants: counts are exact (the buffer changes
under a lock, the database adds to the stored numbers, a failed flush puts its clicks back); a
process sees its own clicks at once (a read flushes first), others' within one interval; a
normal stop (interpreter exit: TERM, HUP, INT, QUIT, Ctrl-C) stores what is pending, a SIGKILL
loses at most one interval of that process's clicks. Links themselves are never buffered.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import Flask

from .links import Clicks, ClickTally, Link, isoformat
from .process_local import close_per_process, per_process, real_current_app
from .store import Store, store_of

COUNTER = "shortener.click_counter"
log = logging.getLogger(__name__)


class ClickCounter(Protocol):
    """Where redirects count clicks, and where the API and the pages read them."""

    def count(self, link: Link, moment: datetime) -> None:
        """Count one click on `link` at `moment`."""

    def clicks_of(self, link: Link) -> Clicks:
        """The clicks on `link`, including every click this process has counted."""

    def close(self) -> None:
        """Store whatever is still pending."""


@dataclass(slots=True)
class _Pending:
    clicks: int
    last_click_at: str


# A link (id and code) and a UTC day.
_Key = tuple[int, str, str]


class BufferedClickCounter:
    """Counts clicks in memory and stores them every `interval` seconds from a thread."""

    def __init__(self, store: Store, interval: float) -> None:
        self._store = store
        self._interval = interval
        self._pending: dict[_Key, _Pending] = {}
        self._pending_lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one flush at a time, so reads wait for it
        self._closed = threading.Event()
        self._flusher: threading.Thread | None = None
        self._pid = os.getpid()

    def count(self, link: Link, moment: datetime) -> None:
        """Count one click; the first one starts the thread that stores them."""
        stamp = isoformat(moment)
        with self._pending_lock:
            self._add((link.id, link.code, stamp[:10]), 1, stamp)
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._flush_every_interval, name="click-flusher", daemon=True
                )
                self._flusher.start()
        if self._closed.is_set():  # a straggler after close(): nobody else will store it
            self.flush()

    def clicks_of(self, link: Link) -> Clicks:
        """Store this process's pending clicks, then read the link's clicks from the store."""
        self.flush()
        return self._store.clicks_of(link)

    def flush(self) -> None:
        """Add every pending click to the store in one transaction.

        If that fails, the clicks are pending again, and the error is raised.
        """
        with self._flush_lock:
            with self._pending_lock:
                pending, self._pending = self._pending, {}
            if not pending:
                return
            tallies = [
                ClickTally(link_id, code, day, tally.clicks, tally.last_click_at)
                for (link_id, code, day), tally in pending.items()
            ]
            try:
                self._store.add_clicks(tallies)
            except BaseException:
                with self._pending_lock:
                    for key, tally in pending.items():
                        self._add(key, tally.clicks, tally.last_click_at)
                raise

    def close(self) -> None:
        """Stop the thread and store what is pending (in the process that counted it only)."""
        if os.getpid() != self._pid:
            return  # a forked copy: these clicks belong to the parent, which stores them
        self._closed.set()
        flusher = self._flusher
        if flusher is not None and flusher is not threading.current_thread():
            flusher.join(timeout=self._interval + 30)
        try:
            self.flush()
        except Exception:  # the database's own error, whichever database it is
            lost = sum(tally.clicks for tally in self._pending.values())
            log.exception("%d clicks could not be stored before closing", lost)

    def _add(self, key: _Key, clicks: int, last_click_at: str) -> None:
        """Add to the buffer; the caller holds `_pending_lock`."""
        tally = self._pending.get(key)
        if tally is None:
            self._pending[key] = _Pending(clicks, last_click_at)
        else:
            tally.clicks += clicks
            tally.last_click_at = max(tally.last_click_at, last_click_at)

    def _flush_every_interval(self) -> None:
        while not self._closed.wait(self._interval):
            try:
                self.flush()
            except Exception:  # the database's own error, whichever database it is
                log.exception("storing clicks failed; they stay pending for the next flush")


def counter_of(app: Flask) -> ClickCounter:
    """The click counter of `app` in this process (a forked process starts its own)."""
    return per_process(
        app,
        COUNTER,
        lambda: BufferedClickCounter(store_of(app), app.config["CLICK_FLUSH_SECONDS"]),
    )


def current_counter() -> ClickCounter:
    """The click counter of the application handling the current request."""
    return counter_of(real_current_app())


def close_counter(app: Flask) -> None:
    """Store `app`'s pending clicks and stop its thread now (tests; a clean shutdown)."""
    close_per_process(app, COUNTER)

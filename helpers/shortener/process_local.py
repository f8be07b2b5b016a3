"""Objects each process makes for itself: connection pools, clients, caches, click counters.

`per_process(app, key, make)` keeps one object per application and process. A forked process (a
gunicorn worker) never uses its parent's connections or threads: it makes its own on first use.
Each object is closed when its application is garbage-collected, at interpreter exit, or by
`close_per_process`, whichever comes first.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Protocol, TypeVar

from flask import Flask, current_app


class Closable(Protocol):
    def close(self) -> None: ...


PerProcess = TypeVar("PerProcess", bound=Closable)
_lock = threading.RLock()  # making one may need another (a store needs a pool)


def per_process(app: Flask, key: str, make: Callable[[], PerProcess]) -> PerProcess:
    """The object kept under `key` for `app` in this process, made by `make()` on first use."""
    held = app.extensions.get(key)
    if held is not None and held[0] == os.getpid():
        kept: PerProcess = held[1]
        return kept
    with _lock:
        held = app.extensions.get(key)
        if held is None or held[0] != os.getpid():
            made = make()
            weakref.finalize(app, made.close)
            app.extensions[key] = (os.getpid(), made)
        return per_process(app, key, make)


def close_per_process(app: Flask, key: str) -> None:
    """Close the object kept under `key` for `app` now, rather than at garbage collection."""
    held = app.extensions.pop(key, None)
    if held is not None:
        held[1].close()


def real_current_app() -> Flask:
    """The application behind Flask's `current_app` proxy: the proxy itself cannot be weakly
    referenced, which `per_process` needs."""
    # `current_app` is typed as the Flask it stands for, so mypy does not know the proxy's method.
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app

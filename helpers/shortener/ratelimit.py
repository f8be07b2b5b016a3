"""The rate limit on creating links, with flask-limiter.

One limiter for the process, like any Flask extension; each application configures it in
`init_app`. The limit is shared by the API and the home page form (scope "create") and counted
per client address: REMOTE_ADDR, which is the address the proxies forwarded when
TRUSTED_PROXIES is set (`config`), else the peer's, whatever X-Forwarded-For says. Without
REDIS_URL the counts live in this process's memory: under gunicorn each worker counts on its
own, so with N workers a client can create up to N times the limit. With REDIS_URL they live in
Redis, shared by every worker on every machine, and the limit is exact. A Redis that does not
answer lets creations through rather than fail them (the limit protects the service; it is not
worth an outage).
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

REDIS_TIMEOUT_SECONDS = 0.25  # a Redis slower than this lets the request through

limiter = Limiter(key_func=get_remote_address, swallow_errors=True)

creation_limit = limiter.shared_limit(
    lambda: str(current_app.config["RATE_LIMIT_CREATE"]), scope="create"
)


def init_app(app: Flask) -> None:
    """Configure the limiter for `app`, switched on or off by RATE_LIMIT_ENABLED."""
    app.config["RATELIMIT_ENABLED"] = app.config["RATE_LIMIT_ENABLED"]
    if app.config["REDIS_URL"]:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        }
    else:
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    limiter.init_app(app)


def seconds_until_reset() -> int:
    """Whole seconds until the limit just exceeded lets the client in again (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 1
    reset_time = current.window.reset_time
    return max(1, math.ceil(reset_time - time.time()))

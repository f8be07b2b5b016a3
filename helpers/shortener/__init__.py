"""A URL shortener: a Flask application laid out like the Flask tutorial's.

`create_app()` builds one configured application; the modules each hold one concern:
`config` (settings), `store` (where links live: SQLite, or PostgreSQL with DATABASE_URL), `db`
and `links` (the SQLite store's connections and statements), `codes` and `validation` (the
rules), `clicks` (click counting), `api` and `pages` (the blueprints), `redirects` (the redirect,
and its fast path in front of Flask), `linkcache` (links a process keeps), `cache` (finding a
link: in memory, in Redis with REDIS_URL, in the store), `errors` (problem details),
`ratelimit`, `qr`, `openapi`, `cli` (`python -m helpers.shortener`), and for the people who run
it: `health` (/healthz, /readyz), `metrics` (/metrics), `accesslog` and `observe` (every request
timed, counted and logged with a request id).

Run it with `flask --app helpers.shortener run`, or `python -m helpers.shortener serve --workers
N` (gunicorn with `gunicorn_conf.py`, without which it refuses to start under gunicorn: see
`metrics`). For speed under gunicorn, one worker per core plus one, each with one thread:
`--workers 3` on 2 cores, as `serve` runs them (why, and what it achieves: bench/README.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    api,
    cache,
    cli,
    clicks,
    config,
    db,
    errors,
    health,
    linkcache,
    metrics,
    observe,
    openapi,
    pages,
    ratelimit,
    store,
)
from .codes import CodeConverter
from .redirects import RedirectFastPath


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: defaults, then environment variables, then `test_config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.update(config.from_environment(os.environ))
    if test_config is not None:
        app.config.update(test_config)
    config.validate(app.config)

    app.url_map.converters["code"] = CodeConverter
    store.init_app(app)
    ratelimit.init_app(app)
    errors.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(openapi.bp)
    health.init_app(app)
    metrics.init_app(app)
    app.wsgi_app = RedirectFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    observe.init_app(app)
    if proxies := app.config["TRUSTED_PROXIES"]:  # outside `observe`: it logs the client
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=1)  # type: ignore[method-assign]
    cli.init_app(app)
    return app


def close_app(app: Flask) -> None:
    """Store `app`'s pending clicks, then close its caches and connections in this process
    (tests and notebooks that build apps; a server process does this at exit by itself)."""
    clicks.close_counter(app)  # stores the pending clicks, so it goes first
    linkcache.close_cache(app)
    db.close_per_process(app, cache.REDIS)
    store.close_store(app)
    db.close_pool(app)

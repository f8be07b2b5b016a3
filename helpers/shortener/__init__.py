"""A URL shortener: a Flask application factory, `create_app()`, and the service it builds.

Requests pass through layers, outermost first: `middleware` (timing, metrics, access log,
request id), the redirect fast path of `redirects`, then Flask's blueprints `api` and `pages`,
which leave creating, finding and deleting links to `service`. Links are found through `lookup`
(`local_cache`, then Redis, then the store) and kept in a `store` (`store.sqlite` or
`store.postgres`, one `Store` interface); `links` holds the records themselves. Each process
makes its own connections, caches and click counter (`process_local`). Run it with `flask --app
helpers.shortener run`, or `python -m helpers.shortener serve --workers N` (gunicorn with
`gunicorn_conf.py`, without which it refuses to start under gunicorn; see `metrics`): one
worker per core plus one, one thread each, as bench/README.md explains.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    api,
    cli,
    clicks,
    config,
    errors,
    health,
    local_cache,
    lookup,
    metrics,
    middleware,
    openapi,
    pages,
    ratelimit,
    store,
)
from .codes import CodeConverter
from .process_local import close_per_process
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
    # Each layer replaces `wsgi_app`, as Flask's documentation adds middleware (mypy sees a
    # method assigned, hence the `type: ignore[method-assign]`).
    app.wsgi_app = RedirectFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    middleware.init_app(app)
    if proxies := app.config["TRUSTED_PROXIES"]:  # outside `middleware`: it logs the client
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=1)  # type: ignore[method-assign]
    cli.init_app(app)
    return app


def close_app(app: Flask) -> None:
    """Store `app`'s pending clicks, then close its caches and connections in this process
    (tests and notebooks that build apps; a server process does this at exit by itself)."""
    clicks.close_counter(app)  # stores the pending clicks, so it goes first
    local_cache.close_cache(app)
    close_per_process(app, lookup.REDIS)
    store.close_store(app)

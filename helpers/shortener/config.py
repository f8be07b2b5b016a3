"""Configuration: safe defaults, environment variables that override them, and checks.

Every setting is a Flask config key; each can be set by an environment variable:

| key                   | environment variable              | default                          |
|-----------------------|-----------------------------------|----------------------------------|
| DATABASE              | SHORTENER_DATABASE                | instance folder/shortener.sqlite3 |
| DATABASE_URL          | SHORTENER_DATABASE_URL            | none: SQLite at DATABASE          |
| REDIS_URL             | SHORTENER_REDIS_URL               | none: no Redis                    |
| LOCAL_CACHE           | SHORTENER_LOCAL_CACHE             | true                              |
| LOCAL_CACHE_REFRESH_SECONDS | SHORTENER_LOCAL_CACHE_REFRESH_SECONDS | 0.1 (PostgreSQL only) |
| BASE_URL              | SHORTENER_BASE_URL                | the URL the request came to      |
| API_KEY               | SHORTENER_API_KEY                 | none: listing and deleting closed |
| REDIRECT_STATUS       | SHORTENER_REDIRECT_STATUS         | 302                              |
| RATE_LIMIT_CREATE     | SHORTENER_RATE_LIMIT              | 60/minute (per client address)   |
| RATE_LIMIT_ENABLED    | SHORTENER_RATE_LIMIT_ENABLED      | true                             |
| ALLOW_PRIVATE_TARGETS | SHORTENER_ALLOW_PRIVATE_TARGETS   | false                            |
| CLICK_FLUSH_SECONDS   | SHORTENER_CLICK_FLUSH_SECONDS     | 0.2 (how often clicks are stored) |
| TRUSTED_PROXIES       | SHORTENER_TRUSTED_PROXIES         | 0: trust no forwarded header     |

DATABASE_URL (`postgresql://user@host:port/database`) makes PostgreSQL the store, shared by every
app process on every machine (`store`). REDIS_URL (`redis://host:port/0`) adds Redis: a cache of
links in front of the store for redirects, and the rate limit's counts, shared by every worker
and machine (`lookup`, `ratelimit`). LOCAL_CACHE lets each process keep the links it found in its
own memory (`local_cache`), which is the fastest lookup of all; with PostgreSQL, a process learns
of links deleted elsewhere within LOCAL_CACHE_REFRESH_SECONDS.

TRUSTED_PROXIES says how many proxies (nginx, a balancer) stand in front of the application.
Each appends the address it got the request from to X-Forwarded-For, and the one next to the
application sets X-Forwarded-Proto (in a chain, the others pass on the scheme the outermost
set), as deploy/nginx/shortener.conf and `helpers.balancer` do. With N above 0, the client is
the N-th address from the right of X-Forwarded-For and the scheme is X-Forwarded-Proto's (with
Werkzeug's ProxyFix): the rate limit counts per client, the access log shows the client, and
short URLs are https behind TLS. The Host header is the client's already (the proxies pass it
on). With 0, no forwarded header is believed: a client that can reach the application without
passing through the proxies could claim any address, so keep 0 unless none can.

A bad value stops the application at start-up with a ConfigError that names it, rather than
misbehaving later.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many

REDIRECT_STATUSES = frozenset({301, 302, 307, 308})
MAX_REQUEST_BYTES = 16 * 1024
MAX_CLICK_FLUSH_SECONDS = 60.0  # the most clicks a SIGKILLed worker may take with it
POSTGRES_SCHEMES = ("postgresql", "postgres")
REDIS_SCHEMES = ("redis", "rediss", "unix")
MAX_LOCAL_CACHE_REFRESH_SECONDS = 60.0  # how long a deleted link may live on elsewhere, at most
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class ConfigError(ValueError):
    """A configuration value that cannot work; the message names the setting."""


def defaults(instance_path: str) -> dict[str, Any]:
    """The settings used when nothing else is said: private, closed and conservative."""
    return {
        "DATABASE": os.path.join(instance_path, "shortener.sqlite3"),
        "DATABASE_URL": None,
        "REDIS_URL": None,
        "LOCAL_CACHE": True,
        "LOCAL_CACHE_REFRESH_SECONDS": 0.1,
        "BASE_URL": None,
        "API_KEY": None,
        "REDIRECT_STATUS": 302,
        "RATE_LIMIT_CREATE": "60/minute",
        "RATE_LIMIT_ENABLED": True,
        "ALLOW_PRIVATE_TARGETS": False,
        "CLICK_FLUSH_SECONDS": 0.2,
        "TRUSTED_PROXIES": 0,
        "MAX_CONTENT_LENGTH": MAX_REQUEST_BYTES,
    }


def parse_bool(name: str, text: str) -> bool:
    """Read an environment variable's yes/no value; anything unclear is an error."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be one of true/false, yes/no, on/off, 1/0; got {text!r}")


def parse_int(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number; got {text!r}") from None


def parse_seconds(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds; got {text!r}") from None


def _text_or_none(_name: str, text: str) -> str | None:
    return text or None


ENVIRONMENT: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "DATABASE": ("SHORTENER_DATABASE", _text_or_none),
    "DATABASE_URL": ("SHORTENER_DATABASE_URL", _text_or_none),
    "REDIS_URL": ("SHORTENER_REDIS_URL", _text_or_none),
    "LOCAL_CACHE": ("SHORTENER_LOCAL_CACHE", parse_bool),
    "LOCAL_CACHE_REFRESH_SECONDS": ("SHORTENER_LOCAL_CACHE_REFRESH_SECONDS", parse_seconds),
    "BASE_URL": ("SHORTENER_BASE_URL", _text_or_none),
    "API_KEY": ("SHORTENER_API_KEY", _text_or_none),
    "REDIRECT_STATUS": ("SHORTENER_REDIRECT_STATUS", parse_int),
    "RATE_LIMIT_CREATE": ("SHORTENER_RATE_LIMIT", _text_or_none),
    "RATE_LIMIT_ENABLED": ("SHORTENER_RATE_LIMIT_ENABLED", parse_bool),
    "ALLOW_PRIVATE_TARGETS": ("SHORTENER_ALLOW_PRIVATE_TARGETS", parse_bool),
    "CLICK_FLUSH_SECONDS": ("SHORTENER_CLICK_FLUSH_SECONDS", parse_seconds),
    "TRUSTED_PROXIES": ("SHORTENER_TRUSTED_PROXIES", parse_int),
}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings that `environ` sets (an empty variable counts as not set)."""
    settings = {}
    for key, (variable, parse) in ENVIRONMENT.items():
        text = environ.get(variable, "")
        if text:
            settings[key] = parse(variable, text)
    return settings


def validate(config: Mapping[str, Any]) -> None:
    """Raise ConfigError for the first setting whose value cannot work."""
    if not isinstance(config["DATABASE"], str) or not config["DATABASE"]:
        raise ConfigError("DATABASE must be the path of the SQLite file")
    if config["REDIRECT_STATUS"] not in REDIRECT_STATUSES or isinstance(
        config["REDIRECT_STATUS"], bool
    ):
        raise ConfigError(f"REDIRECT_STATUS must be one of {sorted(REDIRECT_STATUSES)}")
    if config["API_KEY"] is not None and (
        not isinstance(config["API_KEY"], str) or not config["API_KEY"].strip()
    ):
        raise ConfigError("API_KEY must be a non-empty string, or None to close the endpoints")
    _validate_service_url("DATABASE_URL", config["DATABASE_URL"], POSTGRES_SCHEMES)
    _validate_service_url("REDIS_URL", config["REDIS_URL"], REDIS_SCHEMES)
    for flag in ("RATE_LIMIT_ENABLED", "ALLOW_PRIVATE_TARGETS", "LOCAL_CACHE"):
        if not isinstance(config[flag], bool):
            raise ConfigError(f"{flag} must be True or False")
    _validate_seconds("CLICK_FLUSH_SECONDS", config["CLICK_FLUSH_SECONDS"], MAX_CLICK_FLUSH_SECONDS)
    _validate_seconds(
        "LOCAL_CACHE_REFRESH_SECONDS",
        config["LOCAL_CACHE_REFRESH_SECONDS"],
        MAX_LOCAL_CACHE_REFRESH_SECONDS,
    )
    _validate_rate_limit(config["RATE_LIMIT_CREATE"])
    proxies = config["TRUSTED_PROXIES"]
    if not isinstance(proxies, int) or isinstance(proxies, bool) or proxies < 0:
        raise ConfigError(
            f"TRUSTED_PROXIES must be how many proxies stand in front, 0 or more; got {proxies!r}"
        )
    if config["BASE_URL"] is not None:
        _validate_base_url(config["BASE_URL"])


def _validate_seconds(key: str, value: object, most: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= most:
        raise ConfigError(f"{key} must be a number of seconds above 0, at most {most:g}")


def _validate_rate_limit(value: object) -> None:
    try:
        if not isinstance(value, str) or not parse_many(value):
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"RATE_LIMIT_CREATE must be a rate such as '60/minute'; got {value!r}"
        ) from None


def _validate_service_url(key: str, value: object, schemes: tuple[str, ...]) -> None:
    """None, or a URL of one of `schemes` (what follows the scheme is the client's business)."""
    if value is None:
        return
    scheme = value.partition("://")[0] if isinstance(value, str) else None
    if scheme not in schemes or "://" not in str(value):
        raise ConfigError(
            f"{key} must be a URL starting with {' or '.join(s + '://' for s in schemes)}, "
            f"or unset; got {value!r}"
        )


def _validate_base_url(value: object) -> None:
    try:
        parts = urlsplit(value) if isinstance(value, str) else None
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            f"BASE_URL must be an http(s) URL such as 'https://sho.rt', without a query; "
            f"got {value!r}"
        )

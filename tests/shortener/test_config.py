"""config: defaults, environment variables and the checks that stop a bad start."""

from __future__ import annotations

from typing import Any

import pytest

from helpers.shortener import config


def test_defaults_are_closed_and_conservative() -> None:
    defaults = config.defaults("/srv/instance")
    assert defaults["DATABASE"] == "/srv/instance/shortener.sqlite3"
    assert defaults["API_KEY"] is None
    assert defaults["ALLOW_PRIVATE_TARGETS"] is False
    assert defaults["REDIRECT_STATUS"] == 302
    assert defaults["RATE_LIMIT_ENABLED"] is True
    assert defaults["RATE_LIMIT_CREATE"] == "60/minute"
    assert defaults["MAX_CONTENT_LENGTH"] == 16 * 1024
    assert defaults["CLICK_FLUSH_SECONDS"] == 0.2
    assert defaults["DATABASE_URL"] is None  # SQLite
    assert defaults["REDIS_URL"] is None
    assert defaults["LOCAL_CACHE"] is True
    assert defaults["LOCAL_CACHE_REFRESH_SECONDS"] == 0.1
    assert defaults["TRUSTED_PROXIES"] == 0  # no forwarded header is believed
    config.validate(defaults)


def test_every_setting_comes_from_its_environment_variable() -> None:
    environ = {
        "SHORTENER_DATABASE": "/data/links.db",
        "SHORTENER_BASE_URL": "https://sho.rt",
        "SHORTENER_API_KEY": "s3cret-key",
        "SHORTENER_REDIRECT_STATUS": "308",
        "SHORTENER_RATE_LIMIT": "5/second",
        "SHORTENER_RATE_LIMIT_ENABLED": "off",
        "SHORTENER_ALLOW_PRIVATE_TARGETS": "YES",
        "SHORTENER_CLICK_FLUSH_SECONDS": "0.5",
        "SHORTENER_DATABASE_URL": "postgresql://app@db.internal:5432/shortener",
        "SHORTENER_REDIS_URL": "redis://cache.internal:6379/0",
        "SHORTENER_LOCAL_CACHE": "false",
        "SHORTENER_LOCAL_CACHE_REFRESH_SECONDS": "0.25",
        "SHORTENER_TRUSTED_PROXIES": "2",
        "UNRELATED": "ignored",
    }
    assert config.from_environment(environ) == {
        "DATABASE": "/data/links.db",
        "BASE_URL": "https://sho.rt",
        "API_KEY": "s3cret-key",
        "REDIRECT_STATUS": 308,
        "RATE_LIMIT_CREATE": "5/second",
        "RATE_LIMIT_ENABLED": False,
        "ALLOW_PRIVATE_TARGETS": True,
        "CLICK_FLUSH_SECONDS": 0.5,
        "DATABASE_URL": "postgresql://app@db.internal:5432/shortener",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "LOCAL_CACHE": False,
        "LOCAL_CACHE_REFRESH_SECONDS": 0.25,
        "TRUSTED_PROXIES": 2,
    }


def test_an_empty_variable_counts_as_unset() -> None:
    assert config.from_environment({"SHORTENER_API_KEY": "", "SHORTENER_DATABASE": ""}) == {}


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SHORTENER_REDIRECT_STATUS", "three-oh-two", "whole number"),
        ("SHORTENER_RATE_LIMIT_ENABLED", "maybe", "true/false"),
        ("SHORTENER_ALLOW_PRIVATE_TARGETS", "2", "true/false"),
        ("SHORTENER_CLICK_FLUSH_SECONDS", "soon", "number of seconds"),
        ("SHORTENER_LOCAL_CACHE", "sometimes", "true/false"),
        ("SHORTENER_TRUSTED_PROXIES", "one", "whole number"),
        ("SHORTENER_TRUSTED_PROXIES", "1.5", "whole number"),
    ],
)
def test_unreadable_variables_are_errors(variable: str, value: str, message: str) -> None:
    with pytest.raises(config.ConfigError, match=f"{variable}.*{message}"):
        config.from_environment({variable: value})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("DATABASE", "", "DATABASE"),
        ("REDIRECT_STATUS", 200, "REDIRECT_STATUS"),
        ("REDIRECT_STATUS", 303, "REDIRECT_STATUS"),
        ("REDIRECT_STATUS", True, "REDIRECT_STATUS"),
        ("API_KEY", "", "API_KEY"),
        ("API_KEY", "   ", "API_KEY"),
        ("API_KEY", 12345, "API_KEY"),
        ("RATE_LIMIT_CREATE", "lots", "RATE_LIMIT_CREATE"),
        ("RATE_LIMIT_CREATE", 60, "RATE_LIMIT_CREATE"),
        ("RATE_LIMIT_ENABLED", "yes", "RATE_LIMIT_ENABLED"),
        ("ALLOW_PRIVATE_TARGETS", 1, "ALLOW_PRIVATE_TARGETS"),
        ("BASE_URL", "sho.rt", "BASE_URL"),
        ("BASE_URL", "ftp://sho.rt", "BASE_URL"),
        ("BASE_URL", "https://user@sho.rt", "BASE_URL"),
        ("BASE_URL", "https://sho.rt/?x=1", "BASE_URL"),
        ("BASE_URL", "http://[::1", "BASE_URL"),
        ("CLICK_FLUSH_SECONDS", 0, "CLICK_FLUSH_SECONDS"),
        ("CLICK_FLUSH_SECONDS", -1, "CLICK_FLUSH_SECONDS"),
        ("CLICK_FLUSH_SECONDS", 61, "CLICK_FLUSH_SECONDS"),
        ("CLICK_FLUSH_SECONDS", float("nan"), "CLICK_FLUSH_SECONDS"),
        ("CLICK_FLUSH_SECONDS", True, "CLICK_FLUSH_SECONDS"),
        ("CLICK_FLUSH_SECONDS", "0.2", "CLICK_FLUSH_SECONDS"),
        ("DATABASE_URL", "mysql://db/shortener", "DATABASE_URL"),
        ("DATABASE_URL", "/var/lib/shortener.sqlite3", "DATABASE_URL"),
        ("DATABASE_URL", 5432, "DATABASE_URL"),
        ("REDIS_URL", "memcached://cache:11211", "REDIS_URL"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL"),
        ("LOCAL_CACHE", "true", "LOCAL_CACHE"),
        ("LOCAL_CACHE_REFRESH_SECONDS", 0, "LOCAL_CACHE_REFRESH_SECONDS"),
        ("LOCAL_CACHE_REFRESH_SECONDS", 120, "LOCAL_CACHE_REFRESH_SECONDS"),
        ("TRUSTED_PROXIES", -1, "TRUSTED_PROXIES must be how many proxies"),
        ("TRUSTED_PROXIES", True, "TRUSTED_PROXIES"),
        ("TRUSTED_PROXIES", "1", "TRUSTED_PROXIES"),
        ("TRUSTED_PROXIES", 1.0, "TRUSTED_PROXIES"),
        ("TRUSTED_PROXIES", None, "TRUSTED_PROXIES"),
    ],
)
def test_values_that_cannot_work_are_refused(key: str, value: Any, message: str) -> None:
    settings = config.defaults("/tmp") | {key: value}
    with pytest.raises(config.ConfigError, match=message):
        config.validate(settings)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_every_redirect_status_is_accepted(status: int) -> None:
    config.validate(config.defaults("/tmp") | {"REDIRECT_STATUS": status})

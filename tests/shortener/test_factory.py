"""create_app: configuration order, the database created on start, the health check."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from helpers.shortener import create_app
from helpers.shortener.codes import is_reserved
from helpers.shortener.config import ConfigError

from .support import table_names


def test_test_config_is_applied(app: Flask) -> None:
    assert app.testing
    assert app.config["RATE_LIMIT_ENABLED"] is False


def test_environment_overrides_defaults_and_test_config_overrides_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHORTENER_DATABASE", str(tmp_path / "from-env.db"))
    monkeypatch.setenv("SHORTENER_REDIRECT_STATUS", "307")
    app = create_app({"REDIRECT_STATUS": 301})
    assert app.config["DATABASE"] == str(tmp_path / "from-env.db")
    assert app.config["REDIRECT_STATUS"] == 301
    assert app.config["API_KEY"] is None


def test_the_database_is_created_on_first_start(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "links.db"
    create_app({"DATABASE": str(path)})
    assert table_names(path) == {"links", "daily_clicks"}


def test_a_bad_setting_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REDIRECT_STATUS"):
        create_app({"DATABASE": str(tmp_path / "x.db"), "REDIRECT_STATUS": 200})


def test_a_bad_environment_variable_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORTENER_ALLOW_PRIVATE_TARGETS", "perhaps")
    with pytest.raises(ConfigError, match="SHORTENER_ALLOW_PRIVATE_TARGETS"):
        create_app()


def test_health_check(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_every_top_level_path_of_the_app_is_a_reserved_word(app: Flask) -> None:
    """So no alias can ever hide one of the application's own pages."""
    owned = {rule.rule.split("/")[1] for rule in app.url_map.iter_rules()}
    words = {name for name in owned if name and "<" not in name and "." not in name}
    assert words == {"api", "healthz", "metrics", "readyz", "static"}
    assert all(is_reserved(word) for word in words)

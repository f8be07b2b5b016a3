"""Small helpers shared by the shortener's tests."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

# Property tests share two cores with everything else: no per-example deadline.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
# For tests that send many requests to one app: the examples share it on purpose.
one_app_for_all_examples = settings(
    relaxed,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def create(client: FlaskClient, url: str = "https://example.com/page", **fields: Any) -> Any:
    """Create a link through the API; assert it worked and return the JSON body."""
    response = client.post("/api/links", json={"url": url, **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def table_names(database: str | Path) -> set[str]:
    """The names of the tables in the SQLite file `database`."""
    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}

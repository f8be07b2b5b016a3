"""service: creating, finding and deleting links, as the API, the pages and the CLI all do it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.exceptions import BadRequest, Conflict, NotFound

from helpers.shortener import lookup, service
from helpers.shortener.store import Store

pytestmark = pytest.mark.both_stores


@pytest.fixture
def in_request(app: Flask) -> Iterator[None]:
    """A request to https://sho.rt, as the service expects (the CLI makes one the same way)."""
    with app.test_request_context(base_url="https://sho.rt"):
        yield


@pytest.mark.usefixtures("in_request")
def test_shorten_stores_the_normalized_url_and_its_short_url_is_on_this_host(
    store: Store,
) -> None:
    link = service.shorten(service.NewLink("HTTPS://Example.COM/a", alias="mine", expires_in=60))
    assert store.find_link("mine") == link
    assert link.url == "https://example.com/a"
    assert link.expires_at is not None
    assert service.short_url_for("mine") == "https://sho.rt/mine"
    assert service.link_json(link)["short_url"] == "https://sho.rt/mine"


@pytest.mark.usefixtures("in_request")
@pytest.mark.parametrize(
    "new",
    [
        service.NewLink("javascript:alert(1)"),
        service.NewLink("https://sho.rt/loop"),  # a link to the shortener itself
        service.NewLink("https://example.com/", alias="no spaces"),
        service.NewLink("https://example.com/", expires_in=0),
    ],
)
def test_shorten_refuses_bad_input_before_storing_anything(
    store: Store, new: service.NewLink
) -> None:
    with pytest.raises(BadRequest):
        service.shorten(new)
    assert store.count_links() == 0


@pytest.mark.usefixtures("in_request")
def test_a_taken_alias_is_a_conflict() -> None:
    service.shorten(service.NewLink("https://example.com/a", alias="taken"))
    with pytest.raises(Conflict):
        service.shorten(service.NewLink("https://example.com/b", alias="taken"))


@pytest.mark.usefixtures("in_request")
def test_delete_removes_the_link_from_the_store_and_every_cache(app: Flask, store: Store) -> None:
    link = service.shorten(service.NewLink("https://example.com/gone", alias="gone"))
    assert lookup.find_link(app, "gone") == link  # now kept in this process's memory
    service.delete_or_404("gone")
    assert store.find_link("gone") is None
    assert lookup.find_link(app, "gone") is None
    with pytest.raises(NotFound):
        service.find_or_404("gone")
    with pytest.raises(NotFound):
        service.delete_or_404("gone")

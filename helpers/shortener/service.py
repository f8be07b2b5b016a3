"""Creating, finding and deleting links: the one place the API, the pages and the CLI all call.

Each runs inside a request (the CLI makes one), to know the short URLs' host. Creation checks
everything before storing anything; deletion makes every cache forget the link once the store has
deleted it. Refusals are HTTP errors (400, 404, 409, 503) that each caller shows its own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.exceptions import BadRequest, Conflict, NotFound, ServiceUnavailable

from . import codes, links, lookup, metrics
from .clicks import current_counter
from .process_local import real_current_app
from .store import store_of
from .validation import InvalidURL, normalize_url

MAX_EXPIRES_IN = 10 * 366 * 24 * 3600  # ten years, in seconds


@dataclass(frozen=True)
class NewLink:
    """What a client asked for; not yet validated beyond its types."""

    url: str
    alias: str | None = None
    expires_in: int | None = None


def own_hosts() -> set[str]:
    """The host names this shortener answers on; links to them would loop."""
    hosts = set()
    for url in ("//" + request.host, current_app.config["BASE_URL"] or ""):
        try:
            hosts.add(urlsplit(url).hostname or "")
        except ValueError:  # not a host anyone can link to, so no loop either
            continue
    return hosts - {""}


def base_url() -> str:
    """Where short links live: BASE_URL if configured, else the host this request came to."""
    if current_app.config["BASE_URL"]:
        return str(current_app.config["BASE_URL"]).rstrip("/")
    if not request.host:  # Werkzeug empties a missing or malformed Host header
        raise BadRequest("the Host header is missing or invalid, so no short URL can be made")
    return request.host_url.rstrip("/")


def short_url_for(code: str) -> str:
    """The absolute short URL of `code`."""
    return f"{base_url()}/{code}"


def shorten(new: NewLink) -> links.Link:
    """Validate a new link and store it; raise 400, 409 or 503 as an HTTP error."""
    base_url()  # fail before storing anything if no short URL can be made
    if new.expires_in is not None and not 1 <= new.expires_in <= MAX_EXPIRES_IN:
        metrics.reject("invalid_expiry")
        raise BadRequest(f"'expires_in' must be between 1 and {MAX_EXPIRES_IN} seconds")
    try:
        url = normalize_url(
            new.url,
            own_hosts=own_hosts(),
            allow_private=current_app.config["ALLOW_PRIVATE_TARGETS"],
        )
        alias = None if new.alias is None else codes.check_alias(new.alias)
    except (InvalidURL, codes.InvalidAlias) as error:
        metrics.reject("invalid_url" if isinstance(error, InvalidURL) else "invalid_alias")
        raise BadRequest(str(error)) from None
    try:
        store = store_of(real_current_app())
        with metrics.query_timer("create_link"):
            link = store.create_link(url, alias=alias, expires_in=new.expires_in)
    except links.AliasTaken:
        metrics.reject("alias_taken")
        raise Conflict(f"the alias {alias!r} is already taken") from None
    except links.NoFreeCode:
        metrics.reject("no_free_code")
        raise ServiceUnavailable("no free code was found; try again") from None
    metrics.LINKS_CREATED.inc()
    return link


def link_json(link: links.Link) -> dict[str, Any]:
    """The public fields of a link."""
    return {
        "code": link.code,
        "short_url": short_url_for(link.code),
        "url": link.url,
        "created_at": link.created_at,
        "expires_at": link.expires_at,
    }


def link_with_clicks_json(link: links.Link) -> dict[str, Any]:
    """The public fields of a link, and its clicks."""
    clicks = current_counter().clicks_of(link)
    body = link_json(link)
    body["clicks"] = {"total": clicks.total, "last": clicks.last, "per_day": clicks.per_day}
    return body


def find_or_404(code: str) -> links.Link:
    """The link stored under `code`, or a 404."""
    link = store_of(real_current_app()).find_link(code)
    if link is None:
        raise NotFound(f"no link has the code {code!r}")
    return link


def delete_or_404(code: str) -> None:
    """Delete the link stored under `code`, and make every cache forget it; 404 if none."""
    app = real_current_app()
    if not store_of(app).delete_link(code):
        raise NotFound(f"no link has the code {code!r}")
    lookup.forget(app, code)  # every worker, and Redis, forget it

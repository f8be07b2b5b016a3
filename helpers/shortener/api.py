"""The JSON API under /api: create, read, list and delete links (HTTP and JSON; the rest is
`service`'s).

Creating and reading are open to everyone; listing and deleting need the API key in the
`X-API-Key` header, compared in constant time. With no key configured, those two are closed.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug.exceptions import BadRequest, Forbidden, UnsupportedMediaType

from . import service
from .process_local import real_current_app
from .ratelimit import creation_limit
from .store import store_of

bp = Blueprint("api", __name__, url_prefix="/api")

NEW_LINK_FIELDS = frozenset({"url", "alias", "expires_in"})
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000


def read_json_object() -> dict[str, Any]:
    """The request body as a JSON object; 415 if it is not JSON, 400 if it is not an object."""
    if not request.is_json:
        raise UnsupportedMediaType("send the link as JSON, with Content-Type: application/json")
    try:
        payload = json.loads(request.get_data(), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise BadRequest(f"the body is not valid JSON: {error}") from None
    if not isinstance(payload, dict):
        raise BadRequest(f"the body must be a JSON object, not {_json_type(payload)}")
    return payload


def parse_new_link(payload: dict[str, Any]) -> service.NewLink:
    """Check the fields of a creation request, saying precisely what is wrong."""
    unknown = sorted(set(payload) - NEW_LINK_FIELDS)
    if unknown:
        raise BadRequest(f"unknown field(s): {', '.join(unknown)}; allowed: alias, expires_in, url")
    if "url" not in payload:
        raise BadRequest("the field 'url' is required")
    url, alias, expires_in = payload["url"], payload.get("alias"), payload.get("expires_in")
    if not isinstance(url, str):
        raise BadRequest(f"'url' must be a string, not {_json_type(url)}")
    if alias is not None and not isinstance(alias, str):
        raise BadRequest(f"'alias' must be a string, not {_json_type(alias)}")
    if expires_in is not None and (type(expires_in) is not int):
        raise BadRequest(
            f"'expires_in' must be a whole number of seconds, not {_json_type(expires_in)}"
        )
    return service.NewLink(url, alias, expires_in)


def require_api_key() -> None:
    """Let the request through only with the right X-API-Key; closed if no key is configured."""
    expected = current_app.config["API_KEY"]
    if not expected:
        raise Forbidden("listing and deleting links are disabled: no API key is configured")
    given = request.headers.get("X-API-Key", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("a valid X-API-Key header is required")


@bp.post("/links")
@creation_limit
def create_link() -> tuple[Response, int, dict[str, str]]:
    """Create a link: 201 with the link, and its API resource in Location."""
    link = service.shorten(parse_new_link(read_json_object()))
    location = url_for("api.get_link", code=link.code)
    return jsonify(service.link_json(link)), 201, {"Location": location}


@bp.get("/links/<code:code>")
def get_link(code: str) -> Response:
    """A link and its clicks."""
    return jsonify(service.link_with_clicks_json(service.find_or_404(code)))


@bp.get("/links")
def list_links() -> Response:
    """One page of links, newest first (API key required)."""
    require_api_key()
    page = _int_argument("page", default=1, low=1, high=MAX_PAGE)
    per_page = _int_argument("per_page", default=20, low=1, high=MAX_PER_PAGE)
    store = store_of(real_current_app())
    total = store.count_links()
    found = store.list_links(limit=per_page, offset=(page - 1) * per_page)
    has_next = page * per_page < total
    return jsonify(
        links=[service.link_json(link) for link in found],
        page=page,
        per_page=per_page,
        total=total,
        next=url_for("api.list_links", page=page + 1, per_page=per_page) if has_next else None,
    )


@bp.delete("/links/<code:code>")
def delete_link(code: str) -> tuple[str, int]:
    """Delete a link and its clicks (API key required): 204, or 404 if there is none."""
    require_api_key()
    service.delete_or_404(code)
    return "", 204


def _int_argument(name: str, *, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(high))) or not (
        low <= int(text) <= high
    ):
        raise BadRequest(
            f"the query parameter {name!r} must be a whole number from {low} to {high}"
        )
    return int(text)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


def _json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    names |= {int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)

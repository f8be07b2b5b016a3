"""The OpenAPI 3 description of every route, served at /openapi.json.

Built from the same constants the code checks against (URL length, alias pattern, expiry range),
so the description cannot drift from the rules; a test checks that every route is described.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from .api import MAX_PAGE, MAX_PER_PAGE
from .codes import ALIAS_PATTERN, RESERVED_WORDS
from .config import REDIRECT_STATUSES
from .service import MAX_EXPIRES_IN
from .validation import MAX_URL_LENGTH

bp = Blueprint("openapi", __name__)

JSON = "application/json"
PROBLEM = "application/problem+json"
HTML = "text/html"
STATUS_PHRASES = {
    400: "The request is invalid; `detail` says why.",
    403: "The API key is missing or wrong, or no key is configured.",
    404: "No link has this code.",
    409: "The alias is already taken.",
    410: "The link has expired.",
    413: "The request body is too large.",
    415: "The request body is not JSON.",
    429: "Too many links created; wait `Retry-After` seconds.",
    503: "The database is busy; try again.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problems(*statuses: int, html: bool = False) -> dict[str, Any]:
    """Error responses: problem details, and an HTML page too where a browser may ask."""
    content: dict[str, Any] = {PROBLEM: {"schema": _ref("Problem")}}
    if html:
        content[HTML] = {"schema": {"type": "string"}}
    return {
        str(status): {"description": STATUS_PHRASES[status], "content": content}
        for status in statuses
    }


def _page(description: str, *errors: int) -> dict[str, Any]:
    """A GET operation that answers with an HTML page."""
    return {
        "summary": description,
        "responses": {
            "200": {"description": description, "content": {HTML: {"schema": {"type": "string"}}}},
            **_problems(*errors, html=True),
        },
    }


# A code is never a reserved word: '/healthz' is the health check, not a link.
NOT_RESERVED = "(?!(?:" + "|".join(sorted(RESERVED_WORDS)) + ")$)"
CODE_PARAMETER = {
    "name": "code",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": f"^{NOT_RESERVED}{ALIAS_PATTERN.pattern}$"},
}
TIMESTAMP = {"type": "string", "format": "date-time"}
REDIRECT = {
    str(status): {
        "description": "Redirect to the link's URL (the status is configurable).",
        "headers": {
            "Location": {"schema": {"type": "string"}, "required": True},
            "Cache-Control": {"schema": {"type": "string", "enum": ["private"]}},
        },
    }
    for status in sorted(REDIRECT_STATUSES)
}
SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
    },
    "NewLink": {
        "type": "object",
        "required": ["url"],
        "additionalProperties": False,
        "properties": {
            "url": {
                "type": "string",
                "format": "uri",
                "maxLength": MAX_URL_LENGTH,
                "example": "https://example.com/",
            },
            "alias": {
                "type": "string",
                "pattern": f"^{ALIAS_PATTERN.pattern}$",
                "description": "A custom code; reserved words (api, static, ...) are refused.",
            },
            "expires_in": {"type": "integer", "minimum": 1, "maximum": MAX_EXPIRES_IN},
        },
    },
    "Link": {
        "type": "object",
        "required": ["code", "short_url", "url", "created_at", "expires_at"],
        "properties": {
            "code": {"type": "string"},
            "short_url": {"type": "string"},
            "url": {"type": "string"},
            "created_at": TIMESTAMP,
            "expires_at": {**TIMESTAMP, "nullable": True},
        },
    },
    "Clicks": {
        "type": "object",
        "required": ["total", "last", "per_day"],
        "properties": {
            "total": {"type": "integer", "minimum": 0},
            "last": {**TIMESTAMP, "nullable": True},
            "per_day": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    },
    "LinkWithClicks": {
        "allOf": [
            _ref("Link"),
            {"type": "object", "required": ["clicks"], "properties": {"clicks": _ref("Clicks")}},
        ]
    },
    "LinkPage": {
        "type": "object",
        "required": ["links", "page", "per_page", "total", "next"],
        "properties": {
            "links": {"type": "array", "items": _ref("Link")},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "next": {"type": "string", "nullable": True},
        },
    },
}
PATHS: dict[str, Any] = {
    "/api/links": {
        "post": {
            "summary": "Create a short link.",
            "requestBody": {"required": True, "content": {JSON: {"schema": _ref("NewLink")}}},
            "responses": {
                "201": {
                    "description": "Created.",
                    "headers": {"Location": {"schema": {"type": "string"}, "required": True}},
                    "content": {JSON: {"schema": _ref("Link")}},
                },
                **_problems(400, 409, 413, 415, 429, 503),
            },
        },
        "get": {
            "summary": "List links, newest first (API key required).",
            "security": [{"apiKey": []}],
            "parameters": [
                {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                },
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                },
            ],
            "responses": {
                "200": {"description": "A page.", "content": {JSON: {"schema": _ref("LinkPage")}}},
                **_problems(400, 403),
            },
        },
    },
    "/api/links/{code}": {
        "parameters": [CODE_PARAMETER],
        "get": {
            "summary": "A link and its clicks.",
            "responses": {
                "200": {
                    "description": "The link.",
                    "content": {JSON: {"schema": _ref("LinkWithClicks")}},
                },
                **_problems(404),
            },
        },
        "delete": {
            "summary": "Delete a link and its clicks (API key required).",
            "security": [{"apiKey": []}],
            "responses": {"204": {"description": "Deleted."}, **_problems(403, 404)},
        },
    },
    "/": {
        "get": _page("The home page, with the form."),
        "post": {
            "summary": "Shorten a URL from the form; redirects to its share page.",
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["url"],
                            "properties": {
                                "url": {"type": "string"},
                                "alias": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "303": {"description": "Created; go to the share page."},
                "400": {
                    "description": "Refused; the form again, with the reason.",
                    "content": {HTML: {"schema": {"type": "string"}}},
                },
                "409": {
                    "description": STATUS_PHRASES[409],
                    "content": {HTML: {"schema": {"type": "string"}}},
                },
                **_problems(413, 429, 503, html=True),
            },
        },
    },
    "/{code}": {
        "parameters": [CODE_PARAMETER],
        "get": {
            "summary": "Follow a link (counts a click).",
            "responses": {**REDIRECT, **_problems(404, 410, html=True)},
        },
        "head": {
            "summary": "Follow a link, headers only (counts a click).",
            "responses": {
                **REDIRECT,
                "404": {"description": "Unknown."},
                "410": {"description": "Expired."},
            },
        },
    },
    "/{code}+": {
        "parameters": [CODE_PARAMETER],
        "get": _page("Where the link goes, without going there.", 404, 410),
    },
    "/{code}/share": {
        "parameters": [CODE_PARAMETER],
        "get": _page("The short link, a copy button and a QR code.", 404, 410),
    },
    "/{code}/stats": {
        "parameters": [CODE_PARAMETER],
        "get": _page("The link's clicks.", 404),
    },
    "/healthz": {
        "get": {
            "summary": "Liveness: the process answers (nothing else is checked).",
            "responses": {
                "200": {
                    "description": "Healthy.",
                    "content": {
                        JSON: {
                            "schema": {
                                "type": "object",
                                "properties": {"status": {"type": "string"}},
                            }
                        }
                    },
                }
            },
        }
    },
    "/readyz": {
        "get": {
            "summary": "Readiness: the store answers; a cache that does not only degrades it.",
            "responses": {
                str(status): {
                    "description": description,
                    "content": {
                        JSON: {
                            "schema": {
                                "type": "object",
                                "required": ["status", "degraded", "checks"],
                                "properties": {
                                    "status": {"type": "string", "enum": [word]},
                                    "degraded": {
                                        "description": "Failing dependencies it serves without.",
                                        "type": "array",
                                        "items": {"type": "string"},
                                    },
                                    "checks": {
                                        "description": '"ok", or what went wrong, by dependency.',
                                        "type": "object",
                                        "additionalProperties": {"type": "string"},
                                    },
                                },
                            }
                        }
                    },
                }
                for status, description, word in [
                    (200, "Ready: the store answers; `degraded` names what else fails.", "ready"),
                    (503, "Not ready: the store does not answer; `checks` says why.", "unready"),
                ]
            },
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics, in its text format.",
            "responses": {
                "200": {"description": "The metrics.", "content": {"text/plain": {}}},
            },
        }
    },
    "/openapi.json": {
        "get": {
            "summary": "This description.",
            "responses": {"200": {"description": "OpenAPI 3.", "content": {JSON: {}}}},
        }
    },
    "/static/{filename}": {
        "parameters": [
            {"name": "filename", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "get": {
            "summary": "The pages' stylesheet and script.",
            "responses": {"200": {"description": "A file."}, **_problems(404)},
        },
    },
}


def document() -> dict[str, Any]:
    """The OpenAPI document."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "URL shortener",
            "version": "1.0.0",
            "description": "Short links with click counts. Errors are RFC 9457 problem details.",
        },
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """Serve the description."""
    return jsonify(document())

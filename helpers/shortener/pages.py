"""The pages a person sees, and the redirect itself.

`/` has the form; after it, `/<code>/share` shows the short link, a copy button and a QR code.
`/<code>+` previews where a link goes without going there; `/<code>/stats` counts its clicks;
`/<code>` redirects (and counts a click).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest, Gone, HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from . import links
from .clicks import current_counter
from .process_local import real_current_app
from .qr import qr_svg
from .ratelimit import creation_limit
from .redirects import BodilessResponse, redirect_to
from .service import MAX_EXPIRES_IN, NewLink, find_or_404, short_url_for, shorten

bp = Blueprint("pages", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@bp.app_template_filter("http_only")
def http_only(url: str) -> str:
    """`url` if it is an http(s) URL, else '#': nothing else may ever reach an href."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return "#"
    return url if scheme in ("http", "https") else "#"


@bp.after_app_request
def protect_pages(response: Response) -> Response:
    """Tell browsers that pages load only our own scripts and styles and are never framed."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def live_link_or_error(code: str) -> links.Link:
    """The link under `code` if it may still be followed; 404 if unknown, 410 if expired."""
    link = find_or_404(code)
    if link.is_expired(links.utc_now()):
        raise Gone(f"the link {code!r} has expired")
    return link


def form_expiry(text: str) -> int | None:
    """The form's optional expiry in seconds (None for never); `shorten` checks its range."""
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_EXPIRES_IN))):
        raise BadRequest(f"the expiry must be a whole number of seconds, 1 to {MAX_EXPIRES_IN}")
    return int(text)


@bp.get("/")
def index() -> str:
    """The home page: a form to shorten a URL, with an optional alias and expiry."""
    return render_template("index.html")


@bp.post("/")
@creation_limit
def create() -> WerkzeugResponse | tuple[str, int]:
    """Shorten the URL from the form; show the form again, with the reason, if it was refused."""
    url = request.form.get("url", "")
    alias = request.form.get("alias", "").strip() or None
    expires_in = request.form.get("expires_in", "").strip()
    try:
        link = shorten(NewLink(url, alias, form_expiry(expires_in)))
    except HTTPException as error:
        page = render_template(
            "index.html",
            error=error.description,
            url=url,
            alias=alias,
            expires_in=expires_in,
        )
        return page, error.code or 400
    return redirect(url_for("pages.share", code=link.code), 303)


@bp.get("/<code:code>/share")
def share(code: str) -> str:
    """The result page: the short link, a button to copy it, and its QR code."""
    link = live_link_or_error(code)
    short_url = short_url_for(link.code)
    return render_template("share.html", link=link, short_url=short_url, qr=qr_svg(short_url))


@bp.get("/<code:code>+")
def preview(code: str) -> str:
    """Where a link goes, shown before anyone goes there."""
    link = live_link_or_error(code)
    host = urlsplit(link.url).hostname
    return render_template("preview.html", link=link, host=host, short_url=short_url_for(code))


@bp.get("/<code:code>/stats")
def stats(code: str) -> str:
    """A link's clicks: the total, the last one, and one line per day."""
    link = find_or_404(code)
    clicks = current_counter().clicks_of(link)
    expired = link.is_expired(links.utc_now())
    return render_template(
        "stats.html", link=link, clicks=clicks, expired=expired, short_url=short_url_for(code)
    )


@bp.get("/<code:code>")
def follow(code: str) -> Response:
    """Redirect to the link's URL and count the click (GET and HEAD alike).

    Live links are usually answered before Flask by the fast path in `redirects`; this view
    answers what it hands over: 404 for an unknown code, 410 for an expired one.
    """
    status, headers = redirect_to(real_current_app(), live_link_or_error(code))
    return BodilessResponse(status=status, headers=headers)

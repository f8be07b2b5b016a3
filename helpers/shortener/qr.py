"""QR codes of short links, drawn locally by segno as inline SVG (no image service involved)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(text: str) -> Markup:
    """An `<svg>` QR code of `text`, ready to insert into a page.

    segno's SVG holds only path data computed from the text, never the text itself, so it is
    safe to mark as markup.
    """
    symbol = segno.make(text, error="m", micro=False)
    return Markup(symbol.svg_inline(scale=4, dark="#111", light="#fff"))

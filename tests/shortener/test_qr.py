"""qr: inline SVG QR codes, made locally."""

from __future__ import annotations

import re

from markupsafe import Markup

from helpers.shortener.qr import qr_svg


def test_a_qr_code_is_inline_svg_markup() -> None:
    svg = qr_svg("https://sho.rt/abcdefg")
    assert isinstance(svg, Markup)
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg


def test_the_svg_does_not_carry_the_text() -> None:
    assert "sho.rt" not in qr_svg("https://sho.rt/abcdefg")


def test_a_longer_text_needs_a_bigger_symbol() -> None:
    def width(svg: str) -> int:
        found = re.search(r'width="(\d+)"', svg)
        assert found is not None
        return int(found.group(1))

    assert width(qr_svg("https://sho.rt/" + "x" * 200)) > width(qr_svg("https://sho.rt/abc"))

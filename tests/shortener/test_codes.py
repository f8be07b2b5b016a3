"""codes: random codes and the alias rules."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.shortener import codes

from .support import relaxed

BASE62 = re.compile(r"[0-9A-Za-z]{7}")


def test_a_code_is_seven_base62_characters() -> None:
    assert BASE62.fullmatch(codes.new_code())


def test_codes_come_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []

    def choice(alphabet: str) -> str:
        drawn.append(alphabet)
        return "z"

    monkeypatch.setattr(codes.secrets, "choice", choice)
    assert codes.new_code() == "zzzzzzz"
    assert drawn == [codes.ALPHABET] * 7


def test_a_reserved_word_is_never_a_code(monkeypatch: pytest.MonkeyPatch) -> None:
    letters = iter("healthz" + "abcdefg")
    monkeypatch.setattr(codes.secrets, "choice", lambda _alphabet: next(letters))
    assert codes.new_code() == "abcdefg"


def test_a_thousand_codes_are_distinct() -> None:
    assert len({codes.new_code() for _ in range(1000)}) == 1000


@pytest.mark.parametrize("alias", ["abc", "my-link_2", "A" * 32, "---"])
def test_good_aliases(alias: str) -> None:
    assert codes.check_alias(alias) == alias


@pytest.mark.parametrize(
    ("alias", "reason"),
    [
        ("ab", "3 to 32"),
        ("a" * 33, "3 to 32"),
        ("has space", "3 to 32"),
        ("dot.ted", "3 to 32"),
        ("slash/ed", "3 to 32"),
        ("ümlaut", "3 to 32"),
        ("abc\n", "3 to 32"),
        ("api", "reserved"),
        ("Static", "reserved"),
        ("HEALTHZ", "reserved"),
    ],
)
def test_bad_aliases(alias: str, reason: str) -> None:
    with pytest.raises(codes.InvalidAlias, match=reason):
        codes.check_alias(alias)


@relaxed
@given(st.integers(min_value=0, max_value=50))
def test_generated_codes_are_valid_aliases_and_routable(_: int) -> None:
    code = codes.new_code()
    assert BASE62.fullmatch(code)
    assert codes.check_alias(code) == code
    assert re.fullmatch(codes.CodeConverter.regex, code)


@relaxed
@given(st.text(max_size=40))
def test_check_alias_accepts_exactly_the_pattern(text: str) -> None:
    allowed = bool(re.fullmatch(r"[A-Za-z0-9_-]{3,32}", text)) and not codes.is_reserved(text)
    try:
        codes.check_alias(text)
    except codes.InvalidAlias:
        assert not allowed
    else:
        assert allowed

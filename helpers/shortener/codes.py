"""Short codes: random ones made with `secrets`, and the rules for custom aliases.

A generated code is 7 characters from the 62 letters and digits: 62**7 is about 3.5 * 10**12
codes, so two random codes rarely collide, and when they do the database's UNIQUE constraint
notices and the caller simply draws again.
"""

from __future__ import annotations

import re
import secrets
import string

from werkzeug.routing import BaseConverter

ALPHABET = string.digits + string.ascii_letters
CODE_LENGTH = 7
ALIAS_PATTERN = re.compile(r"[A-Za-z0-9_-]{3,32}")
# Words a code may not be: paths the application itself uses, or will plausibly use one day.
RESERVED_WORDS = frozenset(
    {
        "about",
        "admin",
        "api",
        "docs",
        "health",
        "healthz",
        "help",
        "links",
        "login",
        "logout",
        "metrics",
        "new",
        "openapi",
        "readyz",
        "share",
        "static",
        "stats",
    }
)


class InvalidAlias(ValueError):
    """A custom alias that breaks the rules; the message says which rule."""


def is_reserved(word: str) -> bool:
    """True if `word` (in any letter case) is one of the application's own path names."""
    return word.lower() in RESERVED_WORDS


def new_code() -> str:
    """Return a fresh random code: 7 base62 characters, never a reserved word."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if not is_reserved(code):
            return code


def check_alias(alias: str) -> str:
    """Return `alias` if it may be used as a code; raise InvalidAlias saying why not."""
    if not ALIAS_PATTERN.fullmatch(alias):
        raise InvalidAlias("an alias is 3 to 32 characters, each a letter, a digit, '_' or '-'")
    if is_reserved(alias):
        raise InvalidAlias(f"the alias {alias!r} is reserved for the application's own pages")
    return alias


class CodeConverter(BaseConverter):
    """URL converter `<code:...>`: matches what a code or an alias can look like, nothing else."""

    regex = ALIAS_PATTERN.pattern

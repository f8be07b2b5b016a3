"""Exercises of notebook 10, Building the shortener.

Each check drives real code: q1 creates a link with the learner's expiry through the shortener's
API, q2 squats a victim's code in the reference app itself, and q3 runs the learner's test against
a correct validator and against buggy ones.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from helpers import reference_app
from helpers.exercises import Exercise, NotYet, check_test, require
from helpers.shortener import create_app
from helpers.shortener.validation import InvalidURL, normalize_url

# q1: an expiry people can type


def parse_expiry(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    match = re.fullmatch(r"([0-9]+)([smhd])", text)
    if match is None or int(match[1]) == 0:
        raise ValueError(f"expected a duration such as 90s, 15m, 2h or 7d, not {text!r}")
    return int(match[1]) * units[match[2]]


GOOD_EXPIRIES = {"90s": 90, "1s": 1, "15m": 900, "2h": 7200, "7d": 604_800, "365d": 31_536_000}
BAD_EXPIRIES = ("", "15", "0m", "-5m", "1.5h", "3w", "m", "2hm", "h2")


def _check_parse_expiry(candidate: Callable[[str], int]) -> None:
    require(callable(candidate), "the answer should be a function parse_expiry(text).")
    for text, seconds in GOOD_EXPIRIES.items():
        got = candidate(text)
        require(
            type(got) is int,
            f"parse_expiry({text!r}) returned {got!r}, a {type(got).__name__}; the API wants a "
            "whole number of seconds, an int.",
        )
        require(got == seconds, f"parse_expiry({text!r}) returned {got}; expected {seconds}.")
    for text in BAD_EXPIRIES:
        try:
            got = candidate(text)
        except ValueError:
            continue
        except Exception as error:
            raise NotYet(
                f"parse_expiry({text!r}) raised {type(error).__name__}; raise ValueError instead, "
                "so that callers need to catch only one kind of error."
            ) from None
        require(False, f"parse_expiry({text!r}) returned {got!r}; it should raise ValueError.")
    _check_expiry_through_the_api(candidate("2h"), 7200)


def _check_expiry_through_the_api(expires_in: int, seconds: int) -> None:
    """Create a link that expires in `expires_in` seconds with a real app; check expires_at."""
    with tempfile.TemporaryDirectory(prefix="nb10-q1-", ignore_cleanup_errors=True) as folder:
        settings = {
            "TESTING": True,
            "DATABASE": str(Path(folder) / "links.sqlite3"),
            "RATE_LIMIT_ENABLED": False,
        }
        client = create_app(settings).test_client()
        body = {"url": "https://www.example.com/sale", "expires_in": expires_in}
        response = client.post("/api/links", json=body)
        answer = response.get_json(silent=True) or {}
        require(
            response.status_code == 201,
            f"the API refused expires_in={expires_in!r}: {response.status_code} "
            f"{answer.get('detail')}",
        )
        lifetime = datetime.fromisoformat(answer["expires_at"]) - datetime.fromisoformat(
            answer["created_at"]
        )
        require(
            lifetime.total_seconds() == seconds,
            f"the link lives {lifetime.total_seconds():g} s; expected {seconds} s.",
        )


def _minutes_for_every_unit(text: str) -> int:
    """Wrong: reads every unit as minutes."""
    return int(text[:-1]) * 60


def _float_seconds(text: str) -> float:
    """Wrong: a float, which the API refuses, and zero or negative durations let through."""
    units = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
    return float(text[:-1]) * units[text[-1]]


def _zero_allowed(text: str) -> int:
    """Wrong: accepts 0m, a link that is dead on arrival."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    match = re.fullmatch(r"([0-9]+)([smhd])", text)
    if match is None:
        raise ValueError(text)
    return int(match[1]) * units[match[2]]


q1 = Exercise(
    "parse_expiry turns 90s, 15m, 2h and 7d into seconds",
    _check_parse_expiry,
    hints=[
        "Split the text into a number and a one-letter unit; a dict maps each unit to its "
        "seconds: {'s': 1, 'm': 60, 'h': 3600, 'd': 86400}.",
        "re.fullmatch(r'([0-9]+)([smhd])', text) matches the whole text or returns None; "
        "raise ValueError when it is None or when the number is 0.",
    ],
    solution=parse_expiry,
    wrong=[_minutes_for_every_unit, _float_seconds, _zero_allowed],
)


# q2: squatting a truncated hash


def squat(victim_url: str, length: int) -> str:
    wanted = hashlib.md5(victim_url.encode()).hexdigest()[:length]
    number = 0
    while True:
        url = f"https://evil.example/{number}"
        if hashlib.md5(url.encode()).hexdigest()[:length] == wanted:
            return url
        number += 1


ATTACKER = "https://evil.example/"
VICTIMS = ("https://www.example.com/bank/login", "https://www.example.com/docs/1")
VICTIM_OF_THE_REFERENCE_APP = "https://www.example.com/news"


def md5_prefix(url: str, length: int) -> str:
    return hashlib.md5(url.encode()).hexdigest()[:length]


def _check_squatter_url(candidate: Callable[[str, int], str], victim: str, length: int) -> str:
    url = candidate(victim, length)
    call = f"squat({victim!r}, {length})"
    require(isinstance(url, str), f"{call} returned {url!r}, not a URL string.")
    require(url.startswith(ATTACKER), f"{call} returned {url!r}; it should start with {ATTACKER}")
    require(
        md5_prefix(url, length) == md5_prefix(victim, length),
        f"{call} returned {url!r}, whose code is {md5_prefix(url, length)!r}; the victim's is "
        f"{md5_prefix(victim, length)!r}.",
    )
    return url


@contextmanager
def _empty_reference_links() -> Iterator[None]:
    """Run the block with the reference app's dict emptied, then put its links back."""
    saved = dict(reference_app.links)
    reference_app.links.clear()
    try:
        yield
    finally:
        reference_app.links.clear()
        reference_app.links.update(saved)


def _check_squat(candidate: Callable[[str, int], str]) -> None:
    require(callable(candidate), "the answer should be a function squat(victim_url, length).")
    for victim in VICTIMS:
        _check_squatter_url(candidate, victim, 4)
    victim = VICTIM_OF_THE_REFERENCE_APP
    attacker = _check_squatter_url(candidate, victim, 5)
    with _empty_reference_links():
        client = reference_app.app.test_client()
        client.post("/shorten", json={"url": attacker})
        told = client.post("/shorten", json={"url": victim}).get_json()
        landing = client.get(f"/r/{told['code']}").headers.get("Location")
    require(
        told["message"] == "Already exists" and landing == attacker,
        f"the reference app sent the victim's visitors to {landing!r}, not to {attacker!r}.",
    )


def _the_victim_itself(victim_url: str, length: int) -> str:
    """Wrong: the victim's own URL is not the attacker's."""
    return victim_url


def _code_in_the_path(victim_url: str, length: int) -> str:
    """Wrong: putting the victim's code in the path does not give the attacker's URL that code."""
    return ATTACKER + md5_prefix(victim_url, length)


def _always_four_characters(victim_url: str, length: int) -> str:
    """Wrong: ignores `length`, so the fifth character of the code differs."""
    return squat(victim_url, 4)


q2 = Exercise(
    "squat finds an attacker URL with the victim's code",
    _check_squat,
    hints=[
        "Compute the victim's code once: hashlib.md5(victim_url.encode()).hexdigest()[:length]. "
        "Then try https://evil.example/0, /1, /2, ... until one has the same code.",
        "Each try matches with chance 1 in 16**length: about 65,000 tries for 4 characters, about "
        "a million for 5. A plain while loop with a counter is fast enough.",
    ],
    solution=squat,
    wrong=[_the_victim_itself, _code_in_the_path, _always_four_characters],
)


# q3: a test for a new validation rule

OTHER_SHORTENERS = frozenset({"lnk.example", "tiny.example"})


def _validator(refuses: Callable[[str], bool]) -> Callable[[str], str]:
    """A validator: the shortener's rules, then a refusal whenever `refuses(host)` is true."""

    def validate(url: str) -> str:
        canonical = normalize_url(url)
        host = (urlsplit(canonical).hostname or "").removesuffix(".")
        if refuses(host):
            raise InvalidURL("links to other shorteners hide where they really go")
        return canonical

    return validate


def _is_other_shortener(host: str) -> bool:
    return any(host == name or host.endswith("." + name) for name in OTHER_SHORTENERS)


CORRECT_VALIDATOR = _validator(_is_other_shortener)
BUGGY_VALIDATORS = (
    (
        _validator(lambda host: False),
        "has no such rule at all (it accepts https://lnk.example/Xk3p9Qa): assert that a link "
        "to each host in OTHER_SHORTENERS raises InvalidURL",
    ),
    (
        _validator(lambda host: host == "lnk.example"),
        "refuses lnk.example but not tiny.example: test every host in OTHER_SHORTENERS",
    ),
    (
        _validator(lambda host: host in OTHER_SHORTENERS),
        "lets subdomains through (https://go.lnk.example/abc): add a subdomain case",
    ),
    (
        _validator(lambda host: host.endswith(tuple(OTHER_SHORTENERS))),
        "also refuses look-alikes such as https://notlnk.example/, whose name merely ends in "
        "'lnk.example': assert that such a host is still accepted",
    ),
    (
        _validator(lambda host: True),
        "refuses every URL: assert that an ordinary URL such as https://www.example.com/ is "
        "still accepted",
    ),
)


def test_other_shorteners_are_refused(validate: Callable[[str], str]) -> None:
    for host in sorted(OTHER_SHORTENERS):
        for url in (f"https://{host}/Xk3p9Qa", f"http://go.{host}/abc"):
            with pytest.raises(InvalidURL):
                validate(url)
    assert validate("https://www.example.com/page") == "https://www.example.com/page"
    assert validate("https://notlnk.example/") == "https://notlnk.example/"


def _check_test(candidate: Callable[[Callable[[str], str]], None]) -> None:
    require(
        callable(candidate), "the answer should be a function test_other_shorteners_are_refused."
    )
    check_test(
        candidate,
        CORRECT_VALIDATOR,
        BUGGY_VALIDATORS,
        name="validator",
        advice="Wrap each call that should be refused in `with pytest.raises(InvalidURL):`.",
    )


def _asserts_nothing(validate: Callable[[str], str]) -> None:
    """Wrong: calls the validator but checks nothing."""
    validate("https://www.example.com/")


def _one_exact_host(validate: Callable[[str], str]) -> None:
    """Wrong: one host, no subdomain."""
    with pytest.raises(InvalidURL):
        validate("https://lnk.example/Xk3p9Qa")
    assert validate("https://www.example.com/")


def _refusals_only(validate: Callable[[str], str]) -> None:
    """Wrong: never checks that good URLs still pass."""
    for host in sorted(OTHER_SHORTENERS):
        for url in (f"https://{host}/Xk3p9Qa", f"http://go.{host}/abc"):
            with pytest.raises(InvalidURL):
                validate(url)


q3 = Exercise(
    "a test that catches every broken version of the rule",
    _check_test,
    hints=[
        "`with pytest.raises(InvalidURL): validate(url)` fails unless the call raises InvalidURL. "
        "Use it for https://lnk.example/..., https://tiny.example/... and a subdomain of each "
        "(you need `import pytest`).",
        "A test must also fail a validator that refuses too much: assert that "
        "validate('https://www.example.com/page') returns the URL, and that a look-alike such as "
        "https://notlnk.example/ is accepted.",
    ],
    solution=test_other_shorteners_are_refused,
    wrong=[_asserts_nothing, _one_exact_host, _refusals_only],
)

"""Exercises of notebook 09, Designing a URL shortener."""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import idna

from helpers.exercises import Exercise, answer_of, require


# q1's function has a name of its own, not the notebook's `collision_probability`: the learner's
# stub, defined in the exercise cell, must not replace the function the figure above draws with.
def repeat_chance(n: int, space: int) -> float:
    return -math.expm1(-n * (n - 1) / (2 * space))


def _exact_repeat_chance(n: int, space: int) -> float:
    """The exact chance, 1 - (N/N)((N-1)/N)...((N-n+1)/N), which the formula approximates."""
    if n > space:
        return 1.0
    return -math.expm1(math.fsum(math.log1p(-i / space) for i in range(n)))


def _check_repeat_chance(candidate: Callable[[int, int], float]) -> None:
    cases = [(0, 100), (1, 100), (2, 100), (23, 365), (1206, 16**5), (10**6, 62**7), (10**4, 10)]
    for n, space in cases:
        got = answer_of(f"n={n}, space={space}", candidate, n, space, who="repeat_chance")
        want = repeat_chance(n, space)
        require(
            isinstance(got, float | int) and not isinstance(got, bool),
            f"repeat_chance({n}, {space}) returned {got!r}, not a number",
        )
        require(
            any(
                math.isclose(got, close, rel_tol=1e-3, abs_tol=1e-9)
                for close in (want, _exact_repeat_chance(n, space))
            ),
            f"repeat_chance({n}, {space}) returned {got!r}; "
            + (
                f"{n} code{'' if n == 1 else 's'} cannot repeat, so the chance is 0."
                if n < 2
                else f"expected about {abs(want):.6g}."
            ),
        )


def md5_prefix(url: str, length: int) -> str:
    return hashlib.md5(url.encode()).hexdigest()[:length]


def colliding_pairs(urls: list[str], length: int) -> int:
    by_code: dict[str, int] = {}
    for url in urls:
        code = md5_prefix(url, length)
        by_code[code] = by_code.get(code, 0) + 1
    return sum(count * (count - 1) // 2 for count in by_code.values())


def _check_colliding_pairs(candidate: Callable[[list[str], int], int]) -> None:
    cases = [
        (["https://a.example/", "https://b.example/"], 5, "two URLs with different codes"),
        (
            ["https://www.example.com/articles/92", "https://www.example.com/articles/134"],
            5,
            "the notebook's own collision",
        ),
        # Article 655782 is the third article URL whose MD5 starts with 8189b, as 92 and 134 do.
        (
            [f"https://www.example.com/articles/{n}" for n in (92, 134, 655782)],
            5,
            "three URLs on one code",
        ),
        ([f"https://site.example/{n}" for n in range(100)], 2, "100 URLs and 2 characters"),
        ([f"https://shop.example/item?id={n}" for n in range(3000)], 4, "3,000 URLs"),
        ([], 5, "an empty list"),
    ]
    for urls, length, what in cases:
        got = answer_of(what, candidate, list(urls), length, who="colliding_pairs")
        want = colliding_pairs(urls, length)
        require(
            isinstance(got, int) and not isinstance(got, bool),
            f"colliding_pairs returned {got!r} for {what}; return a whole number.",
        )
        require(
            got == want,
            f"for {what} (length {length}), colliding_pairs returned {got}; "
            f"the right count is {want}.",
        )


def _counts_repeated_urls_not_pairs(urls: list[str], length: int) -> int:
    return len(urls) - len({md5_prefix(url, length) for url in urls})


def _expected_pairs_instead(urls: list[str], length: int) -> int:
    return round(len(urls) * (len(urls) - 1) / (2 * 16**length))


ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def from_base62(code: str) -> int:
    number = 0
    for character in code:
        number = number * 62 + ALPHABET.index(character)
    return number


def _check_from_base62(candidate: Callable[[str], int]) -> None:
    cases = {"0": 0, "1": 1, "z": 35, "Z": 61, "10": 62, "4c92": 1_000_000, "ZZZZZZZ": 62**7 - 1}
    for code, want in cases.items():
        got = answer_of(f"{code!r}", candidate, code, who="from_base62")
        require(got == want, f"from_base62({code!r}) returned {got!r}; expected {want}.")


q1 = Exercise(
    "repeat_chance follows the birthday bound",
    _check_repeat_chance,
    hints=[
        "The notebook's formula: 1 - e^(-n(n-1)/2N).",
        "math.exp gives e^x. For very small x, 1 - exp(-x) loses precision; "
        "-math.expm1(-x) keeps it.",
    ],
    solution=repeat_chance,
    wrong=[lambda n, space: n / space, lambda n, space: 1 - math.exp(-n / space)],
)

q2 = Exercise(
    "colliding_pairs counts the pairs of URLs that share a code",
    _check_colliding_pairs,
    hints=[
        "Count how many URLs get each code: a dict from code to count, or collections.Counter.",
        "A code shared by k URLs makes k(k-1)/2 pairs: three URLs on one code are three pairs, "
        "not two.",
    ],
    solution=colliding_pairs,
    wrong=[_counts_repeated_urls_not_pairs, _expected_pairs_instead],
)

q3 = Exercise(
    "from_base62 turns a code back into its number",
    _check_from_base62,
    hints=[
        "ALPHABET.index(character) is the value of one digit.",
        "Read the digits left to right: number = number * 62 + value.",
    ],
    solution=from_base62,
    wrong=[lambda code: int(code, 36)],
)


# q4: a validator that judges a URL the way a browser will read it, from its text alone.
# Each row: the URL, whether a shortener may accept it, and what the link would do (the reason a
# wrong verdict gets: it says what is at stake, not how to detect it).
URL_TABLE: tuple[tuple[str, bool, str], ...] = (
    ("https://www.example.com/page", True, "an ordinary public web page"),
    ("HTTP://WWW.Example.COM/Mixed/Case", True, "an ordinary page; scheme and host ignore case"),
    ("https://bücher.example/", True, "a public-looking international name"),
    ("https://www.example.com./", True, "a public name written with its final dot"),
    ("http://8.8.8.8/", True, "a public IPv4 address"),
    ("http://[2606:4700:4700::1111]:8080/x", True, "a public IPv6 address"),
    ("www.example.com/page", False, "would be read as a path on the shortener's own site"),
    ("javascript:alert(document.cookie)", False, "would run code in the clicker's browser"),
    ("ftp://files.example/report", False, "is not a web page a redirect should lead to"),
    ("https:///nowhere", False, "leads nowhere"),
    ("https://bank.example@evil.example/login", False, "looks like one site and opens another"),
    ("https://user:secret@www.example.com/", False, "shows a password to every clicker"),
    ("http://example.com:99999/", False, "names a port no browser can connect to"),
    ("http://999.1.1.1/", False, "is refused by browsers: its host is not a valid address"),
    ("http://127.0.0.1:6379/", False, "opens a service on the clicker's own machine"),
    ("http://localhost/", False, "opens the clicker's own machine"),
    ("http://LOCALHOST./", False, "opens the clicker's own machine"),
    ("http://app.localhost:3000/", False, "opens the clicker's own machine"),
    ("http://10.0.0.5/admin", False, "reaches into the clicker's private network"),
    ("http://169.254.169.254/latest/meta-data/", False, "reaches a machine's metadata service"),
    ("http://[::1]/", False, "opens the clicker's own machine"),
    ("http://[fe80::1]/", False, "reaches a device on the clicker's local link"),
    ("http://[::ffff:127.0.0.1]/", False, "opens the clicker's own machine"),
    ("http://2130706433/", False, "opens the clicker's own machine"),
    ("http://0177.0.0.1/", False, "opens the clicker's own machine"),
    ("http://0x7f.1/", False, "opens the clicker's own machine"),
    ("http://127.1/", False, "opens the clicker's own machine"),
    ("http://0/", False, "reaches an address that is no public host"),
    ("http://ｌｏｃａｌｈｏｓｔ/", False, "opens the clicker's own machine"),
    ("http://１２７.０.０.１/", False, "opens the clicker's own machine"),
    ("http://127.0.0.1\\admin", False, "opens the clicker's own machine"),
    ("http://loc%61lhost/", False, "opens the clicker's own machine"),
    ("http://127.0.0.1%2e/", False, "opens the clicker's own machine"),
    ("https://straße.example/", True, "a public-looking international name"),
)

# More rows of the same kinds, which the check also runs but the notebook does not print: an
# answer must follow the browser's reading of a host, not the particular rows above.
HELD_OUT: tuple[tuple[str, bool, str], ...] = (
    ("http://localhost\\x", False, "opens the clicker's own machine"),
    ("http://%6c%6f%63%61%6c%68%6f%73%74/", False, "opens the clicker's own machine"),
    ("http://0x7f000001/", False, "opens the clicker's own machine"),
    ("http://127.0.0.1./", False, "opens the clicker's own machine"),
    ("http://127。0。0。1/", False, "opens the clicker's own machine"),
    ("http://0xA9.254.169.254/", False, "reaches a machine's metadata service"),
    ("http://[::ffff:a9fe:a9fe]/", False, "reaches a machine's metadata service"),
    ("https://www.example.org/a%20b?q=%41", True, "an ordinary page with escapes in its path"),
    ("https://1.1.1.1/", True, "a public IPv4 address"),
    (
        "https://ＷＷＷ.ＥＸＡＭＰＬＥ.ＯＲＧ/",
        True,
        "an ordinary public page, in full-width letters",
    ),
    ("https://xn--bcher-kva.example/", True, "a public-looking international name"),
)


def _ipv4_number(part: str) -> int | None:
    """One part of a numeric host as browsers read it: 0x... hex, 0... octal, else decimal."""
    if part[:2].lower() == "0x":
        digits, radix = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, radix = part[1:], 8
    else:
        digits, radix = part, 10
    if not part or not all(c in "0123456789abcdef"[:radix] for c in digits.lower()):
        return None
    return int(digits, radix) if digits else 0


def browser_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a browser reads in `host`, None for a name; ValueError for neither.

    Browsers (the WHATWG URL standard) read a host whose last part is a number as 1 to 4
    numbers, each decimal, octal or hex: 2130706433, 0177.0.0.1, 0x7f.1 and 127.1 are 127.0.0.1.
    """
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    last = parts[-1]
    hex_number = last[:2].lower() == "0x" and all(c in "0123456789abcdefABCDEF" for c in last[2:])
    if not (hex_number or (last.isascii() and last.isdigit())):
        return None
    numbers = [_ipv4_number(part) for part in parts]
    valid = [number for number in numbers if number is not None]
    if (
        len(parts) > 4
        or len(valid) < len(numbers)
        or any(number > 255 for number in valid[:-1])
        or valid[-1] >= 256 ** (5 - len(valid))
    ):
        raise ValueError(f"{host!r} looks like an IPv4 address but is not one")
    value = valid[-1] + sum(number * 256 ** (3 - i) for i, number in enumerate(valid[:-1]))
    return ipaddress.IPv4Address(value)


def safe_to_shorten(url: str) -> bool:
    """True if a shortener may redirect to `url`: judged from its text, never by visiting it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (an impossible port raises ValueError)
    except ValueError:
        return False
    # Browsers read a backslash as '/', which would move the host's end. One is harmless after
    # the path starts, but this policy, like the service's, errs on the side of refusing.
    if parts.scheme not in {"http", "https"} or not parts.hostname or "\\" in url:
        return False
    if parts.username is not None or parts.password is not None:
        return False
    host = unquote(parts.hostname)  # browsers decode %-escapes in a host: loc%61lhost
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    try:
        if ":" in host:
            address = ipaddress.IPv6Address(host)
            address = address.ipv4_mapped or address
        else:  # mapped as browsers map names (UTS #46): full-width forms become ASCII
            host = idna.uts46_remap(host, std3_rules=False, transitional=False)
            address = browser_ipv4(host)
    except (ValueError, UnicodeError):
        return False
    if address is None:
        name = host.rstrip(".")
        return name != "localhost" and not name.endswith(".localhost")
    return address.is_global


def _check_safe_to_shorten(candidate: Callable[[str], bool]) -> None:
    for url, safe, what in URL_TABLE + HELD_OUT:
        got = answer_of(f"{url!r}", candidate, url, who="safe_to_shorten")
        require(
            isinstance(got, bool),
            f"safe_to_shorten({url!r}) returned {got!r}; return True or False.",
        )
        if safe:
            require(got, f"safe_to_shorten({url!r}) returned False, but that link is {what}.")
        else:
            require(not got, f"safe_to_shorten({url!r}) returned True, but that link {what}.")


def looks_safe(url: str) -> bool:
    """A first validator, as the notebook shows it: the rules read with the standard library."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return False
    if parts.username is not None or parts.password is not None:
        return False
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # not an IP address, so a name
    return address.is_global


def _text_only(url: str) -> bool:
    return url.lower().startswith(("http://", "https://")) and not any(
        word in url for word in ("127.0.0.1", "localhost", "10.", "192.168.", "169.254.")
    )


def _forgets_userinfo(url: str) -> bool:
    parts = urlsplit(url)
    return safe_to_shorten(parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl())


q4 = Exercise(
    "safe_to_shorten judges a URL the way a browser will read it",
    _check_safe_to_shorten,
    hints=[
        "Start from the notebook's `looks_safe` and run it on URL_TABLE: the rows it gets "
        "wrong are all about how a browser reads the host.",
        "A browser reads a host that ends in a number as an IPv4 address written as 1 to 4 "
        "numbers, and each number may be decimal, octal (a leading 0) or hex (0x). "
        "ipaddress.IPv4Address also accepts one int.",
        "Before judging a name, read it as the browser will: browsers decode %-escapes in a "
        "host (urllib.parse.unquote), then map it with UTS #46: "
        "idna.uts46_remap(host, std3_rules=False, transitional=False) turns full-width "
        "letters, digits and dots into ASCII, so 'ｌｏｃａｌｈｏｓｔ' becomes 'localhost'. "
        "(Which mapping, UTS #46 or Python's older 'idna' codec, matters for the name "
        "normalize_url stores, 'ß' or 'ss', not for whether a host is local.) "
        "A backslash is a '/' to a browser: refuse it. "
        "And `parts.port` raises ValueError for a port no browser can use.",
    ],
    solution=safe_to_shorten,
    wrong=[looks_safe, _text_only, _forgets_userinfo],
)

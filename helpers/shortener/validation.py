"""Which URLs may be shortened, and the one canonical form in which they are stored.

The rules: `http` or `https` only; a host is required; at most 2,048 characters; no user name or
password (`https://bank.example@evil.example/` really goes to evil.example); no link to the
shortener itself (a loop); and, unless the configuration allows it, no private, loopback,
link-local or reserved address, written as an IP literal or as a local name like `localhost`.

The target is never fetched and its name never resolved: the shortener only answers with a
redirect, so it cannot be used to reach into the network it runs in (no SSRF). Internationalised
host names are stored in their ASCII (punycode) form, mapped as browsers map them (UTS #46,
non-transitional, as the WHATWG URL standard asks): `straße.example` is `xn--strae-oqa.example`,
the name a browser will visit, not `strasse.example` as Python's own IDNA 2003 codec would say.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection
from urllib.parse import SplitResult, quote, urlsplit

import idna

MAX_URL_LENGTH = 2048
ALLOWED_SCHEMES = frozenset({"http", "https"})
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})
LOCAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".home.arpa", ".lan")
HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")
# Printable ASCII that may stay as it is in a path, query or fragment; the rest is %-encoded.
SAFE_URL_CHARACTERS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"<>\\^`{|}')

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class InvalidURL(ValueError):
    """A URL that may not be shortened; the message says why, in words a user understands."""


def normalize_url(url: str, *, own_hosts: Collection[str] = (), allow_private: bool = False) -> str:
    """Check `url` against every rule and return its canonical form; raise InvalidURL if not.

    `own_hosts` are the shortener's own host names (links to them would loop); `allow_private`
    lets private, loopback and local targets through (for a shortener inside a private network).
    """
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(f"the URL is longer than {MAX_URL_LENGTH} characters")
    url = url.strip()
    if not url:
        raise InvalidURL("the URL is empty")
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in url):
        raise InvalidURL("the URL contains control characters")
    if "\\" in url:
        raise InvalidURL("the URL contains a backslash, which browsers read as '/'")
    parts = _split(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise InvalidURL("only http:// and https:// URLs can be shortened")
    if parts.username is not None or parts.password is not None:
        raise InvalidURL("the URL contains a user name or password ('user@host' tricks readers)")
    if not parts.hostname:
        raise InvalidURL("the URL has no host")
    host = normalize_host(parts.hostname)
    if not allow_private and is_private_host(host):
        raise InvalidURL(f"the host {host} is private, local or reserved")
    if _bare(host) in {_bare(own).lower() for own in own_hosts}:
        raise InvalidURL("the URL points at this shortener itself, which would loop")
    canonical = _rebuild(parts, host)
    if len(canonical) > MAX_URL_LENGTH:
        raise InvalidURL(f"the URL is longer than {MAX_URL_LENGTH} characters once encoded")
    return canonical


def normalize_host(host: str) -> str:
    """Return `host` in ASCII, lower case, with IP addresses in their usual notation.

    Raises InvalidURL for a host no browser would accept.
    """
    if ":" in host:
        return _parse_ip(host, version=6).compressed
    try:
        ascii_host = to_ascii_host(host)
    except UnicodeError as error:  # idna.IDNAError is a UnicodeError
        raise InvalidURL(f"the host {host!r} is not a valid domain name") from error
    labels = _bare(ascii_host).split(".")
    if NUMERIC_LABEL.fullmatch(labels[-1]):
        return str(_parse_ipv4_like(labels))
    if len(_bare(ascii_host)) > 253 or not all(HOST_LABEL.fullmatch(label) for label in labels):
        raise InvalidURL(f"the host {host!r} is not a valid domain name")
    return ascii_host


def to_ascii_host(host: str) -> str:
    """The ASCII name a browser looks up for `host`: UTS #46 mapping, non-transitional.

    The mapping folds case and full-width forms ('ＥＸＡＭＰＬＥ' is 'example', '。' is '.') and
    keeps 'ß' and 'ς' (transitional mapping, like Python's "idna" codec, would turn 'ß' into 'ss'
    and so name another site). Non-ASCII labels become punycode ('xn--...'); ASCII labels are left
    for the caller's own checks, since browsers also accept names such as 'a_b.example'.
    Raises UnicodeError (idna.IDNAError) for a name no browser would accept.
    """
    mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
    return ".".join(
        label.lower() if label.isascii() else idna.alabel(label).decode("ascii")
        for label in mapped.split(".")
    )


def is_private_host(host: str) -> bool:
    """True if a normalised host is an IP that is not globally routable, or a local name."""
    try:
        address: IPAddress = ipaddress.ip_address(host)
    except ValueError:
        name = _bare(host)
        return name in LOCAL_NAMES or name.endswith(LOCAL_SUFFIXES) or "." not in name
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _split(url: str) -> SplitResult:
    """`urlsplit` that reports a malformed URL (bad IPv6 brackets, port) as InvalidURL."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it validates it
    except ValueError as error:
        raise InvalidURL(f"the URL is malformed: {error}") from error
    return parts


def _rebuild(parts: SplitResult, host: str) -> str:
    """Put a URL back together from checked parts, with any non-ASCII text %-encoded."""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    url = f"{parts.scheme.lower()}://{netloc}{_encode(parts.path)}"
    if parts.query:
        url += "?" + _encode(parts.query)
    if parts.fragment:
        url += "#" + _encode(parts.fragment)
    return url


def _encode(text: str) -> str:
    return quote(text, safe=SAFE_URL_CHARACTERS)


def _bare(host: str) -> str:
    """A host name without the optional final dot ('example.com.' is 'example.com')."""
    return host.removesuffix(".")


def _parse_ip(text: str, version: int) -> IPAddress:
    try:
        return ipaddress.IPv6Address(text) if version == 6 else ipaddress.IPv4Address(text)
    except ValueError as error:
        raise InvalidURL(f"the host {text!r} is not a valid IP address") from error


def _parse_ipv4_like(labels: list[str]) -> ipaddress.IPv4Address:
    """Read an IPv4 address the way browsers do: '127.1', '0x7f.0.0.1' and '2130706433' too.

    A host whose last label is a number is an IPv4 address to a browser (WHATWG URL standard),
    so the shortener must read it the same way before deciding whether it is private.
    """
    if len(labels) > 4:
        raise InvalidURL("the host looks like an IPv4 address but has too many parts")
    numbers = [_ipv4_number(label) for label in labels]
    *head, last = numbers
    if any(number > 255 for number in head) or last >= 256 ** (5 - len(numbers)):
        raise InvalidURL("the host looks like an IPv4 address but a part is out of range")
    value = last
    for position, number in enumerate(head):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def _ipv4_number(label: str) -> int:
    """One part of a browser-style IPv4 address: decimal, 0x hexadecimal or 0-prefixed octal."""
    try:
        if label[:2].lower() == "0x":
            return int(label[2:] or "0", 16)
        if len(label) > 1 and label.startswith("0"):
            return int(label, 8)
        return int(label, 10)
    except ValueError as error:
        raise InvalidURL(f"the host part {label!r} is not a valid IPv4 number") from error

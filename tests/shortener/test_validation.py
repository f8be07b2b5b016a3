"""validation: which URLs may be shortened, and their canonical form."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.provisional import domains

from helpers.shortener.validation import (
    MAX_URL_LENGTH,
    InvalidURL,
    is_private_host,
    normalize_url,
)

from .support import relaxed


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://example.com/", "https://example.com/"),
        ("HTTP://Example.COM/Path?Q=1#Frag", "http://example.com/Path?Q=1#Frag"),
        ("  https://example.com/x  ", "https://example.com/x"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/?q=%41", "https://example.com/?q=%41"),
        ("https://8.8.8.8/dns", "https://8.8.8.8/dns"),
        ("https://[2001:4860:4860::8888]/", "https://[2001:4860:4860::8888]/"),
        ("https://www.example.com./", "https://www.example.com./"),
        # UTS #46 non-transitional, as browsers map names: 'ß' and 'ς' are kept, not folded.
        ("https://straße.example/", "https://xn--strae-oqa.example/"),
        ("https://STRASSE.example/", "https://strasse.example/"),
        ("https://faß.de/", "https://xn--fa-hia.de/"),
        ("https://ＢÜＣＨＥＲ。example/", "https://xn--bcher-kva.example/"),
        ("https://xn--strae-oqa.example/", "https://xn--strae-oqa.example/"),
    ],
)
def test_accepted_urls_and_their_canonical_form(url: str, canonical: str) -> None:
    assert normalize_url(url) == canonical


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("javascript:alert(1)", "only http"),
        ("ftp://example.com/file", "only http"),
        ("data:text/html,<script>alert(1)</script>", "only http"),
        ("example.com/no-scheme", "only http"),
        ("//example.com/", "only http"),
        ("https:///path-only", "no host"),
        ("https://", "no host"),
        ("https://bank.example@evil.example/", "user name or password"),
        ("https://user:pass@example.com/", "user name or password"),
        ("https://:pass@example.com/", "user name or password"),
        ("https://evil.example\\@bank.example/", "backslash"),
        ("https://exa\nmple.com/", "control characters"),
        ("https://example.com/\x00", "control characters"),
        ("https://example.com:99999/", "malformed"),
        ("https://example.com:port/", "malformed"),
        ("https://[::1/", "malformed"),
        ("https://exa mple.com/", "not a valid domain"),
        ("https://ex..ample.com/", "not a valid domain"),
        ("https://-bad.example/", "not a valid domain"),
        ("https://%6cocalhost/", "not a valid domain"),
        ("https://" + "a" * 64 + ".com/", "not a valid domain"),
        ("https://1.2.3.4.5/", "IPv4"),
        ("https://1.2.3.256/", "IPv4"),
        ("https://1.2.3.09/", "IPv4"),
        ("https://example.com/" + "a" * MAX_URL_LENGTH, "longer than 2048"),
        ("https://example.com/" + "é" * 1000, "once encoded"),
    ],
)
def test_refused_urls_say_why(url: str, reason: str) -> None:
    with pytest.raises(InvalidURL, match=reason):
        normalize_url(url)


PRIVATE_TARGETS = [
    "http://localhost/",
    "http://LOCALHOST:8000/admin",
    "http://localhost./",
    "http://app.localhost/",
    "http://printer.local/",
    "http://db.internal/",
    "http://router.home.arpa/",
    "http://intranet/",
    "http://127.0.0.1/",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://0/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://[::1]/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://ｌｏｃａｌｈｏｓｔ/",
    "http://127。0。0。1/",
]


@pytest.mark.parametrize("url", PRIVATE_TARGETS)
def test_private_loopback_link_local_and_reserved_targets_are_refused(url: str) -> None:
    with pytest.raises(InvalidURL, match="private, local or reserved"):
        normalize_url(url)


@pytest.mark.parametrize("url", PRIVATE_TARGETS)
def test_private_targets_are_allowed_when_configured(url: str) -> None:
    assert normalize_url(url, allow_private=True).startswith("http://")


@pytest.mark.parametrize(
    "url",
    ["https://sho.rt/abc", "http://SHO.RT:8080/x", "https://sho.rt./", "https://www.sho.rt/x"],
)
def test_links_to_the_shortener_itself_are_refused(url: str) -> None:
    own = {"sho.rt", "www.sho.rt"}
    with pytest.raises(InvalidURL, match="loop"):
        normalize_url(url, own_hosts=own)


def test_an_ip_literal_of_the_shortener_itself_is_a_loop() -> None:
    with pytest.raises(InvalidURL, match="loop"):
        normalize_url("http://127.0.0.1:9000/x", own_hosts={"127.0.0.1"}, allow_private=True)


def test_international_names_are_mapped_as_browsers_map_them() -> None:
    """Python's own "idna" codec (IDNA 2003, transitional) would send 'straße' to 'strasse'."""
    assert "straße.example".encode("idna") == b"strasse.example"
    assert normalize_url("https://straße.example/") != normalize_url("https://strasse.example/")
    assert normalize_url("https://straße.example/").startswith("https://xn--strae-oqa.example/")


def test_is_private_host_on_names_and_addresses() -> None:
    assert is_private_host("localhost")
    assert is_private_host("10.0.0.1")
    assert not is_private_host("example.com")
    assert not is_private_host("93.184.215.14")


# Property-based tests: rules that hold for every input, not just the ones above.

urls = st.one_of(
    st.text(max_size=120),
    st.builds(
        "{}://{}{}".format,
        st.sampled_from(["http", "https", "HTTP", "ftp", "javascript"]),
        st.text(max_size=40),
        st.text(max_size=40),
    ),
)


def assert_canonical(canonical: str) -> None:
    """What every stored URL must be: http(s), printable ASCII, safe in a header and an
    attribute, short enough, without credentials, and already in its canonical form."""
    assert canonical.startswith(("http://", "https://"))
    assert all(0x20 < ord(character) < 0x7F for character in canonical)
    assert not any(character in canonical for character in '"<>\\`')
    assert len(canonical) <= MAX_URL_LENGTH
    assert "@" not in canonical.split("/")[2]
    assert normalize_url(canonical) == canonical


@relaxed
@given(urls)
def test_any_text_is_either_accepted_or_refused_with_invalid_url(url: str) -> None:
    try:
        canonical = normalize_url(url)
    except InvalidURL as error:
        assert str(error)
        return
    assert_canonical(canonical)


@relaxed
@given(domains(), st.sampled_from(["http", "https"]), st.text(max_size=60))
def test_public_domain_names_are_accepted_and_stay_idempotent(
    domain: str, scheme: str, path: str
) -> None:
    url = f"{scheme}://{domain}/{path.replace('#', '').replace('?', '')}"
    try:
        canonical = normalize_url(url)
    except InvalidURL as error:
        # A public name is refused only for what the path contains, or for a local suffix.
        assert "control" in str(error) or "backslash" in str(error) or is_private_host(domain)
        return
    assert canonical.split("/")[2] == domain.lower()
    assert_canonical(canonical)


@relaxed
@given(
    st.one_of(
        st.ip_addresses(v=4, network="10.0.0.0/8"),
        st.ip_addresses(v=4, network="127.0.0.0/8"),
        st.ip_addresses(v=4, network="169.254.0.0/16"),
        st.ip_addresses(v=4, network="192.168.0.0/16"),
        st.ip_addresses(v=6, network="fe80::/10"),
        st.ip_addresses(v=6, network="fc00::/7"),
    )
)
def test_every_private_address_is_refused_in_any_spelling(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    spellings = [f"[{address}]"] if address.version == 6 else [str(address), str(int(address))]
    for host in spellings:
        with pytest.raises(InvalidURL):
            normalize_url(f"http://{host}/")

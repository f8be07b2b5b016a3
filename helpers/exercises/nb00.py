"""Exercises of notebook 00, Start here."""

from __future__ import annotations

import contextlib
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

from helpers import net
from helpers.exercises import Exercise, NotYet, answer_of, require

LOOPBACK = "127.0.0.1"


def loopback_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/"


def _check_loopback_url(candidate: Callable[[int], str]) -> None:
    """Take the address apart, so that each wrong piece gets its own reason. The expected address
    is spelt out here, not taken from the reference solution, so the solution is tested too."""
    require(callable(candidate), "the answer should be a function that takes a port number.")
    for port in (8000, 8888, 54321):
        got = candidate(port)
        said = f"loopback_url({port}) returned {got!r}"
        require(
            got is not None,
            f"{said}: did you forget `return`? A function without one gives back None, even if "
            "it prints the address.",
        )
        require(isinstance(got, str), f"{said}, not a string.")
        require(got == got.strip(), f"{said}: no spaces or newlines around the address.")
        scheme, separator, rest = got.partition("://")
        require(bool(separator), f"{said}: an address starts with its scheme and `://`.")
        require(
            scheme.lower() != "https",
            f"{said}: the course's servers speak plain HTTP, without TLS, so `https` cannot reach "
            "them.",
        )
        require(scheme.lower() == "http", f"{said}: the scheme of a web address is `http`.")
        authority, slash, path = rest.partition("/")
        host, colon, digits = authority.partition(":")
        require(
            host != "localhost",
            f"{said}: on many machines the name localhost stands for the IPv6 address ::1 as "
            f"well as for {LOOPBACK}, and many clients try ::1 first. The course's servers "
            f"listen on the IPv4 address {LOOPBACK} only, so such a client is refused at ::1 and "
            "must fall back to the other address, which not every client does.",
        )
        require(
            bool(colon) or not host.startswith(LOOPBACK),
            f"{said}: after the host comes a `:`, then the port.",
        )
        require(
            host == LOOPBACK,
            f"{said}: the host should be {LOOPBACK}, the address the course's servers listen on.",
        )
        require(
            digits.isdigit(),
            f"{said}: after the `:` the port is written in digits, and {digits!r} is not a number.",
        )
        require(
            digits == str(port),
            f"{said}: the port in the address should be the `port` the function was given.",
        )
        require(
            bool(slash),
            f"{said}: a base address ends with `/`, the path of the server's root, so that a "
            "path such as `api/links` can be appended to it.",
        )
        require(not path, f"{said}: the base address stops at the `/` after the port.")


q1 = Exercise(
    "loopback_url builds the address of a server on this machine",
    _check_loopback_url,
    hints=[
        "An f-string puts the value of an expression inside a string: with `port = 8000`, "
        'f"port {port}" is the string "port 8000".',
        'Start from the example, "http://127.0.0.1:8000/": which part of it changes with the '
        "port, and which stays the same?",
    ],
    solution=loopback_url,
    wrong=[
        lambda port: f"http://localhost:{port}/",
        lambda port: f"http://127.0.0.1:{port}",
        lambda port: f"https://127.0.0.1:{port}/",
        lambda port: "http://127.0.0.1:8000/",
        lambda port: f"127.0.0.1:{port}/",
        lambda port: print(f"http://127.0.0.1:{port}/"),
        lambda port: f"http://127.0.0.1:{port}/\n",
        lambda port: f"http://127.0.0.1/{port}/",
        lambda port: f"http://127.0.0.1:{port}/api",
    ],
)


# q2: a serve_tcp handler, checked over a real socket. Each message is the whole of what one
# client sends before it closes its sending half, so a handler that calls recv() once and one that
# reads until recv() returns b"" both see all of it. The last message is text outside ASCII, so
# that reversing its bytes and reversing its characters give different answers.
MESSAGES = (b"hello", b"stressed", b"ab cd\n", b"x", "naïve café".encode())
REPLY_TIMEOUT = 2.0


def reverse_back(connection: socket.socket, address: tuple[str, int]) -> None:
    data = connection.recv(1024)
    connection.sendall(data[::-1])


def _exchange(server: net.BackgroundServer, message: bytes) -> tuple[bytes, bool]:
    """Send `message`, close the sending half, and read the reply until the server closes.
    Returns what arrived, and whether the client gave up waiting for the end of it."""
    reply = b""
    with socket.create_connection(server.address, timeout=REPLY_TIMEOUT) as client:
        client.sendall(message)
        try:
            client.shutdown(socket.SHUT_WR)
            while chunk := client.recv(1024):
                reply += chunk
        except TimeoutError:
            return reply, True
        except OSError:  # the server closed the connection first, after a handler that failed
            pass
    return reply, False


def _as_text(message: bytes) -> str:
    """' (the text ...)' after a message outside ASCII, so that the learner sees its letters."""
    return "" if message.isascii() else f" (the text {message.decode()!r} in UTF-8)"


def _wrong_reply(said: str, message: bytes, reply: bytes) -> str:
    """Why `reply` is not `message` reversed, in the terms of what the handler did."""
    if reply == message:
        return f"{said} and got back the same bytes, in the same order."
    if not message.isascii() and reply == message.decode()[::-1].encode():
        return (
            f"{said} and got back {reply!r}, which is the text reversed, not the bytes: in UTF-8, "
            "'ï' and 'é' are two bytes each, and reversing the characters keeps each pair in its "
            "order. Reversed byte by byte, each pair comes back the other way round, even though "
            "the result is no longer valid UTF-8."
        )
    return f"{said} and got back {reply!r}, which is not its bytes in reverse order."


def _check_reverse_back(candidate: Callable[[socket.socket, tuple[str, int]], object]) -> None:
    require(
        callable(candidate),
        "the answer should be a function of (connection, address), like shout_back.",
    )
    outcomes: list[object] = []  # what each call of the handler returned, or the error it raised
    # A handler still running when the check ends, such as one that calls recv() in a loop that
    # never stops, fails on its next call once the check has closed its connection.
    closing = contextlib.ExitStack()

    def handler(connection: socket.socket, address: tuple[str, int]) -> None:
        closing.callback(connection.close)
        try:
            outcomes.append(candidate(connection, address))
        except Exception as error:  # reported to the learner below, not printed by the server
            outcomes.append(error)
        # Read what the handler left unread: a socket closed with unread bytes resets the
        # connection, and a reset can throw away the answer before the client reads it.
        with contextlib.suppress(OSError):
            while connection.recv(1024):
                pass

    with (
        net.serve_tcp(handler, name="nb00-q2-check", timeout=REPLY_TIMEOUT) as server,
        closing,
    ):
        for message in MESSAGES:
            said = f"the client sent {message!r}{_as_text(message)}"
            outcomes.clear()
            reply, gave_up = _exchange(server, message)
            if gave_up:
                so_far = f"got {reply!r} so far" if reply else "got no bytes at all"
                raise NotYet(
                    f"{said}, closed its sending half and {so_far}, but after "
                    f"{REPLY_TIMEOUT:g} s your handler "
                    + (
                        "had still not returned, so the connection stayed open and the client "
                        "could not know that the answer was complete. Does it wait for more "
                        "bytes, or loop on recv()? Once the client has closed its half, recv() "
                        'returns b"" each time.'
                        if not outcomes
                        else "had returned, yet the connection stayed open."
                    )
                )
            net.wait_until(lambda: bool(outcomes), timeout=REPLY_TIMEOUT)
            outcome = outcomes[0] if outcomes else None
            if isinstance(outcome, NotImplementedError):
                raise outcome
            if isinstance(outcome, UnicodeError):
                raise NotYet(
                    f"{said}; your handler raised {type(outcome).__name__}: {outcome}. The "
                    "bytes reversed need not be valid text, so send them as bytes, undecoded."
                )
            if isinstance(outcome, Exception):
                raise NotYet(f"{said}; your handler raised {type(outcome).__name__}: {outcome}")
            if not reply:
                returned = f" returned {outcome!r}, but" if outcome is not None else ""
                raise NotYet(
                    f"{said} and got no bytes back: your handler{returned} sent nothing. A "
                    "server answers by sending on the connection, as shout_back does."
                )
            require(reply == bytes(reversed(message)), _wrong_reply(said, message, reply))


q2 = Exercise(
    "reverse_back answers each client with its bytes reversed",
    _check_reverse_back,
    hints=[
        "Start from shout_back: receive the bytes, then send an answer. Only the answer changes.",
        "A bytes object is a sequence, like a string: slicing and reversed() work on it. "
        "sendall() wants bytes, and reversed() gives an iterator, so turn that back into bytes.",
    ],
    solution=reverse_back,
    wrong=[
        lambda connection, address: connection.sendall(connection.recv(1024)),
        lambda connection, address: connection.recv(1024)[::-1],
        lambda connection, address: connection.sendall(reversed(connection.recv(1024))),
        lambda connection, address: connection.sendall(connection.recv(1024).decode()[::-1]),
        lambda connection, address: connection.sendall(
            connection.recv(1024).decode()[::-1].encode()
        ),
        lambda connection, address: connection.sendall(b"olleh"),
        lambda connection, address: connection.sendall(connection.recv(1024)[::-1].strip()),
        lambda connection: connection.sendall(connection.recv(1024)[::-1]),
        lambda connection, address: print(connection.recv(1024)[::-1]),
    ],
)


# q3: does the installed version of a package meet a line of requirements.txt? The check installs
# made-up packages for its duration: a folder of `.dist-info` directories (the metadata pip
# records, no code) put first on sys.path, where importlib.metadata looks. Their versions are
# chosen so that comparing versions as text, or ignoring part of the line, gives a wrong answer.
DEMO_PACKAGES = {
    "demo-alpha": "2.4.1",
    "demo-beta": "3.1",
    "demo-gamma": "3.10.2",
    "demo-delta": "1.26.0",
}
# (line, whether the installed version meets it), in the order the check tries them.
REQUIREMENT_CASES = (
    ("demo-alpha==2.4.1", True),
    ("demo-alpha==2.4", False),
    ("demo-gamma>=3.9", True),  # as text, "3.10.2" < "3.9"
    ("demo-gamma<3.9", False),
    ("demo-beta==3.1.0", True),  # the same release as 3.1, though not the same text
    ("demo-delta>=1.20,<2", True),
    ("demo-delta>=1.20,<1.26", False),  # the first part holds, the second does not
    ("demo-delta>1.26,<2", False),  # the second part holds, the first does not
    ("demo-delta!=1.26.0", False),
    ("demo-delta~=1.25", True),  # ~=1.25 means >=1.25 and ==1.*
    ("demo-alpha~=2.5", False),
    ("demo-delta~=0.9", False),  # >=0.9 holds, ==0.* does not: ~= is not just >=
    ("demo-delta==1.*", True),  # a wildcard, no version: Version("1.*") raises
    ("demo-beta", True),  # no version given: any installed version will do
)
TEXT_COMPARISONS: dict[str, Callable[[str, str], bool]] = {
    "==": str.__eq__,
    "!=": str.__ne__,
    "<": str.__lt__,
    "<=": str.__le__,
    ">": str.__gt__,
    ">=": str.__ge__,
}


def meets_requirement(line: str) -> bool:
    requirement = Requirement(line)
    installed = metadata.version(requirement.name)
    return requirement.specifier.contains(installed)


@contextlib.contextmanager
def _demo_packages() -> Iterator[None]:
    """DEMO_PACKAGES installed, as far as importlib.metadata can tell, inside the `with` block.
    A new folder each time, as importlib.metadata caches what it found in a folder."""
    with tempfile.TemporaryDirectory(prefix="nb00-q3-") as folder:
        for name, version in DEMO_PACKAGES.items():
            info = Path(folder) / f"{name.replace('-', '_')}-{version}.dist-info"
            info.mkdir()
            (info / "METADATA").write_text(
                f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            )
        sys.path.insert(0, folder)
        try:
            yield
        finally:
            with contextlib.suppress(ValueError):
                sys.path.remove(folder)


def _as_text_verdict(line: str, installed: str) -> bool | None:
    """What comparing `installed` with the line's one version as text says, if that is simple."""
    specifiers = list(Requirement(line).specifier)
    if len(specifiers) != 1 or specifiers[0].operator not in TEXT_COMPARISONS:
        return None
    [specifier] = specifiers
    return TEXT_COMPARISONS[specifier.operator](installed, specifier.version)


def _compatible_release(version: str) -> str:
    """What `~=version` stands for: ~=1.25 is >=1.25 and ==1.*, ~=1.4.5 is >=1.4.5 and ==1.4.*."""
    return f">={version} and =={version.rpartition('.')[0]}.*"


def _why_not(line: str, installed: str, expected: bool, got: bool) -> str:
    requirement = Requirement(line)
    wanted = line.removeprefix(requirement.name) or "any version"
    reason = f"but {installed} {'meets' if expected else 'does not meet'} {wanted}"
    parts = list(requirement.specifier)
    if _as_text_verdict(line, installed) == got:
        [specifier] = parts
        text = f"{installed!r} {specifier.operator} {specifier.version!r}"
        pairs = zip(installed, specifier.version, strict=False)
        differ = [pair for pair in pairs if pair[0] != pair[1]]
        because = ""
        if specifier.operator not in ("==", "!=") and differ:
            because = (
                " (strings are compared character by character, and the first that differ are "
                f"{differ[0][0]!r} and {differ[0][1]!r})"
            )
        elif specifier.version.endswith("*"):
            because = (
                f" ({specifier.version} is a pattern, not a version: {specifier} accepts every "
                f"release whose version starts {specifier.version.removesuffix('*')})"
            )
        return (
            f"{reason}. That is what comparing them as text says: {text} is {got} for strings"
            f"{because}. Compared as versions, it is {expected}."
        )
    if not expected and len(parts) > 1:
        failing = [str(part) for part in parts if not part.contains(installed)]
        return f"{reason}: every part of the line must hold, and {', '.join(failing)} does not."
    compatible = [part for part in parts if part.operator == "~="]
    if compatible:
        [part] = compatible
        return (
            f"{reason}: {part} means {_compatible_release(part.version)}, a release compatible "
            f"with {part.version}, not merely one at least as new."
        )
    return f"{reason}."


def _check_meets_requirement(candidate: Callable[[str], object]) -> None:
    require(callable(candidate), "the answer should be a function that takes one line of text.")
    with _demo_packages():
        for line, expected in REQUIREMENT_CASES:
            requirement = Requirement(line)
            installed = DEMO_PACKAGES[requirement.name]
            wildcards = [part for part in requirement.specifier if part.version.endswith("*")]
            advice = "".join(
                f" {part.version} is no version but a pattern: {part} accepts every release "
                f"whose version starts {part.version.removesuffix('*')}, and a SpecifierSet "
                "knows that."
                for part in wildcards
            )
            got = answer_of(
                f"the line {line!r}", candidate, line, who="your function", advice=advice
            )
            said = f"meets_requirement({line!r}) returned {got!r}, with {installed} installed"
            require(
                isinstance(got, bool),
                f"{said}: it should return True or False, whether the installed version meets "
                "the line.",
            )
            require(got == expected, f"{said}, {_why_not(line, installed, expected, got)}")


q3 = Exercise(
    "meets_requirement compares the installed version with a requirement line",
    _check_meets_requirement,
    hints=[
        "Requirement(line) takes the line apart: its .name is the package's name and its "
        ".specifier the versions it accepts. metadata.version(name) says which one is installed.",
        "A SpecifierSet answers the question itself: its .contains(version) says whether a "
        "version meets every part of it, and `version in specifier` says the same.",
    ],
    solution=meets_requirement,
    wrong=[
        lambda line: True,
        lambda line: metadata.version(Requirement(line).name),
        lambda line: metadata.version(line.partition("==")[0]) == line.partition("==")[2],
        lambda line: all(
            TEXT_COMPARISONS[spec.operator](metadata.version(Requirement(line).name), spec.version)
            for spec in Requirement(line).specifier
            if spec.operator in TEXT_COMPARISONS
        ),
        lambda line: all(
            Version(metadata.version(Requirement(line).name)) >= Version(spec.version)
            for spec in Requirement(line).specifier
        ),
        lambda line: all(  # ~= taken for >=
            Version(metadata.version(Requirement(line).name)) >= Version(spec.version)
            if spec.operator == "~="
            else spec.contains(metadata.version(Requirement(line).name))
            for spec in Requirement(line).specifier
        ),
    ],
)

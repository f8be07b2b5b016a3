"""Check that this machine is ready for the collection: Python, packages, helpers, loopback."""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from helpers.net import serve_tcp

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Check:
    """One line of the environment report."""

    what: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{'ok ' if self.ok else 'BAD'}  {self.what}: {self.detail}"


def pinned_versions(requirements: Path = ROOT / "requirements.txt") -> dict[str, str]:
    """The `name==version` pins of a requirements file, by name in pip's canonical form (notebook
    00 teaches both); comments, options such as `-e .` and unpinned lines are passed over."""
    pins: dict[str, str] = {}
    for line in requirements.read_text().splitlines():
        text = line.partition("#")[0].strip()
        if not text or text.startswith("-"):
            continue
        requirement = Requirement(text)
        exact = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        if len(exact) == 1:
            pins[canonicalize_name(requirement.name)] = exact[0]
    return pins


def check_python(minimum: tuple[int, int] = (3, 11), tested: tuple[int, int] = (3, 13)) -> Check:
    """At least `minimum`; a Python newer than `tested`, the last one the tests run on, passes with
    a warning, since some stored outputs (bytecode above all) will differ on it."""
    version = sys.version_info[:2]
    span = f"{minimum[0]}.{minimum[1]} to {tested[0]}.{tested[1]}"
    if version < minimum:
        detail = f"{version[0]}.{version[1]} is older than {minimum[0]}.{minimum[1]}"
    elif version > tested:
        detail = (
            f"{version[0]}.{version[1]} is newer than the tested {span}: the course should run, "
            "but some outputs will differ from the stored ones"
        )
    else:
        detail = f"at least {minimum[0]}.{minimum[1]}"
    return Check("Python", version >= minimum, detail)


def check_packages(requirements: Path = ROOT / "requirements.txt") -> Check:
    """Every pinned package is installed at exactly its pinned version."""
    pins = pinned_versions(requirements)
    wrong = []
    for name, wanted in sorted(pins.items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed == "missing" or Version(installed) != Version(wanted):  # 3.1 is 3.1.0
            wrong.append(f"{name} {installed} (want {wanted})")
    detail = (
        "every pinned package at its pinned version"
        if not wrong
        else "; ".join(wrong)
        + f". Reinstall the pins: `{sys.executable} -m pip install -r requirements.txt`."
    )
    return Check("packages", not wrong, detail)


def check_helpers() -> Check:
    """`helpers` is imported from this checkout (the editable install), not from a stale copy."""
    here = Path(__file__).resolve().parent
    ok = (ROOT / "requirements.txt").exists() and here == ROOT / "helpers"
    return Check(
        "helpers",
        ok,
        "imported from this checkout" if ok else f"imported from {here}, outside the checkout",
    )


def check_loopback() -> Check:
    """The kernel can serve and reach a TCP socket on 127.0.0.1."""

    def echo(connection: socket.socket, _address: tuple[str, int]) -> None:
        connection.sendall(connection.recv(64))

    try:
        with (
            serve_tcp(echo, name="environment-check") as server,
            socket.create_connection(server.address, timeout=5) as client,
        ):
            client.sendall(b"ping")
            reply = client.recv(64)
    except OSError as error:
        return Check("loopback", False, f"could not talk to 127.0.0.1: {error}")
    return Check("loopback", reply == b"ping", f"sent b'ping', got back {reply!r}")


def report() -> bool:
    """Print every check; return True when all pass."""
    checks = [check_python(), check_packages(), check_helpers(), check_loopback()]
    for check in checks:
        print(check)
    return all(check.ok for check in checks)

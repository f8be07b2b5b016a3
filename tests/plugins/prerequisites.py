"""What a test or a notebook needs from the machine: without it, a skip (under CI, a failure).

A test asks with the `prerequisite(present, reason)` fixture, or for system programs by name with
`require_programs("postgresql", ...)`, whose reason says how to install each missing one. A
notebook says so in its metadata (see `helpers.programs`); every one of its cells is then skipped
with one reason that names each missing program and how to install it, before nbval starts a
kernel for it. Under CI (CI=true),
where `.ci/run` installs every program, a skip would hide a gap, so each of these fails instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from helpers import programs


def under_ci() -> bool:
    """True in CI, where every program is installed and nothing may be skipped for want of one."""
    return os.environ.get("CI", "").lower() in ("true", "1")


def require(present: bool, reason: str) -> None:
    """Skip the running test when `present` is false, or fail it under CI."""
    if present:
        return
    if under_ci():
        pytest.fail(f"under CI this test must run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def prerequisite() -> Callable[[bool, str], None]:
    """`prerequisite(present, reason)` skips the test unless `present`, or fails it under CI."""
    return require


@pytest.fixture(scope="session")
def require_programs() -> Callable[..., None]:
    """`require_programs(*keys)`: skip (under CI, fail) unless each of these programs can run."""

    def require_all(*keys: str) -> None:
        reasons = programs.missing(list(keys))
        require(not reasons, "; ".join(reasons))

    return require_all


@cache
def missing_for_notebook(path: Path) -> str | None:
    """None when every program the notebook's metadata names can run here, else what to install."""
    reasons = programs.missing(programs.needs_of(path))
    return f"{path.name} needs " + "; ".join(reasons) if reasons else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip (or, under CI, fail) each cell of a notebook whose programs are missing."""
    if item.path.suffix == ".ipynb" and (reason := missing_for_notebook(item.path)):
        require(False, reason)

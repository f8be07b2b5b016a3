"""Binder (repo2docker) builds the collection from two files at the root: `runtime.txt` picks the
Python, `requirements.txt` installs every package and, through `-e .`, the `helpers` package
(repo2docker sees the local reference and copies the whole repository before installing)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
CI_TESTED = {"3.11", "3.12", "3.13"}  # the versions .ci/run validates the notebooks on
RUNTIME = re.compile(r"^python-(3\.\d+)$")


def test_runtime_txt_names_a_python_the_collection_supports_and_ci_tests() -> None:
    [line] = (ROOT / "runtime.txt").read_text().splitlines()
    match = RUNTIME.match(line)
    assert match, f"runtime.txt says {line!r}, not python-3.X"
    version = match.group(1)
    assert version in CI_TESTED
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert Version(version) in SpecifierSet(pyproject["project"]["requires-python"])


def test_requirements_txt_pins_every_package_and_installs_helpers() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    local = [line for line in lines if line.startswith("-")]
    assert local == ["-e ."]
    for line in lines:
        if line in local:
            continue
        requirement = Requirement(line)
        [pin] = requirement.specifier
        assert pin.operator == "==", f"{line}: Binder needs an exact pin"
    assert (ROOT / "pyproject.toml").is_file() and (ROOT / "helpers" / "__init__.py").is_file()


def test_the_notebook_binder_opens_first_exists() -> None:
    readme = (ROOT / "README.md").read_text()
    [opened] = re.findall(r"urlpath=lab/tree/(\S+?\.ipynb)", readme)
    assert (ROOT / opened).is_file()

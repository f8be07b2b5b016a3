"""The ways to run the course without installing anything: Binder, and a dev container.

Binder (repo2docker) builds the collection from files at the root: `runtime.txt` picks the
Python, `requirements.txt` installs every package and, through `-e .`, the `helpers` package
(repo2docker sees the local reference and copies the whole repository before installing), and
`apt.txt` installs the system programs the notebooks need, one Debian package a line. The dev
container (`.devcontainer/`, for VS Code and Codespaces) installs the same packages on the same
Python and starts `make lab`. No Docker engine runs these tests: they check what the files say.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from helpers import programs

ROOT = Path(__file__).resolve().parent.parent
CI_TESTED = {"3.11", "3.12", "3.13"}  # the versions .ci/run validates the notebooks on
RUNTIME = re.compile(r"^python-(3\.\d+)$")
DEVCONTAINER = ROOT / ".devcontainer"
# Debian policy: lower-case letters, digits, + - and ., at least two characters, starting with
# a letter or digit. repo2docker refuses a line that does not start like one.
DEBIAN_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
PYTHON_IMAGE = re.compile(r"^FROM\s+\S+/python:(?:[\d.]+-)?(3\.\d+)\b", re.MULTILINE)
APT_INSTALL = re.compile(r"apt-get\s+install\s+([^&|;]*)")


def runtime_python() -> str:
    """The Python version runtime.txt names, 3.X."""
    [line] = (ROOT / "runtime.txt").read_text().splitlines()
    match = RUNTIME.match(line)
    assert match, f"runtime.txt says {line!r}, not python-3.X"
    return match.group(1)


def apt_txt_packages(text: str) -> list[str]:
    """The packages an apt.txt lists, read as repo2docker reads it: a `#` starts a comment."""
    return [name for line in text.splitlines() if (name := line.partition("#")[0].strip())]


def packages_needed(notebooks: Path) -> dict[str, list[str]]:
    """Each Debian package that some notebook in `notebooks` needs -> those notebooks' numbers."""
    return {
        programs.PROGRAMS[key].debian: users
        for key, users in programs.needed_by(notebooks).items()
        if users
    }


def who_needs(users: list[str]) -> str:
    """'notebook 12 needs' or 'notebooks 11, 12 need'."""
    return f"notebook {users[0]} needs" if len(users) == 1 else f"notebooks {', '.join(users)} need"


def apt_txt_problems(text: str, notebooks: Path) -> list[str]:
    """What is wrong with `text` as the apt.txt of `notebooks`: it must list the Debian package
    of every program that some notebook's metadata names, and nothing else (a package that no
    notebook needs makes every Binder build slower: argue for it here first)."""
    listed = apt_txt_packages(text)
    needed = packages_needed(notebooks)
    problems = [
        f"{name!r} is not a Debian package name"
        for name in listed
        if not DEBIAN_PACKAGE.match(name)
    ]
    problems += [
        f"{name} is listed twice" for name in sorted(set(listed)) if listed.count(name) > 1
    ]
    problems += [
        f"{package} is missing: {who_needs(users)} it"
        for package, users in needed.items()
        if package not in listed
    ]
    problems += [
        f"{name} is listed, but no notebook needs it" for name in listed if name not in needed
    ]
    return problems


def test_runtime_txt_names_a_python_the_collection_supports_and_ci_tests() -> None:
    version = runtime_python()
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


def hidden_from_repo2docker(root: Path) -> list[str]:
    """What would make repo2docker ignore the files at `root`: a Dockerfile there replaces them
    all, and a `binder/` or `.binder/` folder is read instead of the root."""
    return [name for name in ("Dockerfile", "binder", ".binder") if (root / name).exists()]


def test_repo2docker_reads_the_files_at_the_root() -> None:
    assert hidden_from_repo2docker(ROOT) == []


@pytest.mark.parametrize("name", ["Dockerfile", "binder", ".binder"])
def test_a_dockerfile_or_a_binder_folder_would_hide_them(tmp_path: Path, name: str) -> None:
    (tmp_path / "apt.txt").write_text("nginx\n")
    assert hidden_from_repo2docker(tmp_path) == []
    if name == "Dockerfile":
        (tmp_path / name).write_text("FROM python:3.12\n")
    else:
        (tmp_path / name).mkdir()
    assert hidden_from_repo2docker(tmp_path) == [name]


def test_apt_txt_installs_the_programs_the_notebooks_need_and_nothing_else() -> None:
    text = (ROOT / "apt.txt").read_text()
    assert apt_txt_problems(text, programs.NOTEBOOKS) == []


def notebooks_with_needs(folder: Path, needs: dict[str, list[str]]) -> Path:
    """A folder of notebooks named as the course's are, each with only its metadata's needs."""
    folder.mkdir()
    for name, keys in needs.items():
        metadata = {programs.METADATA_KEY: {"needs": keys}} if keys else {}
        notebook = {"cells": [], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
        (folder / name).write_text(json.dumps(notebook), encoding="utf-8")
    return folder


def test_a_notebook_that_gains_a_need_fails_until_apt_txt_lists_it(tmp_path: Path) -> None:
    # The course's notebooks as they are, then notebook 13 needing Chromium as well.
    needs = {path.name: programs.needs_of(path) for path in programs.NOTEBOOKS.glob("[0-9]*.ipynb")}
    text = (ROOT / "apt.txt").read_text()
    assert apt_txt_problems(text, notebooks_with_needs(tmp_path / "as-is", needs)) == []
    [thirteen] = [name for name in needs if name.startswith("13_")]
    needs[thirteen] = [*needs[thirteen], "chromium"]
    gained = notebooks_with_needs(tmp_path / "gained", needs)
    assert apt_txt_problems(text, gained) == ["chromium is missing: notebook 13 needs it"]
    assert apt_txt_problems(text + "chromium  # the browser notebook 13 drives\n", gained) == []


def test_apt_txt_problems_are_each_named(tmp_path: Path) -> None:
    notebooks = notebooks_with_needs(
        tmp_path / "notebooks",
        {"01_a.ipynb": [], "02_b.ipynb": ["redis", "nginx"], "03_c.ipynb": ["redis"]},
    )
    assert apt_txt_problems("# comment only\nnginx\n\nredis-server # inline\n", notebooks) == []
    assert apt_txt_problems("nginx\n", notebooks) == [
        "redis-server is missing: notebooks 02, 03 need it"
    ]
    assert apt_txt_problems("nginx\nredis-server\nnpm\n", notebooks) == [
        "npm is listed, but no notebook needs it"
    ]
    assert apt_txt_problems("nginx\nnginx\nredis-server\n", notebooks) == ["nginx is listed twice"]
    assert apt_txt_problems("nginx redis-server\n", notebooks) == [
        "'nginx redis-server' is not a Debian package name",
        "redis-server is missing: notebooks 02, 03 need it",
        "nginx is missing: notebook 02 needs it",
        "nginx redis-server is listed, but no notebook needs it",
    ]


# The dev container.


def read_jsonc(text: str) -> Any:
    """devcontainer.json is JSON with comments: this reads one whose comments are whole lines."""
    return json.loads(
        "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
    )


def dockerfile_apt_packages(dockerfile: str) -> list[str]:
    """The packages that a Dockerfile's `apt-get install` commands name, options left out."""
    joined = dockerfile.replace("\\\n", " ")
    return [
        word for words in APT_INSTALL.findall(joined) for word in words.split() if word[0] != "-"
    ]


def devcontainer_problems(
    config: dict[str, Any], dockerfile: str, apt: list[str], python: str, lab_port: int
) -> list[str]:
    """What is wrong with a dev container for the course: it must run `python` (runtime.txt's)
    with the packages `apt` (apt.txt's), start `make lab` and forward the port it listens on."""
    problems = []
    image = PYTHON_IMAGE.search(dockerfile)
    if image is None or image.group(1) != python:
        problems.append(f"the image's Python is not {python} (runtime.txt)")
    installed = dockerfile_apt_packages(dockerfile)
    if sorted(installed) != sorted(apt):
        problems.append(f"the Dockerfile installs {sorted(installed)}, apt.txt lists {sorted(apt)}")
    if config.get("postAttachCommand") != "make lab":
        problems.append(f"it starts {config.get('postAttachCommand')!r}, not 'make lab'")
    port = int(config.get("containerEnv", {}).get("LAB_PORT", lab_port))
    if port not in config.get("forwardPorts", []):
        problems.append(f"port {port}, where `make lab` listens, is not forwarded")
    return problems


@pytest.fixture
def devcontainer() -> tuple[dict[str, Any], str]:
    """The dev container's configuration, read as JSON with comments, and its Dockerfile."""
    config = read_jsonc((DEVCONTAINER / "devcontainer.json").read_text())
    dockerfile = DEVCONTAINER / config["build"]["dockerfile"]
    return config, dockerfile.read_text()


def makefile_lab_port() -> int:
    [port] = re.findall(r"^LAB_PORT \?= (\d+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    return int(port)


def test_the_dev_container_runs_make_lab_with_binders_python_and_packages(
    devcontainer: tuple[dict[str, Any], str],
) -> None:
    config, dockerfile = devcontainer
    apt = apt_txt_packages((ROOT / "apt.txt").read_text())
    port = makefile_lab_port()
    assert devcontainer_problems(config, dockerfile, apt, runtime_python(), port) == []


# A dev container that passes, for Python 3.12, nginx and Redis, and `make lab` on port 8888.
CONFIG = {
    "build": {"dockerfile": "Dockerfile"},
    "postAttachCommand": "make lab",
    "forwardPorts": [8888],
}
DOCKERFILE = """FROM mcr.microsoft.com/devcontainers/python:1-3.12-bookworm
RUN apt-get update \\
    && apt-get install --yes --no-install-recommends \\
        nginx redis-server \\
    && rm -rf /var/lib/apt/lists/*
"""


@pytest.mark.parametrize(
    ("config", "dockerfile", "problem"),
    [
        (
            CONFIG,
            DOCKERFILE.replace("3.12", "3.13"),
            "the image's Python is not 3.12 (runtime.txt)",
        ),
        (
            CONFIG,
            DOCKERFILE.replace(" redis-server", ""),
            "the Dockerfile installs ['nginx'], apt.txt lists ['nginx', 'redis-server']",
        ),
        (
            CONFIG,
            DOCKERFILE.replace("nginx", "nginx npm"),
            "the Dockerfile installs ['nginx', 'npm', 'redis-server'], "
            "apt.txt lists ['nginx', 'redis-server']",
        ),
        (
            {**CONFIG, "postAttachCommand": "jupyter lab"},
            DOCKERFILE,
            "it starts 'jupyter lab', not 'make lab'",
        ),
        (
            {**CONFIG, "forwardPorts": [8899]},
            DOCKERFILE,
            "port 8888, where `make lab` listens, is not forwarded",
        ),
        (
            {**CONFIG, "containerEnv": {"LAB_PORT": "8899"}},
            DOCKERFILE,
            "port 8899, where `make lab` listens, is not forwarded",
        ),
    ],
)
def test_a_dev_container_that_drifts_is_caught(
    config: dict[str, Any], dockerfile: str, problem: str
) -> None:
    apt = ["nginx", "redis-server"]
    assert devcontainer_problems(CONFIG, DOCKERFILE, apt, "3.12", 8888) == []
    assert devcontainer_problems(config, dockerfile, apt, "3.12", 8888) == [problem]

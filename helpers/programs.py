"""The system programs that some notebooks and tests need: how to find each, how to install it.

`requirements.txt` installs every Python package; these come from the operating system instead.
A notebook that needs some of them names them in its metadata, under
`metadata["python-and-the-web"]["needs"]` (for example `["postgresql", "redis"]`), and its first
code cell is `programs.require(...)` with the same names, so that in JupyterLab it stops there
with one clear message when one is missing. The test run reads the same metadata and skips such
a notebook, saying what to install (under CI it fails instead). Notebook 00 prints `report()`.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
METADATA_KEY = "python-and-the-web"
POSTGRES_USER = "postgres"  # the system account Debian's package creates; used when we are root
# Where the packages put what is not always on a user's PATH: Debian's versioned PostgreSQL
# folders, Homebrew's keg-only postgresql@N (Apple silicon, then Intel), /usr/sbin for nginx.
POSTGRES_FOLDERS = (
    "/usr/lib/postgresql/*/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
)
CHROMIUM_PATHS = ("/usr/bin/chromium", "/Applications/Chromium.app/Contents/MacOS/Chromium")


def postgres_bin() -> Path | None:
    """The folder holding `initdb` and `postgres`: on the PATH, else the newest packaged one."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("postgres"):
        return Path(on_path).resolve().parent
    folders = [
        Path(initdb).parent
        for pattern in POSTGRES_FOLDERS
        for initdb in glob.glob(f"{pattern}/initdb")
    ]
    return max(folders, key=_major_version, default=None)


def _major_version(folder: Path) -> int:
    """16 for /usr/lib/postgresql/16/bin or /opt/homebrew/opt/postgresql@16/bin."""
    digits = "".join(char for char in folder.parent.name if char.isdigit())
    return int(digits) if digits else 0


def nginx_binary() -> str | None:
    """Where nginx is installed (it lives in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def chromium_binary() -> str | None:
    """Debian's Chromium, or the one Homebrew's cask puts in /Applications on macOS."""
    return next((path for path in CHROMIUM_PATHS if os.access(path, os.X_OK)), None)


def _postgres_problem() -> str | None:
    if postgres_bin() is None:
        return "its initdb and postgres are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(POSTGRES_USER)
        except KeyError:
            return f"running as root, it needs the '{POSTGRES_USER}' user that its package creates"
    return None


def _absent(found: Callable[[], object], what: str) -> Callable[[], str | None]:
    return lambda: None if found() else what


@dataclass(frozen=True)
class Program:
    """One system program: its name, what it is for, and how to install it."""

    key: str  # the name notebooks use in their metadata
    name: str
    used_for: str
    debian: str  # the Debian/Ubuntu package (apt-get install ...)
    macos: str  # what to give Homebrew's `brew install` on macOS
    problem: Callable[[], str | None]  # None when the program can run here, else what is wrong
    apt_systems: str = "Debian, Ubuntu"  # where `apt-get install {debian}` gives what is needed

    @property
    def install(self) -> str:
        """The commands that install it, on Debian or Ubuntu and on macOS."""
        apt, brew = f"sudo apt-get install {self.debian}", f"brew install {self.macos}"
        return f"`{apt}` ({self.apt_systems}) or `{brew}` (macOS)"


PROGRAMS = {
    program.key: program
    for program in [
        Program(
            "postgresql",
            "PostgreSQL",
            "a database server shared by many machines",
            "postgresql",
            "postgresql@16",
            _postgres_problem,
        ),
        Program(
            "redis",
            "Redis",
            "a shared cache and shared rate limits",
            "redis-server",
            "redis",
            _absent(lambda: shutil.which("redis-server"), "redis-server is not installed"),
        ),
        Program(
            "nginx",
            "nginx",
            "a reverse proxy and load balancer in front of gunicorn",
            "nginx",
            "nginx",
            _absent(nginx_binary, "nginx is not installed"),
        ),
        Program(
            "chromium",
            "Chromium",
            "the browser the tests drive (the shortener's pages, JupyterLab, the website)",
            "chromium",
            "--cask chromium",
            _absent(chromium_binary, "Chromium is not installed"),
            apt_systems="Debian; Ubuntu's package is a snap, which the tests do not use",
        ),
        Program(
            "prometheus",
            "Prometheus",
            "promtool, which checks the alert rules and runs their unit tests",
            "prometheus",
            "prometheus",
            _absent(lambda: shutil.which("promtool"), "promtool is not installed"),
        ),
        Program(
            "npm",
            "npm",
            "fetches mermaid and MathJax once, for `make site` and the website's tests",
            "npm",
            "node",
            _absent(lambda: shutil.which("npm"), "npm is not installed"),
        ),
    ]
}


class MissingPrograms(RuntimeError):
    """Raised by `require`: some system programs this notebook needs are not installed.

    In a notebook it shows as its message alone, without a traceback (IPython's
    `_render_traceback_` protocol), so the learner sees what to install and nothing else.
    """

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def missing(keys: Iterable[str]) -> list[str]:
    """For each program of `keys` that cannot run here, what is wrong and how to install it."""
    return [
        f"{program.name}: {problem}; install it with {program.install}"
        for program in (PROGRAMS[key] for key in keys)
        if (problem := program.problem()) is not None
    ]


def names(keys: Sequence[str]) -> str:
    """'PostgreSQL and Redis': the programs' names, joined for a sentence."""
    named = [PROGRAMS[key].name for key in keys]
    return " and ".join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)


def require(*keys: str) -> None:
    """Say that the programs `keys` are installed, or raise MissingPrograms saying what to do."""
    unknown = [key for key in keys if key not in PROGRAMS]
    if unknown or not keys:
        raise ValueError(f"name one or more of {sorted(PROGRAMS)}, not {list(keys)}")
    reasons = missing(keys)
    if reasons:
        lines = [f"This notebook needs {names(keys)}. Missing here:"]
        lines += [f"- {reason}" for reason in reasons]
        lines.append("Install it, then run this cell again. Until then, the cells that do not use")
        lines.append("it still run one by one (Shift+Enter); Run All stops here.")
        raise MissingPrograms("\n".join(lines))
    here = {1: "it is", 2: "both are"}.get(len(keys), "all are")
    print(f"This notebook needs {names(keys)}: {here} installed here.")


def needs_of(notebook: Path) -> list[str]:
    """The programs a notebook's metadata says it needs (none for most notebooks)."""
    metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    return list(metadata.get(METADATA_KEY, {}).get("needs", []))


def needed_by(notebooks: Path = NOTEBOOKS) -> dict[str, list[str]]:
    """For each program, the numbers of the notebooks in `notebooks` that need it."""
    users: dict[str, list[str]] = {key: [] for key in PROGRAMS}
    for notebook in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        for key in needs_of(notebook):
            users[key].append(notebook.name[:2])
    return users


def report(notebooks: Path = NOTEBOOKS) -> bool:
    """Print each optional program: who needs it, whether it is here, how to install it.

    Returns True when every one of them can run here.
    """
    users = needed_by(notebooks)
    for key, program in PROGRAMS.items():
        problem = program.problem()
        numbers = users[key]
        who = (
            f"notebook{'s' * (len(numbers) > 1)} {', '.join(numbers)}" if numbers else "no notebook"
        )
        print(f"{program.name:<11} {who:<12} {program.used_for}")
        print(f"    here:    {'found' if problem is None else f'MISSING ({problem})'}")
        print(f"    install: {program.install}")
    return all(program.problem() is None for program in PROGRAMS.values())

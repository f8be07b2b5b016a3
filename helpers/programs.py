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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
METADATA_KEY = "python-and-the-web"
POSTGRES_USER = "postgres"  # the system account Debian's package creates; used when we are root
CHROMIUM = Path("/usr/bin/chromium")  # Debian's Chromium, which Playwright drives in the tests


def postgres_bin() -> Path | None:
    """The folder holding `initdb` and `postgres`: on the PATH, else Debian's versioned folder."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("postgres"):
        return Path(on_path).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


def nginx_binary() -> str | None:
    """Where nginx is installed (it lives in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


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
    macos: str  # the Homebrew formula (brew install ...)
    problem: Callable[[], str | None]  # None when the program can run here, else what is wrong

    def missing(self) -> str | None:
        """None when this program can run here; else what is wrong and how to install it."""
        problem = self.problem()
        return None if problem is None else f"{self.name}: {problem}; {self.install}"

    @property
    def install(self) -> str:
        """How to install it, on Debian or Ubuntu and on macOS."""
        return f"install it with `apt-get install {self.debian}` or `brew install {self.macos}`"


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
            "the browser the tests drive: the shortener's pages, JupyterLab, the website",
            "chromium",
            "--cask chromium",
            _absent(lambda: os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is not installed"),
        ),
        Program(
            "npm",
            "npm",
            "fetching mermaid and MathJax once for the website (`make site`)",
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
    return [reason for key in keys if (reason := PROGRAMS[key].missing()) is not None]


def names(keys: Iterable[str]) -> str:
    """'PostgreSQL and Redis': the programs' names, joined for a sentence."""
    named = [PROGRAMS[key].name for key in keys]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def require(*keys: str) -> None:
    """Say that the programs `keys` are installed, or raise MissingPrograms saying what to do."""
    unknown = [key for key in keys if key not in PROGRAMS]
    if unknown:
        raise ValueError(f"unknown programs {unknown}: choose from {sorted(PROGRAMS)}")
    reasons = missing(keys)
    if reasons:
        lines = [f"This notebook needs {names(keys)}, and not all of them can run here:"]
        lines += [f"- {reason}" for reason in reasons]
        lines.append("Install what is missing, then restart the kernel and run the notebook again.")
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


def report(notebooks: Path = NOTEBOOKS) -> None:
    """A table of the optional programs: found or missing, who needs them, how to install them."""
    users = needed_by(notebooks)
    for key, program in PROGRAMS.items():
        status = "[found]  " if program.problem() is None else "[MISSING]"
        numbers = users[key]
        who = f"notebook{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}"
        who = who if numbers else "the tests only"
        print(f"{status} {program.name:<11} {who}: {program.used_for}")
        print(f"{'':22}apt-get install {program.debian}  |  brew install {program.macos}")

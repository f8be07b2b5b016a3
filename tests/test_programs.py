"""helpers.programs: which system programs are here, who needs them, and what to install."""

from __future__ import annotations

import glob
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers import programs

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture
def nothing_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with none of the system programs."""
    monkeypatch.setattr(shutil, "which", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(glob, "glob", lambda _pattern: [])
    monkeypatch.setattr(programs, "CHROMIUM", Path("/nowhere/chromium"))


def write_notebook(folder: Path, name: str, needs: list[str] | None) -> Path:
    notebook = new_notebook(cells=[new_code_cell("1 + 1")])
    if needs is not None:
        notebook.metadata[programs.METADATA_KEY] = {"needs": needs}
    nbformat.write(notebook, folder / name)
    return folder / name


@pytest.mark.usefixtures("nothing_installed")
def test_each_missing_program_says_how_to_install_it_on_debian_and_macos() -> None:
    reasons = programs.missing(programs.PROGRAMS)
    assert len(reasons) == len(programs.PROGRAMS)
    for program, reason in zip(programs.PROGRAMS.values(), reasons, strict=True):
        assert reason.startswith(f"{program.name}: ")
        assert f"apt-get install {program.debian}`" in reason
        assert f"brew install {program.macos}`" in reason


@pytest.mark.usefixtures("nothing_installed")
def test_require_stops_with_one_message_and_no_traceback() -> None:
    with pytest.raises(programs.MissingPrograms) as raised:
        programs.require("postgresql", "redis")
    shown = raised.value._render_traceback_()
    assert shown[0] == "This notebook needs PostgreSQL and Redis, and not all of them can run here:"
    assert [line for line in shown if line.startswith("- ")] == [
        f"- {reason}" for reason in programs.missing(["postgresql", "redis"])
    ]
    assert not any("Traceback" in line or "File " in line for line in shown)


def test_require_says_so_when_everything_is_here(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(programs, "missing", lambda _keys: [])
    programs.require("nginx")
    programs.require("postgresql", "redis")
    assert capsys.readouterr().out.splitlines() == [
        "This notebook needs nginx: it is installed here.",
        "This notebook needs PostgreSQL and Redis: both are installed here.",
    ]


def test_an_unknown_program_is_a_mistake_in_the_notebook() -> None:
    with pytest.raises(ValueError, match="unknown programs"):
        programs.require("postgres")


def test_needs_come_from_the_notebooks_metadata(tmp_path: Path) -> None:
    write_notebook(tmp_path, "01_plain.ipynb", None)
    write_notebook(tmp_path, "02_proxy.ipynb", ["nginx"])
    write_notebook(tmp_path, "03_stores.ipynb", ["postgresql", "redis"])
    write_notebook(tmp_path, "draft.ipynb", ["redis"])  # not a numbered notebook: not counted
    users = programs.needed_by(tmp_path)
    assert users == {
        "postgresql": ["03"],
        "redis": ["03"],
        "nginx": ["02"],
        "chromium": [],
        "npm": [],
    }


def test_the_collections_notebooks_name_only_known_programs() -> None:
    for notebook in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        assert set(programs.needs_of(notebook)) <= set(programs.PROGRAMS), notebook.name


def test_the_report_lists_every_program_with_who_needs_it_and_both_install_commands(
    tmp_path: Path, nothing_installed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    write_notebook(tmp_path, "12_stores.ipynb", ["postgresql", "redis"])
    programs.report(tmp_path)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * len(programs.PROGRAMS)
    assert lines[0].startswith("[MISSING] PostgreSQL  notebook 12: ")
    assert lines[1].split() == [
        "apt-get",
        "install",
        "postgresql",
        "|",
        "brew",
        "install",
        "postgresql@16",
    ]
    assert lines[4].startswith("[MISSING] nginx       the tests only: ")


def test_the_readme_tells_how_to_install_each_program() -> None:
    readme = (NOTEBOOKS.parent / "README.md").read_text(encoding="utf-8")
    for program in programs.PROGRAMS.values():
        row = next(line for line in readme.splitlines() if line.startswith(f"| {program.name} |"))
        assert f"`sudo apt-get install {program.debian}`" in row
        assert f"`brew install {program.macos}`" in row

"""helpers.programs: which system programs are here, who needs them, and what to install."""

from __future__ import annotations

import dataclasses
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
    monkeypatch.setattr(programs, "CHROMIUM_PATHS", ("/nowhere/chromium",))


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
        assert f"`sudo apt-get install {program.debian}` (" in reason
        assert f"`brew install {program.macos}` (macOS)" in reason


@pytest.mark.usefixtures("nothing_installed")
def test_require_stops_with_one_message_and_no_traceback() -> None:
    with pytest.raises(programs.MissingPrograms) as raised:
        programs.require("postgresql", "redis")
    shown = raised.value._render_traceback_()
    assert shown[0] == "This notebook needs PostgreSQL and Redis. Missing here:"
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
    with pytest.raises(ValueError, match="name one or more of"):
        programs.require("postgres")
    with pytest.raises(ValueError, match="name one or more of"):
        programs.require()


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
        "prometheus": [],
        "npm": [],
    }


def test_the_collections_notebooks_name_only_known_programs() -> None:
    for notebook in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        assert set(programs.needs_of(notebook)) <= set(programs.PROGRAMS), notebook.name


def test_the_report_lists_every_program_with_who_needs_it_and_both_install_commands(
    tmp_path: Path, nothing_installed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    write_notebook(tmp_path, "12_stores.ipynb", ["postgresql", "redis"])
    assert programs.report(tmp_path) is False
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 * len(programs.PROGRAMS)
    assert lines[0].startswith("PostgreSQL  notebook 12  a database server")
    assert lines[1] == "    here:    MISSING (its initdb and postgres are not installed)"
    assert lines[2] == f"    install: {programs.PROGRAMS['postgresql'].install}"
    assert lines[6].startswith("nginx       no notebook  a reverse proxy")


def test_the_report_says_found_and_true_when_everything_is_here(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, program in programs.PROGRAMS.items():
        monkeypatch.setitem(
            programs.PROGRAMS, key, dataclasses.replace(program, problem=lambda: None)
        )
    assert programs.report(tmp_path) is True
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 * len(programs.PROGRAMS)
    assert lines[1::3] == ["    here:    found"] * len(programs.PROGRAMS)


def test_homebrews_keg_only_postgresql_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *_args, **_kwargs: None)
    kegs = {
        "/opt/homebrew/opt/postgresql@*/bin/initdb": [
            "/opt/homebrew/opt/postgresql@14/bin/initdb",
            "/opt/homebrew/opt/postgresql@16/bin/initdb",
        ]
    }
    monkeypatch.setattr(glob, "glob", lambda pattern: kegs.get(pattern, []))
    assert programs.postgres_bin() == Path("/opt/homebrew/opt/postgresql@16/bin")


def test_the_readme_tells_how_to_install_each_program() -> None:
    readme = (NOTEBOOKS.parent / "README.md").read_text(encoding="utf-8")
    for program in programs.PROGRAMS.values():
        row = next(line for line in readme.splitlines() if line.startswith(f"| {program.name} |"))
        assert f"`sudo apt-get install {program.debian}`" in row
        assert f"`brew install {program.macos}`" in row

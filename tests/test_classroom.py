"""The classroom kit: the student copy shows no solution, and the grader grades honestly.

The grader runs real notebooks in real kernels: a class of four learners hands in notebook 00,
one solved, one with a wrong answer among a failing cell and a cell that never ends, one whose
kernel dies, one who never defines the answer. Every one is graded, and none stops the others.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from jupyter_core.utils import ensure_event_loop
from nbclient import NotebookClient
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook

from helpers.classroom import __main__ as classroom
from helpers.classroom import exercise_cells, grading, student
from helpers.exercises import SOLUTIONS_WITHHELD, solutions_withheld, source_of
from helpers.exercises.nb00 import q1

COURSE = Path(__file__).resolve().parent.parent / "notebooks"
START = "00_start_here.ipynb"
STUB = 'def loopback_url(port):\n    raise NotImplementedError("your code here")'
SOLVED = 'def loopback_url(port):\n    return f"http://127.0.0.1:{port}/"'
WRONG = 'def loopback_url(port):\n    return f"http://localhost:{port}/"'
# Notebook 00's slowest cell (it runs pip) takes about 1 s, so 6 s is ample even with the class's
# four kernels running at once on a busy machine; the endless loop waits it out. It sleeps, so that
# its kernel does not take a core from the tests running alongside while it waits.
CELL_TIMEOUT = 6
ENDLESS = "import time\n\nwhile True:\n    time.sleep(0.1)"


def course_notebooks() -> list[Path]:
    return sorted(COURSE.glob("[0-9][0-9]_*.ipynb"))


def exercise_cell_of(notebook: NotebookNode) -> NotebookNode:
    """Notebook 00's cell of q1 (its q2 cell stays a stub in every handed-in notebook)."""
    [cell] = [
        cell
        for cell in notebook.cells
        if exercise_cells.is_exercise_cell(cell) and "q1.check(" in cell.source
    ]
    return cell


@pytest.fixture(scope="module")
def student_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("student")
    student.write_student_copy(COURSE, out)
    return out


def test_the_student_copy_has_every_notebook_and_the_marker(student_copy: Path) -> None:
    assert sorted(path.name for path in student_copy.glob("*.ipynb")) == [
        path.name for path in course_notebooks()
    ]
    assert (student_copy / SOLUTIONS_WITHHELD).is_file()


@pytest.mark.parametrize("course", course_notebooks(), ids=lambda path: path.stem)
def test_exercise_cells_are_blank_and_every_other_cell_is_as_committed(
    course: Path, student_copy: Path
) -> None:
    original = nbformat.read(course, as_version=4)
    copy = nbformat.read(student_copy / course.name, as_version=4)
    assert len(copy.cells) == len(original.cells)
    exercises = 0
    for before, after in zip(original.cells, copy.cells, strict=True):
        if exercise_cells.is_exercise_cell(before):
            exercises += 1
            assert after.outputs == [] and after.execution_count is None
            assert ".solution()" not in after.source
            assert after.source == re.sub(r"\n# q\d+\.solution\(\)", "", before.source)
        else:
            assert after == before
    assert exercises > 0
    assert exercise_cells.checked_answers(copy) == exercise_cells.checked_answers(original)


def test_a_cell_that_shows_a_solution_is_removed() -> None:
    revealed = new_code_cell("q1.solution()", execution_count=2)
    revealed.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="One solution to 'x':\n\ndef f(): ...")
    ]
    exercise = new_code_cell(
        "from helpers.exercises.nb00 import q1\n\n"
        "q1.check(loopback_url)\nq1.solution()\n# q1.hint()"
    )
    kept = new_code_cell("print('q1.solution() is a call you may make')")
    copy = student.student_notebook(new_notebook(cells=[exercise, revealed, kept]))
    assert [cell.source for cell in copy.cells] == [
        "from helpers.exercises.nb00 import q1\n\nq1.check(loopback_url)\n# q1.hint()",
        kept.source,
    ]


def test_solution_is_withheld_only_where_the_marker_is(
    student_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(student_copy)
    assert solutions_withheld()
    q1.solution()
    assert capsys.readouterr().out == (
        f"The solution to '{q1.title}' is withheld in this copy of the course.\n"
    )
    monkeypatch.chdir(tmp_path)
    assert not solutions_withheld()
    q1.solution()
    assert source_of(q1.reference) in capsys.readouterr().out


def test_in_the_student_copy_a_kernel_withholds_the_solution(student_copy: Path) -> None:
    notebook = nbformat.read(student_copy / START, as_version=4)
    notebook.cells = [exercise_cell_of(notebook), new_code_cell("q1.solution()")]
    NotebookClient(
        notebook,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(student_copy)}},
    ).execute()
    assert (
        notebook.cells[-1].outputs[0].text.startswith(f"The solution to '{q1.title}' is withheld")
    )


def handed_in(student_copy: Path, folder: Path, answer: str, *extra_cells: str) -> Path:
    """A learner's notebook 00 in `folder`: `answer` in place of the stub, and `extra_cells`
    just before the exercise."""
    notebook = nbformat.read(student_copy / START, as_version=4)
    cell = exercise_cell_of(notebook)
    assert STUB in cell.source
    cell.source = cell.source.replace(STUB, answer)
    at = notebook.cells.index(cell)
    notebook.cells[at:at] = [new_code_cell(source) for source in extra_cells]
    folder.mkdir()
    nbformat.write(notebook, folder / START)
    return folder


@pytest.fixture(scope="module")
def grades(
    student_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, grading.NotebookGrade]:
    """The class's notebooks, each graded in its own kernel; the kernels run at the same time, so
    that bob's endless cell waits out its time limit while the others are graded."""
    root = tmp_path_factory.mktemp("class")
    folders = {
        "alice": handed_in(student_copy, root / "alice", SOLVED),
        "bob": handed_in(student_copy, root / "bob", WRONG, "1 / 0", ENDLESS),
        "carol": handed_in(student_copy, root / "carol", SOLVED, "import os\nos._exit(1)"),
        "dave": handed_in(student_copy, root / "dave", ""),
    }

    def grade(folder: Path) -> grading.NotebookGrade:
        try:
            [graded] = grading.grade_folder(folder, COURSE, timeout=CELL_TIMEOUT)
            return graded
        finally:
            ensure_event_loop().close()  # the loop nbclient ran this thread's kernel on

    with ThreadPoolExecutor(len(folders)) as pool:
        graded = {name: pool.submit(grade, folder) for name, folder in folders.items()}
        return {name: future.result() for name, future in graded.items()}


def test_a_solved_exercise_passes(grades: dict[str, grading.NotebookGrade]) -> None:
    alice = grades["alice"]
    assert (alice.notebook, alice.passed, alice.failed_cells) == (START, 1, 0)
    assert alice.verdicts["q1"].status == grading.PASS
    assert alice.verdicts["q2"].status == grading.NOT_ATTEMPTED


def test_a_wrong_answer_fails_with_its_reason_despite_errors_and_a_cell_that_hangs(
    grades: dict[str, grading.NotebookGrade],
) -> None:
    bob = grades["bob"]
    assert bob.verdicts["q1"].status == grading.NOT_YET
    assert "localhost" in bob.verdicts["q1"].message
    assert bob.failed_cells == 2  # ZeroDivisionError, then the loop interrupted at the time limit


def test_a_kernel_that_dies_is_an_error_not_a_crash(
    grades: dict[str, grading.NotebookGrade],
) -> None:
    carol = grades["carol"]
    for exercise in ("q1", "q2"):
        assert carol.verdicts[exercise] == grading.Verdict(
            exercise, grading.ERROR, "the kernel died before grading"
        )
    assert carol.passed == 0


def test_an_answer_the_notebook_never_defines_is_missing(
    grades: dict[str, grading.NotebookGrade],
) -> None:
    assert grades["dave"].verdicts["q1"].status == grading.MISSING


def test_a_file_that_is_not_a_notebook_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / START).write_text("{ this is not JSON")
    [broken] = grading.grade_folder(tmp_path, COURSE, timeout=CELL_TIMEOUT)
    assert broken.verdicts["q1"].status == grading.ERROR
    assert broken.verdicts["q1"].message.startswith("the file is not a notebook")


def test_the_table_has_a_row_per_notebook_and_the_reasons(
    grades: dict[str, grading.NotebookGrade],
) -> None:
    lines = grading.table([grades["alice"], grades["bob"]]).splitlines()
    assert lines[0].split() == ["notebook", "q1", "q2", "q3", "passed", "cells", "that", "raised"]
    assert lines[1].split() == [START, "pass", "not", "attempted", "not", "attempted", "1/3", "0"]
    assert lines[2].split() == [
        START,
        "not",
        "yet",
        "not",
        "attempted",
        "not",
        "attempted",
        "0/3",
        "2",
    ]
    assert lines[3] == ""
    assert lines[4].startswith(f"{START} q1: not yet: loopback_url(8000) returned")


def test_grade_says_so_when_a_folder_holds_no_course_notebook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert classroom.main(["grade", str(tmp_path)]) == 1
    assert "no course notebook" in capsys.readouterr().err

"""The student copy: the notebooks with every way to see a solution taken out.

The committed notebooks already hand out stubs, not answers. The copy also clears what the
exercise cells printed, removes the `# qN.solution()` lines and any cell that shows a solution,
and leaves the file `.solutions-withheld` beside the notebooks, so that `qN.solution()` says the
solution is withheld (see `helpers.exercises.solutions_withheld`).

This keeps solutions out of the notebooks, not out of reach: the checks in `helpers/exercises/`
contain the reference solutions, as any checker that compares answers must.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode

from helpers.classroom.exercise_cells import SOLUTION_CALL, is_exercise_cell, shows_a_solution
from helpers.exercises import SOLUTIONS_WITHHELD

MARKER_TEXT = """\
This folder is a student copy of "Python and the Web", written by `make student`.
While this file is here, q1.solution() and its kind say that solutions are withheld.
"""


def student_notebook(notebook: NotebookNode) -> NotebookNode:
    """A copy of `notebook` whose exercise cells are blank and that shows no solution."""
    copy = nbformat.from_dict(notebook)
    kept = []
    for cell in copy.cells:
        if is_exercise_cell(cell):
            cell.source = SOLUTION_CALL.sub("", cell.source).rstrip()
            cell.outputs = []
            cell.execution_count = None
            kept.append(cell)
        elif not shows_a_solution(cell):
            kept.append(cell)
    copy.cells = kept
    return copy


def write_student_copy(notebooks: Path, out: Path) -> list[Path]:
    """Write the student copy of every `NN_*.ipynb` in `notebooks` into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / SOLUTIONS_WITHHELD).write_text(MARKER_TEXT)
    written = []
    for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        target = out / path.name
        nbformat.write(student_notebook(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written

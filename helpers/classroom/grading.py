"""Grade a folder of completed student notebooks: run each one, then ask each exercise's checker.

Each notebook runs from top to bottom in a fresh kernel, in its own folder, with a time limit per
cell; a cell that raises or runs too long is recorded and the run goes on (a timed-out cell is
interrupted). Then one cell per exercise, added at the end, hands the learner's answer (the name
the course notebook passes to `qN.check`) to the exercise's own checker, `Exercise.evaluate`, in
that same kernel, and prints the verdict as a marked JSON line that the grader reads back.
"""

from __future__ import annotations

import importlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from helpers.classroom.exercise_cells import checked_answers, exercise_module
from helpers.exercises import Exercise

VERDICT_MARK = "classroom-verdict: "
PASS, NOT_YET, NOT_ATTEMPTED, MISSING, ERROR = (
    "pass",
    "not yet",
    "not attempted",
    "missing",
    "error",
)
LABELS = {"Correct": PASS, "Not yet": NOT_YET, "Not attempted yet": NOT_ATTEMPTED}
CELL_TIMEOUT = 120


@dataclass(frozen=True)
class Verdict:
    exercise: str
    status: str
    message: str


@dataclass
class NotebookGrade:
    """The verdicts on one notebook's exercises, and how many of the learner's cells raised."""

    notebook: str
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    failed_cells: int = 0

    @property
    def passed(self) -> int:
        return sum(verdict.status == PASS for verdict in self.verdicts.values())


def report_verdict(module: str, exercise: str, answer: Callable[[], object]) -> None:
    """Run inside the learner's kernel: judge `answer()` with the exercise and print the verdict."""
    try:
        value = answer()
    except NameError as error:
        verdict = Verdict(exercise, MISSING, f"the notebook does not define it ({error})")
    else:
        checker: Exercise = getattr(importlib.import_module(module), exercise)
        feedback = checker.evaluate(value)
        verdict = Verdict(exercise, LABELS[feedback.status.value], feedback.message)
    print(VERDICT_MARK + json.dumps(asdict(verdict)))


def exercises_of(module: str) -> list[str]:
    """The exercises of a notebook's module, q1, q2, ..., in order; none if it has no module."""
    try:
        found = vars(importlib.import_module(module))
    except ModuleNotFoundError:
        return []
    names = [name for name, value in found.items() if isinstance(value, Exercise)]
    return sorted(names, key=lambda name: int(name[1:]))


def grading_cell(module: str, exercise: str, answer: str) -> NotebookNode:
    return new_code_cell(
        "from helpers.classroom.grading import report_verdict\n"
        f"report_verdict({module!r}, {exercise!r}, lambda: {answer})",
        metadata={"tags": ["classroom-grading"]},
    )


def read_verdict(cell: NotebookNode, exercise: str) -> Verdict:
    for output in cell.outputs:
        if output.output_type == "error":
            return Verdict(exercise, ERROR, f"grading raised {output.ename}: {output.evalue}")
        for line in str(output.get("text", "")).splitlines():
            if line.startswith(VERDICT_MARK):
                return Verdict(**json.loads(line.removeprefix(VERDICT_MARK)))
    return Verdict(exercise, ERROR, "the check printed no verdict")


def grade_notebook(path: Path, course: Path, timeout: int = CELL_TIMEOUT) -> NotebookGrade:
    """Run the learner's notebook at `path` and judge each exercise of its course notebook."""
    grade = NotebookGrade(path.name)
    module = exercise_module(path)
    exercises = exercises_of(module)
    try:
        learner = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        unreadable = f"the file is not a notebook that can be read ({error})"
        grade.verdicts = {exercise: Verdict(exercise, ERROR, unreadable) for exercise in exercises}
        return grade
    own_cells = [cell for cell in learner.cells if cell.cell_type == "code"]
    asked = checked_answers(nbformat.read(course / path.name, as_version=4))
    added = {}
    for exercise in exercises:
        if exercise in asked:
            added[exercise] = grading_cell(module, exercise, asked[exercise])
            learner.cells.append(added[exercise])
        else:
            grade.verdicts[exercise] = Verdict(exercise, MISSING, "the course asks for no answer")

    client = NotebookClient(
        learner,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        # The kernel process's own stderr holds only ipykernel's start-up warnings: the
        # learner's output, stderr included, reaches the notebook through the kernel's messages.
        client.execute(stderr=subprocess.DEVNULL)
    except DeadKernelError:
        for exercise in added:
            grade.verdicts[exercise] = Verdict(exercise, ERROR, "the kernel died before grading")
    else:
        for exercise, cell in added.items():
            grade.verdicts[exercise] = read_verdict(cell, exercise)
    grade.failed_cells = sum(
        any(output.output_type == "error" for output in cell.get("outputs", []))
        for cell in own_cells
    )
    grade.verdicts = {exercise: grade.verdicts[exercise] for exercise in exercises}
    return grade


def grade_folder(folder: Path, course: Path, timeout: int = CELL_TIMEOUT) -> list[NotebookGrade]:
    """Grade every `NN_*.ipynb` in `folder` that the course (a folder of notebooks) also has."""
    return [
        grade_notebook(path, course, timeout)
        for path in sorted(folder.glob("[0-9][0-9]_*.ipynb"))
        if (course / path.name).is_file()
    ]


def table(grades: list[NotebookGrade]) -> str:
    """One row per notebook, one column per exercise, then the score and the failed cells; then
    the reason for every answer that is wrong, missing or could not be checked."""
    width = max((len(grade.notebook) for grade in grades), default=8) + 2
    columns = max((len(grade.verdicts) for grade in grades), default=0)
    header = "notebook".ljust(width) + "".join(f"q{n:<14}" for n in range(1, columns + 1))
    lines = [header + "passed  cells that raised"]
    reasons = []
    for grade in grades:
        cells = [verdict.status for verdict in grade.verdicts.values()]
        cells += ["-"] * (columns - len(cells))
        score = f"{grade.passed}/{len(grade.verdicts)}"
        row = grade.notebook.ljust(width) + "".join(f"{cell:<15}" for cell in cells)
        lines.append(f"{row}{score:<8}{grade.failed_cells}")
        reasons += [
            f"{grade.notebook} {verdict.exercise}: {verdict.status}: {verdict.message}"
            for verdict in grade.verdicts.values()
            if verdict.status not in (PASS, NOT_ATTEMPTED)
        ]
    return "\n".join(lines + (["", *reasons] if reasons else []))

"""How the grader and the student copy recognise exercises in a notebook.

An exercise cell calls `qN.check(answer)`, usually after importing `qN` from
`helpers.exercises.nbNN`, as CONTRIBUTING.md asks; `qN.solution()` reveals a reference solution.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from nbformat import NotebookNode

EXERCISE_IMPORT = re.compile(r"^\s*from helpers\.exercises\.nb\d\d import ", re.MULTILINE)
CHECK_CALL = re.compile(r"^\s*q\d+\.check\(", re.MULTILINE)
SOLUTION_CALL = re.compile(r"^[ \t]*#?[ \t]*q\d+\.solution\(\)[ \t]*\n?", re.MULTILINE)
REVEALED = "One solution to '"
EXERCISE_NAME = re.compile(r"^q\d+$")


def exercise_module(notebook: Path) -> str:
    """`helpers.exercises.nb05` for `05_sockets.ipynb`."""
    return f"helpers.exercises.nb{notebook.name[:2]}"


def is_exercise_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(
        EXERCISE_IMPORT.search(cell.source) or CHECK_CALL.search(cell.source)
    )


def shows_a_solution(cell: NotebookNode) -> bool:
    """A code cell that calls `qN.solution()` (not in a comment) or stores a revealed solution."""
    if cell.cell_type != "code":
        return False
    calls = any(line.strip().startswith("q") for line in SOLUTION_CALL.findall(cell.source))
    stored = any(REVEALED in str(output.get("text", "")) for output in cell.outputs)
    return calls or stored


def checked_answers(notebook: NotebookNode) -> dict[str, str]:
    """The expression each exercise checks, as in `q1.check(loopback_url)`: {"q1": "loopback_url"}.

    Cells that are not valid Python (a learner's typo) are skipped.
    """
    answers = {}
    for cell in notebook.cells:
        if not is_exercise_cell(cell):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "check"
                and isinstance(node.func.value, ast.Name)
                and EXERCISE_NAME.match(node.func.value.id)
                and len(node.args) == 1
            ):
                answers[node.func.value.id] = ast.unparse(node.args[0])
    return answers

"""`python -m helpers.classroom student OUT` and `python -m helpers.classroom grade DIR`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.classroom import grading, student

COURSE = Path(__file__).resolve().parent.parent.parent / "notebooks"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.classroom", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    hand_out = commands.add_parser("student", help="write the notebooks without solutions")
    hand_out.add_argument("out", type=Path, help="the folder to write the student copy into")
    grade = commands.add_parser("grade", help="run completed notebooks and table the exercises")
    grade.add_argument("folder", type=Path, help="a folder of completed student notebooks")
    grade.add_argument("--timeout", type=int, default=grading.CELL_TIMEOUT, help="s per cell")
    for command in (hand_out, grade):
        command.add_argument("--course", type=Path, default=COURSE, help="the course notebooks")
    arguments = parser.parse_args(argv)

    if arguments.command == "student":
        written = student.write_student_copy(arguments.course, arguments.out)
        print(f"{len(written)} notebooks without solutions written to {arguments.out}/")
        return 0
    grades = grading.grade_folder(arguments.folder, arguments.course, arguments.timeout)
    if not grades:
        print(f"no course notebook (NN_name.ipynb) found in {arguments.folder}", file=sys.stderr)
        return 1
    print(grading.table(grades))
    return 0


if __name__ == "__main__":
    sys.exit(main())

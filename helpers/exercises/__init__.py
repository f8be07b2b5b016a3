"""Exercises with friendly checks, hints and reference solutions.

Modelled on Kaggle's learntools: `q1.check(answer)` never raises. It prints one of three verdicts:
"Correct", "Not yet, because ..." or "Not attempted yet". `q1.hint()` reveals the next hint, and
`q1.solution()` shows the reference solution, which the project's tests prove correct, except in a
student copy of the notebooks, whose folder holds the file `.solutions-withheld`.

A notebook hands the learner a stub: either `...` for a value, or a function whose body raises
`NotImplementedError`. Both count as "not attempted", so a notebook with unsolved exercises still
runs from top to bottom.

Each notebook's exercises live in a module of this package, `helpers.exercises.nbNN`.
"""

from __future__ import annotations

import enum
import inspect
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

# A file of this name in a notebook's folder withholds the solutions (see `make student`).
SOLUTIONS_WITHHELD = ".solutions-withheld"


class NotYet(Exception):
    """Raised by a checker to say why an answer is not right yet."""


class Status(enum.Enum):
    CORRECT = "Correct"
    NOT_YET = "Not yet"
    NOT_ATTEMPTED = "Not attempted yet"


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer, and a sentence that explains it."""

    status: Status
    message: str

    def __str__(self) -> str:
        marks = {Status.CORRECT: "✅", Status.NOT_YET: "❌", Status.NOT_ATTEMPTED: "💡"}
        joiner = ", because " if self.status is Status.NOT_YET else ": "
        return f"{marks[self.status]} {self.status.value}{joiner}{self.message}"


def unattempted(answer: object) -> bool:
    """True for the stubs a notebook hands out: `...` itself."""
    return answer is Ellipsis


class Exercise:
    """One exercise: a checker, hints revealed one at a time, and a reference solution.

    `checker(answer)` returns quietly when the answer is right and raises `NotYet` with a reason
    when it is not. `solution` is the reference answer itself (a value, a function or a class):
    the tests pass it to the checker, and `solution()` shows its source to the learner.
    `wrong` holds answers the checker must reject; the tests prove that it does.
    """

    def __init__(
        self,
        title: str,
        checker: Callable[[Any], None],
        *,
        hints: Sequence[str],
        solution: object,
        wrong: Sequence[object] = (),
    ) -> None:
        if not hints:
            raise ValueError(f"exercise {title!r} needs at least one hint")
        self.title = title
        self.checker = checker
        self.hints = tuple(hints)
        self.reference = solution
        self.wrong = tuple(wrong)
        self._hints_shown = 0

    def evaluate(self, answer: object) -> Feedback:
        """Judge `answer` and return the verdict; never raises."""
        if unattempted(answer):
            return Feedback(Status.NOT_ATTEMPTED, "replace the `...` with your answer.")
        try:
            self.checker(answer)
        except NotImplementedError:
            return Feedback(
                Status.NOT_ATTEMPTED,
                "your function still raises NotImplementedError; write its body.",
            )
        except NotYet as reason:
            return Feedback(Status.NOT_YET, str(reason))
        except Exception as error:  # the learner's code failed: say how, do not crash the notebook
            return Feedback(Status.NOT_YET, f"your code raised {type(error).__name__}: {error}")
        return Feedback(Status.CORRECT, f"{self.title}. Well done!")

    def check(self, answer: object) -> None:
        """Print the verdict on `answer`."""
        print(self.evaluate(answer))

    def hint(self, number: int | None = None) -> None:
        """Print hint `number` (1-based), or the next hint not yet shown."""
        if number is None:
            self._hints_shown = min(self._hints_shown + 1, len(self.hints))
            number = self._hints_shown
        number = max(1, min(number, len(self.hints)))
        print(f"Hint {number} of {len(self.hints)}: {self.hints[number - 1]}")

    def solution(self) -> None:
        """Print the reference solution, unless this is a student copy of the notebooks."""
        if solutions_withheld():
            print(f"The solution to '{self.title}' is withheld in this copy of the course.")
            return
        print(f"One solution to '{self.title}':\n")
        print(source_of(self.reference))

    def __repr__(self) -> str:
        return f"<Exercise {self.title!r}: use .check(answer), .hint() or .solution()>"


def solutions_withheld(folder: Path | None = None) -> bool:
    """True in a student copy (`make student`): its folder, the kernel's working directory, holds
    the file SOLUTIONS_WITHHELD."""
    return ((folder or Path.cwd()) / SOLUTIONS_WITHHELD).is_file()


def source_of(answer: object) -> str:
    """The source code of a function or class, or `answer = <repr>` for a plain value."""
    if inspect.isfunction(answer) or inspect.isclass(answer):
        try:
            source = inspect.getsource(answer)
        except SystemError:  # CPython 3.11: a spurious AST error (python/cpython#106905)
            source = inspect.getsource(answer)  # seen when threads parse at once: parse again
        return textwrap.dedent(source).rstrip()
    return f"answer = {answer!r}"


def require(condition: bool, reason: str) -> None:
    """Raise `NotYet(reason)` unless `condition` holds: the building block of checkers."""
    if not condition:
        raise NotYet(reason)


def answer_of(
    case: str,
    candidate: Callable[..., Any],
    *arguments: Any,
    who: str = "your code",
    advice: str = "",
) -> Any:
    """`candidate(*arguments)`; an error of the learner's code becomes a NotYet naming `case` and
    `who` raised it, then `advice`. The stub's NotImplementedError, and a NotYet, pass through."""
    try:
        return candidate(*arguments)
    except (NotImplementedError, NotYet):
        raise
    except Exception as error:
        raise NotYet(
            f"for {case}, {who} raised {type(error).__name__}: {error}.{advice}"
        ) from error


Subject = TypeVar("Subject")


def failure_of(test: Callable[[Subject], None], subject: Subject) -> str:
    """How a learner's `test(subject)` failed, or '' if it passed: for exercises whose answer is
    a test, checked against a correct subject (it must pass) and broken ones (it must fail)."""
    try:
        test(subject)
    except NotImplementedError:
        raise
    except (Exception, pytest.fail.Exception) as error:
        return f"{type(error).__name__}: {error}".strip()
    return ""


def check_test(
    test: Callable[[Subject], None],
    correct: Subject,
    broken: Iterable[tuple[Subject, str]],
    *,
    name: str,
    advice: str,
) -> None:
    """Check a learner's `test`: it must pass against `correct` (else `advice` says how to fix
    it) and fail against each broken subject, whose bug the reason names."""
    failure = failure_of(test, correct)
    require(not failure, f"your test fails against a correct {name} ({failure}). {advice}")
    for subject, bug in broken:
        require(bool(failure_of(test, subject)), f"your test passes a broken {name} that {bug}.")

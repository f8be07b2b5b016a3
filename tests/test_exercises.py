"""Every exercise in the collection: its reference solution passes, its stubs and known-wrong
answers do not, and the checker never raises, whatever the learner hands it."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import helpers.exercises
from helpers.exercises import Exercise, Status


def all_exercises() -> dict[str, Exercise]:
    found = {}
    for info in pkgutil.iter_modules(helpers.exercises.__path__):
        module = importlib.import_module(f"helpers.exercises.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, Exercise):
                found[f"{info.name}.{name}"] = value
    return found


EXERCISES = all_exercises()


def not_implemented(*_args: object, **_kwargs: object) -> object:
    raise NotImplementedError("your code here")


def test_every_notebook_module_has_exercises() -> None:
    assert "nb00.q1" in EXERCISES


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_reference_solution_passes(key: str) -> None:
    feedback = EXERCISES[key].evaluate(EXERCISES[key].reference)
    assert feedback.status is Status.CORRECT, feedback


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_stubs_are_not_attempted(key: str) -> None:
    exercise = EXERCISES[key]
    assert exercise.evaluate(...).status is Status.NOT_ATTEMPTED
    if callable(exercise.reference):
        assert exercise.evaluate(not_implemented).status is Status.NOT_ATTEMPTED


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_known_wrong_answers_are_rejected_with_a_reason(key: str) -> None:
    exercise = EXERCISES[key]
    assert exercise.wrong, f"{key} lists no wrong answer, so nothing shows its check can fail"
    for answer in exercise.wrong:
        feedback = exercise.evaluate(answer)
        assert feedback.status is Status.NOT_YET, (answer, feedback)
        assert feedback.message


@pytest.mark.parametrize("key", sorted(EXERCISES))
@pytest.mark.parametrize("junk", [None, 42, "text", [], object(), lambda *a, **k: 1 / 0])
def test_check_never_raises(key: str, junk: object) -> None:
    assert EXERCISES[key].evaluate(junk).status is not Status.CORRECT


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_hints_and_solution_print(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    exercise = EXERCISES[key]
    exercise.hint(1)
    exercise.solution()
    out = capsys.readouterr().out
    assert out.startswith(f"Hint 1 of {len(exercise.hints)}: ")
    assert "One solution" in out


def test_hints_are_revealed_one_at_a_time(capsys: pytest.CaptureFixture[str]) -> None:
    exercise = Exercise("demo", lambda answer: None, hints=["first", "second"], solution=1)
    for _ in range(3):
        exercise.hint()
    assert capsys.readouterr().out.splitlines() == [
        "Hint 1 of 2: first",
        "Hint 2 of 2: second",
        "Hint 2 of 2: second",
    ]


def test_feedback_reads_as_a_sentence() -> None:
    exercise = EXERCISES["nb00.q1"]
    assert str(exercise.evaluate(...)).startswith("💡 Not attempted yet: ")
    wrong = str(exercise.evaluate(lambda port: "nope"))
    assert wrong.startswith("❌ Not yet, because loopback_url(8000) returned 'nope'")
    assert str(exercise.evaluate(exercise.reference)).startswith("✅ Correct: ")

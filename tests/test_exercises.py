"""Every exercise in the collection: its reference solution passes, its stubs and known-wrong
answers do not, and the checker never raises, whatever the learner hands it."""

from __future__ import annotations

import dis
import importlib
import importlib.util
import inspect
import itertools
import os
import pkgutil
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


# --- Notebooks 00-02: other correct answers a learner may well write, which the checks must accept.


def _count_in_a_list() -> Callable[[], int]:
    count = [0]

    def counter() -> int:
        count[0] += 1
        return count[0]

    return counter


def _count_in_an_iterator() -> Callable[[], int]:
    numbers = itertools.count(1)
    return lambda: next(numbers)


def _stack_depths_by_hand(expression: str) -> list[int]:
    effects = {"LOAD_NAME": 1, "LOAD_CONST": 1, "UNARY_NEGATIVE": 0, "BINARY_OP": -1}
    code = compile(expression, "<expression>", "eval")
    steps = [effects.get(i.opname, -1) for i in dis.get_instructions(code) if i.opname != "RESUME"]
    return list(itertools.accumulate(steps))


def _cache_is_fresh_with_struct(source_path: str | os.PathLike[str]) -> bool:
    pyc = Path(importlib.util.cache_from_source(os.fspath(source_path)))
    if not pyc.is_file():
        return False
    magic, _flags, mtime, size = struct.unpack("<4sIII", pyc.read_bytes()[:16])
    stat = os.stat(source_path)
    fields = (int(stat.st_mtime) & 0xFFFFFFFF, stat.st_size & 0xFFFFFFFF)
    return magic == importlib.util.MAGIC_NUMBER and (mtime, size) == fields


def _defaults_by_signature(function: Callable[..., Any]) -> dict[str, Any]:
    parameters = inspect.signature(function).parameters.values()
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


OTHER_CORRECT_ANSWERS: dict[str, list[object]] = {
    "nb00.q1": [lambda port: "http://127.0.0.1:" + str(port) + "/"],
    "nb01.q1": [
        lambda source: list(
            dict.fromkeys(
                i.argval
                for i in dis.get_instructions(compile(source, "<s>", "exec"))
                if i.opname == "LOAD_NAME"
            )
        )
    ],
    "nb01.q2": [_stack_depths_by_hand],
    "nb01.q3": [_cache_is_fresh_with_struct],
    "nb02.q1": [_count_in_a_list, _count_in_an_iterator],
    "nb02.q2": [_defaults_by_signature],
    "nb02.q3": [lambda function: dict(inspect.getclosurevars(function).nonlocals)],
}


@pytest.mark.parametrize(
    ("key", "answer"),
    [(key, answer) for key, answers in OTHER_CORRECT_ANSWERS.items() for answer in answers],
)
def test_other_correct_answers_pass(key: str, answer: object) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback

"""Every exercise in the collection: its reference solution passes, its stubs and known-wrong
answers do not, and the checker never raises, whatever the learner hands it."""

from __future__ import annotations

import ast
import dis
import functools
import importlib
import importlib.util
import inspect
import itertools
import math
import os
import pkgutil
import socket
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
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


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda port: f"http://localhost:{port}/", "::1"),
        (lambda port: f"https://127.0.0.1:{port}/", "plain HTTP"),
        (lambda port: print(f"http://127.0.0.1:{port}/"), "forget `return`"),
        (lambda port: None, "forget `return`"),
        (lambda port: f"http://127.0.0.1{port}/", "after the host comes a `:`"),
        (lambda port: f"http://127.0.0.1:{port}", "ends with `/`"),
        (lambda port: f"http://127.0.0.1:{port}/api", "stops at the `/`"),
        (lambda port: "http://127.0.0.1:8000/", "the `port` the function was given"),
        (lambda port: "http://127.0.0.1:port/", "'port' is not a number"),
        (lambda port: f"http://127.0.0.1/{port}/", "after the host comes a `:`"),
        (lambda port: f"http://127.0.0.2:{port}/", "the host should be 127.0.0.1"),
        (lambda port: f"127.0.0.1:{port}/", "`://`"),
        (lambda port: f" http://127.0.0.1:{port}/", "no spaces or newlines"),
    ],
)
def test_nb00_q1_says_why_an_address_is_wrong(answer: Callable[[int], str], reason: str) -> None:
    """Each wrong piece of the address gets its reason, and no message gives the address away."""
    feedback = EXERCISES["nb00.q1"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message
    assert "http://127.0.0.1:8888/" not in feedback.message


def _reverse_until_the_client_is_done(connection: socket.socket, address: object) -> None:
    received = b""
    while chunk := connection.recv(3):
        received += chunk
    connection.sendall(bytes(reversed(received)))


def _reverse_byte_by_byte(connection: socket.socket, address: object) -> None:
    for byte in reversed(connection.recv(1024)):
        connection.sendall(bytes([byte]))


def _reverse_as_text(connection: socket.socket, address: object) -> None:
    connection.sendall(connection.recv(1024).decode()[::-1].encode())


def _receive_forever(connection: socket.socket, address: object) -> None:
    while True:
        connection.recv(1024)


def _reverse_then_fail(connection: socket.socket, address: object) -> None:
    connection.sendall(connection.recv(1024)[::-1])
    raise ValueError("after the answer")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda connection, address: connection.sendall(connection.recv(9)), "in the same order"),
        (lambda connection, address: connection.recv(1024)[::-1], "returned b'olleh', but sent"),
        (lambda connection, address: print(connection.recv(1024)), "sent nothing"),
        (
            lambda connection, address: connection.sendall(reversed(connection.recv(9))),
            "'reversed'",
        ),
        (lambda connection, address: connection.sendall(b"olleh"), "b'stressed'"),
        (lambda connection: connection.sendall(b""), "takes 1 positional argument"),
        (_receive_forever, "never came to an end"),
        (_reverse_then_fail, "raised ValueError: after the answer"),
    ],
)
def test_nb00_q2_says_what_the_client_saw(answer: Callable[..., object], reason: str) -> None:
    """The check talks to the handler over a socket, and says what came back or what it raised."""
    feedback = EXERCISES["nb00.q2"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message
    assert "[::-1]" not in feedback.message


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


def _cache_is_fresh_in_nanoseconds(source_path: str | os.PathLike[str]) -> bool:
    pyc = Path(importlib.util.cache_from_source(os.fspath(source_path)))
    try:
        header = pyc.read_bytes()[:16]
    except FileNotFoundError:
        return False
    stat = os.stat(source_path)
    recorded = [int.from_bytes(header[start : start + 4], "little") for start in (8, 12)]
    return header[:4] == importlib.util.MAGIC_NUMBER and recorded == [
        stat.st_mtime_ns // 1_000_000_000,
        stat.st_size,
    ]


def _cache_is_fresh_like_make_with_a_magic_check(source_path: str | os.PathLike[str]) -> bool:
    """The reviewer's wrong answer: the magic number, then "the .pyc is newer than the source"."""
    pyc = Path(importlib.util.cache_from_source(os.fspath(source_path)))
    return (
        pyc.exists()
        and pyc.read_bytes()[:4] == importlib.util.MAGIC_NUMBER
        and pyc.stat().st_mtime >= os.stat(source_path).st_mtime
    )


def _cache_is_fresh_with(
    seconds: Callable[[float], int], check_exists: bool = True
) -> Callable[[str | os.PathLike[str]], bool]:
    """A q3 answer: whole seconds of st_mtime made with `seconds`; may skip the .pyc check."""

    def cache_is_fresh(source_path: str | os.PathLike[str]) -> bool:
        pyc = Path(importlib.util.cache_from_source(os.fspath(source_path)))
        if check_exists and not pyc.exists():
            return False
        magic, _flags, mtime, size = struct.unpack("<4sIII", pyc.read_bytes()[:16])
        stat = os.stat(source_path)
        return magic == importlib.util.MAGIC_NUMBER and (mtime, size) == (
            seconds(stat.st_mtime),
            stat.st_size,
        )

    return cache_is_fresh


def _loads_names_by_ast(source: str) -> list[str]:
    """Reads the names from the syntax tree, whose walk is not the order the bytecode reads."""
    names = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(n.id for n in names if isinstance(n.ctx, ast.Load)))


def _stack_depths_with_effects(**effects: int) -> Callable[[str], list[int]]:
    """A q2 answer that counts the stack by hand, with `effects` overriding the right ones."""
    rules = {"LOAD_NAME": 1, "LOAD_CONST": 1, "UNARY_NEGATIVE": 0, "BINARY_OP": -1} | effects

    def stack_depths(expression: str) -> list[int]:
        code = compile(expression, "<expression>", "eval")
        kept = [i.opname for i in dis.get_instructions(code) if i.opname != "RESUME"]
        return list(itertools.accumulate(rules.get(opname, -1) for opname in kept))

    return stack_depths


def _warmed_name_calling(
    count: Callable[[int], int],
) -> Callable[[Callable[..., object], tuple[object, ...], int], str]:
    """A q4 answer that calls the function `count(times)` times instead of `times`."""
    return lambda function, arguments, times: EXERCISES["nb01.q4"].reference(
        function, arguments, count(times)
    )


@pytest.mark.parametrize(
    ("key", "answer", "reason"),
    [
        ("nb01.q1", _loads_names_by_ast, "the order the bytecode first reads them"),
        (
            "nb01.q1",
            lambda source: EXERCISES["nb01.q1"].reference(source)[::-1],
            "the order the bytecode",
        ),
        ("nb01.q2", _stack_depths_with_effects(UNARY_NEGATIVE=-1), "after UNARY_NEGATIVE"),
        ("nb01.q2", _stack_depths_with_effects(RETURN_VALUE=0), "after RETURN_VALUE"),
        ("nb01.q2", _stack_depths_with_effects(BINARY_OP=-2), "after BINARY_OP"),
        ("nb01.q3", _cache_is_fresh_like_make_with_a_magic_check, "moved back"),
        ("nb01.q3", _cache_is_fresh_with(round), "a module just compiled"),
        ("nb01.q3", _cache_is_fresh_with(math.ceil), "a module just compiled"),
        ("nb01.q3", _cache_is_fresh_with(int, check_exists=False), "has no .pyc, your code raised"),
        ("nb01.q4", _warmed_name_calling(lambda times: times - 1), "exactly `times` times"),
        ("nb01.q4", _warmed_name_calling(lambda times: times + 1), "exactly `times` times"),
        ("nb01.q4", _warmed_name_calling(lambda times: 2 * times), "exactly `times` times"),
    ],
)
def test_nb01_says_why_an_answer_is_wrong(key: str, answer: object, reason: str) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback.message
    assert "sorted" not in feedback.message


def test_nb01_q2_names_the_wrong_instruction_without_the_expected_depths() -> None:
    feedback = EXERCISES["nb01.q2"].evaluate(_stack_depths_with_effects(UNARY_NEGATIVE=-1))
    assert "-a * b" in feedback.message
    assert "[1, 1, 2, 1, 0]" not in feedback.message, feedback.message


def _warmed_name_by_position(
    function: Callable[..., object], arguments: tuple[object, ...], times: int
) -> str:
    for _ in range(times):
        function(*arguments)
    names = [i.opname for i in dis.get_instructions(function)]
    live = [i.opname for i in dis.Bytecode(function, adaptive=True)]
    return live[names.index("BINARY_OP")]


def _warmed_name_by_prefix(
    function: Callable[..., object], arguments: tuple[object, ...], times: int
) -> str:
    for _ in range(times):
        function(*arguments)
    live = dis.get_instructions(function, adaptive=True)
    return next(i.opname for i in live if i.opname.startswith("BINARY_OP"))


def _count_with_wraps() -> Callable[[], int]:
    """A counter decorated with functools.wraps: __wrapped__ and friends in its __dict__."""
    count = 0

    def template() -> int:
        """Count."""
        return 0

    @functools.wraps(template)
    def counter() -> int:
        nonlocal count
        count += 1
        return count

    return counter


def _count_with_a_reset() -> Callable[[], int]:
    """A counter that carries a helper as an attribute, which counting leaves alone."""
    count = 0

    def counter() -> int:
        nonlocal count
        count += 1
        return count

    def reset() -> None:
        nonlocal count
        count = 0

    counter.reset = reset  # type: ignore[attr-defined]
    return counter


def _count_in_a_dict() -> Callable[[], int]:
    state = {"count": 0}

    def counter() -> int:
        state["count"] += 1
        return state["count"]

    return counter


def _defaults_by_signature(function: Callable[..., Any]) -> dict[str, Any]:
    parameters = inspect.signature(function).parameters.values()
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def _defaults_from_the_end(function: Any) -> dict[str, Any]:
    code = function.__code__
    names = reversed(code.co_varnames[: code.co_argcount])
    found = dict(zip(names, reversed(function.__defaults__ or ()), strict=False))
    return found | (function.__kwdefaults__ or {})


def _closure_values_with_a_guard(function: Any) -> dict[str, Any]:
    if function.__closure__ is None:
        return {}
    names = function.__code__.co_freevars
    return {
        name: cell.cell_contents for name, cell in zip(names, function.__closure__, strict=True)
    }


OTHER_CORRECT_ANSWERS: dict[str, list[object]] = {
    "nb00.q1": [
        lambda port: "http://127.0.0.1:" + str(port) + "/",
        lambda port: f"http://127.0.0.1:{port:d}/",
        lambda port: "".join(("http://", "127.0.0.1", ":", str(port), "/")),
        lambda port: "/".join(["http:", "", f"127.0.0.1:{port}", ""]),
        lambda port: f"HTTP://127.0.0.1:{port}/",  # a scheme is case-insensitive (RFC 3986)
    ],
    "nb00.q2": [
        _reverse_until_the_client_is_done,
        _reverse_byte_by_byte,
        _reverse_as_text,  # the same bytes for ASCII messages, which are all the check sends
        lambda connection, address: connection.sendall(bytearray(connection.recv(64))[::-1]),
        lambda connection, address: connection.send(bytes(reversed(connection.recv(64)))),
    ],
    "nb01.q1": [
        lambda source: list(
            dict.fromkeys(
                i.argval
                for i in dis.get_instructions(compile(source, "<s>", "exec"))
                if i.opname == "LOAD_NAME"
            )
        )
    ],
    "nb01.q2": [
        _stack_depths_by_hand,
        lambda expression: list(
            itertools.accumulate(
                dis.stack_effect(i.opcode, i.arg)
                for i in dis.get_instructions(compile(expression, "", "eval"))
                if i.opname != "RESUME"
            )
        ),
    ],
    "nb01.q3": [_cache_is_fresh_with_struct, _cache_is_fresh_in_nanoseconds],
    "nb01.q4": [_warmed_name_by_position, _warmed_name_by_prefix],
    "nb02.q1": [
        _count_in_a_list,
        _count_in_an_iterator,
        _count_with_wraps,
        _count_with_a_reset,
        _count_in_a_dict,
    ],
    "nb02.q2": [_defaults_by_signature, _defaults_from_the_end],
    "nb02.q3": [
        lambda function: dict(inspect.getclosurevars(function).nonlocals),
        _closure_values_with_a_guard,
    ],
    "nb02.q4": [
        ["clamps", "rounds", "tally"],
        ("tally", "rounds", "clamps"),
        frozenset({"clamps", "rounds", "tally"}),
    ],
    "nb02.q5": [[True, ([1, 2],)], (True, ([1, 2],))],
}


@pytest.mark.parametrize(
    ("key", "answer"),
    [(key, answer) for key, answers in OTHER_CORRECT_ANSWERS.items() for answer in answers],
)
def test_other_correct_answers_pass(key: str, answer: object) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


# --- Notebook 02: the reasons its checks give, and the puzzle the notebook shows.


def _defaults_added_to_kwdefaults(function: Any) -> dict[str, Any]:
    """Changes the function's own __kwdefaults__, then returns a copy of it."""
    found = function.__kwdefaults__ or {}
    found.update(_defaults_from_the_end(function))
    return dict(found)


def _defaults_then_cleared(function: Any) -> dict[str, Any]:
    """Reads the defaults, then sets the function's __defaults__ to None."""
    found = _defaults_from_the_end(function)
    function.__defaults__ = None
    return found


def _count_without_nonlocal() -> Callable[[], int]:
    count = 0

    def counter() -> int:
        count += 1  # noqa: F823 (the mistake under test)
        return count

    return counter


def _defaults_skipping_positional_only(function: Any) -> dict[str, Any]:
    code = function.__code__
    names = code.co_varnames[code.co_posonlyargcount : code.co_argcount]
    found = dict(zip(reversed(names), reversed(function.__defaults__ or ()), strict=False))
    return found | (function.__kwdefaults__ or {})


@pytest.mark.parametrize(
    ("key", "answer", "reason"),
    [
        ("nb02.q2", _defaults_added_to_kwdefaults, "changed the function's __kwdefaults__"),
        ("nb02.q2", lambda f: f.__kwdefaults__ or {}, "the function's own __kwdefaults__ dict"),
        (
            "nb02.q2",
            lambda f: {k: v for k, v in _defaults_from_the_end(f).items() if v is not None},
            "A default of None is still a default",
        ),
        ("nb02.q2", _defaults_skipping_positional_only, "co_argcount counts the positional-only"),
        (
            "nb02.q2",
            lambda f: _defaults_from_the_end(f) | f.__kwdefaults__,
            "for no_defaults(a, b), defaults_of raised TypeError",
        ),
        (
            "nb02.q3",
            lambda f: {
                n: c.cell_contents
                for n, c in zip(f.__code__.co_freevars, f.__closure__, strict=True)
            },
            "for make_multiplier itself, which is no closure, closure_values raised TypeError",
        ),
        (
            "nb02.q2",
            _defaults_then_cleared,
            "changed the function's __defaults__",
        ),
        ("nb02.q1", _count_without_nonlocal, "q1.hint(3)"),
        ("nb02.q4", {"clamps", "tally"}, "One function you left out does raise"),
        ("nb02.q4", {"clamps", "rounds", "stores", "tally"}, "One function you listed runs"),
        ("nb02.q4", {"reads", "stores"}, "3 functions you left out do raise"),
        ("nb02.q4", {"clamps", "rounds", "tally", "count"}, "'count' is not one of"),
        ("nb02.q4", ("clamps", "rounds", "tally", "tally"), "more than once"),
        ("nb02.q5", (False, ([1, 2],)), "whether the second line raises"),
        ("nb02.q5", (True, ([1],)), "right about the error"),
        ("nb02.q5", (True, [[1, 2]]), "still points at a tuple"),
    ],
)
def test_nb02_says_why_an_answer_is_wrong(key: str, answer: object, reason: str) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback.message
    if key == "nb02.q4":  # the feedback names no function of the puzzle: that would give it away
        from helpers.exercises import nb02

        assert not any(f"`{name}`" in feedback.message for name in nb02.PUZZLE_FUNCTIONS)


def test_nb02_q2_an_answer_that_changes_defaults_changes_only_a_copy() -> None:
    from helpers.exercises import nb02

    EXERCISES["nb02.q2"].evaluate(_defaults_added_to_kwdefaults)
    assert nb02._greet.__kwdefaults__ == {"punctuation": "!"}
    assert EXERCISES["nb02.q2"].evaluate(nb02.defaults_of).status is Status.CORRECT


def test_nb02_q4_the_notebook_shows_the_puzzle_it_checks() -> None:
    from helpers.exercises import nb02

    notebook = nbformat.read(
        Path(__file__).resolve().parent.parent / "notebooks" / "02_everything_is_an_object.ipynb",
        as_version=4,
    )
    shown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert any(f"```python\n{nb02.SCOPE_PUZZLE}```" in source for source in shown)
    assert nb02.puzzle_outcomes() == {name: name in nb02.raisers for name in nb02.PUZZLE_FUNCTIONS}


def test_nb02_q5_the_notebook_shows_the_puzzle_it_checks() -> None:
    from helpers.exercises import nb02

    notebook = nbformat.read(
        Path(__file__).resolve().parent.parent / "notebooks" / "02_everything_is_an_object.ipynb",
        as_version=4,
    )
    shown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert any(f"```python\n{nb02.TUPLE_PUZZLE}```" in source for source in shown)
    assert nb02.tuple_puzzle_outcome() == nb02.q5.reference

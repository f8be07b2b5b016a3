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
import operator
import os
import pkgutil
import re
import socket
import struct
import threading
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


# Exercises whose every wrong answer is judged, reason and all, by a test of their own below: each
# of these answers takes seconds to judge (it waits out deadlines), so they are judged once.
WRONG_ANSWERS_JUDGED_BELOW = {"nb05.q3"}


@pytest.mark.parametrize("key", sorted(set(EXERCISES) - WRONG_ANSWERS_JUDGED_BELOW))
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
        (_receive_forever, "your handler had still not returned"),
        (_reverse_then_fail, "raised ValueError: after the answer"),
        (_reverse_as_text, "the text reversed, not the bytes"),
        (
            lambda connection, address: connection.sendall(
                connection.recv(64)[::-1].decode().encode()
            ),
            "need not be valid text",
        ),
    ],
)
def test_nb00_q2_says_what_the_client_saw(answer: Callable[..., object], reason: str) -> None:
    """The check talks to the handler over a socket, and says what came back or what it raised."""
    feedback = EXERCISES["nb00.q2"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message
    assert "[::-1]" not in feedback.message


def _meets_with_versions(line: str) -> bool:
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.version import Version

    requirement = Requirement(line)
    return Version(metadata.version(requirement.name)) in requirement.specifier


def _meets_part_by_part(line: str) -> bool:
    from importlib import metadata

    from packaging.requirements import Requirement

    requirement = Requirement(line)
    installed = metadata.distribution(requirement.name).version
    return all(specifier.contains(installed) for specifier in requirement.specifier)


def _meets_by_filter(line: str) -> bool:
    from importlib import metadata

    from packaging.requirements import Requirement

    requirement = Requirement(line)
    return bool(list(requirement.specifier.filter([metadata.version(requirement.name)])))


@pytest.mark.parametrize("answer", [_meets_with_versions, _meets_part_by_part, _meets_by_filter])
def test_nb00_q3_other_correct_answers_pass(answer: Callable[[str], bool]) -> None:
    feedback = EXERCISES["nb00.q3"].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


def _meets_as_text(line: str) -> bool:
    from importlib import metadata

    for operator_, compare in (("==", str.__eq__), (">=", str.__ge__), ("<", str.__lt__)):
        name, found, version = line.partition(operator_)
        if found:
            return bool(compare(metadata.version(name), version))
    return True


def _meets_the_first_part_only(line: str) -> bool:
    from importlib import metadata

    from packaging.requirements import Requirement

    requirement = Requirement(line)
    first = sorted(requirement.specifier, key=str)[:1]
    return all(specifier.contains(metadata.version(requirement.name)) for specifier in first)


def _meets_with_compatible_as_at_least(line: str) -> bool:
    """Right everywhere except that it takes `~=X.Y` for `>=X.Y`."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.version import Version

    requirement = Requirement(line)
    installed = metadata.version(requirement.name)
    return all(
        Version(installed) >= Version(specifier.version)
        if specifier.operator == "~="
        else specifier.contains(installed)
        for specifier in requirement.specifier
    )


def _meets_with_versions_by_hand(line: str) -> bool:
    """Compares Version objects operator by operator: `==1.*` is no version, so Version raises."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.version import Version

    requirement = Requirement(line)
    installed = Version(metadata.version(requirement.name))
    compare = {"==": operator.eq, "!=": operator.ne, ">=": operator.ge, ">": operator.gt}
    compare |= {"<": operator.lt, "<=": operator.le}
    return all(
        specifier.contains(installed)
        if specifier.operator == "~="
        else compare[specifier.operator](installed, Version(specifier.version))
        for specifier in requirement.specifier
    )


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda line: True, "2.4.1 does not meet ==2.4."),
        (_meets_as_text, "'3.10.2' >= '3.9' is False for strings"),
        (_meets_the_first_part_only, "every part of the line must hold"),
        (_meets_with_compatible_as_at_least, "~=0.9 means >=0.9 and ==0.*"),
        (_meets_with_versions_by_hand, "==1.* accepts every release whose version starts 1."),
        (lambda line: "yes", "it should return True or False"),
        (lambda line: line.endswith("2.4.1"), "with 3.10.2 installed"),
    ],
)
def test_nb00_q3_says_why_an_answer_is_wrong(answer: Callable[[str], object], reason: str) -> None:
    feedback = EXERCISES["nb00.q3"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message


def test_nb00_q3_leaves_no_made_up_package_behind() -> None:
    import sys
    from importlib import metadata

    before = list(sys.path)
    EXERCISES["nb00.q3"].evaluate(EXERCISES["nb00.q3"].reference)
    assert sys.path == before
    with pytest.raises(metadata.PackageNotFoundError):
        metadata.version("demo-alpha")


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


def _cache_is_fresh_big_endian(source_path: str | os.PathLike[str]) -> bool:
    """A q3 answer that reads the header's numbers in the wrong byte order."""
    pyc = Path(importlib.util.cache_from_source(os.fspath(source_path)))
    if not pyc.exists():
        return False
    magic, _flags, mtime, size = struct.unpack(">4sIII", pyc.read_bytes()[:16])
    stat = os.stat(source_path)
    return magic == importlib.util.MAGIC_NUMBER and (mtime, size) == (
        int(stat.st_mtime),
        stat.st_size,
    )


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


def _stack_depths_like_the_toy_vm(expression: str) -> list[int]:
    """A q2 answer built on the toy VM: it knows no UNARY_NEGATIVE, and says so as the toy does."""
    depths, depth = [], 0
    for instruction in dis.get_instructions(compile(expression, "<expression>", "eval")):
        match instruction.opname:
            case "RESUME":
                continue
            case "LOAD_NAME" | "LOAD_CONST":
                depth += 1
            case "BINARY_OP" | "RETURN_VALUE":
                depth -= 1
            case other:
                raise NotImplementedError(f"the toy VM does not know {other}")
        depths.append(depth)
    return depths


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
        (
            "nb01.q2",
            _stack_depths_like_the_toy_vm,
            "your code raised NotImplementedError: the toy VM does not know UNARY_NEGATIVE",
        ),
        ("nb01.q3", _cache_is_fresh_like_make_with_a_magic_check, "moved back"),
        ("nb01.q3", _cache_is_fresh_with(round), "0.7 s past a whole second"),
        ("nb01.q3", _cache_is_fresh_with(math.ceil), "the fraction cut off"),
        ("nb01.q3", _cache_is_fresh_big_endian, "whole number of seconds"),
        ("nb01.q3", _cache_is_fresh_big_endian, "little-endian"),
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


@pytest.mark.parametrize("key", ["nb01.q1", "nb01.q2", "nb01.q3", "nb01.q4"])
def test_nb01_a_bare_not_implemented_error_is_not_attempted(key: str) -> None:
    def stub(*_args: object) -> object:
        raise NotImplementedError

    assert EXERCISES[key].evaluate(stub).status is Status.NOT_ATTEMPTED


def test_nb01_q2_names_the_wrong_instruction_without_the_expected_depths() -> None:
    feedback = EXERCISES["nb01.q2"].evaluate(_stack_depths_with_effects(UNARY_NEGATIVE=-1))
    assert "-a * b" in feedback.message
    assert "[1, 1, 2, 1, 0]" not in feedback.message, feedback.message


def test_nb01_q3_names_one_cause_at_a_time() -> None:
    byte_order = EXERCISES["nb01.q3"].evaluate(_cache_is_fresh_big_endian).message
    fraction = EXERCISES["nb01.q3"].evaluate(_cache_is_fresh_with(round)).message
    assert "little-endian" in byte_order and "fraction" not in byte_order, byte_order
    assert "fraction" in fraction and "little-endian" not in fraction, fraction


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


def _count_in_a_default_beside_a_closure() -> Callable[[], int]:
    """The reviewer's answer: a closure over an outer variable it only reads, and the count in
    a mutable default."""
    step = 1

    def counter(count: list[int] = [0]) -> int:  # noqa: B006 (the mistake under test)
        count[0] += step
        return count[0]

    return counter


_COUNTS: dict[object, int] = {}


def _count_in_a_global_beside_a_closure() -> Callable[[], int]:
    step = 1
    key = object()

    def counter() -> int:
        _COUNTS[key] = _COUNTS.get(key, 0) + step
        return _COUNTS[key]

    return counter


def _count_in_a_generator() -> Callable[[], int]:
    numbers = (n for n in itertools.count(1))
    return lambda: next(numbers)


def _count_through_an_inner_counter() -> Callable[[], int]:
    def make() -> Callable[[], int]:
        count = 0

        def step() -> int:
            nonlocal count
            count += 1
            return count

        return step

    inner = make()
    return lambda: inner()


def _count_with_a_bound_next() -> Callable[[], int]:
    advance = itertools.count(1).__next__
    return lambda: advance()


class _State:
    """A plain object: its repr shows none of its attributes."""


def _count_in_an_object_attribute() -> Callable[[], int]:
    """The reviewer's answer: the closure holds a plain object whose attribute counts."""
    state = _State()
    state.n = 0  # type: ignore[attr-defined]

    def counter() -> int:
        state.n += 1  # type: ignore[attr-defined]
        return state.n  # type: ignore[attr-defined]

    return counter


class _Slot:
    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


def _count_in_a_slot() -> Callable[[], int]:
    state = _Slot()

    def counter() -> int:
        state.n += 1
        return state.n

    return counter


def _count_in_a_module_global() -> Callable[[], int]:
    """Wrong: a closure over this module, the count in its global dict `_COUNTS`."""
    module = importlib.import_module(__name__)
    key = object()

    def counter() -> int:
        module._COUNTS[key] = module._COUNTS.get(key, 0) + 1
        return module._COUNTS[key]

    return counter


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("nb02.q1", _count_in_a_generator),
        ("nb02.q1", _count_through_an_inner_counter),
        ("nb02.q1", _count_with_a_bound_next),
        ("nb02.q1", _count_in_an_object_attribute),
        ("nb02.q1", _count_in_a_slot),
        ("nb02.q6", [False, True, True, False, True]),
    ],
)
def test_nb02_other_correct_answers_pass(key: str, answer: object) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


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
        ("nb02.q1", _count_in_a_default_beside_a_closure, "changed the counter's default values"),
        (
            "nb02.q1",
            _count_in_a_global_beside_a_closure,
            "closure over `key` and `step`, but counting",
        ),
        ("nb02.q1", _count_in_a_module_global, "closure over `key` and `module`, but counting"),
        ("nb02.q6", (False, True, True, False, False), "1 of your 5 predictions is off"),
        ("nb02.q6", (True, True, True, True, True), "2 of your 5 predictions are off"),
        ("nb02.q6", [False, True, True, False], "a tuple of 5 True or False values"),
        ("nb02.q6", (0, 1, 1, 0, 1), "a tuple of 5 True or False values"),
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
        # nor the statements that bind in the puzzle, which would point at the functions
        assert not any(word in feedback.message for word in ("`import`", "`+=`", "item", "a list"))


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


def test_nb02_q6_the_notebook_shows_the_puzzle_it_checks() -> None:
    from helpers.exercises import nb02

    notebook = nbformat.read(
        Path(__file__).resolve().parent.parent / "notebooks" / "02_everything_is_an_object.ipynb",
        as_version=4,
    )
    shown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    lines = "".join(f"{n}. `{line}`\n" for n, line in enumerate(nb02.METHOD_LINES, start=1))
    assert any(f"```python\n{nb02.METHOD_PUZZLE}```\n\n{lines}" in source for source in shown)
    assert nb02.method_outcomes() == nb02.q6.reference


# --- Notebook 03: other correct answers the checks must accept, wrong ones and their reasons.


def _cache_class(func: Callable[..., Any]) -> Callable[..., Any]:
    class Cached:
        def __init__(self) -> None:
            functools.update_wrapper(self, func)
            self.store: dict[tuple[Any, ...], Any] = {}

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            key = (args, tuple(kwargs.items()))
            if key not in self.store:
                self.store[key] = func(*args, **kwargs)
            return self.store[key]

    return Cached()


def _cache_with_metadata_copied_by_hand(func: Callable[..., Any]) -> Callable[..., Any]:
    store: dict[object, Any] = {}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (args, frozenset(kwargs.items()))
        try:
            return store[key]
        except KeyError:
            store[key] = result = func(*args, **kwargs)
            return result

    wrapper.__name__, wrapper.__doc__ = func.__name__, func.__doc__
    return wrapper


def _cache_keyed_on_kwargs_too(func: Callable[..., Any]) -> Callable[..., Any]:
    store: dict[object, Any] = {}

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(sorted(kwargs.items())))
        if key not in store:
            store[key] = func(*args, **kwargs)
        return store[key]

    return wrapper


def _cache_by_truth(func: Callable[..., Any]) -> Callable[..., Any]:
    store: dict[tuple[Any, ...], Any] = {}

    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        if not store.get(args):
            store[args] = func(*args)
        return store[args]

    return wrapper


def _cache_with_none_as_missing(func: Callable[..., Any]) -> Callable[..., Any]:
    store: dict[tuple[Any, ...], Any] = {}

    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        result = store.get(args)
        if result is None:
            result = store[args] = func(*args)
        return result

    return wrapper


_SHARED_STORE: dict[tuple[Any, ...], Any] = {}


def _cache_shared_by_all(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        if args not in _SHARED_STORE:
            _SHARED_STORE[args] = func(*args)
        return _SHARED_STORE[args]

    return wrapper


def _cache_with_get_and_a_sentinel(func: Callable[..., Any]) -> Callable[..., Any]:
    store: dict[object, Any] = {}
    missing = object()

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(sorted(kwargs.items())))
        result = store.get(key, missing)
        if result is missing:
            result = store[key] = func(*args, **kwargs)
        return result

    return wrapper


def _tag_class(name: str) -> Callable[..., Any]:
    class Tagged:
        def __init__(self, func: Callable[..., str]) -> None:
            functools.update_wrapper(self, func)
            self.func = func

        def __call__(self, *args: Any, **kwargs: Any) -> str:
            return "<%s>%s</%s>" % (name, self.func(*args, **kwargs), name)  # noqa: UP031

    return Tagged


def _tag_with_metadata_copied_by_hand(name: str) -> Callable[..., Any]:
    def decorate(func: Callable[..., str]) -> Callable[..., str]:
        def wrapper(*args: Any, **kwargs: Any) -> str:
            return f"<{name}>{func(*args, **kwargs)}</{name}>"

        wrapper.__name__, wrapper.__doc__ = func.__name__, func.__doc__
        return wrapper

    return decorate


def _tag_without_the_factory(func: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        return f"<b>{func(*args, **kwargs)}</b>"

    return wrapper


def _count_errors_class(func: Callable[..., Any]) -> Any:
    class Counted:
        def __init__(self) -> None:
            functools.update_wrapper(self, func)
            self.calls = self.errors = 0

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            try:
                return func(*args, **kwargs)
            except Exception as error:
                self.errors += 1
                raise error

    return Counted()


def _count_errors_in_else(func: Callable[..., Any]) -> Any:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
        except BaseException:
            wrapper.calls += 1  # type: ignore[attr-defined]
            wrapper.errors += 1  # type: ignore[attr-defined]
            raise
        else:
            wrapper.calls += 1  # type: ignore[attr-defined]
            return result

    wrapper.calls = wrapper.errors = 0  # type: ignore[attr-defined]
    return wrapper


def _count_errors_raising_anew(func: Callable[..., Any]) -> Any:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wrapper.calls += 1  # type: ignore[attr-defined]
        try:
            return func(*args, **kwargs)
        except Exception as error:
            wrapper.errors += 1  # type: ignore[attr-defined]
            raise RuntimeError("the call failed") from error

    wrapper.calls = wrapper.errors = 0  # type: ignore[attr-defined]
    return wrapper


def _count_errors_lazily(func: Callable[..., Any]) -> Any:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wrapper.calls = getattr(wrapper, "calls", 0) + 1  # type: ignore[attr-defined]
        return func(*args, **kwargs)

    return wrapper


class _RouterByPathThenMethod:
    """A table per path, of views by method; methods given in any case are kept upper-case."""

    def __init__(self) -> None:
        self.routes: dict[str, dict[str, Callable[[], Any]]] = {}

    def route(self, path: str, methods: Any = ("GET",)) -> Callable[..., Any]:
        def register(view: Callable[[], Any]) -> Callable[[], Any]:
            self.routes.setdefault(path, {}).update(dict.fromkeys(map(str.upper, methods), view))
            return view

        return register

    def dispatch(self, method: str, path: str) -> str:
        if path not in self.routes:
            return "404 Not Found"
        view = self.routes[path].get(method)
        return "405 Method Not Allowed" if view is None else view()


class _RouterScanningAList:
    """A list of (path, methods, view), searched in order, and a wrapper instead of the view."""

    def __init__(self) -> None:
        self.table: list[tuple[str, frozenset[str], Callable[[], Any]]] = []

    def route(self, path: str, methods: Any = ("GET",)) -> Callable[..., Any]:
        def register(view: Callable[[], Any]) -> Callable[[], Any]:
            self.table.append((path, frozenset(methods), view))
            return functools.wraps(view)(lambda: view())

        return register

    def dispatch(self, method: str, path: str) -> str:
        paths_seen = False
        for known, methods, view in self.table:
            if known == path:
                paths_seen = True
                if method in methods:
                    return view()
        return "405 Method Not Allowed" if paths_seen else "404 Not Found"


def _cache_keyed_on_hash_and_args(func: Callable[..., Any]) -> Callable[..., Any]:
    """Correct: a hash in the key is harmless when the arguments are in it too."""
    store: dict[object, Any] = {}

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (hash(args), args, tuple(kwargs.items()))
        if key not in store:
            store[key] = func(*args, **kwargs)
        return store[key]

    return wrapper


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("nb03.q1", functools.cache),
        ("nb03.q1", functools.lru_cache()),
        ("nb03.q1", _cache_class),
        ("nb03.q1", _cache_with_metadata_copied_by_hand),
        ("nb03.q1", _cache_keyed_on_kwargs_too),
        ("nb03.q1", _cache_with_get_and_a_sentinel),
        ("nb03.q2", _tag_class),
        ("nb03.q2", _tag_with_metadata_copied_by_hand),
        ("nb03.q3", (0.5, 1.5, 4.5, 10.0)),
        ("nb03.q3", [0.5, 1.5, 4.5, 10.000000001]),
        ("nb03.q4", _count_errors_class),
        ("nb03.q4", _count_errors_in_else),
        ("nb03.q1", _cache_keyed_on_hash_and_args),
        ("nb03.q5", _RouterByPathThenMethod),
        ("nb03.q5", _RouterScanningAList),
    ],
)
def test_nb03_other_correct_answers_pass(key: str, answer: object) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


@pytest.mark.parametrize(
    ("key", "answer", "reason"),
    [
        ("nb03.q1", _cache_by_truth, "is_even(3) returns 0, and the original ran 3 times"),
        ("nb03.q1", _cache_with_none_as_missing, "find(3) returns None, and the original ran 3"),
        ("nb03.q1", _cache_shared_by_all, "its own cache"),
        ("nb03.q1", "nb03._cache_on_first_argument", "returned [3, 3, 3], not [3, 4, 3]"),
        ("nb03.q1", "nb03._cache_keyed_on_text", "not on their text"),
        ("nb03.q2", _tag_without_the_factory, 'tag("b") must return a decorator'),
        ("nb03.q3", [0.5, 1.5, 4.5, 13.5], "13.5 is above max_delay"),
        ("nb03.q3", [1.5, 4.5, 10, 10], "1.5 is not the first pause: what is?"),
        ("nb03.q3", [0.5, 1.0, 2.0, 4.0], "does not follow the schedule"),
        ("nb03.q4", _count_errors_raising_anew, "let the original through unchanged"),
        ("nb03.q4", _count_errors_lazily, "before any call"),
        ("nb03.q4", "nb03._swallows", "swallowed the error"),
        ("nb03.q4", "nb03._counts_errors_as_calls_only", "(2, 1), not (3, 1)"),
        ("nb03.q4", "nb03._counts_connection_errors_only", "not only connection errors"),
        ("nb03.q3", [0.5, 1.5, 4.5, 10, 10], "not how many times the retry sleeps"),
        ("nb03.q1", "nb03._cache_keyed_on_hash", "returned [80, 80], not [80, 443]"),
        ("nb03.q5", "nb03._RouterWithoutMethods", "returned 'Welcome!', not '405 Method"),
        ("nb03.q5", "nb03._RouterOneEntryPerPath", "must not replace POST /links"),
        ("nb03.q5", "nb03._RouterWithout405", 'dispatch("POST", "/") returned \'404 Not Found\''),
        ("nb03.q5", "nb03._RouterAlways405", "so it is a 404"),
        ("nb03.q5", "nb03._RouterSharedByAll", "it sees the first one's routes"),
        ("nb03.q5", "nb03._RouterThatLosesTheView", "into None: the decorator must return"),
        ("nb03.q5", "nb03._RouterThatCallsAtRegistration", "registering index with router"),
        ("nb03.q5", "nb03._RouterThatCallsTwice", "ran the views {'index': 2} times"),
        ("nb03.q1", "nb03._cache_of_positional_arguments", "takes no keyword arguments"),
        ("nb03.q1", "nb03._cache_ignoring_keywords", "returned [11, 11, 11], not [11, 12, 11]"),
        ("nb03.q1", "nb03._cache_keyed_on_keyword_values", "each keyword's name as well"),
    ],
)
def test_nb03_says_why_an_answer_is_wrong(key: str, answer: object, reason: str) -> None:
    from helpers.exercises import nb03

    if isinstance(answer, str) and answer.startswith("nb03."):
        answer = getattr(nb03, answer.removeprefix("nb03."))
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.NOT_YET and reason in feedback.message, feedback


def test_nb03_q1_items_that_hash_alike_are_told_apart_only_by_equality() -> None:
    from helpers.exercises import nb03

    port, other_port = nb03._Labelled("port", 80), nb03._Labelled("port", 443)
    assert hash(port) == hash(other_port) and port != other_port
    assert repr(port) == repr(other_port)


def test_nb03_q3_solution_names_the_notebooks_variable(capsys: pytest.CaptureFixture[str]) -> None:
    EXERCISES["nb03.q3"].solution()
    assert "pauses_after_giving_up = [0.5, 1.5, 4.5, 10]" in capsys.readouterr().out


def test_nb03_q3_messages_do_not_give_the_pauses_away() -> None:
    from helpers.exercises import nb03

    assert nb03.pauses_of_the_experiment() == pytest.approx(nb03.q3.reference)
    for answer in nb03.q3.wrong:
        message = EXERCISES["nb03.q3"].evaluate(answer).message
        named = {float(number) for number in re.findall(r"\d+(?:\.\d+)?", message)}
        assert named & set(nb03.q3.reference) <= set(answer), message  # only the learner's own


# --- Notebook 04: other correct answers the checks must accept, wrong ones and their reasons.

_NB04_SENTINEL = object()


def _count_words_by_expression(text: str, counts: dict[str, int] | None = None) -> dict[str, int]:
    counts = {} if counts is None else counts
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def _count_words_with_a_sentinel(text: str, counts: Any = _NB04_SENTINEL) -> dict[str, int]:
    if counts is _NB04_SENTINEL:
        counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def _count_words_with_a_counter(text: str, counts: Any = None) -> Any:
    import collections

    if counts is None:
        counts = collections.Counter()  # a dict too
    for word, times in collections.Counter(text.split()).items():
        counts[word] = counts.get(word, 0) + times
    return counts


def _count_words_if_not_counts(text: str, counts: dict[str, int] | None = None) -> dict[str, int]:
    if not counts:  # an empty dict the caller passed in is replaced too
        counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def _count_words_by_space(text: str, counts: dict[str, int] | None = None) -> dict[str, int]:
    if counts is None:
        counts = {}
    for word in text.split(" "):  # two spaces make an empty "word"; a newline joins two
        counts[word] = counts.get(word, 0) + 1
    return counts


def _count_words_returning_a_new_dict(
    text: str, counts: dict[str, int] | None = None
) -> dict[str, int]:
    new = dict(counts) if counts is not None else {}
    for word in text.split():
        new[word] = new.get(word, 0) + 1
    if counts is not None:
        counts.update(new)
    return new  # the caller's dict is right, but the one returned is another


def _multipliers_by_factory(count: int) -> list[Callable[[float], float]]:
    def multiplier(factor: int) -> Callable[[float], float]:
        return lambda x: factor * x

    return [multiplier(factor) for factor in range(count)]


def _remove_sold_out_over_collected_keys(stock: dict[str, int]) -> None:
    sold_out = [item for item, count in stock.items() if count == 0]
    for item in sold_out:
        del stock[item]


def _remove_sold_out_by_clear_and_update(stock: dict[str, int]) -> None:
    kept = {item: count for item, count in stock.items() if count != 0}
    stock.clear()
    stock.update(kept)


def _remove_sold_out_by_pop(stock: dict[str, int]) -> None:
    for item in [*stock.keys()]:
        if not stock[item]:
            stock.pop(item)


def _remove_only_the_first_sold_out(stock: dict[str, int]) -> None:
    for item in stock:
        if stock[item] == 0:
            del stock[item]
            return


def _remove_sold_out_and_the_rest(stock: dict[str, int]) -> None:
    stock.clear()


def _remove_sold_out_keys_changed(stock: dict[str, int]) -> None:
    for item in stock:
        if stock[item] == 0:
            del stock[item]
            stock[item.upper()] = 0  # same size, other keys: still changed during iteration


class _AccountWithAnRLock:
    def __init__(self, balance: int) -> None:
        self.balance = balance
        self.lock = threading.RLock()

    def withdraw(self, amount: int) -> bool:
        with self.lock:
            enough = self.balance >= amount
            if enough:
                self.balance -= amount
            return enough


class _AccountWithAClassLock:
    lock = threading.Lock()  # one lock for every account: slower, still correct

    def __init__(self, balance: int) -> None:
        self.balance = balance

    def withdraw(self, amount: int) -> bool:
        self.lock.acquire()
        try:
            if amount > self.balance:
                return False
            self.balance = self.balance - amount
            return True
        finally:
            self.lock.release()


class _AccountThatSaysNothing:
    def __init__(self, balance: int) -> None:
        self.balance = balance
        self.lock = threading.Lock()

    def withdraw(self, amount: int) -> None:
        with self.lock:
            if self.balance >= amount:
                self.balance -= amount


class _AccountWithAPrivateBalance:
    """The balance kept in `_balance`, readable through a property: as correct as the rest."""

    def __init__(self, balance: int) -> None:
        self._balance = balance
        self._lock = threading.Lock()

    @property
    def balance(self) -> int:
        return self._balance

    def withdraw(self, amount: int) -> bool:
        with self._lock:
            if self._balance < amount:
                return False
            self._balance -= amount
            return True


class _UnlockedPrivateBalance(_AccountWithAPrivateBalance):
    def withdraw(self, amount: int) -> bool:
        if self._balance < amount:  # the race, on an attribute of another name
            return False
        self._balance -= amount
        return True


def _port_by_membership(settings: dict[str, str], name: str) -> int:
    return int(settings[name]) if name in settings else 80


def _port_by_none_check(settings: dict[str, str], name: str) -> int:
    value = settings.get(name)
    if value is None:
        return 80
    return int(value)


def _port_by_key_error(settings: dict[str, str], name: str) -> int:
    try:
        return int(settings[name])
    except KeyError:
        return 80


def _port_with_a_wider_promise(settings: dict[str, str], name: str) -> int | str:
    return int(settings.get(name, "80"))  # right, but the annotation no longer promises an int


_NB04_DEFAULT_PORT = 80


def _port_with_a_default_from_outside(settings: dict[str, str], name: str) -> int:
    return int(settings.get(name, _NB04_DEFAULT_PORT))  # mypy, given this function alone, fails


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("nb04.q1", _count_words_by_expression),
        ("nb04.q1", _count_words_with_a_sentinel),
        ("nb04.q1", _count_words_with_a_counter),
        ("nb04.q2", lambda count: [functools.partial(operator.mul, i) for i in range(count)]),
        ("nb04.q2", _multipliers_by_factory),
        ("nb04.q2", lambda count: tuple(lambda x, i=i: i * x for i in range(count))),
        ("nb04.q3", _remove_sold_out_over_collected_keys),
        ("nb04.q3", _remove_sold_out_by_clear_and_update),
        ("nb04.q3", _remove_sold_out_by_pop),
        ("nb04.q4", _AccountWithAnRLock),
        ("nb04.q4", _AccountWithAClassLock),
        ("nb04.q4", _AccountWithAPrivateBalance),
        ("nb04.q5", _port_by_membership),
        ("nb04.q5", _port_by_none_check),
        ("nb04.q5", _port_by_key_error),
    ],
)
def test_nb04_other_correct_answers_pass(key: str, answer: object) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


@pytest.mark.parametrize(
    ("key", "answer", "reason"),
    [
        ("nb04.q1", "nb04._count_into_a_shared_default", "still holds words of an earlier call"),
        ("nb04.q1", "nb04._count_into_or_empty", 'apart from "an empty dict given"?'),
        ("nb04.q1", "nb04._count_into_a_copy", "it should add to the dict it is given"),
        ("nb04.q1", "nb04._count_letters", "returned {'t': 3, 'o': 4, ' ': 5"),
        ("nb04.q1", _count_words_if_not_counts, "still the caller's dict"),
        ("nb04.q1", _count_words_by_space, "as text.split() does"),
        ("nb04.q1", _count_words_returning_a_new_dict, "the very dict it was given"),
        ("nb04.q2", lambda count: [lambda x: i * x for i in range(count)], "last value?"),  # noqa: B023
        (
            "nb04.q2",
            lambda count: [lambda x, i=i: i * x for i in range(4)],
            "made 4 functions, not 6",
        ),
        ("nb04.q3", "nb04._delete_while_looping", "delete from the dict while looping over it?"),
        ("nb04.q3", "nb04._delete_while_looping_quietly", "the dict is {'pears': 3, 'plums': 0"),
        ("nb04.q3", "nb04._remove_sold_out_by_rebinding", "the caller's dict is unchanged"),
        ("nb04.q3", "nb04._remove_sold_out_into_a_new_dict", "the caller's dict is unchanged"),
        ("nb04.q3", _remove_only_the_first_sold_out, "not {'pears': 3, 'kiwis': 2}"),
        ("nb04.q3", _remove_sold_out_and_the_rest, "the dict is {}, not {'pears': 3, 'kiwis': 2}"),
        ("nb04.q3", _remove_sold_out_keys_changed, "while looping over it?"),
        ("nb04.q3", lambda stock: stock.popitem(), "not {'pears': 3, 'kiwis': 2}"),
        (
            "nb04.q2",
            lambda count: [lambda x, i=i: i * 10 for i in range(count)],
            "called with 7, returned [0, 10, 20, 30], not [0, 7, 14, 21]",
        ),
        (
            "nb04.q2",
            lambda count: (lambda x, i=i: i * x for i in range(count)),
            "'generator', which cannot be indexed",
        ),
        ("nb04.q4", "nb04._KeepsTheLockWhenRefusing", "did not finish within"),
        ("nb04.q4", "nb04._Unlocked", "another thread ran: what would stop it?"),
        ("nb04.q4", "nb04._LockedChangeOnly", "another thread ran"),
        ("nb04.q4", "nb04._NewLockEachCall", "another thread ran"),
        ("nb04.q4", _AccountThatSaysNothing, "returned None"),
        ("nb04.q4", _UnlockedPrivateBalance, "another thread ran"),
        ("nb04.q5", "nb04._port_as_given", "returned '8080', a str; it should return the int 8080"),
        ("nb04.q5", "nb04._port_without_none", "silences mypy with `# type: ignore`"),
        ("nb04.q5", "nb04._port_by_json", 'Returning Any from function declared to return "int"'),
        ("nb04.q5", "nb04._port_int_of_none", "for port_of({}, 'web'), your code raised TypeError"),
        ("nb04.q5", "nb04._port_unannotated", "annotations are {}; keep the original ones"),
        ("nb04.q5", _port_with_a_wider_promise, "keep the original ones"),
        ("nb04.q5", _port_with_a_default_from_outside, "mypy sees your function alone"),
    ],
)
def test_nb04_says_why_an_answer_is_wrong(key: str, answer: object, reason: str) -> None:
    from helpers.exercises import nb04

    if isinstance(answer, str) and answer.startswith("nb04."):
        answer = getattr(nb04, answer.removeprefix("nb04."))
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.NOT_YET and reason in feedback.message, feedback


def test_nb04_q2_asks_about_late_binding_only_when_it_fits() -> None:
    off_by_one = EXERCISES["nb04.q2"].evaluate(
        lambda n: [lambda x, i=i: i * x for i in range(1, n + 1)]
    )
    adds = EXERCISES["nb04.q2"].evaluate(lambda n: [lambda x, i=i: i + x for i in range(n)])
    for feedback in (off_by_one, adds):
        assert feedback.status is Status.NOT_YET and "last value" not in feedback.message


def test_nb04_q4_shows_the_race_every_time() -> None:
    """The race the check sets up shows on every try, not once in a while."""
    from helpers.exercises import nb04

    for wrong in nb04.q4.wrong:
        if wrong is nb04._KeepsTheLockWhenRefusing:  # no race: it deadlocks every time
            continue
        for _ in range(20):
            assert EXERCISES["nb04.q4"].evaluate(wrong).status is Status.NOT_YET, wrong


NB04 = Path(__file__).resolve().parent.parent / "notebooks" / "04_gotchas.ipynb"


def test_nb04_exercise_stubs_do_not_replace_the_notebooks_own_names() -> None:
    """Re-running a cell above an exercise must still work once the exercise cell has run (q4's
    class was once called Account, like the class of the notebook's race)."""
    defined: set[str] = set()
    for cell in nbformat.read(NB04, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        names = {
            node.name
            for node in ast.parse(cell.source).body
            if isinstance(node, ast.FunctionDef | ast.ClassDef)
        }
        if ".check(" in cell.source:
            assert not names & defined, f"an exercise stub redefines {names & defined}"
        defined |= names


def test_nb04_q5_shows_the_snippet_mypy_rejects() -> None:
    """The snippet the learner fixes really fails mypy --strict, and the reference passes."""
    from helpers.exercises import nb04

    status, report = nb04._mypy_strict(nb04.PORT_SNIPPET)
    assert status == 1 and "[return-value]" in report, report


def test_nb04_q4_a_deadlock_is_reported_not_waited_for() -> None:
    import time

    from helpers.exercises import nb04

    start = time.monotonic()
    feedback = EXERCISES["nb04.q4"].evaluate(nb04._KeepsTheLockWhenRefusing)
    assert feedback.status is Status.NOT_YET and "deadlock" in feedback.message, feedback
    assert time.monotonic() - start < nb04.PATIENCE + 3


def test_nb04_q4_stub_class_is_told_which_method_to_write() -> None:
    class Stub:
        def __init__(self, balance: int) -> None:
            self.balance = balance

        def withdraw(self, amount: int) -> bool:
            raise NotImplementedError("your code here")

    feedback = EXERCISES["nb04.q4"].evaluate(Stub)
    assert feedback.status is Status.NOT_ATTEMPTED and "method withdraw()" in feedback.message


def test_nb04_q4_waits_at_least_five_seconds_and_longer_where_sleeps_stretch() -> None:
    from helpers.exercises import nb04

    assert nb04.PATIENCE >= 5.0
    assert nb04.PATIENCE >= 20 * nb04.THREADS * nb04.TRIES * nb04.READ_SECONDS


# --- Notebook 06: request lines a strict parser must accept (RFC 9112 section 3), in several
# styles, and the reason given to each kind of wrong parser.

NB06_DIGITS = "0123456789"
NB06_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
NB06_TCHARS = frozenset(NB06_LETTERS + NB06_DIGITS + "!#$%&'*+-.^_`|~")


def _nb06_request_line_by_one_regex(line: str) -> tuple[str, ...]:
    match = re.fullmatch(
        r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+)"
        r" (/[!-\"$-~]*|\*|https?://[A-Za-z0-9.\-]+(?::[0-9]*)?(?:[/?][!-\"$-~]*)?)"
        r" (HTTP/[0-9]\.[0-9])",
        line,
    )
    if not match:
        raise ValueError(line)
    return match.groups()


def _nb06_request_line_by_string_methods(line: str) -> tuple[str, ...]:
    parts = line.split(" ")
    if len(parts) != 3:
        raise ValueError(line)
    method, target, version = parts
    if not method or not set(method) <= NB06_TCHARS:
        raise ValueError(method)
    if not all("!" <= char <= "~" for char in target) or "#" in target:
        raise ValueError(target)
    scheme, _, rest = target.partition("://")
    authority = rest.split("/")[0].split("?")[0]
    host, _, port = authority.rpartition("@")[2].partition(":")
    absolute_form = scheme in ("http", "https") and host != "" and set(port) <= set(NB06_DIGITS)
    if not (target.startswith("/") or absolute_form or target == "*"):
        raise ValueError(target)
    number = version.removeprefix("HTTP/")
    if number == version or len(number) != 3 or number[1] != ".":
        raise ValueError(version)
    if not (number[0] in NB06_DIGITS and number[2] in NB06_DIGITS):
        raise ValueError(version)
    return tuple(parts)


def _nb06_reference_but(change: Callable[[str, str, str], None]) -> Callable[[str], object]:
    """The reference parser, then one more refusal (or change) made by `change`."""

    def parse(line: str) -> object:
        method, target, version = EXERCISES["nb06.q1"].reference(line)
        return change(method, target, version) or (method, target, version)

    return parse


def _nb06_refuse(condition: Callable[[str, str, str], bool]) -> Callable[[str, str, str], None]:
    def change(method: str, target: str, version: str) -> None:
        if condition(method, target, version):
            raise ValueError("refused")

    return change


@pytest.mark.parametrize(
    "answer", [_nb06_request_line_by_one_regex, _nb06_request_line_by_string_methods]
)
def test_nb06_q1_accepts_other_strict_parsers(answer: Callable[[str], object]) -> None:
    feedback = EXERCISES["nb06.q1"].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


def _nb06_accepting(accepted: str) -> Callable[[str], tuple[str, ...]]:
    """The reference parser, but for the one line `accepted`, which it splits and returns."""

    def parse(line: str) -> tuple[str, ...]:
        if line == accepted:
            return tuple(line.split(" "))
        return EXERCISES["nb06.q1"].reference(line)

    return parse


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("GET /\x00 HTTP/1.1", "NUL is a control character"),
        ("GET /caf\u00e9 HTTP/1.1", "percent-encoded"),
        ("GET /a#top HTTP/1.1", "a fragment"),
        ("GET http://:80/ HTTP/1.1", "empty host"),
        ("GET http://exa\tmple.com/ HTTP/1.1", "silently drops it"),
    ],
)
def test_nb06_q1_refuses_a_target_that_is_not_visible_ascii(line: str, reason: str) -> None:
    feedback = EXERCISES["nb06.q1"].evaluate(_nb06_accepting(line))
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback


def test_nb06_q1_catches_the_targets_urlsplit_lets_through() -> None:
    feedback = EXERCISES["nb06.q1"].evaluate(EXERCISES["nb06.q1"].wrong[4])
    assert feedback.status is Status.NOT_YET, feedback
    assert "NUL" in feedback.message, feedback


def test_nb06_q1_wants_a_tuple() -> None:
    def as_a_list(line: str) -> list[str]:
        return list(EXERCISES["nb06.q1"].reference(line))

    feedback = EXERCISES["nb06.q1"].evaluate(as_a_list)
    assert feedback.status is Status.NOT_YET, feedback
    assert "want the tuple" in feedback.message, feedback


def _nb06_any_scheme_and_host(line: str) -> tuple[str, str, str]:
    """Right, but for an absolute-form target of any scheme."""
    method, _, version = EXERCISES["nb06.q1"].reference(line.replace("ftp://", "http://"))
    return method, line.split(" ")[1], version


def _nb06_any_text_after_the_scheme(line: str) -> tuple[str, str, str]:
    """Right, but for an http URL with nothing after the '//'."""
    if line == "GET http:// HTTP/1.1":
        return ("GET", "http://", "HTTP/1.1")
    return EXERCISES["nb06.q1"].reference(line)


def _nb06_type_error_for_a_bad_version(line: str) -> tuple[str, str, str]:
    if line.endswith("HTTP/one"):
        raise TypeError("bad")
    return EXERCISES["nb06.q1"].reference(line)


def _nb06_version_matched_up_to_a_newline(line: str) -> tuple[str, str, str]:
    """Right but for `$`, which also matches before a final newline: 'HTTP/1.1\\n' passes."""
    rest, _, version = line.rpartition(" ")
    if not re.match(r"HTTP/[0-9]\.[0-9]$", version):
        raise ValueError(f"bad version {version!r}")
    method, target, _ = EXERCISES["nb06.q1"].reference(f"{rest} HTTP/1.1")
    return method, target, version


def _nb06_w_for_letters(line: str) -> tuple[str, str, str]:
    method, target, version = line.split(" ")
    if not re.fullmatch(r"[\w!#$%&'*+.^`|~-]+", method):
        raise ValueError(method)
    EXERCISES["nb06.q1"].reference(f"GET {target} {version}")  # the target and version, checked
    return method, target, version


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (_nb06_reference_but(lambda m, t, v: (m.upper(), t, v)), "case-sensitive"),
        (_nb06_reference_but(_nb06_refuse(lambda m, t, v: m.upper() != m)), "case-sensitive"),
        (_nb06_reference_but(_nb06_refuse(lambda m, t, v: t == "*")), "asterisk-form"),
        (_nb06_reference_but(_nb06_refuse(lambda m, t, v: "://" in t)), "MUST accept"),
        (_nb06_reference_but(_nb06_refuse(lambda m, t, v: not m.isalpha())), "token"),
        (_nb06_w_for_letters, "ASCII"),
        (EXERCISES["nb06.q1"].wrong[3], "0-9"),
        (lambda line: tuple(line.split(" ")), "an empty line"),
        (lambda line: EXERCISES["nb06.q1"].reference(" ".join(line.split())), "single spaces"),
        (_nb06_any_scheme_and_host, "http or https"),
        (_nb06_any_text_after_the_scheme, "names a host"),
        (_nb06_type_error_for_a_bad_version, "'GET / HTTP/one') raised TypeError"),
        (_nb06_version_matched_up_to_a_newline, "not even a newline"),
    ],
)
def test_nb06_q1_says_why_a_parser_is_wrong(answer: Callable[[str], object], reason: str) -> None:
    feedback = EXERCISES["nb06.q1"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback


def _nb06_headers_by_setdefault(lines: list[str]) -> dict[str, str]:
    values: dict[str, list[str]] = {}
    for line in lines:
        if ":" not in line:
            raise ValueError(line)
        name, value = line.split(":", 1)
        if not name or name.strip() != name:
            raise ValueError(line)
        values.setdefault(name.lower(), []).append(value.strip(" \t"))
    return {name: ", ".join(parts) for name, parts in values.items()}


def _nb06_headers_by_regex(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        match = re.fullmatch(r"([^:\s]+):(.*)", line)
        if not match:
            raise ValueError(line)
        name, value = match[1].lower(), match[2].strip(" \t")
        headers[name] = headers[name] + ", " + value if name in headers else value
    return headers


@pytest.mark.parametrize("answer", [_nb06_headers_by_setdefault, _nb06_headers_by_regex])
def test_nb06_q2_accepts_other_correct_parsers(answer: Callable[[list[str]], object]) -> None:
    feedback = EXERCISES["nb06.q2"].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


def _nb06_headers_but(change: Callable[[str], str]) -> Callable[[list[str]], object]:
    """The reference parser, given each line after `change`."""
    return lambda lines: EXERCISES["nb06.q2"].reference([change(line) for line in lines])


def _nb06_headers_looked_up_as_sent(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise ValueError(line)
        if name in headers:  # the name as sent, not lower-cased
            headers[name.lower()] += ", " + value.strip(" \t")
        else:
            headers[name.lower()] = value.strip(" \t")
    return headers


def _nb06_headers_key_error(lines: list[str]) -> dict[str, str]:
    if any(":" not in line for line in lines):
        raise KeyError("no colon")
    return EXERCISES["nb06.q2"].reference(lines)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (_nb06_headers_looked_up_as_sent, "'a, b, c'"),
        (_nb06_headers_but(lambda line: line.replace(" :", ":")), "between a name and its colon"),
        (_nb06_headers_but(lambda line: line.replace("\t:", ":")), "a tab before the colon"),
        (_nb06_headers_but(str.lstrip), "obsolete fold"),
        (_nb06_headers_key_error, "parse_headers(['Host 127.0.0.1']) raised KeyError"),
        (EXERCISES["nb06.q2"].wrong[2], "spaces and tabs only"),
        (EXERCISES["nb06.q2"].wrong[3], "such as \\xa0 and \\x85"),
        (lambda lines: 1 / 0, "for the well-formed lines [], your code raised ZeroDivisionError"),
    ],
)
def test_nb06_q2_says_why_a_parser_is_wrong(
    answer: Callable[[list[str]], object], reason: str
) -> None:
    feedback = EXERCISES["nb06.q2"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback


def _nb06_response_by_bytes_join(status: int, body: bytes) -> bytes:
    from http import HTTPStatus

    lines = [
        b"HTTP/1.1 %d %s" % (status, HTTPStatus(status).phrase.encode()),
        b"connection: close",
        b'content-type: text/plain; charset="UTF-8"',
    ]
    if status != 204:
        lines.insert(1, b"content-length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _nb06_response_with_content_type(content_type: str) -> Callable[[int, bytes], bytes]:
    def build(status: int, body: bytes) -> bytes:
        response = EXERCISES["nb06.q3"].reference(status, body)
        return response.replace(b"text/plain; charset=utf-8", content_type.encode())

    return build


def _nb06_response_replacing(old: bytes, new: bytes) -> Callable[[int, bytes], bytes]:
    def build(status: int, body: bytes) -> bytes:
        return EXERCISES["nb06.q3"].reference(status, body).replace(old, new)

    return build


def _nb06_response_without_a_content_type_for_204(status: int, body: bytes) -> bytes:
    response = EXERCISES["nb06.q3"].reference(status, body)
    if status == 204:
        return response.replace(b"Content-Type: text/plain; charset=utf-8\r\n", b"")
    return response


@pytest.mark.parametrize(
    "answer",
    [
        _nb06_response_by_bytes_join,
        _nb06_response_with_content_type("Text/Plain;Charset=utf-8"),
        _nb06_response_replacing(b"Connection: close", b"Connection: Close"),
        _nb06_response_without_a_content_type_for_204,
    ],
)
def test_nb06_q3_accepts_other_correct_responses(answer: Callable[[int, bytes], bytes]) -> None:
    feedback = EXERCISES["nb06.q3"].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "text/html; charset=utf-8"]
)
def test_nb06_q3_checks_the_content_type(content_type: str) -> None:
    feedback = EXERCISES["nb06.q3"].evaluate(_nb06_response_with_content_type(content_type))
    assert feedback.status is Status.NOT_YET, feedback
    assert "Content-Type should say plain text in UTF-8" in feedback.message, feedback


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (EXERCISES["nb06.q3"].wrong[1], "Content-Length should be 9 (the body's length in bytes)"),
        (EXERCISES["nb06.q3"].wrong[2], "the status line for 404 was b'HTTP/1.1 404 OK'"),
        (lambda status, body: bytearray(EXERCISES["nb06.q3"].reference(status, body)), "bytes(."),
        (_nb06_response_replacing(b"Connection: close", b"Connection: keep-alive"), "close"),
        (EXERCISES["nb06.q3"].wrong[3], "a 204 response must not have a Content-Length"),
        (EXERCISES["nb06.q3"].wrong[4], "b'Content-Length : 6': no whitespace is allowed"),
        (EXERCISES["nb06.q3"].wrong[5], "between a header name and its colon"),
        (EXERCISES["nb06.q3"].wrong[6], "b'Connection\\t: close'"),
        (EXERCISES["nb06.q3"].wrong[7], "an obsolete fold"),
        (_nb06_response_replacing(b"Connection: close", b"Connection : close"), "its colon"),
        (_nb06_response_replacing(b"Content\r\n", b"Content\r\nContent-Length: 0\r\n"), "0"),
    ],
)
def test_nb06_q3_says_why_a_response_is_wrong(
    answer: Callable[[int, bytes], bytes], reason: str
) -> None:
    feedback = EXERCISES["nb06.q3"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback


def test_nb06_q3_checks_that_there_is_a_content_type() -> None:
    def without(status: int, body: bytes) -> bytes:
        response = EXERCISES["nb06.q3"].reference(status, body)
        return response.replace(b"Content-Type: text/plain; charset=utf-8\r\n", b"")

    feedback = EXERCISES["nb06.q3"].evaluate(without)
    assert feedback.status is Status.NOT_YET, feedback
    assert "not ''" in feedback.message, feedback


def _nb06_refusing_ports(line: str) -> tuple[str, str, str]:
    """Right, but for a URL that names a port, which it refuses."""
    if re.search(r"://[^/]*:", line):
        raise ValueError("no ports")
    return EXERCISES["nb06.q1"].reference(line)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (_nb06_refusing_ports, "digits, here 8080"),
        (_nb06_accepting("GET http://example.com:abc/ HTTP/1.1"), "is digits"),
    ],
)
def test_nb06_q1_judges_the_port(answer: Callable[[str], object], reason: str) -> None:
    feedback = EXERCISES["nb06.q1"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback


# Notebook 06 q4: other correct chunked readers, and the reason each wrong one gets.

NB06_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]+)(?:[ \t]*;[^\r\n]*)?\r\n")


def _nb06_chunked_by_regex(stream: Any, limit: int) -> bytearray:
    """One regular expression per size line, the data read in pieces, a bytearray returned."""
    body = bytearray()
    while (match := NB06_CHUNK_LINE.fullmatch(stream.readline(8192))) and int(match[1], 16):
        size = int(match[1], 16)
        if len(body) + size > limit:
            raise ValueError("too large")
        while size:
            piece = stream.read(min(size, 4))
            if not piece:
                raise ValueError("ended")
            body += piece
            size -= len(piece)
        if stream.read(2) != b"\r\n":
            raise ValueError("no CRLF after the data")
    if not match:
        raise ValueError("bad size line")
    trailers = b""
    while True:
        line = stream.readline(8192)
        if line == b"\r\n":
            return body
        trailers += line
        if not line.endswith(b"\r\n") or len(trailers) > 65536:
            raise ValueError("ended in the trailers, or too many of them")


class _Nb06Framing(ValueError):
    pass


def _nb06_chunked_byte_by_byte(stream: Any, limit: int) -> bytes:
    """Every byte read with read(1), lines and all; it raises a ValueError of its own."""

    def line() -> bytes:
        got = b""
        while not got.endswith(b"\n"):
            byte = stream.read(1)
            if not byte:
                raise _Nb06Framing("the stream ended inside a line")
            got += byte
            if len(got) > 1000:
                raise _Nb06Framing("a line over 1000 bytes")
        if not got.endswith(b"\r\n"):
            raise _Nb06Framing("a bare LF")
        return got[:-2]

    chunks = []
    total = 0
    while True:
        size_text, semicolon, _ = line().partition(b";")
        size_text = size_text.rstrip(b" \t") if semicolon else size_text
        if not size_text or any(byte not in b"0123456789abcdefABCDEF" for byte in size_text):
            raise _Nb06Framing(f"bad size {size_text!r}")
        size = int(size_text, 16)
        if size == 0:
            break
        total += size
        if total > limit:
            raise _Nb06Framing("over the limit")
        data = b"".join(stream.read(1) for _ in range(size))
        if len(data) != size or line() != b"":
            raise _Nb06Framing("the data is not followed by CRLF")
        chunks.append(data)
    trailer_lines = 0
    while line():
        trailer_lines += 1
        if trailer_lines > 64:
            raise _Nb06Framing("over 64 trailer lines")
    return b"".join(chunks)


@pytest.mark.parametrize("answer", [_nb06_chunked_by_regex, _nb06_chunked_byte_by_byte])
def test_nb06_q4_accepts_other_correct_readers(answer: Callable[[Any, int], object]) -> None:
    feedback = EXERCISES["nb06.q4"].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


def _nb06_chunked_but(change: Callable[[bytes], bytes]) -> Callable[[Any, int], bytes]:
    """The reference, its every size line passed through `change` first: a bug on purpose."""

    class Changed:
        def __init__(self, stream: Any) -> None:
            self.stream = stream

        def readline(self, size: int = -1) -> bytes:
            return change(self.stream.readline(size))

        def read(self, size: int) -> bytes:
            return self.stream.read(size)

    return lambda stream, limit: EXERCISES["nb06.q4"].reference(Changed(stream), limit)


def _nb06_bare_lf_as_crlf(line: bytes) -> bytes:
    return line[:-1] + b"\r\n" if line.endswith(b"\n") and line[-2:-1] != b"\r" else line


def _nb06_chunked_limit_after_reading(stream: Any, limit: int) -> bytes:
    """Right, but for the limit, compared with the body after each chunk was read."""
    body = EXERCISES["nb06.q4"].reference(stream, 1 << 62)
    if len(body) > limit:
        raise ValueError("too large")
    return body


def _nb06_chunked_per_chunk_limit(stream: Any, limit: int) -> bytes:
    """Right, but for the limit, compared with each chunk alone, not the body so far."""
    parts = []
    while True:
        size_line = stream.readline(4096)
        if not size_line.endswith(b"\r\n"):
            raise ValueError("no CRLF")
        size_text, semicolon, _ = size_line[:-2].partition(b";")
        size_text = size_text.rstrip(b" \t") if semicolon else size_text
        if not re.fullmatch(rb"[0-9A-Fa-f]+", size_text):
            raise ValueError("bad size")
        size = int(size_text, 16)
        if size > limit:
            raise ValueError("too large")
        if size == 0:
            break
        data = stream.read(size + 2)
        if len(data) < size + 2 or not data.endswith(b"\r\n"):
            raise ValueError("no CRLF")
        parts.append(data[:-2])
    trailers = 0
    while (line := stream.readline(4096)) != b"\r\n":
        trailers += len(line)
        if not line.endswith(b"\r\n") or trailers > 65536:
            raise ValueError("ended, or too long")
    return b"".join(parts)


def _nb06_chunked_strict_on_extensions(stream: Any, limit: int) -> bytes:
    """Right, but for extensions, which it refuses."""

    class NoExtensions:
        def readline(self, size: int = -1) -> bytes:
            line: bytes = stream.readline(size)
            if b";" in line:
                raise ValueError("an extension")
            return line

        def read(self, size: int) -> bytes:
            return bytes(stream.read(size))

    return EXERCISES["nb06.q4"].reference(NoExtensions(), limit)


def _nb06_chunked_trailers_unbounded(stream: Any, limit: int) -> bytes:
    """Right, but for the trailers, skipped however many there are."""

    class SkipsTrailers:
        after_the_last_chunk = False

        def readline(self, size: int = -1) -> bytes:
            line: bytes = stream.readline(size)
            if self.after_the_last_chunk:
                while line not in (b"\r\n", b""):
                    line = stream.readline(size)
            size_text = line.partition(b";")[0].removesuffix(b"\r\n")
            self.after_the_last_chunk = bool(size_text) and not size_text.strip(b"0")
            return line

        def read(self, size: int) -> bytes:
            return bytes(stream.read(size))

    return EXERCISES["nb06.q4"].reference(SkipsTrailers(), limit)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (EXERCISES["nb06.q4"].wrong[0], "stream.read() without a size"),
        (EXERCISES["nb06.q4"].wrong[1], "int(text, 16) also takes a sign"),
        (EXERCISES["nb06.q4"].wrong[2], "not one byte further"),
        (EXERCISES["nb06.q4"].wrong[3], "the body, 12 bytes, is over the limit of 10"),
        (_nb06_chunked_but(_nb06_bare_lf_as_crlf), "not a bare \\n"),
        (_nb06_chunked_but(lambda line: line.replace(b"0x", b"")), "0x prefix"),
        (_nb06_chunked_but(lambda line: line.lstrip(b" ")), "no space before them"),
        (_nb06_chunked_but(lambda line: line.replace(b"_", b"")), "no underscore"),
        (_nb06_chunked_limit_after_reading, "compare each size with the limit before"),
        (_nb06_chunked_per_chunk_limit, "the body, 12 bytes, is over the limit of 10"),
        (_nb06_chunked_strict_on_extensions, "extension"),
        (lambda stream, limit: stream.read(4096), "stream.read(4096) was asked"),
        (EXERCISES["nb06.q4"].wrong[4], "your code read 100,000 bytes before it stopped"),
        (_nb06_chunked_but(lambda line: line.replace(b"5 \r\n", b"5\r\n")), "before a ';' only"),
        (_nb06_chunked_trailers_unbounded, "the trailers come to 107,100 bytes"),
    ],
)
def test_nb06_q4_says_why_a_reader_is_wrong(
    answer: Callable[[Any, int], object], reason: str
) -> None:
    feedback = EXERCISES["nb06.q4"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback


def test_nb06_q1_reference_keeps_urlsplit_off_origin_form() -> None:
    """urlsplit reads '//[x' as a host and raises; the target is origin-form, visible ASCII."""
    assert EXERCISES["nb06.q1"].reference("GET //[x HTTP/1.1") == ("GET", "//[x", "HTTP/1.1")


def test_nb06_q3_reference_sends_no_length_in_a_304() -> None:
    assert b"Content-Length" not in EXERCISES["nb06.q3"].reference(304, b"")


def test_nb06_q3_says_which_call_raised() -> None:
    """A learner who reuses section 5's response_bytes, which refuses a 204, is told so."""

    def refusing_204(status: int, body: bytes) -> bytes:
        if status == 204:
            raise ValueError("a 204 response needs a builder of its own")
        return EXERCISES["nb06.q3"].reference(status, body)

    feedback = EXERCISES["nb06.q3"].evaluate(refusing_204)
    assert feedback.status is Status.NOT_YET, feedback
    assert "for build_response(204, b''), your code raised ValueError" in feedback.message
    assert "without one" in feedback.message, feedback


def test_nb06_q4_reads_over_a_real_connection() -> None:
    """A reader right on every stored body but one that a real client sends is caught by the
    loopback part of the check: here, one that refuses any body over 100 bytes."""

    def refuses_300(stream: Any, limit: int) -> bytes:
        body = EXERCISES["nb06.q4"].reference(stream, limit)
        if len(body) > 100:  # every stored body is shorter; the second one posted is not
            raise ValueError("too long")
        return body

    feedback = EXERCISES["nb06.q4"].evaluate(refuses_300)
    assert feedback.status is Status.NOT_YET, feedback
    assert "requests posted the chunks" in feedback.message, feedback


# --- Notebook 08: other correct answers its checks must accept, and the reasons they give.


def _nb08_counts_in_a_defaultdict(app: Any) -> Any:
    from collections import defaultdict

    from flask import request

    counts: defaultdict[tuple[str | None, int], int] = defaultdict(int)

    def count(response: Any) -> Any:
        counts[(request.endpoint, response.status_code)] += 1
        return response

    app.after_request(count)
    return counts


def _nb08_counts_in_a_dict_from_the_status_line(app: Any) -> Any:
    from flask import request

    counts: dict[tuple[str | None, int], int] = {}

    @app.after_request
    def count(response: Any) -> Any:
        key = (request.endpoint, int(response.status.split()[0]))
        counts[key] = counts.get(key, 0) + 1
        return response

    return counts


def _nb08_list_converter_with_its_own_regex() -> type:
    from werkzeug.routing import BaseConverter

    class ListConverter(BaseConverter):
        regex = r"[^/]+(?:,[^/]+)*"

        def to_python(self, value: str) -> list[str]:
            return [item for item in value.split(",")]

        def to_url(self, value: list[str]) -> str:
            from urllib.parse import quote

            return ",".join(quote(str(item)) for item in value)

    return ListConverter


def _nb08_list_converter_quoting_the_joined_text() -> type:
    from werkzeug.routing import BaseConverter

    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split(",")

        def to_url(self, value: list[str]) -> str:
            return super().to_url(",".join(value))  # BaseConverter's quoting keeps the commas

    return ListConverter


def _nb08_json_errors_with_jsonify(app: Any) -> None:
    from flask import jsonify
    from werkzeug.exceptions import HTTPException

    def as_json(error: HTTPException) -> Any:
        response = jsonify(error=error.name, status=error.code)
        response.status_code = error.code or 500
        for name, value in error.get_response().headers.items():
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    app.register_error_handler(HTTPException, as_json)


def _nb08_json_errors_with_a_description(app: Any) -> None:
    import json

    from werkzeug.exceptions import HTTPException

    def as_json(error: HTTPException) -> Any:
        response = error.get_response()
        body = {"error": error.name, "status": error.code, "description": error.description}
        response.set_data(json.dumps(body))
        response.mimetype = "application/json"
        return response

    app.register_error_handler(HTTPException, as_json)


def _nb08_counts_with_a_strong_signal(app: Any) -> Any:
    from collections import Counter

    from flask import request, request_finished

    counts: Counter[tuple[str | None, int]] = Counter()

    def count(sender: Any, response: Any, **extra: Any) -> None:
        counts[request.endpoint, response.status_code] += 1

    request_finished.connect(count, app, weak=False)
    return counts


def _nb08_json_errors_in_lower_case(app: Any) -> None:
    import json

    from werkzeug.exceptions import HTTPException

    @app.errorhandler(HTTPException)
    def as_json(error: HTTPException) -> Any:
        response = error.get_response()
        response.set_data(json.dumps({"error": error.name.lower(), "status": error.code}))
        response.mimetype = "application/json"
        return response


def _nb08_json_errors_from_one_exception_handler(app: Any) -> None:
    from flask import jsonify
    from werkzeug.exceptions import HTTPException, InternalServerError

    @app.errorhandler(Exception)
    def as_json(error: Exception) -> Any:
        if not isinstance(error, HTTPException):
            app.logger.exception("unhandled")
            error = InternalServerError()
        response = jsonify(error=error.description, status=error.code)
        response.status_code = error.code or 500
        response.headers.extend(
            (name, value)
            for name, value in error.get_headers()
            if name.lower() not in ("content-type", "content-length")
        )
        return response


def _nb08_json_errors_with_description(app: Any) -> None:
    import json

    from werkzeug.exceptions import HTTPException

    def as_json(error: HTTPException) -> Any:
        response = error.get_response()
        response.data = json.dumps({"error": error.description, "status": error.code})
        response.content_type = "application/json"
        return response

    app.register_error_handler(HTTPException, as_json)


def _nb08_counts_with_a_weak_signal(app: Any) -> Any:
    from collections import Counter

    from flask import request, request_finished

    counts: Counter[tuple[str | None, int]] = Counter()

    def count(sender: Any, response: Any, **extra: Any) -> None:
        counts[request.endpoint, response.status_code] += 1

    request_finished.connect(count, app)  # weak: `count` is gone once this function returns
    return counts


def _nb08_json_errors_with_an_empty_name(app: Any) -> None:
    import json

    from werkzeug.exceptions import HTTPException

    @app.errorhandler(HTTPException)
    def as_json(error: HTTPException) -> Any:
        response = error.get_response()
        response.set_data(json.dumps({"error": "", "status": error.code}))
        response.mimetype = "application/json"
        return response


def _nb08_json_errors_for_http_only_under_testing(app: Any) -> None:
    """Handles HTTP errors, but turns TESTING on, so an exception escapes instead of a 500."""
    from helpers.exercises.nb08 import register_json_errors

    register_json_errors(app)
    app.testing = True


def _nb08_task_with_an_id() -> Any:
    from flask import request

    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return {"error": "send an object"}, 400
    task, priority = data.get("task"), data.get("priority", 3)
    if not isinstance(task, str) or not task.strip():
        return {"error": "send a task"}, 400
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 < priority < 6:
        return {"error": "a priority is 1 to 5"}, 400
    return {"id": 1, "task": task, "priority": priority}, 201


def _nb08_task_by_exceptions() -> Any:
    from flask import request

    try:
        body = request.get_json(silent=True)
        task = body["task"]
        priority = body.get("priority", 3)
    except (TypeError, KeyError, AttributeError):
        return {"error": "send a JSON object with a task"}, 400
    if not isinstance(task, str) or not task.strip():
        return {"error": "the task must be a non-empty string"}, 400
    if type(priority) is not int or priority not in range(1, 6):
        return {"error": "the priority must be 1, 2, 3, 4 or 5"}, 400
    return {"task": task, "priority": priority}, 201


def _nb08_task_with_a_415() -> Any:
    from flask import abort, jsonify, make_response, request

    if not request.is_json:
        return jsonify(error="send JSON"), 415
    data = request.get_json(silent=True)
    task = data.get("task") if isinstance(data, dict) else None
    if not isinstance(task, str) or task.strip() == "":
        abort(make_response(jsonify(error="send a non-blank string task"), 400))
    priority = data.get("priority", 3)
    if priority not in (1, 2, 3, 4, 5) or priority is True:
        abort(make_response(jsonify(error="send a priority from 1 to 5"), 400))
    return jsonify(task=data["task"], priority=priority), 201


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("nb08.q1", _nb08_counts_in_a_defaultdict),
        ("nb08.q1", _nb08_counts_in_a_dict_from_the_status_line),
        ("nb08.q1", _nb08_counts_with_a_strong_signal),
        ("nb08.q2", _nb08_list_converter_with_its_own_regex()),
        ("nb08.q2", _nb08_list_converter_quoting_the_joined_text()),
        ("nb08.q3", _nb08_json_errors_with_jsonify),
        ("nb08.q3", _nb08_json_errors_with_a_description),
        ("nb08.q3", _nb08_json_errors_in_lower_case),
        ("nb08.q3", _nb08_json_errors_from_one_exception_handler),
        ("nb08.q3", _nb08_json_errors_with_description),
        ("nb08.q4", _nb08_task_by_exceptions),
        ("nb08.q4", _nb08_task_with_an_id),
        ("nb08.q4", _nb08_task_with_a_415),
    ],
)
def test_nb08_other_correct_answers_pass(key: str, answer: object) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


def _nb08_task_trusting_the_body() -> Any:
    from flask import request

    data = request.get_json()
    return {"task": data["task"], "priority": data.get("priority", 3)}, 201


def _nb08_task_as_201_ok() -> Any:
    answer, status = _nb08_task_by_exceptions()
    return answer, 200 if status == 201 else status


def _nb08_task_with_html_400s() -> Any:
    from flask import abort, request

    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("task"), str) or not data["task"]:
        abort(400)
    return {"task": data["task"], "priority": data.get("priority", 3)}, 201


def _nb08_task_from_a_form_too() -> Any:
    from flask import request

    data = request.get_json(silent=True) if request.is_json else request.form
    task = data.get("task") if isinstance(data, dict) else None
    if not isinstance(task, str) or not task.strip():
        return {"error": "no task"}, 400
    priority = data.get("priority", 3)
    if type(priority) is not int or not 1 <= priority <= 5:
        return {"error": "bad priority"}, 400
    return {"task": task, "priority": priority}, 201


def _nb08_task_allowing_blanks() -> Any:
    from flask import request

    data = request.get_json(silent=True)
    task = data.get("task") if isinstance(data, dict) else None
    if not isinstance(task, str) or task == "":
        return {"error": "no task"}, 400
    priority = data.get("priority", 3)
    if type(priority) is not int or not 1 <= priority <= 5:
        return {"error": "bad priority"}, 400
    return {"task": task, "priority": priority}, 201


def _nb08_task_without_its_priority() -> Any:
    """The old q4: the task alone comes back, and the priority is never checked."""
    from flask import request

    data = request.get_json(silent=True)
    task = data.get("task") if isinstance(data, dict) else None
    if not isinstance(task, str) or not task.strip():
        return {"error": "no task"}, 400
    return {"task": task}, 201


def _nb08_task_with_the_priority_or_3() -> Any:
    """`or 3` takes the priority 0 for a missing one."""
    from flask import request

    data = request.get_json(silent=True)
    task = data.get("task") if isinstance(data, dict) else None
    if not isinstance(task, str) or not task.strip():
        return {"error": "no task"}, 400
    priority = data.get("priority") or 3
    if type(priority) is not int or not 1 <= priority <= 5:
        return {"error": "bad priority"}, 400
    return {"task": task, "priority": priority}, 201


def _nb08_task_with_a_float_priority() -> Any:
    """2.5 passes a check of the range alone."""
    from flask import request

    data = request.get_json(silent=True)
    task = data.get("task") if isinstance(data, dict) else None
    if not isinstance(task, str) or not task.strip():
        return {"error": "no task"}, 400
    priority = data.get("priority", 3)
    if not isinstance(priority, (int, float)) or isinstance(priority, bool):
        return {"error": "bad priority"}, 400
    if not 1 <= priority <= 5:
        return {"error": "bad priority"}, 400
    return {"task": task, "priority": priority}, 201


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (_nb08_task_trusting_the_body, "for a JSON list, your view raised TypeError"),
        (EXERCISES["nb08.q4"].wrong[0], "for a JSON list, your view raised TypeError"),
        (_nb08_task_as_201_ok, "answered 200"),
        (_nb08_task_with_html_400s, "Flask's own error pages are HTML"),
        (_nb08_task_from_a_form_too, "for an HTML form (not JSON at all), the view answered 201"),
        (
            _nb08_task_allowing_blanks,
            "for an object whose task is only spaces, the view answered 201",
        ),
        (_nb08_task_without_its_priority, "without a priority, the task gets 3"),
        (_nb08_task_with_the_priority_or_3, "for an object whose priority is 0, the view answered"),
        (_nb08_task_with_a_float_priority, "whose priority is 2.5, the view answered 201"),
    ],
)
def test_nb08_q4_says_why_an_answer_is_wrong(answer: object, reason: str) -> None:
    feedback = EXERCISES["nb08.q4"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback.message
    assert "silent=True" not in feedback.message  # the feedback teaches; the hints give the way


def _nb08_counts_with_the_status_line(app: Any) -> Any:
    from collections import Counter

    from flask import request

    counts: Counter[tuple[str | None, str]] = Counter()

    @app.after_request
    def count(response: Any) -> Any:
        counts[request.endpoint, response.status] += 1
        return response

    return counts


def _nb08_counts_by_rule(app: Any) -> Any:
    from collections import Counter

    from flask import request

    counts: Counter[tuple[str | None, int]] = Counter()

    @app.after_request
    def count(response: Any) -> Any:
        rule = request.url_rule.rule if request.url_rule else None
        counts[rule, response.status_code] += 1
        return response

    return counts


def _nb08_counts_before_the_view(app: Any) -> Any:
    from collections import Counter

    from flask import request

    counts: Counter[tuple[str | None, int]] = Counter()
    app.before_request(lambda: counts.update([(request.endpoint, 200)]))
    return counts


def _nb08_counts_with_a_typo(app: Any) -> Any:
    from collections import Counter

    from flask import request

    counts: Counter[tuple[str | None, int]] = Counter()

    @app.after_request
    def count(response: Any) -> Any:
        counts[request.endpoint, response.status_cod] += 1
        return response

    return counts


def _nb08_list_converter_half_done() -> type:
    from werkzeug.routing import BaseConverter

    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split(",")

        def to_url(self, value: list[str]) -> str:
            raise NotImplementedError("your code here")

    return ListConverter


def _nb08_json_errors_with_the_original_headers(app: Any) -> None:
    from werkzeug.exceptions import HTTPException

    def as_json(error: HTTPException) -> Any:
        return {"error": error.name, "status": error.code}, error.code, error.get_headers()

    app.register_error_handler(HTTPException, as_json)


def _nb08_task_answering_text() -> Any:
    from flask import request

    data = request.get_json(silent=True)
    task = data.get("task") if isinstance(data, dict) else None
    if not isinstance(task, str) or not task.strip():
        return "bad request", 400
    return {"task": task, "priority": data.get("priority", 3)}, 201


def _nb08_list_converter_taking_slashes() -> type:
    from werkzeug.routing import PathConverter

    class ListConverter(PathConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split(",")

        def to_url(self, value: list[str]) -> str:
            return ",".join(value)

    return ListConverter


@pytest.mark.parametrize(
    ("key", "answer", "reason"),
    [
        ("nb08.q1", _nb08_counts_with_the_status_line, "('hello', '200 OK'): 2"),
        (
            "nb08.q1",
            _nb08_counts_by_rule,
            "your keys hold URLs or rules (/hello, /items/<int:number>,",
        ),
        ("nb08.q1", _nb08_counts_before_the_view, "(None, 200): 3"),
        ("nb08.q1", _nb08_counts_with_a_typo, "raised AttributeError"),
        ("nb08.q2", _nb08_list_converter_half_done(), "to_url still raises NotImplementedError"),
        ("nb08.q3", _nb08_json_errors_with_the_original_headers, "Content-Type text/html"),
        ("nb08.q4", _nb08_task_answering_text, "answer it with a JSON object"),
        ("nb08.q2", _nb08_list_converter_taking_slashes(), "a slash ends the parameter"),
        (
            "nb08.q3",
            EXERCISES["nb08.q3"].wrong[2],
            "POST /echo with a text/plain body answered text/html",
        ),
        ("nb08.q1", _nb08_counts_with_a_weak_signal, "the counter is still empty"),
        ("nb08.q1", EXERCISES["nb08.q1"].wrong[3], "the 500 that a server answers"),
        ("nb08.q3", _nb08_json_errors_with_an_empty_name, "a non-empty string"),
        ("nb08.q3", _nb08_json_errors_for_http_only_under_testing, "must become a JSON 500"),
        ("nb08.q3", EXERCISES["nb08.q3"].wrong[3], "the exception's name, message or traceback"),
    ],
)
def test_nb08_says_why_an_answer_is_wrong(key: str, answer: object, reason: str) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback.message


def test_nb08_q4_wrong_answers_fail_for_their_own_reason() -> None:
    from helpers.exercises import nb08

    reasons = [EXERCISES["nb08.q4"].evaluate(answer).message for answer in nb08.q4.wrong]
    assert "for a JSON list, your view raised TypeError" in reasons[0]
    assert "an object whose priority is true, the view answered 201" in reasons[1]
    assert "without a priority, the task gets 3" in reasons[2]
    assert "an object whose priority is 0, the view answered 201" in reasons[3]
    assert "for broken JSON" in reasons[4] and "Flask's own error pages are HTML" in reasons[4]


def _nb08_counter_app_with_a_blueprint(config: Any = None) -> Any:
    from flask import Blueprint, Flask, current_app

    counter = Blueprint("counter", __name__)

    @counter.get("/hello")
    def hello() -> Any:
        return {"greeting": current_app.config["GREETING"]}

    @counter.post("/visits")
    def visit() -> Any:
        current_app.extensions["visits"] += 1
        return {"visits": current_app.extensions["visits"]}

    app = Flask(__name__)
    app.config.from_mapping({"GREETING": "Hello", **(config or {})})
    app.extensions["visits"] = 0
    app.register_blueprint(counter)
    return app


def _nb08_test_with_helpers(create_counter_app: Any) -> None:
    def visits(client: Any) -> Any:
        return client.post("/visits").get_json()["visits"]

    apps = [create_counter_app({"TESTING": True}) for _ in range(2)]
    clients = [app.test_client() for app in apps]
    assert [visits(clients[0]), visits(clients[0]), visits(clients[1])] == [1, 2, 1]
    for greeting in ["Hola", "Hello"]:
        config = {"GREETING": greeting} if greeting != "Hello" else None
        answer = create_counter_app(config).test_client().get("/hello")
        assert answer.get_json()["greeting"] == greeting


def _nb08_counter_app(config: Any, visits: list[int], status: int = 200) -> Any:
    """A counter app whose count lives in `visits` and whose visits answer `status`."""
    from flask import Flask

    app = Flask(__name__)
    app.config.update({"GREETING": "Hello", **(config or {})})

    @app.get("/hello")
    def hello() -> Any:
        return {"greeting": app.config["GREETING"]}

    @app.post("/visits")
    def visit() -> Any:
        visits[0] += 1
        return {"visits": visits[0]}, status

    return app


_NB08_SHARED_VISITS = [0]


def _nb08_counter_app_with_a_shared_count(config: Any = None) -> Any:
    return _nb08_counter_app(config, _NB08_SHARED_VISITS)


def _nb08_counter_app_keeping_testing_only(config: Any = None) -> Any:
    app = _nb08_counter_app(None, [0])
    app.testing = bool((config or {}).get("TESTING"))
    return app


_NB08_DEFAULTS: dict[str, Any] = {}


def _nb08_counter_app_with_leaky_defaults(config: Any = None) -> Any:
    _NB08_DEFAULTS.update(config or {})
    return _nb08_counter_app(dict(_NB08_DEFAULTS), [0])


def _nb08_counter_app_answering_201(config: Any = None) -> Any:
    return _nb08_counter_app(config, [0], status=201)


def _nb08_counter_app_answering_404(config: Any = None) -> Any:
    return _nb08_counter_app(config, [0], status=404)


def _nb08_test_counting_from_zero(create_counter_app: Any) -> None:
    client = create_counter_app({"TESTING": True}).test_client()
    assert client.post("/visits").get_json() == {"visits": 0}


def _nb08_counter_app_with_an_extra_route(config: Any = None) -> Any:
    app = _nb08_counter_app_with_a_blueprint(config)
    app.add_url_rule("/extra", "extra", lambda: "extra")
    return app


def _nb08_test_of_the_extra_route(create_counter_app: Any) -> None:
    from helpers.exercises.nb08 import test_counter_apps

    test_counter_apps(create_counter_app)
    assert create_counter_app().test_client().get("/extra").status_code == 200


def _nb08_test_without_a_plain_app(create_counter_app: Any) -> None:
    first = create_counter_app({"TESTING": True}).test_client()
    second = create_counter_app({"TESTING": True, "GREETING": "Bonjour"}).test_client()
    assert first.post("/visits").get_json() == {"visits": 1}
    assert second.post("/visits").get_json() == {"visits": 1}
    assert second.get("/hello").get_json() == {"greeting": "Bonjour"}


def _nb08_test_without_a_greeting(create_counter_app: Any) -> None:
    first = create_counter_app({"TESTING": True}).test_client()
    second = create_counter_app({"TESTING": True}).test_client()
    assert first.post("/visits").get_json() == {"visits": 1}
    assert second.post("/visits").get_json() == {"visits": 1}
    assert create_counter_app().test_client().get("/hello").get_json() == {"greeting": "Hello"}


@pytest.mark.parametrize(
    "answer",
    [
        (_nb08_counter_app_with_a_blueprint, _nb08_test_with_helpers),
        (_nb08_counter_app_with_a_blueprint, EXERCISES["nb08.q5"].reference[1]),
        (EXERCISES["nb08.q5"].reference[0], _nb08_test_with_helpers),
    ],
)
def test_nb08_q5_accepts_other_correct_answers(answer: object) -> None:
    feedback = EXERCISES["nb08.q5"].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (_nb08_counter_app_with_a_blueprint, "pass both functions"),
        ((_nb08_counter_app_with_a_shared_count, None), "pass both functions"),
        ((_nb08_counter_app_with_a_shared_count, _nb08_test_with_helpers), "counts its own"),
        ((_nb08_counter_app_keeping_testing_only, _nb08_test_with_helpers), "overrides the"),
        ((_nb08_counter_app_with_leaky_defaults, _nb08_test_with_helpers), "reached the defaults"),
        ((_nb08_counter_app_answering_404, _nb08_test_with_helpers), 'answered ["404 {'),
        ((_nb08_counter_app_answering_201, _nb08_test_with_helpers), 'answered ["201 {'),
        ((_nb08_counter_app_with_a_blueprint, _nb08_test_counting_from_zero), "your own factory"),
        ((_nb08_counter_app_with_an_extra_route, _nb08_test_of_the_extra_route), "a correct"),
        (
            (_nb08_counter_app_with_a_blueprint, _nb08_test_without_a_plain_app),
            "keeps the config of one app for the apps built after it",
        ),
        (
            (_nb08_counter_app_with_a_blueprint, _nb08_test_without_a_greeting),
            "ignores its config",
        ),
    ],
)
def test_nb08_q5_says_why_an_answer_is_wrong(answer: object, reason: str) -> None:
    _NB08_SHARED_VISITS[0] = 0
    _NB08_DEFAULTS.clear()
    feedback = EXERCISES["nb08.q5"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback.message


def test_nb08_q5_solution_shows_the_factory_and_the_test(
    capsys: pytest.CaptureFixture[str],
) -> None:
    EXERCISES["nb08.q5"].solution()
    out = capsys.readouterr().out
    assert "def create_counter_app(" in out and "def test_counter_apps(" in out


def _nb08_shop_reserving_then_paying(stock: Any, pay: Any) -> Any:
    """Takes the unit under the lock, pays outside it, and gives the unit back if paying fails."""
    import threading

    from flask import Flask

    app = Flask(__name__)
    lock = threading.Lock()

    @app.post("/order/<item>")
    def order(item: str) -> Any:
        with lock:
            if item not in stock:
                return {"error": "unknown"}, 404
            if stock[item] <= 0:
                return {"error": "sold out"}, 409
            stock[item] -= 1
            left = stock[item]
        try:
            pay(item)
        except Exception:
            with lock:
                stock[item] += 1
            raise
        return {"ordered": item, "left": left}

    return app


_NB08_ONE_LOCK_FOR_EVERY_SHOP = __import__("threading").RLock()


def _nb08_shop_with_a_module_lock(stock: Any, pay: Any) -> Any:
    """One re-entrant lock at module level, shared by every shop: coarse, but right."""
    from flask import Flask, abort, jsonify, make_response

    app = Flask(__name__)

    def refuse(status: int, message: str) -> None:
        abort(make_response(jsonify(error=message), status))

    @app.route("/order/<item>", methods=["POST"])
    def order(item: str) -> Any:
        with _NB08_ONE_LOCK_FOR_EVERY_SHOP:
            if item not in stock:
                refuse(404, "no such item")
            if not stock[item]:
                refuse(409, "none left")
            pay(item)
            stock[item] = stock[item] - 1
            return jsonify(ordered=item, left=stock[item])

    return app


@pytest.mark.parametrize(
    "answer", [_nb08_shop_reserving_then_paying, _nb08_shop_with_a_module_lock]
)
def test_nb08_q6_accepts_other_correct_answers(answer: object) -> None:
    feedback = EXERCISES["nb08.q6"].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


def _nb08_shop_paying_for_refused_orders(stock: Any, pay: Any) -> Any:
    import threading

    from flask import Flask

    app = Flask(__name__)
    lock = threading.Lock()

    @app.post("/order/<item>")
    def order(item: str) -> Any:
        with lock:
            pay(item)  # before the checks: a refused order is paid for too
            if item not in stock:
                return {"error": "unknown"}, 404
            if stock[item] == 0:
                return {"error": "sold out"}, 409
            stock[item] -= 1
            return {"ordered": item, "left": stock[item]}

    return app


def _nb08_shop_locking_twice(stock: Any, pay: Any) -> Any:
    """Takes its (not re-entrant) lock again inside itself: the first order waits forever."""
    import threading

    from flask import Flask

    app = Flask(__name__)
    lock = threading.Lock()

    def take(item: str) -> int:
        with lock:
            stock[item] -= 1
            return int(stock[item])

    @app.post("/order/<item>")
    def order(item: str) -> Any:
        if item not in stock:
            return {"error": "unknown"}, 404
        with lock:
            if stock[item] == 0:
                return {"error": "sold out"}, 409
            pay(item)
            return {"ordered": item, "left": take(item)}

    return app


def _nb08_shop_answering_201(stock: Any, pay: Any) -> Any:
    from helpers.exercises.nb08 import create_shop

    app = create_shop(stock, pay)
    app.after_request(lambda response: setattr(response, "status_code", 201) or response)
    return app


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (EXERCISES["nb08.q6"].wrong[0], "answered [200, 200, 200, 200, 200, 200]"),
        (EXERCISES["nb08.q6"].wrong[1], "the check and the act must be one step"),
        (EXERCISES["nb08.q6"].wrong[2], "left a stock of -4"),
        (_nb08_shop_paying_for_refused_orders, "never for a refused order"),
        (_nb08_shop_answering_201, "order 1 (POST /order/apple) answered 201"),
        (lambda stock, pay: None, "returned None; return the Flask app"),
    ],
)
def test_nb08_q6_says_why_an_answer_is_wrong(answer: object, reason: str) -> None:
    feedback = EXERCISES["nb08.q6"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert reason in feedback.message, feedback.message


def test_nb08_q6_does_not_wait_forever_for_a_shop_that_hangs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from helpers.exercises import nb08

    monkeypatch.setattr(nb08, "_WAIT_SECONDS", 1.0)
    feedback = EXERCISES["nb08.q6"].evaluate(_nb08_shop_locking_twice)
    assert feedback.status is Status.NOT_YET, feedback
    assert "does a request wait for a lock that is never released?" in feedback.message


# --- Notebook 07: other correct answers, and the reasons the checks give for wrong ones.


def _match_with_a_regex(pattern: str, path: str) -> dict[str, Any] | None:
    converters: dict[str, Callable[[str], Any]] = {}

    def hole(found: re.Match[str]) -> str:
        kind, name = found[1] or "str", found[2]
        converters[name] = int if kind == "int" else str
        return f"(?P<{name}>[0-9]+)" if kind == "int" else f"(?P<{name}>[^/]+)"

    found = re.fullmatch(re.sub(r"<(?:(\w+):)?(\w+)>", hole, re.escape(pattern)), path)
    if found is None:
        return None
    return {name: converters[name](text) for name, text in found.groupdict().items()}


def _match_by_segments(pattern: str, path: str) -> dict[str, Any] | None:
    wanted, given = pattern.strip("/").split("/"), path.strip("/").split("/")
    if len(wanted) != len(given) or pattern.endswith("/") != path.endswith("/"):
        return None
    params: dict[str, Any] = {}
    for expected, actual in zip(wanted, given, strict=True):
        if expected.startswith("<int:"):
            if re.fullmatch("[0-9]+", actual) is None:
                return None
            params[expected[5:-1]] = int(actual)
        elif expected.startswith("<"):
            if actual == "":
                return None
            params[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return params


def _match_with_the_helper(pattern: str, path: str) -> dict[str, Any] | None:
    from helpers.framework import Route

    return Route.compile(pattern, view=print).match(path)


def _match_trusting_int(pattern: str, path: str) -> dict[str, Any] | None:
    """Wrong: refuses a minus sign, but int() also accepts '+5', '1_0' and ' 7'."""
    wanted, given = pattern.split("/"), path.split("/")
    if len(wanted) != len(given):
        return None
    params: dict[str, Any] = {}
    for expected, actual in zip(wanted, given, strict=True):
        if expected.startswith("<int:"):
            if actual.startswith("-"):
                return None
            try:
                params[expected[5:-1]] = int(actual)
            except ValueError:
                return None
        elif expected.startswith("<"):
            if not actual:
                return None
            params[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return params


def _match_with_d(pattern: str, path: str, flags: int = 0) -> dict[str, Any] | None:
    """Wrong without re.ASCII: `\\d` also takes ٤٢, which int() turns into 42."""
    from collections import OrderedDict

    def hole(found: re.Match[str]) -> str:
        return f"(?P<{found[2]}>\\d+)" if found[1] else f"(?P<{found[2]}>[^/]+)"

    found = re.fullmatch(re.sub(r"<(int:)?(\w+)>", hole, re.escape(pattern)), path, flags)
    if found is None:
        return None
    ints = re.findall(r"<int:(\w+)>", pattern)
    return OrderedDict((k, int(v) if k in ints else v) for k, v in found.groupdict().items())


def _match_with_ascii_d(pattern: str, path: str) -> dict[str, Any] | None:
    """Right: `\\d` with re.ASCII is [0-9]; the answer is an OrderedDict, a dict too."""
    return _match_with_d(pattern, path, re.ASCII)


def _match_with_isdigit(pattern: str, path: str) -> dict[str, Any] | None:
    """Wrong: str.isdigit() alone takes ٤٢ (and ², on which int() then raises)."""
    wanted, given = pattern.split("/"), path.split("/")
    if len(wanted) != len(given):
        return None
    params: dict[str, Any] = {}
    for expected, actual in zip(wanted, given, strict=True):
        if expected.startswith("<int:"):
            if not actual.isdigit():
                return None
            params[expected[5:-1]] = int(actual)
        elif expected.startswith("<"):
            if not actual:
                return None
            params[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return params


def _match_with_re_match(pattern: str, path: str) -> dict[str, Any] | None:
    """Wrong: re.match anchors at the start only."""
    regex = re.sub(r"<int:(\w+)>", r"(?P<\1>[0-9]+)", pattern)
    regex = re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", regex)
    found = re.match(regex, path)
    if found is None:
        return None
    return {k: int(v) if f"<int:{k}>" in pattern else v for k, v in found.groupdict().items()}


def _items_without_the_decorator_syntax(app: Any) -> None:
    from helpers.exercises.nb07 import ITEMS
    from helpers.framework import Response

    def show_item(request: object, item_id: int) -> Response:
        if item_id in ITEMS:
            return Response.json({"id": item_id, "name": ITEMS[item_id]})
        return Response.json({"error": f"no item {item_id}"}, 404)

    app.route("/items/<int:item_id>", methods=["GET"])(show_item)


def _items_with_http_status(app: Any) -> None:
    from http import HTTPStatus

    from helpers.exercises.nb07 import ITEMS

    @app.route("/items/<int:item_id>")
    def show_item(request: object, item_id: int) -> object:
        if item_id not in ITEMS:
            return "", HTTPStatus.NOT_FOUND
        return {"id": item_id, "name": ITEMS[item_id]}, HTTPStatus.OK


def _items_also_on_post(app: Any) -> None:
    """Wrong: the route accepts POST too."""
    from helpers.exercises.nb07 import ITEMS

    @app.route("/items/<int:item_id>", methods=["GET", "POST"])
    def show_item(request: object, item_id: int) -> object:
        if item_id not in ITEMS:
            return {"error": "no such item"}, 404
        return {"id": item_id, "name": ITEMS[item_id]}


def _items_checking_digits_inside(app: Any) -> None:
    """Right, though not the converter: `<item_id>` and a digits-only test of its own."""
    from helpers.exercises.nb07 import ITEMS
    from helpers.framework import Response

    @app.route("/items/<item_id>")
    def show_item(request: object, item_id: str) -> object:
        if not (item_id.isascii() and item_id.isdigit()) or int(item_id) not in ITEMS:
            return Response(404, {}, b"")
        return {"id": int(item_id), "name": ITEMS[int(item_id)]}


def _items_with_int_in_try(app: Any) -> None:
    """Wrong: int() takes '+1', which the `<int:...>` converter refuses."""
    from helpers.exercises.nb07 import ITEMS

    @app.route("/items/<item_id>")
    def show_item(request: object, item_id: str) -> object:
        try:
            number = int(item_id)
        except ValueError:
            return {"error": "not a number"}, 404
        if number not in ITEMS:
            return {"error": "no such item"}, 404
        return {"id": number, "name": ITEMS[number]}


def _items_with_isdigit(app: Any) -> None:
    """Wrong: str.isdigit() takes ١ (Arabic-Indic one), which int() turns into 1."""
    from helpers.exercises.nb07 import ITEMS

    @app.route("/items/<item_id>")
    def show_item(request: object, item_id: str) -> object:
        if not item_id.isdigit() or int(item_id) not in ITEMS:
            return {"error": "no such item"}, 404
        return {"id": int(item_id), "name": ITEMS[int(item_id)]}


def _items_with_body_first(app: Any) -> None:
    """Wrong: Response(body, status), the field order of another framework."""
    from helpers.exercises.nb07 import ITEMS
    from helpers.framework import Response

    @app.route("/items/<int:item_id>")
    def show_item(request: object, item_id: int) -> object:
        if item_id not in ITEMS:
            return Response(b"", 404)  # type: ignore[arg-type]
        return {"id": item_id, "name": ITEMS[item_id]}


def _items_converting_inside(app: Any) -> None:
    """Wrong: `<item_id>` then int(item_id): /items/nine makes the view raise (a 500)."""
    from helpers.exercises.nb07 import ITEMS

    @app.route("/items/<item_id>")
    def show_item(request: object, item_id: str) -> object:
        number = int(item_id)
        if number not in ITEMS:
            return {"error": "no such item"}, 404
        return {"id": number, "name": ITEMS[number]}


def _greet_by_splitting(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    from urllib.parse import unquote_plus

    pairs = dict(pair.split("=", 1) for pair in environ["QUERY_STRING"].split("&") if "=" in pair)
    body = ("Hello, " + unquote_plus(pairs.get("name", "world")) + "!").encode("utf-8")
    start_response("200 OK", [("content-length", str(len(body))), ("content-type", "text/plain")])
    return (body,)


def _greet_without_unquoting(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    """Wrong: 'name=Zo%C3%AB' greets 'Zo%C3%AB'."""
    pairs = dict(pair.split("=", 1) for pair in environ["QUERY_STRING"].split("&") if "=" in pair)
    body = ("Hello, " + pairs.get("name", "world") + "!").encode("utf-8")
    start_response("200 OK", [("Content-Length", str(len(body))), ("Content-Type", "text/plain")])
    return [body]


def _greet_after_the_first_equals(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> Any:
    """Wrong: takes whatever follows the first '=', so 'lang=en' greets 'en'."""
    from urllib.parse import unquote

    query = environ["QUERY_STRING"]
    name = unquote(query.split("=", 1)[1]) if "=" in query else "world"
    body = f"Hello, {name}!".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _greet_after_name_equals(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    """Wrong: takes all that follows 'name=', so 'name=Ada&lang=en' greets 'Ada&lang=en'."""
    from urllib.parse import unquote_plus

    query = environ["QUERY_STRING"]
    name = unquote_plus(query.split("name=", 1)[1]) if "name=" in query else "world"
    body = f"Hello, {name}!".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _greet_with_unquote(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    """Wrong: unquote leaves '+' as it is, where a query string means a space."""
    from urllib.parse import unquote

    pairs = dict(pair.split("=", 1) for pair in environ["QUERY_STRING"].split("&") if "=" in pair)
    body = ("Hello, " + unquote(pairs.get("name", "world")) + "!").encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _items_raising_key_error(app: Any) -> None:
    """Wrong: an unknown id raises KeyError, which the framework turns into a 500."""
    from helpers.exercises.nb07 import ITEMS

    @app.route("/items/<int:item_id>")
    def show_item(request: object, item_id: int) -> object:
        return {"id": item_id, "name": ITEMS[item_id]}


def _match_with_int_in_try(pattern: str, path: str) -> dict[str, Any] | None:
    """Wrong: int() accepts '-1', '+5', '1_0' and ' 7'."""
    wanted, given = pattern.split("/"), path.split("/")
    if len(wanted) != len(given):
        return None
    params: dict[str, Any] = {}
    for expected, actual in zip(wanted, given, strict=True):
        if expected.startswith("<int:"):
            try:
                params[expected[5:-1]] = int(actual)
            except ValueError:
                return None
        elif expected.startswith("<"):
            if not actual:
                return None
            params[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return params


def _greet_counting_characters(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    """Wrong: Content-Length counts the characters of the text, not the bytes of the body."""
    from urllib.parse import parse_qs

    text = "Hello, " + parse_qs(environ["QUERY_STRING"]).get("name", ["world"])[0] + "!"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
    return [text.encode()]


def _greet_with_parse_qsl(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    from urllib.parse import parse_qsl

    name = dict(parse_qsl(environ.get("QUERY_STRING", ""))).get("name", "world")
    body = f"Hello, {name}!".encode()
    start_response(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", f"{len(body)}")],
    )
    yield body


def _greet_with_werkzeug(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    from werkzeug.wrappers import Request, Response

    name = Request(environ).args.get("name", "world")
    return Response(f"Hello, {name}!", mimetype="text/plain")(environ, start_response)


def _greet_without_content_type(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    body = b"Hello, world!"
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


def _greet_returning_text(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return "Hello, world!"


def _match_unescaped_with_dollar(pattern: str, path: str) -> dict[str, Any] | None:
    """Wrong twice: no re.escape (a `.` matches any character) and `$`, which also matches
    before a final newline (the review of issue 16)."""
    converters: dict[str, Callable[[str], Any]] = {}

    def hole(found: re.Match[str]) -> str:
        converters[found[2]] = int if found[1] == "int" else str
        return f"(?P<{found[2]}>[0-9]+)" if found[1] == "int" else f"(?P<{found[2]}>[^/]+)"

    found = re.match(re.sub(r"<(?:(\w+):)?(\w+)>", hole, pattern) + "$", path)
    if found is None:
        return None
    return {name: converters[name](text) for name, text in found.groupdict().items()}


def _match_unescaped_with_fullmatch(pattern: str, path: str) -> dict[str, Any] | None:
    """Wrong: fullmatch, but no re.escape, so '/a.b' fits '/aXb'."""
    regex = re.sub(r"<int:(\w+)>", r"(?P<\1>[0-9]+)", pattern)
    regex = re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", regex)
    found = re.fullmatch(regex, path)
    if found is None:
        return None
    return {k: int(v) if f"<int:{k}>" in pattern else v for k, v in found.groupdict().items()}


def _items_as_json_text(app: Any) -> None:
    """Wrong: json.dumps gives a str, which the framework sends as text/plain."""
    import json

    from helpers.exercises.nb07 import ITEMS

    @app.route("/items/<int:item_id>")
    def show_item(request: object, item_id: int) -> object:
        if item_id not in ITEMS:
            return json.dumps({"error": "no such item"}), 404
        return json.dumps({"id": item_id, "name": ITEMS[item_id]})


def _items_also_on_put(app: Any) -> None:
    """Wrong: the route accepts PUT too (only POST was tried before issue 16)."""
    from helpers.exercises.nb07 import ITEMS

    @app.route("/items/<int:item_id>", methods=["GET", "PUT"])
    def show_item(request: object, item_id: int) -> object:
        if item_id not in ITEMS:
            return {"error": "no such item"}, 404
        return {"id": item_id, "name": ITEMS[item_id]}


def _items_with_response_json(app: Any) -> None:
    from helpers.exercises.nb07 import ITEMS
    from helpers.framework import Response

    def show_item(request: object, item_id: int) -> Response:
        if item_id not in ITEMS:
            return Response.json({"error": "unknown"}, 404)
        return Response(
            200,
            {"content-type": "application/json; charset=utf-8"},
            b'{"id": %d, "name": "%s"}' % (item_id, ITEMS[item_id].encode()),
        )

    app.route("/items/<int:item_id>", methods=("get",))(show_item)


def _careful_with_the_helper(connection: socket.socket, address: object) -> None:
    """Right: the helper's read_request already refuses what it cannot read."""
    from helpers.exercises.nb07 import dispatch
    from helpers.framework import RequestError, Response, read_request

    try:
        request = read_request(connection)
    except RequestError as error:
        connection.sendall(Response.json({"error": str(error)}, error.status).to_bytes())
        return
    connection.sendall(dispatch(request).to_bytes(send_body=request.method != "HEAD"))


def _careful_with_a_regex(connection: socket.socket, address: object) -> None:
    """Right: a regex for the request line, an exception for each refusal."""
    from helpers.exercises.nb07 import dispatch, to_http
    from helpers.framework import Request, Response

    class Refused(Exception):
        pass

    data = b""
    with connection.makefile("rb") as stream:
        while not data.endswith(b"\r\n\r\n"):
            line = stream.readline(8192)
            if not line:
                return
            data += line
        try:
            lines = data.decode("latin-1").split("\r\n")[:-2]
            found = re.fullmatch(r"([A-Z]+) (\S+) HTTP/1\.([01])", lines[0])
            if found is None:
                raise Refused(400)
            names = {line.split(":", 1)[0].strip().lower(): line for line in lines[1:]}
            if "transfer-encoding" in names:
                raise Refused(501)
            length = names.get("content-length", "content-length: 0").split(":", 1)[1].strip()
            if re.fullmatch("[0-9]+", length) is None:
                raise Refused(400)
            body = stream.read(int(length))  # a buffered read waits for all the pieces
            if found[3] == "1" and "host" not in names:
                raise Refused(400)
        except Refused as refusal:
            connection.sendall(to_http(Response.text("refused", refusal.args[0])))
            return
    request = Request.from_target(found[1], found[2], body=body)
    connection.sendall(to_http(dispatch(request), send_body=found[1] != "HEAD"))


def _careful_host_always(connection: socket.socket, address: object) -> None:
    """Wrong: asks HTTP/1.0 for a Host too, which it never had to send."""
    from helpers.exercises.nb07 import careful_handle_connection

    data = connection.recv(65536)
    replay, other = socket.socketpair()
    with replay, other:
        replay.sendall(data.replace(b" HTTP/1.0\r\n", b" HTTP/1.1\r\n"))
        other.settimeout(2)
        careful_handle_connection(other, address)
        other.shutdown(socket.SHUT_WR)
        connection.sendall(replay.makefile("rb").read())


def _careful_without_length(connection: socket.socket, address: object) -> None:
    """Wrong: a bare status line for a refusal, with no Content-Length."""
    from helpers.exercises.nb07 import careful_handle_connection

    data = connection.recv(65536)
    if data.startswith(b"HELLO"):
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\nno")
        return
    replay, other = socket.socketpair()
    with replay, other:
        replay.sendall(data)
        other.settimeout(2)
        careful_handle_connection(other, address)
        other.shutdown(socket.SHUT_WR)
        connection.sendall(replay.makefile("rb").read())


def _careful_refusing_before_the_body(connection: socket.socket, address: object) -> None:
    """Wrong: refuses a request without Host before its body has come, leaving it unread."""
    from helpers.exercises.nb07 import careful_handle_connection

    head = b""
    while b"\r\n\r\n" not in head:
        head += connection.recv(4096)
    if b"\r\nhost:" not in head.lower() and b" HTTP/1.1\r\n" in head:
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\nno")
        return
    careful_handle_connection(_Prefixed(connection, head), address)  # type: ignore[arg-type]


class _Prefixed:
    """A socket whose first reads return `data`, bytes already taken off it."""

    def __init__(self, connection: socket.socket, data: bytes) -> None:
        self.connection, self.data = connection, data

    def recv(self, size: int) -> bytes:
        if not self.data:
            return self.connection.recv(size)
        taken, self.data = self.data[:size], self.data[size:]
        return taken

    def sendall(self, data: bytes) -> None:
        self.connection.sendall(data)


def _careful_with_one_recv(connection: socket.socket, address: object) -> None:
    """Wrong: one recv for the head and the body, so a body in two pieces is cut short."""
    from helpers.exercises.nb07 import careful_handle_connection

    data = connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?i)content-length: *([0-9]+)", head)
    if length is not None and len(body) < int(length[1]):  # pad it, as if it had all come
        data += b" " * (int(length[1]) - len(body))
    _replay(careful_handle_connection, connection, data, address)


def _replay(
    handler: Callable[[socket.socket, object], None],
    connection: socket.socket,
    data: bytes,
    address: object,
) -> None:
    """Hand `data` to `handler` on a fresh socket pair and send its answer on `connection`."""
    replay, other = socket.socketpair()
    with replay, other:
        replay.sendall(data)
        other.settimeout(2)
        handler(other, address)
        other.shutdown(socket.SHUT_WR)
        connection.sendall(replay.makefile("rb").read())


def _careful_reading_the_head_exactly(connection: socket.socket, address: object) -> None:
    """Right: one byte at a time up to the blank line, so nothing past the head is taken; a
    chunked body it refuses stays unread, which the task allows."""
    from helpers.exercises.nb07 import dispatch, to_http
    from helpers.framework import Request, make_response

    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = connection.recv(1)
        if not byte:
            return
        head += byte
    request_line, *lines = head[:-4].decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in
               (line.partition(":") for line in lines)}  # fmt: skip
    parts, length = request_line.split(" "), headers.get("content-length", "0")
    if len(parts) != 3 or parts[2] not in ("HTTP/1.0", "HTTP/1.1"):
        refusal = 400
    elif "transfer-encoding" in headers:
        refusal = 501
    elif not (length.isascii() and length.isdigit()):
        refusal = 400
    else:
        body = b""
        while len(body) < int(length):
            piece = connection.recv(int(length) - len(body))
            if not piece:
                return
            body += piece
        if parts[2] == "HTTP/1.1" and "host" not in headers:
            refusal = 400
        else:
            request = Request.from_target(parts[0], parts[1], body=body)
            connection.sendall(to_http(dispatch(request), send_body=parts[0] != "HEAD"))
            return
    connection.sendall(to_http(make_response(({"error": "refused"}, refusal))))


def _float_tied_with_str(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Wrong: a weight of 2 ties with str, so a <name> route registered first takes '2.25'."""
    converters["float"] = (r"[0-9]+\.[0-9]+", float)
    weights["float"] = 2


def _float_with_ascii_d(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Right: `\\d` under a scoped re.ASCII flag is [0-9]; a weight between int's and str's."""
    converters["float"] = (r"(?a:\d+\.\d+)", float)
    weights["float"] = 1.5


def _float_with_update(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Right: dict.update, a character class for the dot, and a lambda around float."""
    converters.update(float=("[0-9]+[.][0-9]+", lambda text: float(text)))
    weights.update({"float": weights["int"]})


def _float_with_optional_dot(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Wrong: '2' fits too, and the float route, registered first, takes it from int."""
    converters["float"] = (r"[0-9]+(\.[0-9]+)?", float)
    weights["float"] = 1


def _float_dots_and_digits(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Wrong: digits and dots after the first dot let '1.5.2' through; float() cannot read it."""
    converters["float"] = (r"[0-9]+\.[0-9.]+", float)
    weights["float"] = 1


def _float_weighing_nothing(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Wrong: a weight of 0 ties with literal text, so /n/<float:x> takes /n/1.5."""
    converters["float"] = (r"[0-9]+\.[0-9]+", float)
    weights["float"] = 0


def _float_without_weight(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Wrong: no weight, so specificity() raises KeyError on a float route."""
    converters["float"] = (r"[0-9]+\.[0-9]+", float)


def _float_as_decimal(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Wrong: a Decimal is exact, but the exercise asks for a float."""
    from decimal import Decimal

    converters["float"] = (r"[0-9]+\.[0-9]+", Decimal)
    weights["float"] = 1


def _float_in_new_dicts(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Wrong: rebinds the names, so the dicts it was given stay as they were."""
    converters = {**converters, "float": (r"[0-9]+\.[0-9]+", float)}
    weights = {**weights, "float": 1}


def _float_with_sign(converters: dict[str, Any], weights: dict[str, Any]) -> None:
    """Wrong: an optional minus sign, which Werkzeug's float converter refuses by default."""
    converters["float"] = (r"-?[0-9]+\.[0-9]+", float)
    weights["float"] = 1


NB07_CORRECT_ANSWERS = [
    ("nb07.q1", _match_with_a_regex),
    ("nb07.q1", _match_by_segments),
    ("nb07.q1", _match_with_the_helper),
    ("nb07.q2", _items_without_the_decorator_syntax),
    ("nb07.q1", _match_with_ascii_d),
    ("nb07.q2", _items_with_http_status),
    ("nb07.q2", _items_checking_digits_inside),
    ("nb07.q3", _greet_by_splitting),
    ("nb07.q3", _greet_with_parse_qsl),
    ("nb07.q3", _greet_with_werkzeug),
    ("nb07.q2", _items_with_response_json),
    ("nb07.q4", _careful_with_the_helper),
    ("nb07.q4", _careful_with_a_regex),
    ("nb07.q4", _careful_reading_the_head_exactly),
    ("nb07.q5", _float_with_ascii_d),
    ("nb07.q5", _float_with_update),
]


@pytest.mark.parametrize(("key", "answer"), NB07_CORRECT_ANSWERS)
def test_nb07_other_correct_answers_pass(key: str, answer: object) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


@pytest.mark.parametrize(
    ("key", "answer", "reason"),
    [
        ("nb07.q1", _match_trusting_int, "'/posts/+5') returned {'id': 5}; expected None"),
        ("nb07.q1", _match_with_int_in_try, "{'id': -1}; expected None (digits 0-9 only: int()"),
        ("nb07.q2", _items_raising_key_error, "GET /items/9 gave (500, {'error': 'KeyError"),
        ("nb07.q3", _greet_after_the_first_equals, "'lang=en' the body is b'Hello, en!'"),
        ("nb07.q3", _greet_after_name_equals, "b'Hello, Ada&lang=en!'; expected b'Hello, Ada!'"),
        ("nb07.q3", _greet_with_unquote, "Ada+Lovelace!'; expected b'Hello, Ada Lovelace!'"),
        ("nb07.q1", _match_with_re_match, "match('/about', '/about/') returned {}"),
        ("nb07.q2", _items_also_on_post, "POST /items/1 gave (200, {'id': 1,"),
        ("nb07.q2", _items_converting_inside, "GET /items/nine gave (500, "),
        ("nb07.q3", _greet_without_content_type, "No Content-Type header"),
        ("nb07.q3", _greet_returning_text, "should not return a string"),
        ("nb07.q3", EXERCISES["nb07.q3"].wrong[2], "with query 'name=Grace'"),
        ("nb07.q1", EXERCISES["nb07.q1"].wrong[1], "gave id='42' (str); expected 42 (int)"),
        ("nb07.q1", _match_with_d, "'/posts/٤٢') returned OrderedDict("),
        ("nb07.q1", _match_with_isdigit, "'/posts/٤٢') returned {'id': 42}; expected None (digits"),
        ("nb07.q2", _items_with_int_in_try, "it should be a 404: the id is an `<int:...>`"),
        ("nb07.q2", _items_with_isdigit, "it should be a 404 (%D9%A1 is ١"),
        ("nb07.q2", _items_with_body_first, "its fields are Response(status, headers, body)"),
        ("nb07.q3", _greet_without_unquoting, "(the query string is percent-encoded)"),
        ("nb07.q3", _greet_counting_characters, "should be 12, the number of bytes in the body"),
        ("nb07.q1", _match_unescaped_with_dollar, "match('/about', '/about\\n') returned {}"),
        ("nb07.q1", _match_unescaped_with_fullmatch, "'/aXb') returned {}; expected None (a `.`"),
        ("nb07.q2", _items_as_json_text, "Content-Type 'text/plain; charset=utf-8'"),
        ("nb07.q2", _items_also_on_put, "with Allow 'GET, HEAD, PUT'; expected 'GET, HEAD'"),
        ("nb07.q4", EXERCISES["nb07.q4"].wrong[0], "raised ValueError: too many values"),
        ("nb07.q4", EXERCISES["nb07.q4"].wrong[1], "began 'HTTP/1.1 500 Internal Server Error'"),
        ("nb07.q4", EXERCISES["nb07.q4"].wrong[2], "without Host"),
        ("nb07.q4", _careful_host_always, "1.0 needs no Host"),
        ("nb07.q4", _careful_without_length, "should carry one Content-Length, 2"),
        ("nb07.q4", _careful_refusing_before_the_body, "returned with 5 bytes of the body unread"),
        ("nb07.q4", _careful_with_one_recv, "(a valid POST whose 10-byte body comes in two"),
        ("nb07.q5", EXERCISES["nb07.q5"].wrong[0], "(digits 0-9 only: \\d also takes"),
        ("nb07.q5", EXERCISES["nb07.q5"].wrong[1], "gave x='2.25' (str); expected 2.25 (float)"),
        ("nb07.q5", EXERCISES["nb07.q5"].wrong[2], "(a weight of 3 puts float after str's 2"),
        ("nb07.q5", _float_with_optional_dot, "/n/2 went to /n/<float:x> with {'x': 2.0}"),
        ("nb07.q5", _float_dots_and_digits, "routing /n/1.5.2 raised ValueError"),
        ("nb07.q5", _float_weighing_nothing, "(literal text beats any parameter"),
        ("nb07.q5", _float_without_weight, "WEIGHTS has no 'float' entry"),
        ("nb07.q5", _float_as_decimal, "gave x=Decimal('2.25') (Decimal); expected 2.25"),
        ("nb07.q5", _float_in_new_dicts, "add it to the dict you are given"),
        ("nb07.q5", _float_with_sign, "/n/-1.5 went to /n/<float:x> with {'x': -1.5}"),
        ("nb07.q5", _float_tied_with_str, "/n/2.25 went to /n/<name> with {'name': '2.25'}"),
        ("nb07.q5", _float_tied_with_str, "(a weight of 2 ties with str's 2, so the route"),
    ],
)
def test_nb07_says_why_an_answer_is_wrong(key: str, answer: object, reason: str) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.NOT_YET
    assert reason in str(feedback), feedback


# nb12: other correct answers, and why wrong ones are wrong


def _nb12_ratio_as_fraction(paths: list[str], capacity: int) -> object:
    from collections import Counter
    from fractions import Fraction

    if not paths:
        return 0
    return Fraction(sum(n for _, n in Counter(paths).most_common(capacity)), len(paths))


def _nb12_ratio_by_sorting(paths: list[str], capacity: int) -> float:
    counts = sorted((paths.count(path) for path in set(paths)), reverse=True)
    return sum(counts[:capacity]) / len(paths) if paths else 0.0


def _nb12_allow_expire_nx(cache: Any, client: str, limit: int, window: int) -> bool:
    with cache.pipeline() as step:
        step.incr(f"rate:{client}")
        step.expire(f"rate:{client}", window, nx=True)
        count, _ = step.execute()
    return bool(count <= limit)


def _nb12_allow_set_nx_then_incr(cache: Any, client: str, limit: int, window: int) -> bool:
    cache.set(f"rate:{client}", 0, ex=window, nx=True)
    return bool(cache.incr(f"rate:{client}") <= limit)


def _nb12_allow_healing_a_lost_expiry(cache: Any, client: str, limit: int, window: int) -> bool:
    count = cache.incr(f"rate:{client}")
    if cache.ttl(f"rate:{client}") == -1:
        cache.expire(f"rate:{client}", window)
    return bool(count <= limit)


def _nb12_allow_refusing_early(cache: Any, client: str, limit: int, window: int) -> bool:
    if int(cache.get(f"rate:{client}") or 0) >= limit:
        return False
    return bool(EXERCISES["nb12.q3"].reference(cache, client, limit, window))


def _nb12_allow_sliding_window(cache: Any, client: str, limit: int, window: int) -> bool:
    import time
    import uuid

    now = time.time()
    with cache.pipeline() as step:
        step.zremrangebyscore(f"rate:{client}", 0, now - window)
        step.zadd(f"rate:{client}", {uuid.uuid4().hex: now})
        step.zcard(f"rate:{client}")
        step.expire(f"rate:{client}", window)
        count = step.execute()[2]
    return bool(count <= limit)


def _nb12_ratio_wrong_on_long_workloads(paths: list[str], capacity: int) -> float:
    right = _nb12_ratio_by_sorting(paths, capacity)
    return right if len(paths) < 10 else right * 0.9


def _nb12_allow_with_watch(cache: Any, client: str, limit: int, window: int) -> bool:
    import redis

    key = f"rate:{client}"
    with cache.pipeline() as step:
        while True:
            try:
                step.watch(key)
                count = int(step.get(key) or 0) + 1
                step.multi()
                if count == 1:
                    step.set(key, count, ex=window)
                else:
                    step.set(key, count, keepttl=True)
                step.execute()
                return count <= limit
            except redis.WatchError:
                continue


_NB12_LUA = """
local count = redis.call("INCR", KEYS[1])
if count == 1 then redis.call("EXPIRE", KEYS[1], ARGV[1]) end
return count
"""


def _nb12_allow_with_eval(cache: Any, client: str, limit: int, window: int) -> bool:
    return bool(cache.eval(_NB12_LUA, 1, f"rate:{client}", window) <= limit)


def _nb12_allow_with_register_script(cache: Any, client: str, limit: int, window: int) -> bool:
    return bool(cache.register_script(_NB12_LUA)(keys=[f"rate:{client}"], args=[window]) <= limit)


def _nb12_allow_read_then_write_in_a_pipeline(
    cache: Any, client: str, limit: int, window: int
) -> bool:
    key = f"rate:{client}"
    with cache.pipeline(transaction=False) as step:
        step.get(key)
        step.ttl(key)
        count, ttl = step.execute()
    count = int(count or 0) + 1
    with cache.pipeline(transaction=False) as step:
        step.set(key, count, ex=window if ttl < 0 else ttl)
        step.execute()
    return count <= limit


def _nb12_allow_read_with_mget(cache: Any, client: str, limit: int, window: int) -> bool:
    key = f"rate:{client}"
    count = int(cache.mget([key])[0] or 0) + 1
    cache.set(key, count, ex=window) if count == 1 else cache.set(key, count, keepttl=True)
    return count <= limit


def _nb12_allow_read_with_getex(cache: Any, client: str, limit: int, window: int) -> bool:
    key = f"rate:{client}"
    count = int(cache.getex(key) or 0) + 1
    cache.set(key, count, ex=window) if count == 1 else cache.set(key, count, keepttl=True)
    return count <= limit


def _nb12_allow_in_two_pipelines(cache: Any, client: str, limit: int, window: int) -> bool:
    key = f"rate:{client}"
    with cache.pipeline(transaction=False) as step:
        (count,) = step.incr(key).execute()
    if count == 1:
        with cache.pipeline(transaction=False) as step:
            step.expire(key, window).execute()
    return bool(count <= limit)


def _nb12_allow_incr_expire_in_one_plain_pipeline(
    cache: Any, client: str, limit: int, window: int
) -> bool:
    key = f"rate:{client}"
    with cache.pipeline(transaction=False) as step:
        count, _ = step.incr(key).expire(key, window, nx=True).execute()
    return bool(count <= limit)


_NB12_COUNTS: dict[str, int] = {}


def _nb12_allow_in_a_module_dict(cache: Any, client: str, limit: int, window: int) -> bool:
    _NB12_COUNTS[client] = _NB12_COUNTS.get(client, 0) + 1
    return _NB12_COUNTS[client] <= limit


def _nb12_allow_moving_the_expiry_apart(cache: Any, client: str, limit: int, window: int) -> bool:
    count = cache.incr(f"rate:{client}")
    cache.expire(f"rate:{client}", window)
    return bool(count <= limit)


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("nb12.q1", _nb12_ratio_as_fraction),
        ("nb12.q1", _nb12_ratio_by_sorting),
        ("nb12.q3", _nb12_allow_expire_nx),
        ("nb12.q3", _nb12_allow_healing_a_lost_expiry),
        ("nb12.q3", _nb12_allow_with_watch),
        ("nb12.q3", _nb12_allow_incr_expire_in_one_plain_pipeline),  # EXPIRE NX heals a lost one
        ("nb12.q3", _nb12_allow_refusing_early),
        ("nb12.q3", _nb12_allow_sliding_window),
    ],
)
def test_nb12_other_correct_answers_pass(key: str, answer: object) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


@pytest.mark.parametrize(
    ("key", "answer", "reason"),
    [
        ("nb12.q1", _nb12_ratio_wrong_on_long_workloads, "which is too low"),
        ("nb12.q1", EXERCISES["nb12.q1"].wrong[0], "expected 0.5"),
        ("nb12.q3", EXERCISES["nb12.q3"].wrong[0], "the count must live in Redis"),
        ("nb12.q3", EXERCISES["nb12.q3"].wrong[1], "TTL is -1"),
        ("nb12.q3", EXERCISES["nb12.q3"].wrong[3], "never expires (TTL -1)"),
        ("nb12.q3", EXERCISES["nb12.q3"].wrong[4], "both counted from the same old value"),
        ("nb12.q3", EXERCISES["nb12.q3"].wrong[5], "would never get a new window"),
        ("nb12.q3", _nb12_allow_in_a_module_dict, "under the key 'rate:10.0.0.7'"),
        ("nb12.q3", _nb12_allow_moving_the_expiry_apart, "would never get a new window"),
        ("nb12.q3", _nb12_allow_set_nx_then_incr, "the window ended (its count expired)"),
        ("nb12.q3", _nb12_allow_with_eval, "fake Redis has no Lua"),
        ("nb12.q3", _nb12_allow_with_register_script, "fake Redis has no Lua"),
        ("nb12.q3", _nb12_allow_read_then_write_in_a_pipeline, "the same old value"),
        ("nb12.q3", _nb12_allow_read_with_mget, "the same old value"),
        ("nb12.q3", _nb12_allow_read_with_getex, "the same old value"),
        ("nb12.q3", _nb12_allow_in_two_pipelines, "never expires (TTL -1)"),
    ],
)
def test_nb12_says_why_an_answer_is_wrong(key: str, answer: object, reason: str) -> None:
    _NB12_COUNTS.clear()
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.NOT_YET
    assert reason in str(feedback), feedback


def test_nb12_q1_does_not_give_away_the_skewed_answer() -> None:
    feedback = EXERCISES["nb12.q1"].evaluate(_nb12_ratio_wrong_on_long_workloads)
    expected = EXERCISES["nb12.q1"].reference
    skewed = [f"/code{n}" for n in range(100) for _ in range(600 // (n + 1))]
    assert f"{expected(skewed, 10):.4g}" not in str(feedback), feedback


def test_nb12_q2_rejects_a_ttl_much_shorter_than_ttl_seconds() -> None:
    from helpers.exercises import nb12

    feedback = EXERCISES["nb12.q2"].evaluate(nb12._short_ttl)
    assert feedback.status is Status.NOT_YET, feedback
    assert "should live for TTL_SECONDS" in feedback.message, feedback


def test_nb12_q3_rejects_counts_of_other_types_that_never_expire() -> None:
    from helpers.exercises import nb12

    for answer in (nb12._hash_never_expires, nb12._list_never_expires, nb12._unpruned_log):
        feedback = EXERCISES["nb12.q3"].evaluate(answer)
        assert feedback.status is Status.NOT_YET, (answer, feedback)
        assert "(-1: never)" in feedback.message, (answer, feedback)


def test_nb12_q3_accepts_a_transaction_that_sets_the_expiry_only_once() -> None:
    def incr_then_expire_nx(cache: Any, client: str, limit: int, window: int) -> bool:
        key = f"rate:{client}"
        with cache.pipeline(transaction=True) as step:
            step.incr(key)
            step.expire(key, window, nx=True)
            count, _ = step.execute()
        return bool(count <= limit)

    feedback = EXERCISES["nb12.q3"].evaluate(incr_then_expire_nx)
    assert feedback.status is Status.CORRECT, feedback


def test_nb12_q3_quotes_the_answer_that_was_not_a_bool() -> None:
    calls = []

    def late_none(cache: Any, client: str, limit: int, window: int) -> object:
        calls.append(client)
        return None if len(calls) == 3 else len(calls) <= limit

    feedback = EXERCISES["nb12.q3"].evaluate(late_none)
    assert feedback.status is Status.NOT_YET, feedback
    assert "it returned None" in feedback.message, feedback


# --- Notebook 11: other correct answers, and the reasons the checks give for wrong ones.


def _nb11_least_by_sorting(in_flight: dict[str, int], turn: int) -> str:
    fewest = sorted(in_flight.values())[0]
    tied = [name for name in in_flight if in_flight[name] == fewest]
    return tied[turn % len(tied)]


def _nb11_least_by_loop(in_flight: dict[str, int], turn: int) -> str:
    tied: list[str] = []
    for name, count in in_flight.items():
        if not tied or count < in_flight[tied[0]]:
            tied = [name]
        elif count == in_flight[tied[0]]:
            tied.append(name)
    return tied[turn % len(tied)]


def _nb11_least_alphabetical(in_flight: dict[str, int], turn: int) -> str:
    """Wrong: the tied names taken in alphabetical order."""
    fewest = min(in_flight.values())
    tied = sorted(name for name, count in in_flight.items() if count == fewest)
    return tied[turn % len(tied)]


def _nb11_shares_by_index(points: list[int], owners: list[str]) -> dict[str, float]:
    ring = 2**64
    shares = dict.fromkeys(owners, 0.0)
    for i, point in enumerate(points):
        before = points[i - 1] if i else points[-1] - ring
        shares[owners[i]] += (point - before) / ring
    return shares


def _nb11_shares_with_fractions(points: list[int], owners: list[str]) -> dict[str, float]:
    from fractions import Fraction

    arcs = [Fraction(points[0] + 2**64 - points[-1], 2**64)]
    arcs += [Fraction(b - a, 2**64) for a, b in itertools.pairwise(points)]
    shares: dict[str, Fraction] = {}
    for owner, arc in zip(owners, arcs, strict=True):
        shares[owner] = shares.get(owner, Fraction(0)) + arc
    return {owner: float(share) for owner, share in shares.items()}


def _nb11_shares_as_list(points: list[int], owners: list[str]) -> list[float]:
    """Wrong: a list of arcs, not a share per shard."""
    return [b - a for a, b in itertools.pairwise(points)]


class _NB11PlainDictLRU:
    def __init__(self, capacity: int) -> None:
        self.capacity, self.entries = capacity, {}

    def get(self, key: object) -> object:
        if key not in self.entries:
            return None
        self.entries[key] = self.entries.pop(key)
        return self.entries[key]

    def put(self, key: object, value: object) -> None:
        self.entries.pop(key, None)
        self.entries[key] = value
        if len(self.entries) > self.capacity:
            del self.entries[next(iter(self.entries))]


class _NB11EvictFirstLRU(_NB11PlainDictLRU):
    def put(self, key: object, value: object) -> None:
        self.entries.pop(key, None)
        if len(self.entries) == self.capacity:
            del self.entries[next(iter(self.entries))]
        self.entries[key] = value


class _NB11OffByOneLRU(_NB11PlainDictLRU):
    """Wrong: holds one entry fewer than its capacity."""

    def put(self, key: object, value: object) -> None:
        super().put(key, value)
        if len(self.entries) >= self.capacity:
            del self.entries[next(iter(self.entries))]


class _NB11PutKeepsItsAge(_NB11PlainDictLRU):
    """Wrong: putting a key already held does not make it the most recently used."""

    def put(self, key: object, value: object) -> None:
        if key in self.entries:
            self.entries[key] = value
        else:
            super().put(key, value)


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("nb11.q1", _nb11_least_by_sorting),
        ("nb11.q1", _nb11_least_by_loop),
        ("nb11.q2", _nb11_shares_by_index),
        ("nb11.q2", _nb11_shares_with_fractions),
        ("nb11.q3", _NB11PlainDictLRU),
        ("nb11.q3", _NB11EvictFirstLRU),
    ],
)
def test_nb11_other_correct_answers_pass(key: str, answer: object) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


@pytest.mark.parametrize(
    ("key", "answer", "reason"),
    [
        ("nb11.q1", _nb11_least_alphabetical, "in the dict's order"),
        ("nb11.q1", EXERCISES["nb11.q1"].wrong[0], "not a backend with the fewest"),
        ("nb11.q1", EXERCISES["nb11.q1"].wrong[1], "turn 1 picks number 1 % 2"),
        ("nb11.q1", EXERCISES["nb11.q1"].wrong[2], "turn 2 picks number 2 % 2"),
        ("nb11.q2", EXERCISES["nb11.q2"].wrong[0], "not 1: every hash belongs"),
        ("nb11.q2", EXERCISES["nb11.q2"].wrong[1], "up to itself"),
        ("nb11.q2", EXERCISES["nb11.q2"].wrong[2], "up to itself"),
        ("nb11.q2", _nb11_shares_as_list, "one share for each shard"),
        ("nb11.q3", _NB11OffByOneLRU, "get('a') should return 1"),
        ("nb11.q3", _NB11PutKeepsItsAge, "put("),
        ("nb11.q3", EXERCISES["nb11.q3"].wrong[0], "get('b') should return None"),
    ],
)
def test_nb11_says_why_an_answer_is_wrong(key: str, answer: object, reason: str) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.NOT_YET
    assert reason in str(feedback), feedback


def test_nb11_q3_failure_can_be_replayed() -> None:
    """The message names the run and the operations up to the wrong get, and they reproduce it."""
    from helpers.exercises import nb11
    from helpers.exercises.nb11 import random_operations

    message = str(EXERCISES["nb11.q3"].evaluate(_NB11PutKeepsItsAge))
    found = re.search(
        r"random run (\d+) with LRUCache\((\d+)\).*random_operations\(\d+\)\[:(\d+)\]", message
    )
    assert found, message
    seed, capacity, stop = map(int, found.groups())
    mine, reference = _NB11PutKeepsItsAge(capacity), nb11.LRUCache(capacity)
    *before, (last, key) = random_operations(seed)[:stop]
    for operation, step_key in before:
        for cache in (mine, reference):
            if operation == "put":
                cache.put(step_key, f"url-{step_key}")
            else:
                cache.get(step_key)
    assert last == "get" and mine.get(key) != reference.get(key), message


def test_nb11_q2_is_what_the_ring_does() -> None:
    """The reference shares match where HashRing puts many codes, for a few virtual nodes."""
    from collections import Counter

    from helpers.exercises import nb11
    from helpers.sharding import HashRing

    codes = [f"code{n}" for n in range(30_000)]
    for virtual_nodes in (1, 3):
        ring = HashRing(["shard-0", "shard-1", "shard-2"], virtual_nodes=virtual_nodes)
        placed = Counter(map(ring, codes))
        shares = nb11.ring_shares(*nb11._ring(virtual_nodes))
        assert all(abs(shares[s] - placed[s] / len(codes)) < 0.015 for s in placed), shares


# --- Notebook 13: other correct answers, and the reasons the checks give for wrong ones.


def _nb13_budget_by_subtraction(total: int, objective: float) -> float:
    return total - total * objective


def _nb13_budget_in_percent(total: int, objective: float) -> float:
    return total * (100 - objective * 100) / 100


def _nb13_budget_rounded(total: int, objective: float) -> int:
    return round(total * (1 - objective))


def _nb13_budget_floored(total: int, objective: float) -> int:
    return math.floor(total * (1 - objective))


def _nb13_budget_as_fraction(total: int, objective: float) -> object:
    from fractions import Fraction

    return total * (1 - Fraction(str(objective)))


def _nb13_budget_rounded_to_float(total: int, objective: float) -> float:
    return float(round(total * (1 - objective)))


def _nb13_burn_in_one_division(bad: int, total: int, objective: float) -> float:
    return bad / (total * (1 - objective)) if total else 0.0


def _nb13_burn_nan_without_traffic(bad: int, total: int, objective: float) -> float:
    return (bad / total) / (1 - objective) if total else math.nan


def _nb13_burn_unguarded(bad: int, total: int, objective: float) -> float:
    return (bad / total) / (1 - objective)


def _nb13_burn_none_without_traffic(bad: int, total: int, objective: float) -> float | None:
    return (bad / total) / (1 - objective) if total else None


def _nb13_page_with_numpy(
    long_ratio: float, short_ratio: float, factor: float, objective: float
) -> object:
    import numpy as np

    threshold = factor * (1 - objective)
    return np.all(np.array([long_ratio, short_ratio]) > threshold)


def _nb13_page_by_burn_rates(
    long_ratio: float, short_ratio: float, factor: float, objective: float
) -> object:
    return min(long_ratio, short_ratio) / (1 - objective) > factor


def _nb13_page_with_all(
    long_ratio: float, short_ratio: float, factor: float, objective: float
) -> object:
    return all(ratio > factor * (1 - objective) for ratio in (long_ratio, short_ratio))


def _nb13_page_short_over_a_twelfth(
    long_ratio: float, short_ratio: float, factor: float, objective: float
) -> object:
    threshold = factor * (1 - objective)
    return long_ratio > threshold and short_ratio > threshold / 12


def _nb13_page_short_not_zero(
    long_ratio: float, short_ratio: float, factor: float, objective: float
) -> object:
    return long_ratio > factor * (1 - objective) and short_ratio > 0


def _nb13_page_with_a_hard_coded_budget(
    long_ratio: float, short_ratio: float, factor: float, objective: float
) -> object:
    return long_ratio > factor / 1000 and short_ratio > factor / 1000


def _nb13_page_at_or_over(
    long_ratio: float, short_ratio: float, factor: float, objective: float
) -> object:
    threshold = factor * (1 - objective)
    return long_ratio >= threshold and short_ratio >= threshold


def _nb13_page_as_int(
    long_ratio: float, short_ratio: float, factor: float, objective: float
) -> object:
    threshold = factor * (1 - objective)
    return int(long_ratio > threshold and short_ratio > threshold)


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("nb13.q1", _nb13_budget_by_subtraction),
        ("nb13.q1", _nb13_budget_in_percent),
        ("nb13.q1", _nb13_budget_as_fraction),
        ("nb13.q1", lambda total, objective: round(total * (1 - objective), 2)),
        ("nb13.q2", _nb13_burn_in_one_division),
        ("nb13.q2", lambda bad, total, objective: bad / max(total, 1) / (1 - objective)),
        ("nb13.q2", _nb13_burn_nan_without_traffic),
        ("nb13.q3", _nb13_page_with_numpy),
        ("nb13.q3", _nb13_page_by_burn_rates),
        ("nb13.q3", _nb13_page_with_all),
    ],
)
def test_nb13_other_correct_answers_pass(key: str, answer: object) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


@pytest.mark.parametrize(
    ("key", "answer", "reason"),
    [
        ("nb13.q1", EXERCISES["nb13.q1"].wrong[0], "the number of requests the objective allows"),
        ("nb13.q1", _nb13_budget_rounded, "may be fractional"),
        ("nb13.q1", _nb13_budget_floored, "may be fractional"),
        ("nb13.q1", _nb13_budget_rounded_to_float, "may be fractional"),
        ("nb13.q2", EXERCISES["nb13.q2"].wrong[0], "does not depend on the objective"),
        ("nb13.q2", EXERCISES["nb13.q2"].wrong[1], "at 2 half of it"),
        ("nb13.q2", _nb13_burn_unguarded, "divided by zero"),
        ("nb13.q2", _nb13_burn_none_without_traffic, "nothing burns"),
        ("nb13.q3", EXERCISES["nb13.q3"].wrong[0], "a burst that is over"),
        ("nb13.q3", EXERCISES["nb13.q3"].wrong[1], "a burst that is over"),
        ("nb13.q3", _nb13_page_short_over_a_twelfth, "a burst dying down"),
        ("nb13.q3", _nb13_page_short_not_zero, "a burst dying down"),
        ("nb13.q3", _nb13_page_as_int, "return a bool"),
        ("nb13.q3", _nb13_page_with_a_hard_coded_budget, "of a 99 % objective"),
        ("nb13.q3", _nb13_page_at_or_over, "exactly on the threshold"),
    ],
)
def test_nb13_says_why_an_answer_is_wrong(key: str, answer: object, reason: str) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.NOT_YET
    assert reason in str(feedback), feedback


def test_nb13_q2_does_not_give_the_formula_away() -> None:
    for answer in EXERCISES["nb13.q2"].wrong:
        feedback = str(EXERCISES["nb13.q2"].evaluate(answer))
        assert "1 - objective" not in feedback and "divided by" not in feedback, feedback


def test_nb13_q3_does_not_give_the_rule_away() -> None:
    feedback = str(EXERCISES["nb13.q3"].evaluate(_nb13_page_short_over_a_twelfth))
    assert "1 - objective" not in feedback and "both" not in feedback.lower(), feedback


# --- Notebook 09: other correct answers, the reasons wrong ones get, and the exercise cells.


def _nb09_repeat_chance_with_exp(n: int, space: int) -> float:
    return 1 - math.exp(-n * (n - 1) / (2 * space))


def _nb09_repeat_chance_exact(n: int, space: int) -> float:
    none_repeat = 1.0
    for taken in range(n):
        none_repeat *= max(space - taken, 0) / space
    return 1 - none_repeat


def _nb09_by_the_service(url: str) -> bool:
    """The shortener's own validator, `normalize_url`, is another correct answer to q4."""
    from helpers.shortener.validation import InvalidURL, normalize_url

    try:
        normalize_url(url)
    except InvalidURL:
        return False
    return True


def _nb09_strict_ip_parsing(url: str) -> bool:
    """The reference, but reading hosts with ipaddress alone (no browser-style numbers)."""
    import ipaddress

    from helpers.exercises import nb09

    def strict(host: str) -> Any:
        try:
            return ipaddress.IPv4Address(host)
        except ValueError:
            return None

    original = nb09.browser_ipv4
    nb09.browser_ipv4 = strict  # type: ignore[assignment]
    try:
        return nb09.safe_to_shorten(url)
    finally:
        nb09.browser_ipv4 = original


def _nb09_without_idna(url: str) -> bool:
    """The reference, judging the host as typed rather than as the browser will send it."""
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    if not host.isascii():
        return EXERCISES["nb09.q4"].reference(url.replace(host, "www.example.com"))
    return bool(EXERCISES["nb09.q4"].reference(url))


def _nb09_idna_2003_and_no_unquoting(url: str) -> bool:
    """The reference before review 4: Python's "idna" codec, %-escapes and backslashes unread."""
    import ipaddress
    from urllib.parse import urlsplit

    from helpers.exercises import nb09

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username:
            return False
        host = parts.hostname
        if ":" in host:
            v6 = ipaddress.IPv6Address(host)
            return (v6.ipv4_mapped or v6).is_global
        host = host.encode("idna").decode("ascii")
        address = nb09.browser_ipv4(host)
    except (ValueError, UnicodeError):
        return False
    if address is None:
        return host.rstrip(".") != "localhost" and not host.rstrip(".").endswith(".localhost")
    return address.is_global


def _nb09_refuses_every_ip_literal(url: str) -> bool:
    """A stricter policy than the table's: no IP address at all, public or not."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        ipaddress.ip_address(urlsplit(url).hostname or "")
    except ValueError:
        return bool(EXERCISES["nb09.q4"].reference(url))
    return False


def _nb09_raises_on_a_bad_port(url: str) -> bool:
    from urllib.parse import urlsplit

    urlsplit(url).port  # noqa: B018 (raises ValueError for port 99999)
    return bool(EXERCISES["nb09.q4"].reference(url))


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("nb09.q1", _nb09_repeat_chance_with_exp),
        ("nb09.q1", _nb09_repeat_chance_exact),
        ("nb09.q4", _nb09_by_the_service),
    ],
)
def test_nb09_accepts_other_correct_answers(key: str, answer: object) -> None:
    feedback = EXERCISES[key].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (EXERCISES["nb09.q4"].wrong[0], "'http://example.com:99999/') returned True"),
        (EXERCISES["nb09.q4"].wrong[2], "looks like one site and opens another"),
        (_nb09_strict_ip_parsing, "'http://999.1.1.1/') returned True"),
        (_nb09_without_idna, "'http://ｌｏｃａｌｈｏｓｔ/') returned True"),
        (_nb09_raises_on_a_bad_port, "raised ValueError"),
        (_nb09_idna_2003_and_no_unquoting, "'http://127.0.0.1\\\\admin') returned True"),
        (_nb09_refuses_every_ip_literal, "'http://8.8.8.8/') returned False"),
        (lambda url: "yes", "return True or False"),
        (lambda url: False, "an ordinary public web page"),
    ],
)
def test_nb09_q4_says_which_url_and_what_is_at_stake(answer: object, reason: str) -> None:
    feedback = EXERCISES["nb09.q4"].evaluate(answer)
    assert feedback.status is Status.NOT_YET
    assert reason in str(feedback), feedback


def test_nb09_q4_reasons_do_not_give_the_method_away() -> None:
    from helpers.exercises.nb09 import URL_TABLE

    words = ("octal", "hex", "idna", "punycode", "ipaddress", "is_global", "urlsplit", "decimal")
    for _url, _safe, what in URL_TABLE:
        assert not any(word in what.lower() for word in words), what
    for answer in (*EXERCISES["nb09.q4"].wrong, _nb09_strict_ip_parsing, _nb09_without_idna):
        feedback = str(EXERCISES["nb09.q4"].evaluate(answer)).lower()
        assert not any(word in feedback.split("returned")[-1] for word in words), feedback


def test_nb09_q4_table_is_what_the_project_validator_decides() -> None:
    from helpers.exercises.nb09 import HELD_OUT, URL_TABLE

    rows = URL_TABLE + HELD_OUT
    assert len(rows) == len({url for url, _, _ in rows})
    assert [_nb09_by_the_service(url) for url, _, _ in rows] == [s for _, s, _ in rows]


def test_nb09_q4_held_out_rows_catch_an_answer_fitted_to_the_table() -> None:
    from helpers.exercises.nb09 import URL_TABLE

    fitted = {url: safe for url, safe, _ in URL_TABLE}
    feedback = EXERCISES["nb09.q4"].evaluate(lambda url: fitted.get(url, True))
    assert feedback.status is Status.NOT_YET
    assert "'http://localhost\\\\x') returned True" in str(feedback), feedback


def test_nb09_q2_counts_pairs_and_accepts_a_counter() -> None:
    from collections import Counter

    from helpers.exercises.nb09 import md5_prefix

    def with_counter(urls: list[str], length: int) -> int:
        counts = Counter(md5_prefix(url, length) for url in urls)
        return sum(k * (k - 1) // 2 for k in counts.values())

    def every_pair(urls: list[str], length: int) -> int:
        codes = [md5_prefix(url, length) for url in urls]
        return sum(a == b for i, a in enumerate(codes) for b in codes[i + 1 :])

    for answer in (with_counter, every_pair):
        assert EXERCISES["nb09.q2"].evaluate(answer).status is Status.CORRECT
    wrong = EXERCISES["nb09.q2"].evaluate(EXERCISES["nb09.q2"].wrong[0])
    assert "for three URLs on one code (length 5), colliding_pairs returned 2" in str(wrong), wrong


def test_nb09_q2_three_urls_share_one_code() -> None:
    from helpers.exercises.nb09 import md5_prefix

    urls = [f"https://www.example.com/articles/{n}" for n in (92, 134, 655782)]
    assert {md5_prefix(url, 5) for url in urls} == {"8189b"}


def test_nb09_q4_reference_accepts_ordinary_names_the_service_accepts() -> None:
    """Underscores and '--' in the 3rd and 4th places are refused by IDNA, not by browsers."""
    for url in ("https://my_site.example.com/", "https://ab--c.example/"):
        assert _nb09_by_the_service(url)
        assert EXERCISES["nb09.q4"].reference(url), url


@pytest.mark.parametrize(("key", "case"), [("nb09.q1", "n=0, space=100"), ("nb09.q3", "'0'")])
def test_nb09_an_error_in_the_answer_names_the_case(key: str, case: str) -> None:
    feedback = EXERCISES[key].evaluate(lambda *arguments: {}[0])
    assert feedback.status is Status.NOT_YET
    assert f"for {case}, " in str(feedback) and "raised KeyError" in str(feedback), feedback


def test_nb09_q1_says_one_code_cannot_repeat() -> None:
    feedback = EXERCISES["nb09.q1"].evaluate(lambda n, space: n / space)
    assert "1 code cannot repeat, so the chance is 0" in str(feedback), feedback


NB09 = Path(__file__).resolve().parent.parent / "notebooks" / "09_shortener_design.ipynb"


def test_nb09_exercise_stubs_do_not_replace_the_notebooks_own_functions() -> None:
    """Re-running a cell above an exercise must still work once the exercise cell has run."""
    defined: set[str] = set()
    for cell in nbformat.read(NB09, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        names = set()
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
            for target in getattr(node, "targets", []):
                names |= {name.id for name in ast.walk(target) if isinstance(name, ast.Name)}
        if ".check(" in cell.source:
            assert not names & defined, f"an exercise stub redefines {names & defined}"
        defined |= names


def test_nb09_stores_no_widget_state() -> None:
    """The sliders are live in JupyterLab only; stored widget state would make the site fetch
    the widget renderer from a CDN. Save with
    `make execute NB="--ExecutePreprocessor.store_widget_state=False notebooks/09_...ipynb"`."""
    assert "widgets" not in nbformat.read(NB09, as_version=4).metadata


# --- Notebook 05: other correct answers its checks must accept, wrong ones and their reasons.


def _nb05_unframe_by_index(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Walks an index through the buffer instead of slicing it after every frame."""
    messages, start = [], 0
    while start + 4 <= len(buffer):
        (length,) = struct.unpack_from("!I", buffer, start)
        if start + 4 + length > len(buffer):
            break
        messages.append(buffer[start + 4 : start + 4 + length])
        start += 4 + length
    return messages, buffer[start:]


def test_nb05_q1_accepts_another_correct_unframe() -> None:
    feedback = EXERCISES["nb05.q1"].evaluate(_nb05_unframe_by_index)
    assert feedback.status is Status.CORRECT, feedback


def test_nb05_q1_names_the_buffer_that_made_an_answer_raise() -> None:
    feedback = EXERCISES["nb05.q1"].evaluate(lambda buffer: ([buffer[4:]], buffer[4]))
    assert feedback.status is Status.NOT_YET, feedback
    assert "for unframe(b''), your code raised IndexError" in feedback.message, feedback


def _nb05_lines_with_find(chunks: Any) -> Any:
    """Looks for each newline in a bytearray instead of splitting."""
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        while (end := pending.find(b"\n")) >= 0:
            yield bytes(pending[:end])
            del pending[: end + 1]


def _nb05_lines_with_partition(chunks: Any) -> Any:
    """Cuts one line at a time off the front with bytes.partition."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        while b"\n" in pending:
            line, _, pending = pending.partition(b"\n")
            yield line


@pytest.mark.parametrize("answer", [_nb05_lines_with_find, _nb05_lines_with_partition])
def test_nb05_q2_accepts_other_correct_readers(answer: Callable[..., Any]) -> None:
    feedback = EXERCISES["nb05.q2"].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


def _nb05_lines_after_joining(chunks: Any) -> list[bytes]:
    """The right lines, but only once every chunk has come: nothing until the peer is done."""
    *complete, _ = b"".join(chunks).split(b"\n")
    return complete


def _nb05_generator_that_reads_ahead(chunks: Any) -> Any:
    """A generator, so lazy at first sight, which still reads every chunk before its first line."""
    yield from _nb05_lines_after_joining(chunks)


@pytest.mark.parametrize("answer", [_nb05_lines_after_joining, _nb05_generator_that_reads_ahead])
def test_nb05_q2_wants_each_line_before_the_next_chunk(answer: Callable[..., Any]) -> None:
    feedback = EXERCISES["nb05.q2"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert "asked for the next chunk before it handed over b'a'" in feedback.message, feedback


def _nb05_lines_by_splitlines(chunks: Any) -> Any:
    """Splits with bytes.splitlines, which also ends a line at b'\\r' and drops it."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        if pending.endswith(b"\n"):
            yield from pending.splitlines()
            pending = b""


def _nb05_lines_rstripped(chunks: Any) -> Any:
    """Cuts off each line with its newline, then rstrip()s it: trailing spaces and b'\\r' go too."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        while (end := pending.find(b"\n")) >= 0:
            line, pending = pending[: end + 1], pending[end + 1 :]
            yield line.rstrip()


@pytest.mark.parametrize(
    ("answer", "case"),
    [
        (_nb05_lines_by_splitlines, "lines_from([b'x\\ry\\n']) gave [b'x', b'y']"),
        (_nb05_lines_rstripped, "lines_from([b'a \\r\\n']) gave [b'a']"),
    ],
)
def test_nb05_q2_keeps_every_byte_but_the_newline(answer: Callable[..., Any], case: str) -> None:
    feedback = EXERCISES["nb05.q2"].evaluate(answer)
    assert feedback.status is Status.NOT_YET, feedback
    assert case in feedback.message and "only it is removed" in feedback.message, feedback


def _nb05_request_with_select(address: Any, message: bytes, deadline: float = 2.0) -> bytes:
    """Waits with select() for what is left of the deadline, on a non-blocking socket."""
    import select
    import time

    give_up = time.monotonic() + deadline
    with socket.create_connection(address, timeout=deadline) as sock:
        sock.sendall(struct.pack("!I", len(message)) + message)
        sock.setblocking(False)
        data = bytearray()
        while len(data) < 4 or len(data) < 4 + struct.unpack_from("!I", data)[0]:
            left = give_up - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                raise TimeoutError("deadline passed")
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("the reply was cut short")
            data += chunk
        return bytes(data[4:])


def _nb05_request_into_a_buffer(address: Any, message: bytes, deadline: float = 2.0) -> bytes:
    """recv_into a buffer of the announced size, with what is left of the deadline each time;
    a short reply raises ConnectionAbortedError, one of ConnectionError's subclasses."""
    import time

    give_up = time.monotonic() + deadline

    def fill(sock: socket.socket, size: int) -> bytearray:
        buffer, got = bytearray(size), 0
        while got < size:
            left = give_up - time.monotonic()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
            more = sock.recv_into(memoryview(buffer)[got:])
            if not more:
                raise ConnectionAbortedError(f"the reply stopped after {got} bytes")
            got += more
        return buffer

    with socket.create_connection(address, timeout=deadline) as sock:
        sock.settimeout(max(give_up - time.monotonic(), 0.001))
        sock.sendall(struct.pack("!I", len(message)) + message)
        (length,) = struct.unpack("!I", fill(sock, 4))
        return bytes(fill(sock, length))


@pytest.mark.parametrize("answer", [_nb05_request_with_select, _nb05_request_into_a_buffer])
def test_nb05_q3_accepts_other_correct_clients(answer: Callable[..., bytes]) -> None:
    feedback = EXERCISES["nb05.q3"].evaluate(answer)
    assert feedback.status is Status.CORRECT, feedback


def test_nb05_q3_says_why_each_known_wrong_client_fails() -> None:
    from helpers.exercises import nb05

    reasons = {
        nb05._one_recv: "One recv returns whatever has arrived",
        nb05._no_timeout: "against a server that never answers",
        nb05._timeout_per_recv: "a timeout on each recv alone",
        nb05._clock_checked_between_recvs: "a recv that starts just before the deadline",
        nb05._keeps_what_came: "promises 20 bytes, sends 10 and closes",
        nb05._misspelled_error: "It raised NameError",
    }
    assert list(reasons) == list(nb05.q3.wrong)  # every known wrong answer, none judged twice
    for answer, reason in reasons.items():
        feedback = EXERCISES["nb05.q3"].evaluate(answer)
        assert feedback.status is Status.NOT_YET and reason in feedback.message, feedback


def test_nb05_q3_rejects_a_request_sent_without_its_prefix() -> None:
    def unframed(address: Any, message: bytes, deadline: float = 2.0) -> bytes:
        with socket.create_connection(address, timeout=deadline) as sock:
            sock.sendall(message)
            return sock.recv(65536)

    feedback = EXERCISES["nb05.q3"].evaluate(unframed)
    assert feedback.status is Status.NOT_YET, feedback


@pytest.mark.parametrize(
    ("seconds", "reason"),
    [
        (1.3, "deadline=0.5) raised TimeoutError only after 1.3 s"),
        (0.6, "deadline=1.0) raised TimeoutError after only 0.6 s, before its deadline"),
    ],
)
def test_nb05_q3_rejects_a_client_that_ignores_its_deadline(seconds: float, reason: str) -> None:
    """A right client that keeps to a fixed time instead of the deadline it is given."""
    from helpers.exercises import nb05

    def fixed_time(address: Any, message: bytes, deadline: float = 2.0) -> bytes:
        return nb05.request(address, message, seconds)

    feedback = EXERCISES["nb05.q3"].evaluate(fixed_time)
    assert feedback.status is Status.NOT_YET and reason in feedback.message, feedback


NB05 = Path(__file__).resolve().parent.parent / "notebooks" / "05_sockets.ipynb"


def test_nb05_stores_no_widget_state() -> None:
    """The size control is live in JupyterLab only; stored widget state would make the site fetch
    the widget renderer from a CDN. Save with `make execute
    NB="--ExecutePreprocessor.store_widget_state=False notebooks/05_sockets.ipynb"`."""
    assert "widgets" not in nbformat.read(NB05, as_version=4).metadata

"""Exercises of notebook 01, Compiled or interpreted?"""

from __future__ import annotations

import dis
import importlib.util
import itertools
import os
import py_compile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers.exercises import Exercise, NotYet, answer_of, require

# The message of the stubs the notebook hands out: `raise NotImplementedError("your code here")`.
STUB_MESSAGES = ("", "your code here")


def _attempt(case: str, candidate: Callable[..., Any], *arguments: Any, advice: str = "") -> Any:
    """`answer_of(case, candidate, *arguments)`, except for a NotImplementedError with a message of
    the learner's own (a toy VM's "does not know UNARY_NEGATIVE"): that is a wrong answer, since
    only the stub's message, or none, means that the exercise was not attempted yet."""
    try:
        return answer_of(case, candidate, *arguments, advice=advice)
    except NotImplementedError as error:
        if str(error) in STUB_MESSAGES:
            raise
        raise NotYet(
            f"for {case}, your code raised NotImplementedError: {error}. It has to handle every "
            "case the check tries (only the stub's NotImplementedError means not attempted)."
            f"{advice}"
        ) from error


# --- q1: the names a snippet reads -------------------------------------------------------------


def loads_names(source: str) -> list[str]:
    names = []
    for instruction in dis.get_instructions(compile(source, "<snippet>", "exec")):
        if instruction.opname == "LOAD_NAME" and instruction.argval not in names:
            names.append(instruction.argval)
    return names


# Each snippet, and the names it reads in the order it first reads them.
SNIPPETS = [
    ("total = price * count", ["price", "count"]),
    ("print(len(words))", ["print", "len", "words"]),
    ("x = 1\ny = x + x\nprint(y)", ["x", "print", "y"]),
    ("import math\nroot = math.sqrt(area)", ["math", "area"]),
    ("counter += 1", ["counter"]),
    ("answer = 42", []),
]


def _check_loads_names(candidate: Callable[[str], list[str]]) -> None:
    require(callable(candidate), "the answer should be a function that takes source text.")
    for source, expected in SNIPPETS:
        shown = repr(source)
        got = _attempt(f"loads_names({shown})", candidate, source)
        require(isinstance(got, list), f"loads_names({shown}) returned {got!r}, not a list.")
        strangers = [name for name in got if name not in expected]
        require(
            not strangers,
            f"loads_names({shown}) includes {', '.join(map(repr, strangers))}, which the snippet "
            "never reads as a name (it stores it, uses it as an attribute or does not mention it). "
            "Keep only LOAD_NAME instructions.",
        )
        require(
            len(got) == len(set(got)),
            f"loads_names({shown}) returned {got!r}: list each name only once.",
        )
        missing = len(set(expected) - set(got))
        require(
            not missing,
            f"loads_names({shown}) returned {got!r}, which leaves out {missing} name(s) the "
            "snippet reads. Look at every instruction, not only the first or the last few.",
        )
        require(
            got == expected,
            f"loads_names({shown}) returned {got!r}: right names, but list them in the order the "
            "bytecode first reads them.",
        )


q1 = Exercise(
    "loads_names finds the names a snippet reads",
    _check_loads_names,
    hints=[
        "compile(source, '<snippet>', 'exec') gives a code object; "
        "dis.get_instructions(code) gives its instructions one by one.",
        "At module level, reading a name is the instruction LOAD_NAME; its `argval` is the name. "
        "Storing is STORE_NAME, which you skip.",
        "Collect the names in a list and append a name only if it is not in the list yet.",
        "code.co_names is not enough: it also lists the names the code stores and attribute names.",
    ],
    solution=loads_names,
    wrong=[
        lambda source: list(compile(source, "<snippet>", "exec").co_names),
        lambda source: [
            i.argval
            for i in dis.get_instructions(compile(source, "<s>", "exec"))
            if i.opname == "LOAD_NAME"
        ],
        lambda source: sorted(set(loads_names(source))),
    ],
)

# --- q2: how deep the VM's stack gets ---------------------------------------------------------


def stack_depths(expression: str) -> list[int]:
    depths = []
    depth = 0
    for instruction in dis.get_instructions(compile(expression, "<expression>", "eval")):
        if instruction.opname == "RESUME":
            continue
        depth += dis.stack_effect(instruction.opcode, instruction.arg)
        depths.append(depth)
    return depths


# Each expression, and the stack depth after each of its instructions (RESUME skipped), worked out
# by hand from the stack-machine rules: a load pushes one value, a binary operator pops two and
# pushes one, a unary operator pops one and pushes one, RETURN_VALUE pops the result.
EXPRESSIONS = [
    ("a + 2 * a", [1, 2, 3, 2, 1, 0]),
    ("a + b + c + d", [1, 2, 1, 2, 1, 2, 1, 0]),
    ("a + (b + (c + d))", [1, 2, 3, 4, 3, 2, 1, 0]),
    ("-a * b", [1, 1, 2, 1, 0]),
    ("-a * (b - c)", [1, 1, 2, 3, 2, 1, 0]),
    ("-2 * a", [1, 2, 1, 0]),  # the compiler folds -2 into one constant: no UNARY_NEGATIVE
    ("(a - b) * (c / d)", [1, 2, 1, 2, 3, 2, 1, 0]),
    ("x", [1, 0]),
]


def _check_stack_depths(candidate: Callable[[str], list[int]]) -> None:
    require(callable(candidate), "the answer should be a function that takes an expression.")
    for expression, expected in EXPRESSIONS:
        shown = repr(expression)
        got = _attempt(f"stack_depths({shown})", candidate, expression)
        require(isinstance(got, list), f"stack_depths({shown}) returned {got!r}, not a list.")
        require(
            len(got) == len(expected),
            f"stack_depths({shown}) returned {len(got)} depths, {got!r}, for its {len(expected)} "
            "instructions: one depth per instruction, RESUME left out.",
        )
        require(
            got[0] == expected[0],
            f"stack_depths({shown}) returned {got!r}: the first instruction pushes a value, so "
            "the first depth is 1. Count the depth *after* each instruction, not before it.",
        )
        require(
            any(later < earlier for earlier, later in itertools.pairwise(got)),
            f"stack_depths({shown}) returned {got!r}, a depth that never goes down: an operator "
            "pops its operands and pushes one result, and RETURN_VALUE pops the result.",
        )
        if got != expected:
            instructions = [
                i
                for i in dis.get_instructions(compile(expression, "<expression>", "eval"))
                if i.opname != "RESUME"
            ]
            wrong = next(
                n
                for n, (mine, right) in enumerate(zip(got, expected, strict=True))
                if mine != right
            )
            where = " ".join(
                filter(None, (instructions[wrong].opname, instructions[wrong].argrepr))
            )
            raise NotYet(
                f"stack_depths({shown}) returned {got!r}: after {where} (instruction "
                f"{wrong + 1}) your depth is {got[wrong]!r}, which is not what the stack holds "
                "there. Work out how many values that instruction pops and how many it pushes."
            )


def _depths_before_each_instruction(expression: str) -> list[int]:
    """Wrong on purpose: the depth before each instruction, not after it."""
    return [0, *stack_depths(expression)[:-1]]


def _depths_counting_resume(expression: str) -> list[int]:
    """Wrong on purpose: RESUME is counted, as a first depth of 0."""
    return [0, *stack_depths(expression)]


def _depths_counting_loads(expression: str) -> list[int]:
    """Wrong on purpose: counts the values pushed and forgets that operators pop them."""
    depths = []
    pushed = 0
    for instruction in dis.get_instructions(compile(expression, "<expression>", "eval")):
        if instruction.opname == "RESUME":
            continue
        pushed += instruction.opname.startswith("LOAD")
        depths.append(pushed)
    return depths


q2 = Exercise(
    "stack_depths follows the VM's stack through an expression",
    _check_stack_depths,
    hints=[
        "compile(expression, '<expression>', 'eval') gives a code object, and "
        "dis.get_instructions(code) its instructions; skip the one named RESUME.",
        "Keep a running depth that starts at 0, change it at each instruction, and append it to "
        "a list after the change.",
        "dis.stack_effect(instruction.opcode, instruction.arg) is how much an instruction changes "
        "the depth. Or by hand: LOAD_NAME and LOAD_CONST add 1, BINARY_OP takes 1 (pops two, "
        "pushes one), UNARY_NEGATIVE 0, RETURN_VALUE takes 1.",
    ],
    solution=stack_depths,
    wrong=[
        _depths_before_each_instruction,
        _depths_counting_resume,
        _depths_counting_loads,
        lambda expression: stack_depths(expression)[:-1],
    ],
)

# --- q3: would the next import reuse the cache? ------------------------------------------------


def cache_is_fresh(source_path: str | os.PathLike[str]) -> bool:
    source = Path(source_path)
    pyc = Path(importlib.util.cache_from_source(str(source)))
    if not pyc.exists():
        return False
    header = pyc.read_bytes()[:16]
    recorded_mtime = int.from_bytes(header[8:12], "little")
    recorded_size = int.from_bytes(header[12:16], "little")
    stat = source.stat()
    return (
        header[:4] == importlib.util.MAGIC_NUMBER
        and recorded_mtime == int(stat.st_mtime)
        and recorded_size == stat.st_size
    )


def _compile_in_place(source: Path) -> Path:
    """Write the .pyc that an import of `source` would write, checked by time and size."""
    mode = py_compile.PycInvalidationMode.TIMESTAMP
    written = py_compile.compile(str(source), invalidation_mode=mode, doraise=True)
    if written is None:  # only possible with doraise=False; kept for the type checker
        raise RuntimeError(f"could not compile {source}")
    return Path(written)


def _ask(
    candidate: Callable[[Path], bool], source: Path, situation: str, expected: bool, why: str
) -> None:
    got = _attempt(
        situation,
        candidate,
        source,
        advice=" cache_is_fresh must return True or False in every situation, a source with no"
        " .pyc included.",
    )
    require(
        isinstance(got, bool),
        f"for {situation}, cache_is_fresh returned {got!r}; return True or False.",
    )
    require(
        got == expected, f"for {situation}, cache_is_fresh returned {got}, not {expected}: {why}"
    )


def _check_cache_is_fresh(candidate: Callable[[Path], bool]) -> None:
    require(callable(candidate), "the answer should be a function that takes a path.")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "greeting.py"
        source.write_text("GREETING = 'hello'\n")
        # Twenty seconds ago, to the second: st_mtime has no fraction, so only the reading of the
        # header can go wrong here.
        whole = (int(source.stat().st_mtime) - 20) * 10**9
        os.utime(source, ns=(whole, whole))
        pyc = _compile_in_place(source)
        _ask(
            candidate,
            source,
            "a module just compiled, its time a whole number of seconds",
            True,
            "the next import would reuse this .pyc. Read each header field as a little-endian "
            "unsigned number of 4 bytes: the time is bytes 8-11, the size bytes 12-15.",
        )

        # Ten seconds ago and 0.7: a time with a fraction that rounding (or math.ceil) would turn
        # into the next second, older than the .pyc written next.
        with_fraction = (int(source.stat().st_mtime) + 10) * 10**9 + 700_000_000
        os.utime(source, ns=(with_fraction, with_fraction))
        _compile_in_place(source)
        _ask(
            candidate,
            source,
            "a module just compiled, its time 0.7 s past a whole second",
            True,
            "the next import would reuse this .pyc. The header keeps the time in whole seconds, "
            "the fraction cut off, while st_mtime is a float that keeps it.",
        )

        never_compiled = Path(folder) / "other.py"
        never_compiled.write_text("OTHER = 1\n")
        _ask(
            candidate,
            never_compiled,
            "a module that has no .pyc",
            False,
            "with no .pyc there is nothing to reuse.",
        )

        mtime = int(source.stat().st_mtime)
        os.utime(source, (mtime + 60, mtime + 60))
        _ask(
            candidate,
            source,
            "a source saved again later, with the same size",
            False,
            "the time recorded in the .pyc is no longer the source's time.",
        )

        _compile_in_place(source)
        source.write_text("GREETING = 'hello, world'\n")
        os.utime(source, (mtime + 60, mtime + 60))
        _ask(
            candidate,
            source,
            "a source edited to another size, with the same time",
            False,
            "the size recorded in the .pyc is no longer the source's size.",
        )

        _compile_in_place(source)
        os.utime(source, (mtime - 3600, mtime - 3600))
        _ask(
            candidate,
            source,
            "a source whose time moved back an hour (a backup restored with `tar` or "
            "`rsync -a`), with the same size",
            False,
            "Python does not ask which file is newer; it asks whether the recorded time is the "
            "source's time, and here it is not.",
        )

        _compile_in_place(source)
        pyc.write_bytes(b"\x00\x00\r\n" + pyc.read_bytes()[4:])
        _ask(
            candidate,
            source,
            "a .pyc written by another Python version",
            False,
            "its magic number is not this Python's.",
        )


def _fresh_if_cache_is_newer(source_path: str | os.PathLike[str]) -> bool:
    """Wrong on purpose: the rule of `make` (the .pyc is newer than the source), not Python's."""
    pyc = Path(importlib.util.cache_from_source(os.fspath(source_path)))
    return pyc.exists() and pyc.stat().st_mtime >= Path(source_path).stat().st_mtime


def _recorded(source_path: str | os.PathLike[str]) -> tuple[bytes, int, int] | None:
    """The magic number, time and size a source's .pyc records; None if it has no .pyc."""
    pyc = Path(importlib.util.cache_from_source(os.fspath(source_path)))
    if not pyc.exists():
        return None
    header = pyc.read_bytes()[:16]
    return header[:4], int.from_bytes(header[8:12], "little"), int.from_bytes(header[12:], "little")


def _fresh_if_recorded_time_is_not_older(source_path: str | os.PathLike[str]) -> bool:
    """Wrong on purpose: accepts a recorded time later than the source's, not only the same."""
    stat, recorded = Path(source_path).stat(), _recorded(source_path)
    if recorded is None:
        return False
    magic, mtime, size = recorded
    return (
        magic == importlib.util.MAGIC_NUMBER
        and mtime >= int(stat.st_mtime)
        and size == stat.st_size
    )


def _fresh_if_recorded_time_equals_the_float(source_path: str | os.PathLike[str]) -> bool:
    """Wrong on purpose: compares the whole seconds of the header with the float st_mtime."""
    stat = Path(source_path).stat()
    return _recorded(source_path) == (importlib.util.MAGIC_NUMBER, stat.st_mtime, stat.st_size)


q3 = Exercise(
    "cache_is_fresh predicts whether an import reuses the .pyc",
    _check_cache_is_fresh,
    hints=[
        "Find the .pyc with importlib.util.cache_from_source(str(source_path)); if it does not "
        "exist, the answer is False.",
        "Read its first 16 bytes. Bytes 0-3 must equal importlib.util.MAGIC_NUMBER.",
        "Bytes 8-11 hold the source's modification time and 12-15 its size, each a little-endian "
        "unsigned number: int.from_bytes(..., 'little') reads one. Path(source_path).stat() "
        "gives the source's own, and the header keeps whole seconds only.",
    ],
    solution=cache_is_fresh,
    wrong=[
        lambda path: Path(importlib.util.cache_from_source(str(path))).exists(),
        lambda path: (
            Path(importlib.util.cache_from_source(str(path))).exists()
            and Path(importlib.util.cache_from_source(str(path))).read_bytes()[:4]
            == importlib.util.MAGIC_NUMBER
        ),
        _fresh_if_cache_is_newer,
        _fresh_if_recorded_time_is_not_older,
        _fresh_if_recorded_time_equals_the_float,
    ],
)

# --- q4: what the VM runs after a warm-up -------------------------------------------------------


def warmed_name(function: Callable[..., object], arguments: tuple[object, ...], times: int) -> str:
    for _ in range(times):
        function(*arguments)
    compiled = dis.get_instructions(function)
    live = dis.get_instructions(function, adaptive=True)
    for before, now in zip(compiled, live, strict=True):
        if before.opname == "BINARY_OP":
            return now.opname
    raise ValueError("the function has no BINARY_OP instruction")


def _fresh_add() -> Callable[[object, object], object]:
    """A new `add` with a code object of its own, so that no earlier warm-up is left in it."""
    namespace: dict[str, Any] = {}
    exec(compile("def add(a, b):\n    return a + b\n", "<q4>", "exec"), namespace)
    return namespace["add"]


# Each situation: the calls that warm a fresh `add` up beforehand, then the question asked.
WARM_UPS: list[tuple[str, list[tuple[tuple[object, ...], int]], tuple[object, ...], int]] = [
    # Counts near where the VM first specialises (after 2 calls on 3.12 and 3.13, 8 on 3.11), so
    # that calling one time too few or too many gives another name on every version.
    *(
        (f"a fresh add, called {n} time{'s' * (n > 1)} with two ints", [], (1, 2), n)
        for n in (1, 2, 7, 8)
    ),
    ("a fresh add, called 100 times with two floats", [], (1.5, 2.5), 100),
    ("a fresh add, called 100 times with two strings", [], ("py", "thon"), 100),
    ("a fresh add, called 100 times with an int and a float", [], (1, 2.5), 100),
    ("an add warmed up on ints, then called once with strings", [((1, 2), 100)], ("a", "b"), 1),
    (
        "an add warmed up on ints, then called 200 times with strings",
        [((1, 2), 100)],
        ("a", "b"),
        200,
    ),
]


def _check_warmed_name(candidate: Callable[..., str]) -> None:
    require(callable(candidate), "the answer should be a function of (function, arguments, times).")
    for situation, history, arguments, times in WARM_UPS:
        learner, twin = _fresh_add(), _fresh_add()
        for earlier, count in history:
            for _ in range(count):
                learner(*earlier)
                twin(*earlier)
        got = _attempt(situation, candidate, learner, arguments, times)
        expected = warmed_name(twin, arguments, times)
        require(isinstance(got, str), f"for {situation}, warmed_name returned {got!r}, not a str.")
        require(
            got != "BINARY_OP" or expected == "BINARY_OP",
            f"for {situation}, warmed_name returned 'BINARY_OP', the name the compiler wrote, but "
            "by then the VM runs another. Call the function exactly `times` times first, then ask "
            "dis for the live instructions.",
        )
        require(
            got == expected,
            f"for {situation}, warmed_name returned {got!r}, which is not what the VM runs there "
            "now. Call the function exactly `times` times, and read the live name of the "
            "instruction at the place where the compiler wrote BINARY_OP.",
        )


def _warmed_name_ignoring_times(
    function: Callable[..., object], arguments: tuple[object, ...], times: int
) -> str:
    """Wrong on purpose: always warms up 100 times, so one miss looks like a new bet."""
    return warmed_name(function, arguments, 100)


def _warmed_name_found_by_its_compiled_name(
    function: Callable[..., object], arguments: tuple[object, ...], times: int
) -> str | None:
    """Wrong on purpose: looks for the name BINARY_OP in the live listing, where it has changed."""
    for _ in range(times):
        function(*arguments)
    live = dis.get_instructions(function, adaptive=True)
    return next((i.opname for i in live if i.opname == "BINARY_OP"), None)


q4 = Exercise(
    "warmed_name reads the bet the VM made",
    _check_warmed_name,
    hints=[
        "First the warm-up: a for loop that calls function(*arguments), `times` times.",
        "dis.get_instructions(function) gives the instructions the compiler wrote, and "
        "dis.get_instructions(function, adaptive=True) the ones the VM runs now, in the same "
        "order.",
        "zip the two lists: where the compiled instruction is BINARY_OP, the live one's opname "
        "is the answer. The function live_names of section 8 does nearly this.",
    ],
    solution=warmed_name,
    wrong=[
        lambda function, arguments, times: "BINARY_OP",
        lambda function, arguments, times: [warmed_name(function, arguments, times)],
        _warmed_name_ignoring_times,
        _warmed_name_found_by_its_compiled_name,
    ],
)

"""Exercises of notebook 01, Compiled or interpreted?"""

from __future__ import annotations

import dis
import importlib.util
import os
import py_compile
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from helpers.exercises import Exercise, require

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
        got = candidate(source)
        shown = repr(source)
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
        require(
            sorted(got) == sorted(expected),
            f"loads_names({shown}) returned {got!r}; the snippet reads {expected!r}.",
        )
        require(
            got == expected,
            f"loads_names({shown}) returned {got!r}: right names, but list them in the order the "
            f"bytecode first reads them, {expected!r}.",
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

# --- q2: the file name of a module's cache -----------------------------------------------------


def pyc_name(module: str) -> str:
    return Path(importlib.util.cache_from_source(f"{module}.py")).name


def _expected_pyc_name(module: str) -> str:
    """Spelt out by hand, to check the learner's answer independently of cache_from_source."""
    optimisation = f".opt-{sys.flags.optimize}" if sys.flags.optimize else ""
    return f"{module}.{sys.implementation.cache_tag}{optimisation}.pyc"


def _check_pyc_name(candidate: Callable[[str], str]) -> None:
    require(callable(candidate), "the answer should be a function that takes a module name.")
    for module in ("greeting", "main", "url_shortener"):
        got = candidate(module)
        expected = _expected_pyc_name(module)
        require(isinstance(got, str), f"pyc_name({module!r}) returned {got!r}, not a string.")
        require(
            "/" not in got and "\\" not in got,
            f"pyc_name({module!r}) returned {got!r}: only the file name, without its folder "
            "(pathlib.Path(path).name drops the folder).",
        )
        require(
            sys.implementation.cache_tag in got,
            f"pyc_name({module!r}) returned {got!r}, which lacks this Python's cache tag "
            f"{sys.implementation.cache_tag!r}.",
        )
        require(got == expected, f"pyc_name({module!r}) returned {got!r}; expected {expected!r}.")


q2 = Exercise(
    "pyc_name names the cache file of a module",
    _check_pyc_name,
    hints=[
        "importlib.util.cache_from_source('greeting.py') returns the path of its .pyc.",
        "pathlib.Path(some_path).name is the last part of a path: the file name alone.",
    ],
    solution=pyc_name,
    wrong=[
        lambda module: f"{module}.pyc",
        lambda module: importlib.util.cache_from_source(f"{module}.py"),
        lambda module: f"{module}.cpython-37.pyc",
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


def _ask(candidate: Callable[[Path], bool], source: Path, situation: str, expected: bool) -> None:
    got = candidate(source)
    require(
        isinstance(got, bool),
        f"for {situation}, cache_is_fresh returned {got!r}; return True or False.",
    )
    require(got == expected, f"for {situation}, cache_is_fresh returned {got}, not {expected}.")


def _check_cache_is_fresh(candidate: Callable[[Path], bool]) -> None:
    require(callable(candidate), "the answer should be a function that takes a path.")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "greeting.py"
        source.write_text("GREETING = 'hello'\n")
        pyc = _compile_in_place(source)
        _ask(candidate, source, "a module just compiled", True)

        never_compiled = Path(folder) / "other.py"
        never_compiled.write_text("OTHER = 1\n")
        _ask(candidate, never_compiled, "a module that has no .pyc", False)

        mtime = int(source.stat().st_mtime)
        os.utime(source, (mtime + 60, mtime + 60))
        _ask(candidate, source, "a source saved again later, with the same size", False)

        _compile_in_place(source)
        source.write_text("GREETING = 'hello, world'\n")
        os.utime(source, (mtime + 60, mtime + 60))
        _ask(candidate, source, "a source edited to another size, with the same time", False)

        _compile_in_place(source)
        pyc.write_bytes(b"\x00\x00\r\n" + pyc.read_bytes()[4:])
        _ask(candidate, source, "a .pyc written by another Python version", False)


q3 = Exercise(
    "cache_is_fresh predicts whether an import reuses the .pyc",
    _check_cache_is_fresh,
    hints=[
        "Find the .pyc with importlib.util.cache_from_source(str(source_path)); if it does not "
        "exist, the answer is False.",
        "Read its first 16 bytes. Bytes 0-3 must equal importlib.util.MAGIC_NUMBER.",
        "Bytes 8-11 and 12-15 are the source's time and size: "
        "int.from_bytes(header[8:12], 'little'). Compare them with int(stat.st_mtime) and "
        "stat.st_size from Path(source_path).stat().",
    ],
    solution=cache_is_fresh,
    wrong=[
        lambda path: Path(importlib.util.cache_from_source(str(path))).exists(),
        lambda path: (
            Path(importlib.util.cache_from_source(str(path))).exists()
            and Path(importlib.util.cache_from_source(str(path))).read_bytes()[:4]
            == importlib.util.MAGIC_NUMBER
        ),
    ],
)

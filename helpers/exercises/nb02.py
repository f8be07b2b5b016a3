"""Exercises of notebook 02, Everything is an object."""

from __future__ import annotations

import inspect
import itertools
import types
from collections.abc import Callable
from typing import Any

from helpers.exercises import Exercise, NotYet, answer_of, require


def _names(names: list[str]) -> str:
    """`a`, `b` and `c`."""
    quoted = [f"`{name}`" for name in names]
    return " and ".join(filter(None, [", ".join(quoted[:-1]), *quoted[-1:]]))


# --- q1: a counter that remembers its count in a closure ---------------------------------------


# The reference solutions carry no annotations: `q1.solution()` prints them for pasting into a
# notebook that imports no typing names.
def make_counter():
    count = 0

    def counter():
        nonlocal count
        count += 1
        return count

    return counter


def _attributes(function: object) -> dict[str, tuple[object, str]]:
    """Each attribute in the function's __dict__, with its repr: a change shows in one or the other
    (a new object bound, or a list changed in place)."""
    return {name: (value, repr(value)) for name, value in vars(function).items()}


def _fingerprint(value: object, depth: int = 2) -> tuple[object, ...]:
    """What shows a change of `value`: its identity and repr and, `depth` levels down, what a
    generator's locals, a function's cells, a bound method's `__self__` or the object's own
    attributes hold."""
    try:
        shown = repr(value)
    except Exception:  # a learner's object whose repr fails still has an identity
        shown = "<no repr>"
    inner: list[object] = []
    names: tuple[str, ...] = ()
    if depth:
        if inspect.isgenerator(value):
            inner = list(inspect.getgeneratorlocals(value).values())
        elif isinstance(value, types.FunctionType):
            inner = [_cell_value(cell) for cell in value.__closure__ or ()]
        elif hasattr(value, "__self__"):
            inner = [value.__self__]
        own = _own_attributes(value)
        names = tuple(own)
        inner.extend(own.values())
    return (id(value), shown, names, *(_fingerprint(item, depth - 1) for item in inner))


def _own_attributes(value: object) -> dict[str, object]:
    """The attributes an object keeps itself, in its __dict__ or its __slots__: a counter may keep
    its count in an attribute of an object its closure holds (`state.count += 1`). A module's
    attributes are its globals, so a module has none here."""
    if isinstance(value, types.ModuleType):
        return {}
    try:
        found = dict(vars(value))
    except Exception:  # no __dict__ (TypeError), or a learner's object that refuses to show it
        found = {}
    try:
        for cls in type(value).__mro__:
            slots = cls.__dict__.get("__slots__", ())
            for name in (slots,) if isinstance(slots, str) else slots:
                if name not in ("__dict__", "__weakref__") and hasattr(value, name):
                    found[name] = getattr(value, name)
    except Exception:  # a learner's class with odd __slots__ or attributes: keep what was found
        pass
    return found


def _cell_value(cell: Any) -> object:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell: a variable not assigned yet
        return None


def _cells(function: Any) -> dict[str, tuple[object, ...]]:
    """Each free variable of the function, with a fingerprint of what its cell holds."""
    names = function.__code__.co_freevars
    return {
        name: _fingerprint(_cell_value(cell))
        for name, cell in zip(names, function.__closure__ or (), strict=False)
    }


def _defaults(function: Any) -> dict[str, tuple[object, ...]]:
    """Each default value of the function, by position or keyword, with its fingerprint."""
    found = {f"default {i}": _fingerprint(v) for i, v in enumerate(function.__defaults__ or ())}
    found.update((name, _fingerprint(v)) for name, v in (function.__kwdefaults__ or {}).items())
    return found


def _check_make_counter(candidate: Callable[[], Callable[[], int]]) -> None:
    require(callable(candidate), "the answer should be a function that makes counters.")
    first = candidate()
    require(callable(first), f"make_counter() returned {first!r}; it should return a function.")
    attributes_before = _attributes(first) if hasattr(first, "__dict__") else {}
    is_function = isinstance(first, types.FunctionType)
    cells_before = _cells(first) if is_function else {}
    defaults_before = _defaults(first) if is_function else {}
    try:
        counts = [first(), first(), first()]
    except UnboundLocalError as error:
        raise NotYet(
            f"calling a counter raised UnboundLocalError: {error}. Assigning to a name inside "
            "the counter makes it a local of the counter (q1.hint(3) says how to avoid that)."
        ) from error
    require(
        counts == [1, 2, 3],
        f"three calls of a new counter returned {counts}; they should return [1, 2, 3].",
    )
    second = candidate()
    started_at = second()
    require(
        started_at == 1,
        f"a second counter started at {started_at!r}, not 1: do the two counters share one "
        "count? Each call of make_counter() needs a count of its own.",
    )
    fourth = first()
    require(
        fourth == 4,
        f"the first counter went on with {fourth!r}, not 4, after the second one was used: "
        "the counters must not share their count.",
    )
    # What is left is where each counter keeps its own count. Counting must change what the
    # closure's cells hold (an int rebound with `nonlocal`, a list or a dict changed in place, an
    # iterator advanced, an attribute of an object set), and leave the function's defaults and
    # attributes alone. So a closure over some other variable does not make right a count kept
    # in a mutable default or in an attribute of the counter; nor one kept in a global, as long
    # as counting changes nothing the cells hold (a closure over a list it also appends to,
    # beside a count in a global dict, would pass: the checker sees changes, not where the count
    # is). Attributes that counting leaves alone (functools.wraps's __wrapped__, a `reset`
    # helper) are fine.
    require(
        is_function and bool(first.__closure__),
        "the counter counts, but it is no closure (it has no __closure__ cells): keep the count in "
        "a variable of make_counter that the inner function uses.",
    )
    attributes_after = _attributes(first) if hasattr(first, "__dict__") else {}
    changed = sorted(
        name
        for name in attributes_before.keys() | attributes_after.keys()
        if name not in attributes_before
        or name not in attributes_after
        or attributes_before[name][0] is not attributes_after[name][0]
        or attributes_before[name][1] != attributes_after[name][1]
    )
    require(
        not changed,
        f"counting changed the counter's {'attribute' if len(changed) == 1 else 'attributes'} "
        f"{_names(changed)}: that keeps the count in "
        "the function's __dict__, not in a variable of make_counter.",
    )
    defaults_after = _defaults(first)
    moved = [name for name in defaults_before if defaults_after.get(name) != defaults_before[name]]
    require(
        not moved and defaults_after.keys() == defaults_before.keys(),
        "counting changed the counter's default values (__defaults__ or __kwdefaults__): that "
        "keeps the count in a default, made once when the def ran, not in a variable of "
        "make_counter that the counter's cells share.",
    )
    cells_after = _cells(first)
    require(
        cells_after != cells_before,
        f"the counter is a closure over {_names(sorted(cells_before))}, but counting changed "
        "nothing those cells hold: the count lives somewhere else (a global, say). Keep it in a "
        "variable of make_counter that the counter changes.",
    )


_shared_count = [0]


def _make_shared_counter() -> Callable[[], int]:
    """Wrong on purpose: every counter shares one module-level count."""

    def counter() -> int:
        _shared_count[0] += 1
        return _shared_count[0]

    return counter


def _make_counter_from_zero() -> Callable[[], int]:
    """Wrong on purpose: returns the count before adding one."""
    count = 0

    def counter() -> int:
        nonlocal count
        count += 1
        return count - 1

    return counter


def _make_counter_in_a_default() -> Callable[[], int]:
    """Wrong on purpose: a fresh default list per counter counts, but it is no closure."""

    def counter(count: list[int] = [0]) -> int:  # noqa: B006 (the mutable default is the point)
        count[0] += 1
        return count[0]

    return counter


def _make_counter_in_a_default_beside_a_closure() -> Callable[[], int]:
    """Wrong on purpose: a closure over `step`, which never changes; the count itself is in a
    mutable default."""
    step = 1

    def counter(count: list[int] = [0]) -> int:  # noqa: B006 (the mutable default is the point)
        count[0] += step
        return count[0]

    return counter


_counts_by_key: dict[object, int] = {}


def _make_counter_in_a_global_dict() -> Callable[[], int]:
    """Wrong on purpose: independent counts, kept in a module-level dict; the closure holds only
    the key."""
    key = object()

    def counter() -> int:
        _counts_by_key[key] = _counts_by_key.get(key, 0) + 1
        return _counts_by_key[key]

    return counter


def _make_counter_in_an_attribute() -> Callable[[], int]:
    """Wrong on purpose: the count is an attribute of the function; the closure holds only the
    function itself."""

    def counter() -> int:
        counter.count += 1  # type: ignore[attr-defined]
        return counter.count  # type: ignore[attr-defined]

    counter.count = 0  # type: ignore[attr-defined]
    return counter


def _make_counter_in_an_attribute_list() -> Callable[[], int]:
    """Wrong on purpose: the count is in a list, an attribute of the function, changed in place."""

    def counter() -> int:
        counter.state[0] += 1  # type: ignore[attr-defined]
        return counter.state[0]  # type: ignore[attr-defined]

    counter.state = [0]  # type: ignore[attr-defined]
    return counter


q1 = Exercise(
    "make_counter makes independent counters that live in closures",
    _check_make_counter,
    hints=[
        "Each call of make_counter() must start a count of its own, so the count is a local "
        "variable of make_counter. The function it returns is defined inside make_counter and "
        "uses that variable.",
        "make_counter returns the inner function itself, not the result of calling it.",
        "`count += 1` binds `count`, which makes it a local variable of the inner function "
        "(hence UnboundLocalError), unless the inner function first declares `nonlocal count`.",
    ],
    solution=make_counter,
    wrong=[
        _make_shared_counter,
        _make_counter_from_zero,
        lambda: itertools.count(1).__next__,
        _make_counter_in_a_default,
        _make_counter_in_a_default_beside_a_closure,
        _make_counter_in_a_global_dict,
        _make_counter_in_an_attribute,
        _make_counter_in_an_attribute_list,
    ],
)

# --- q2: the default values of a function's parameters ----------------------------------------


def defaults_of(function):
    code = function.__code__
    positional = code.co_varnames[: code.co_argcount]
    defaults = function.__defaults__ or ()
    found = dict(zip(positional[len(positional) - len(defaults) :], defaults, strict=True))
    found.update(function.__kwdefaults__ or {})
    return found


def _no_defaults(a, b):
    return a, b


def _greet(name, greeting="Hello", *, punctuation="!"):
    return f"{greeting}, {name}{punctuation}"


def _connect(host, port=80, timeout=5.0, *hosts, retries=3, verbose, **options):
    return host, port, timeout, hosts, retries, verbose, options


def _positional_only(a, b=2, /, c=3):
    return a, b, c


def _only_keyword_defaults(*, flag=False, level):
    return flag, level


# Each function's signature, the function, and the defaults that `defaults_of` must find for it.
DEFAULTS_CASES: list[tuple[str, Callable[..., Any], dict[str, Any]]] = [
    (
        "greet(name, greeting='Hello', *, punctuation='!')",
        _greet,
        {"greeting": "Hello", "punctuation": "!"},
    ),
    ("no_defaults(a, b)", _no_defaults, {}),
    (
        "connect(host, port=80, timeout=5.0, *hosts, retries=3, verbose, **options)",
        _connect,
        {"port": 80, "timeout": 5.0, "retries": 3},
    ),
    ("positional_only(a, b=2, /, c=3)", _positional_only, {"b": 2, "c": 3}),
    ("only_keyword_defaults(*, flag=False, level)", _only_keyword_defaults, {"flag": False}),
    ("lambda x=None: x", lambda x=None: x, {"x": None}),
]


def _copy_of(function: Any) -> Any:
    """A new function object with the same code and defaults of its own, so that an answer which
    changes a function's defaults changes only this copy."""
    copy = types.FunctionType(
        function.__code__, function.__globals__, function.__name__, function.__defaults__
    )
    if function.__kwdefaults__ is not None:
        copy.__kwdefaults__ = dict(function.__kwdefaults__)
    return copy


def _where_defaults_are(function: Any) -> str:
    """What the learner may have overlooked about this function's two attributes."""
    nones = [name for name in ("__defaults__", "__kwdefaults__") if getattr(function, name) is None]
    if not nones:
        return ""
    return f" Its {' and '.join(nones)} {'is' if len(nones) == 1 else 'are'} None."


def _check_defaults_of(candidate: Callable[[Callable[..., Any]], dict[str, Any]]) -> None:
    require(callable(candidate), "the answer should be a function that takes a function.")
    for signature, original, expected in DEFAULTS_CASES:
        function = _copy_of(original)
        defaults = function.__defaults__
        kwdefaults = function.__kwdefaults__
        kwdefaults_before = dict(kwdefaults) if kwdefaults is not None else None
        got = answer_of(
            signature, candidate, function, who="defaults_of", advice=_where_defaults_are(function)
        )
        require(
            isinstance(got, dict),
            f"for {signature}, defaults_of returned {got!r}, not a dict of name -> default.",
        )
        require(
            kwdefaults is None or got is not kwdefaults,
            f"for {signature}, defaults_of returned the function's own __kwdefaults__ dict: "
            "whoever changes the result would change the function's defaults. Return a new dict.",
        )
        require(
            function.__kwdefaults__ is kwdefaults and kwdefaults == kwdefaults_before,
            f"for {signature}, defaults_of changed the function's __kwdefaults__ from "
            f"{kwdefaults_before!r} to {function.__kwdefaults__!r}: read it, and put what you "
            "find in a new dict.",
        )
        require(
            function.__defaults__ is defaults,
            f"for {signature}, defaults_of changed the function's __defaults__ from "
            f"{defaults!r} to {function.__defaults__!r}: read it, and leave the function as it "
            "was.",
        )
        if got == expected:
            continue
        positional_only = function.__code__.co_varnames[: function.__code__.co_posonlyargcount]
        keyword_only = kwdefaults_before or {}
        missing = [name for name in expected if name not in got]
        extra = [name for name in got if name not in expected]
        notes = []
        if any(expected[name] is None for name in missing):
            notes.append("A default of None is still a default.")
        if any(name in keyword_only for name in missing):
            notes.append("Keyword-only defaults are in __kwdefaults__.")
        if any(name in positional_only for name in missing + extra):
            notes.append(
                "co_argcount counts the positional-only parameters too, and __defaults__ "
                "covers them."
            )
        elif any(
            name not in keyword_only and expected[name] is not None for name in missing
        ) or not (missing or extra):
            notes.append(
                "Positional defaults are in __defaults__, and belong to the *last* positional "
                "parameters."
            )
        if extra:
            notes.append(f"{', '.join(extra)} {'has' if len(extra) == 1 else 'have'} no default.")
        raise NotYet(
            f"for {signature}, defaults_of returned {got!r}; expected {expected!r}. "
            + " ".join(notes),
        )


def _defaults_aligned_from_the_start(function: Callable[..., Any]) -> dict[str, Any]:
    """Wrong on purpose: pairs the defaults with the first parameters instead of the last."""
    return dict(zip(function.__code__.co_varnames, function.__defaults__ or (), strict=False))


def _defaults_without_keyword_only(function: Callable[..., Any]) -> dict[str, Any]:
    """Wrong on purpose: forgets the keyword-only parameters."""
    keyword_only = function.__kwdefaults__ or {}
    return {
        name: value for name, value in defaults_of(function).items() if name not in keyword_only
    }


def _defaults_into_kwdefaults(function: Callable[..., Any]) -> dict[str, Any]:
    """Wrong on purpose: adds the positional defaults to the function's own __kwdefaults__."""
    found = function.__kwdefaults__ or {}
    found.update(defaults_of(function))
    return found


def _defaults_without_none(function: Callable[..., Any]) -> dict[str, Any]:
    """Wrong on purpose: takes a default of None for no default."""
    return {name: value for name, value in defaults_of(function).items() if value is not None}


def _defaults_after_positional_only(function: Callable[..., Any]) -> dict[str, Any]:
    """Wrong on purpose: takes co_argcount for the parameters after the positional-only ones."""
    code = function.__code__
    positional = code.co_varnames[code.co_posonlyargcount : code.co_argcount]
    defaults = function.__defaults__ or ()
    found = dict(zip(positional[len(positional) - len(defaults) :], defaults, strict=False))
    found.update(function.__kwdefaults__ or {})
    return found


def _defaults_then_cleared(function: Any) -> dict[str, Any]:
    """Wrong on purpose: finds the defaults, then removes them from the function."""
    found = defaults_of(function)
    function.__defaults__ = None
    return found


def _defaults_with_bare_update(function: Any) -> dict[str, Any]:
    """Wrong on purpose: forgets that __kwdefaults__ is None without keyword-only defaults."""
    found = dict(
        zip(
            reversed(function.__code__.co_varnames[: function.__code__.co_argcount]),
            reversed(function.__defaults__ or ()),
            strict=False,
        )
    )
    found.update(function.__kwdefaults__)
    return found


q2 = Exercise(
    "defaults_of reports the default arguments of a function",
    _check_defaults_of,
    hints=[
        "function.__defaults__ is a tuple of the default values of the *last* positional "
        "parameters, or None when there are none; function.__kwdefaults__ is a dict for the "
        "keyword-only ones, or None.",
        "The positional parameter names are function.__code__.co_varnames[:co_argcount]. "
        "With 3 names and 2 defaults, the defaults belong to names[1:], that is names[3 - 2:].",
        "inspect.signature(function).parameters is another way: each parameter has a .default, "
        "which is inspect.Parameter.empty when there is none.",
    ],
    solution=defaults_of,
    wrong=[
        lambda function: function.__defaults__,
        _defaults_aligned_from_the_start,
        _defaults_without_keyword_only,
        lambda function: function.__kwdefaults__ or {},
        _defaults_into_kwdefaults,
        _defaults_without_none,
        _defaults_after_positional_only,
        _defaults_with_bare_update,
        _defaults_then_cleared,
    ],
)

# --- q3: the values a closure remembers --------------------------------------------------------


def closure_values(function):
    names = function.__code__.co_freevars
    cells = function.__closure__ or ()
    return {name: cell.cell_contents for name, cell in zip(names, cells, strict=True)}


def _make_multiplier(n: int) -> Callable[[int], int]:
    def multiply(x: int) -> int:
        return x * n

    return multiply


def _make_greeter(greeting: str, mark: str) -> Callable[[str], str]:
    def greet(name: str) -> str:
        return f"{greeting}, {name}{mark}"

    return greet


def _make_accumulator(total: int) -> Callable[[int], int]:
    def add(amount: int) -> int:
        nonlocal total
        total += amount
        return total

    return add


def _closure_cases() -> list[tuple[str, Callable[..., Any], dict[str, Any]]]:
    """Fresh closures each time, since the accumulator's value changes when it is called. Every
    cell holds a value: reading an empty one (a variable not yet assigned) raises ValueError."""
    accumulator = _make_accumulator(10)
    accumulator(5)
    accumulator(7)
    return [
        ("make_multiplier(3)", _make_multiplier(3), {"n": 3}),
        ("make_greeter('Hi', '?')", _make_greeter("Hi", "?"), {"greeting": "Hi", "mark": "?"}),
        ("an accumulator that started at 10 and added 5 and 7", accumulator, {"total": 22}),
        ("make_multiplier itself, which is no closure", _make_multiplier, {}),
    ]


def _check_closure_values(candidate: Callable[[Callable[..., Any]], dict[str, Any]]) -> None:
    require(callable(candidate), "the answer should be a function that takes a function.")
    for description, function, expected in _closure_cases():
        no_closure = " A function with no closure has __closure__ None." if not expected else ""
        got = answer_of(description, candidate, function, who="closure_values", advice=no_closure)
        require(
            isinstance(got, dict),
            f"for {description}, closure_values returned {got!r}, not a dict of name -> value.",
        )
        require(
            got == expected,
            f"for {description}, closure_values returned {got!r}; expected {expected!r}."
            + no_closure,
        )


q3 = Exercise(
    "closure_values reads what a closure remembers",
    _check_closure_values,
    hints=[
        "function.__code__.co_freevars holds the names, function.__closure__ the cells, in the "
        "same order; zip them.",
        "Each cell's value is cell.cell_contents.",
        "For a function that is not a closure, __closure__ is None, not an empty tuple.",
    ],
    solution=closure_values,
    wrong=[
        lambda function: function.__closure__,
        lambda function: dict(
            zip(function.__code__.co_freevars, function.__closure__ or (), strict=False)
        ),
        lambda function: {
            name: cell.cell_contents
            for name, cell in zip(function.__code__.co_freevars, function.__closure__, strict=False)
        },
    ],
)

# --- q4: which functions raise UnboundLocalError ----------------------------------------------

# The notebook shows this source as it is; the checker runs it, so the verdicts are Python's own.
SCOPE_PUZZLE = """\
import math

limit = 10
seen = [0]


def reads():
    return limit + 1


def clamps():
    if limit > 5:
        limit = 5
    return limit


def stores():
    seen[0] = limit
    return seen


def rounds():
    third = math.floor(limit / 3)
    import math
    return third


def tally():
    count = 0

    def add():
        count += 1
        return count

    return add()
"""
PUZZLE_FUNCTIONS = ("reads", "clamps", "stores", "rounds", "tally")


def puzzle_outcomes() -> dict[str, bool]:
    """Each function of SCOPE_PUZZLE, run in a fresh namespace: does it raise UnboundLocalError?"""
    namespace: dict[str, Any] = {}
    exec(SCOPE_PUZZLE, namespace)  # the puzzle's own source, defined above: nothing from outside
    outcomes = {}
    for name in PUZZLE_FUNCTIONS:
        try:
            namespace[name]()
        except UnboundLocalError:
            outcomes[name] = True
        else:
            outcomes[name] = False
    return outcomes


raisers = {"clamps", "rounds", "tally"}


def _check_raisers(answer: Any) -> None:
    require(
        isinstance(answer, set | frozenset | list | tuple)
        and all(isinstance(name, str) for name in answer),
        "the answer should be a set of function names, such as {'reads'}.",
    )
    strangers = sorted(set(answer) - set(PUZZLE_FUNCTIONS))
    require(
        not strangers,
        f"{', '.join(map(repr, strangers))} is not one of the puzzle's functions "
        f"({', '.join(PUZZLE_FUNCTIONS)}).",
    )
    require(
        len(set(answer)) == len(answer),
        "your answer names a function more than once: give each name once, in a set.",
    )
    # The feedback counts the wrong predictions and says what to look for, but names no function:
    # naming them would hand over the answer after one try.
    outcomes = puzzle_outcomes()
    missed = sum(outcomes[name] and name not in answer for name in PUZZLE_FUNCTIONS)
    false_alarms = sum(name in answer and not outcomes[name] for name in PUZZLE_FUNCTIONS)
    reasons = []
    if missed:
        reasons.append(
            f"{_how_many(missed)} you left out {'does' if missed == 1 else 'do'} raise "
            "UnboundLocalError: a name that a function binds anywhere in its body, by any of the "
            "binding statements of section 5 and not only by `=`, is local in the whole body. "
            "For each function, list those names, then look for a read of one that can run "
            "before its binding."
        )
    if false_alarms:
        reasons.append(
            f"{_how_many(false_alarms)} you listed {'runs' if false_alarms == 1 else 'run'} "
            "without error: a name is local only to the function whose own body binds it, and "
            "using or changing the object a name points at binds nothing."
        )
    wrong = missed + false_alarms
    require(
        not wrong,
        f"{wrong} of your {len(PUZZLE_FUNCTIONS)} predictions {'is' if wrong == 1 else 'are'} "
        "off. " + " ".join(reasons),
    )


def _how_many(count: int) -> str:
    return "One function" if count == 1 else f"{count} functions"


q4 = Exercise(
    "you predicted which functions raise UnboundLocalError",
    _check_raisers,
    hints=[
        "For each function, list the names it binds: an assignment (`=`, `+=`, `:=`), "
        "`import`, `def`, `for`, `with ... as`. Those names are local in the whole function.",
        "A local name read before its binding has run raises UnboundLocalError. Changing an item "
        "(`seen[0] = ...`) binds no name: it changes the object `seen` points at.",
        "In `tally`, the name `count` is bound by `count += 1` inside `add`, so it is local to "
        "`add`, not the `count` of `tally`.",
    ],
    solution=raisers,
    wrong=[
        set(),
        set(PUZZLE_FUNCTIONS),
        {"clamps"},
        {"clamps", "tally"},
        {"clamps", "rounds", "stores", "tally"},
        "clamps",
        ["clamps", "clamps", "rounds", "tally"],
    ],
)

# --- q5: `+=` on an item of a tuple ---------------------------------------------------------

TUPLE_PUZZLE = """\
t = ([1],)
t[0] += [2]
"""


def tuple_puzzle_outcome() -> tuple[bool, object]:
    """Runs TUPLE_PUZZLE: does its second line raise TypeError, and what does `t` hold after?"""
    namespace: dict[str, Any] = {}
    try:
        exec(TUPLE_PUZZLE, namespace)  # the puzzle's own source, defined above
    except TypeError:
        return True, namespace["t"]
    return False, namespace["t"]


def _check_tuple_prediction(answer: Any) -> None:
    require(
        isinstance(answer, tuple | list) and len(answer) == 2 and isinstance(answer[0], bool),
        "the answer should be a pair: (True or False, what t holds afterwards), such as "
        "(False, ([1],)).",
    )
    raises, after = answer
    really_raises, really_after = tuple_puzzle_outcome()
    require(
        isinstance(after, tuple),
        f"{after!r} cannot be what t holds: no statement binds the name t again, so it still "
        "points at a tuple.",
    )
    require(
        raises == really_raises,
        "think again about whether the second line raises: `t[0] += [2]` first runs the "
        "list's own `+=`, then assigns the result to `t[0]`. Can an item of a tuple be "
        "assigned?",
    )
    require(
        after == really_after,
        f"right about the error, but t does not hold {after!r} afterwards: the error comes from "
        "the last of the two steps. What did the first step do to the list, and is that list "
        "still in t?",
    )


q5 = Exercise(
    "you predicted what `+=` does to a list inside a tuple",
    _check_tuple_prediction,
    hints=[
        "`t[0] += [2]` is two steps: the list's in-place `+=` (as for `items += [2]` in "
        "section 2), then the item assignment `t[0] = ...` with the result.",
        "A tuple's items cannot be assigned. Which of the two steps fails, and had the other "
        "one already run when it did?",
    ],
    solution=(True, ([1, 2],)),
    wrong=[
        (False, ([1, 2],)),
        (True, ([1],)),
        (False, ([1],)),
        (True, ([1], [2])),
        (True, [[1, 2]]),
        "TypeError",
    ],
)

# --- q6: bound methods, identity and equality --------------------------------------------------

# The notebook shows this source and these lines as they are; the checker runs them.
METHOD_PUZZLE = """\
class Lamp:
    def switch(self):
        return "click"


a = Lamp()
b = a
c = Lamp()
"""
METHOD_LINES = (
    "a.switch is a.switch",
    "a.switch == a.switch",
    "a.switch == b.switch",
    "a.switch == c.switch",
    "a.switch.__func__ is c.switch.__func__",
)


def method_outcomes() -> tuple[bool, ...]:
    """Each line of METHOD_LINES, evaluated after METHOD_PUZZLE in a fresh namespace."""
    namespace: dict[str, Any] = {}
    exec(METHOD_PUZZLE, namespace)  # the puzzle's own source, defined above: nothing from outside
    return tuple(bool(eval(line, namespace)) for line in METHOD_LINES)  # the lines above only


def _check_method_predictions(answer: Any) -> None:
    count = len(METHOD_LINES)
    require(
        isinstance(answer, tuple | list)
        and len(answer) == count
        and all(isinstance(value, bool) for value in answer),
        f"the answer should be a tuple of {count} True or False values, one per line, in the "
        "order of the lines, such as (True, True, True, True, True).",
    )
    # Like q4's, the feedback counts the wrong predictions but names no line: with True or
    # False for an answer, naming a line would give its answer away.
    wrong = sum(given != real for given, real in zip(answer, method_outcomes(), strict=True))
    require(
        not wrong,
        f"{wrong} of your {count} predictions {'is' if wrong == 1 else 'are'} off. For each "
        "line, ask what the expression `a.switch` builds each time it is evaluated (section 4), "
        "what that object remembers, which names point at one and the same Lamp, and whether "
        "the line compares identities (`is`) or values (`==`).",
    )


q6 = Exercise(
    "you predicted how bound methods compare",
    _check_method_predictions,
    hints=[
        "`a.switch` finds the function `switch` in `vars(Lamp)` and builds a *new* bound method "
        "from it and `a`, every time it is evaluated. In `x is y`, both sides are alive while "
        "`is` compares them.",
        "Two bound methods are equal (`==`) when they hold the same function (`__func__`) and "
        "the same instance (`__self__`, compared with `is`).",
        "`b = a` copies nothing: `b` is a second name for the Lamp `a` points at. `c` is another "
        "Lamp, but its class, and so its function `switch`, is the same.",
    ],
    solution=(False, True, True, False, True),
    wrong=[
        (True, True, True, True, True),
        (False, False, False, False, False),
        (True, True, True, False, True),
        (False, False, False, False, True),
        (False, True, False, False, True),
        (False, True, True, True, True),
        (False, True, True, False, False),
        (False, True, True, False),
        "False",
    ],
)

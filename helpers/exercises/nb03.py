"""Exercises of notebook 03, Decorators."""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable
from typing import Any

from helpers import decorators
from helpers.exercises import Exercise, NotYet, answer_of, require, solutions_withheld

# The reference solutions carry no annotations: `qN.solution()` prints them for pasting into a
# notebook that has not met type hints yet (notebook 04 does).


# --- q1: a caching decorator ---------------------------------------------------------------------


def cache(func):
    store = {}

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        key = (args, tuple(kwargs.items()))
        if key not in store:
            store[key] = func(*args, **kwargs)
        return store[key]

    return wrapper


class _Labelled:
    """A value that prints as its label alone and hashes by it: two of them can print alike and
    hash alike, yet differ. A dictionary tells them apart (it compares keys that collide); a cache
    keyed on their text or their hash does not."""

    def __init__(self, label: str, value: int) -> None:
        self.label, self.value = label, value

    def __repr__(self) -> str:
        return f"Labelled({self.label!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Labelled) and (self.label, self.value) == (
            other.label,
            other.value,
        )

    def __hash__(self) -> int:
        return hash(self.label)  # equal items hash alike, as they must; unequal ones may too


def _counted(calls: list[tuple[Any, ...]]) -> dict[str, Callable[..., Any]]:
    """Functions that log each real call in `calls`, to see what a cache lets through."""

    def square(n: int) -> int:
        """Return n squared."""
        calls.append(("square", n))
        return n * n

    def cube(n: int) -> int:
        """Return n cubed."""
        calls.append(("cube", n))
        return n**3

    def is_even(n: int) -> int:
        """Return 1 for an even n, 0 for an odd one."""
        calls.append(("is_even", n))
        return 1 - n % 2

    def find(n: int) -> None:
        """Look n up and find nothing."""
        calls.append(("find", n))

    def add(a: int, b: int) -> int:
        """Return a + b."""
        calls.append(("add", a, b))
        return a + b

    def span(start: int = 0, stop: int = 10) -> int:
        """Return how many whole numbers lie from start up to stop."""
        calls.append(("span", start, stop))
        return stop - start

    def value_of(item: _Labelled) -> int:
        """Return the value an item carries."""
        calls.append(("value_of", item.value))
        return item.value

    return {
        "square": square,
        "cube": cube,
        "is_even": is_even,
        "find": find,
        "add": add,
        "span": span,
        "value_of": value_of,
    }


def _check_cache(candidate: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    require(
        callable(candidate), "the answer should be a decorator: a function that takes a function."
    )
    calls: list[tuple[Any, ...]] = []
    originals = _counted(calls)
    cached = {name: candidate(function) for name, function in originals.items()}
    require(callable(cached["square"]), "cache(func) should return a function, the wrapper.")
    results = [answer_of(f"the cached square({n})", cached["square"], n) for n in (3, 3, 4, 3)]
    require(
        results == [9, 9, 16, 9],
        f"calling the cached square with 3, 3, 4, 3 returned {results}, not [9, 9, 16, 9].",
    )
    square_calls = [n for name, n in calls if name == "square"]
    require(
        square_calls == [3, 4],
        f"the original square ran for {square_calls}; with a cache it runs once per argument, "
        "for [3, 4].",
    )
    require(
        answer_of("the cached cube(3)", cached["cube"], 3) == 27,
        "the cached cube(3) did not return 27: does every decorated function get its own cache?",
    )
    require(("cube", 3) in calls, "cube(3) was never computed: each function needs its own cache.")
    for falsy, expected in (("is_even", 0), ("find", None)):
        got = [answer_of(f"the cached {falsy}(3)", cached[falsy], 3) for _ in range(3)]
        require(
            got == [expected] * 3, f"the cached {falsy}(3) returned {got}, not {[expected] * 3}."
        )
        runs = calls.count((falsy, 3))
        require(
            runs == 1,
            f"{falsy}(3) returns {expected!r}, and the original ran {runs} times for 3 calls: "
            "does your cache ask whether the arguments are *in* it, or what the stored value is?",
        )
    sums = [answer_of(f"the cached add{pair}", cached["add"], *pair) for pair in PAIRS]
    require(
        sums == [3, 4, 3],
        f"the cached add(1, 2), add(1, 3), add(1, 2) returned {sums}, not [3, 4, 3]: the key "
        "must hold every argument (the whole `args` tuple), not only the first.",
    )
    require(
        calls.count(("add", 1, 2)) == 1,
        "add(1, 2) ran twice: the second call should have found its result in the cache.",
    )
    items = (_Labelled("port", 80), _Labelled("port", 443))
    values = [
        answer_of(f"the cached value_of({item!r})", cached["value_of"], item) for item in items
    ]
    require(
        values == [80, 443],
        f"value_of with two different arguments that print alike, {items[0]!r}, returned "
        f"{values}, not [80, 443]: key the cache on the arguments themselves (a tuple is "
        "hashable), not on their text or their hash; two different values can share either.",
    )
    wrapper = cached["square"]
    name, doc = getattr(wrapper, "__name__", None), getattr(wrapper, "__doc__", None)
    require(
        (name, doc) == ("square", "Return n squared."),
        f"the wrapper calls itself {name!r} with docstring {doc!r}; "
        "functools.wraps(func) keeps the original's.",
    )
    _check_keywords(cached, calls)


NO_KEYWORDS = (
    "the wrapper takes no keyword arguments: give it **kwargs, pass them on to func, and put "
    "them in the key."
)


def _keyword_call(what: str, wrapper: Callable[..., Any], **kwargs: Any) -> Any:
    """`wrapper(**kwargs)`, with a reason when the wrapper refuses keywords."""
    try:
        return answer_of(what, functools.partial(wrapper, **kwargs))
    except NotYet as not_yet:
        if "unexpected keyword argument" in str(not_yet):
            raise NotYet(NO_KEYWORDS) from not_yet
        raise


def _check_keywords(cached: dict[str, Callable[..., Any]], calls: list[tuple[Any, ...]]) -> None:
    sums = [
        _keyword_call(f"the cached add(a=5, b={b})", cached["add"], a=5, b=b) for b in (6, 7, 6)
    ]
    require(
        sums == [11, 12, 11],
        f"the cached add(a=5, b=6), add(a=5, b=7), add(a=5, b=6) returned {sums}, not "
        "[11, 12, 11]: the keyword arguments must be part of the key.",
    )
    require(
        calls.count(("add", 5, 6)) == 1,
        "add(a=5, b=6) ran twice: the second call should have found its result in the cache.",
    )
    spans = [
        _keyword_call("the cached span(start=4)", cached["span"], start=4),
        _keyword_call("the cached span(stop=4)", cached["span"], stop=4),
    ]
    require(
        spans == [6, 4],
        f"the cached span(start=4) and span(stop=4) returned {spans}, not [6, 4]: the key needs "
        "each keyword's name as well as its value.",
    )


PAIRS = ((1, 2), (1, 3), (1, 2))


def _cache_on_first_argument(func):
    store = {}

    @functools.wraps(func)
    def wrapper(*args):
        if args[0] not in store:
            store[args[0]] = func(*args)
        return store[args[0]]

    return wrapper


def _cache_keyed_on_text(func):
    store = {}

    @functools.wraps(func)
    def wrapper(*args):
        key = str(args)
        if key not in store:
            store[key] = func(*args)
        return store[key]

    return wrapper


def _cache_keyed_on_hash(func):
    store = {}

    @functools.wraps(func)
    def wrapper(*args):
        key = hash(args)
        if key not in store:
            store[key] = func(*args)
        return store[key]

    return wrapper


def _cache_of_positional_arguments(func):
    """Section 8's memoize: right for positional arguments, refuses keywords."""
    store = {}

    @functools.wraps(func)
    def wrapper(*args):
        if args not in store:
            store[args] = func(*args)
        return store[args]

    return wrapper


def _cache_ignoring_keywords(func):
    store = {}

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if args not in store:
            store[args] = func(*args, **kwargs)
        return store[args]

    return wrapper


def _cache_keyed_on_keyword_values(func):
    store = {}

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        key = (args, tuple(kwargs.values()))
        if key not in store:
            store[key] = func(*args, **kwargs)
        return store[key]

    return wrapper


q1 = Exercise(
    "cache remembers each result and keeps the function's name",
    _check_cache,
    hints=[
        "Inside `cache`, create a dictionary, then define and return a `wrapper(*args, **kwargs)`. "
        "Because the dictionary is created inside `cache`, each decorated function gets its own.",
        "A dictionary cannot be a key, but a tuple can: `key = (args, tuple(kwargs.items()))` "
        "holds every argument, and each keyword's name with its value.",
        "In the wrapper: if `key` is not in the dictionary yet, call `func(*args, **kwargs)` and "
        "store the result; then return the stored result.",
        "Put `@functools.wraps(func)` on the line above `def wrapper` to keep the name and "
        "docstring.",
    ],
    solution=cache,
    wrong=[
        lambda func: functools.wraps(func)(lambda *args: func(*args)),
        lambda func: functools.lru_cache(maxsize=None)(lambda *args: func(*args)),
        _cache_on_first_argument,
        _cache_keyed_on_text,
        _cache_keyed_on_hash,
        _cache_of_positional_arguments,
        _cache_ignoring_keywords,
        _cache_keyed_on_keyword_values,
    ],
)


# --- q2: a decorator with a parameter ------------------------------------------------------------


def tag(name):
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return f"<{name}>{func(*args, **kwargs)}</{name}>"

        return wrapper

    return decorate


def _greet(who: str, punctuation: str = "!") -> str:
    """Greet someone."""
    return f"Hello, {who}{punctuation}"


NO_FACTORY = (
    'tag("b") must return a decorator: the outer function takes the tag name, and the function '
    "it returns takes the function to decorate."
)


def _decorated(candidate: Callable[[str], Any], name: str, func: Callable[..., str]) -> Any:
    """`candidate(name)(func)`, with a reason when a layer of the factory is missing."""
    decorate = answer_of(f"tag({name!r})", candidate, name)
    require(callable(decorate), NO_FACTORY)
    try:
        return decorate(func)
    except TypeError as error:
        if "'str' object is not callable" in str(error):
            raise NotYet(NO_FACTORY) from error
        raise


def _check_tag(candidate: Callable[[str], Any]) -> None:
    require(callable(candidate), "the answer should be a function that takes a tag name.")
    bold = _decorated(candidate, "b", _greet)
    require(
        callable(bold) and not isinstance(bold, str),
        f'tag("b")(func) should return a function, the wrapper. {NO_FACTORY}',
    )
    cases = [
        ('tag("b") on greet, called as greet("Ada")', bold, ("Ada",), {}, "<b>Hello, Ada!</b>"),
        (
            'the same, called as greet("Ada", punctuation="?")',
            bold,
            ("Ada",),
            {"punctuation": "?"},
            "<b>Hello, Ada?</b>",
        ),
        (
            'tag("em") on greet("Bo")',
            _decorated(candidate, "em", _greet),
            ("Bo",),
            {},
            "<em>Hello, Bo!</em>",
        ),
        (
            '@tag("b") stacked over @tag("i")',
            _decorated(candidate, "b", _decorated(candidate, "i", _greet)),
            ("Ada",),
            {},
            "<b><i>Hello, Ada!</i></b>",
        ),
    ]
    for what, wrapper, args, kwargs, expected in cases:
        got = answer_of(what, functools.partial(wrapper, *args, **kwargs))
        require(got == expected, f"{what} returned {got!r}, not {expected!r}.")
    require(
        getattr(bold, "__name__", None) == "_greet" and bold.__doc__ == "Greet someone.",
        "the wrapper lost the function's name or docstring; use functools.wraps(func).",
    )


q2 = Exercise(
    "tag(name) wraps a function's result in an HTML tag",
    _check_tag,
    hints=[
        "Three nested functions: `tag(name)` returns `decorate(func)`, which returns "
        "`wrapper(*args, **kwargs)`.",
        'The wrapper calls `func(*args, **kwargs)` and returns f"<{name}>{result}</{name}>".',
        "Add `@functools.wraps(func)` above `def wrapper`.",
    ],
    solution=tag,
    wrong=[
        lambda name: lambda func: lambda: f"<{name}>{func()}</{name}>",
        lambda name: (
            lambda func: functools.wraps(func)(
                lambda *args, **kwargs: f"<b>{func(*args, **kwargs)}</b>"
            )
        ),
    ],
)


# --- q3: predict the pauses of a retry that gives up ---------------------------------------------

pauses_after_giving_up = [0.5, 1.5, 4.5, 10]

MAX_DELAY = 10
RETRY_SETTINGS = {
    "attempts": 5,
    "base_delay": 0.5,
    "factor": 3,
    "max_delay": MAX_DELAY,
    "jitter": None,
}


def pauses_of_the_experiment() -> list[float]:
    """The pauses `decorators.retry(**RETRY_SETTINGS)` records around a call that always fails."""
    pauses: list[float] = []

    @decorators.retry(**RETRY_SETTINGS, sleep=pauses.append)  # type: ignore[arg-type]
    def always_fails() -> None:
        raise ConnectionError("down")

    with contextlib.suppress(ConnectionError):
        always_fails()
    return pauses


def _check_pauses(answer: Any) -> None:
    require(
        isinstance(answer, list | tuple)
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in answer),
        "the answer should be a list of numbers, the pauses in seconds.",
    )
    expected = pauses_of_the_experiment()
    require(
        len(answer) == len(expected),
        f"your list has {len(answer)} pauses, and that is not how many times the retry sleeps "
        "when all 5 attempts fail: count them again.",
    )
    require(math.isclose(answer[0], expected[0]), f"{answer[0]!r} is not the first pause: what is?")
    for got, want in zip(answer, expected, strict=True):
        require(
            got <= MAX_DELAY or math.isclose(got, MAX_DELAY),
            f"{got!r} is above max_delay: the cap holds every pause at or below it.",
        )
        require(
            math.isclose(got, want),
            f"{list(answer)} does not follow the schedule: each pause is the one before it times "
            "factor, until the cap stops it.",
        )


class _NamedValue(Exercise):
    """An exercise whose answer is a value in a variable the notebook names: its solution shows
    the value assigned to that name, as the learner would write it."""

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name

    def solution(self) -> None:
        if solutions_withheld():
            super().solution()  # says it is withheld
            return
        print(f"One solution to '{self.title}':\n")
        print(f"{self.name} = {self.reference!r}")


q3 = _NamedValue(
    "pauses_after_giving_up",
    "the pauses of a retry that gives up",
    _check_pauses,
    hints=[
        "How many times does `sleep` run when all 5 attempts fail? The decorator gives up "
        "after the last failure without sleeping.",
        "The first pause is `base_delay`; each next one is the previous times `factor`, but "
        "never more than `max_delay`. `jitter=None` means no random draw: the pauses are exact.",
    ],
    solution=pauses_after_giving_up,
    wrong=[
        [0.5, 1.5, 4.5, 13.5],
        [0.5, 1.5, 4.5, 10, 10],
        [0.5, 1.0, 2.0, 4.0],
        [1.5, 4.5, 10, 10],
        [10, 4.5, 1.5, 0.5],
    ],
)


# --- q4: count the calls that fail ---------------------------------------------------------------


def count_errors(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        wrapper.calls += 1
        try:
            return func(*args, **kwargs)
        except Exception:
            wrapper.errors += 1
            raise

    wrapper.calls = wrapper.errors = 0
    return wrapper


class _Refused(ConnectionError):
    """The error the checked function raises, so that the check can tell it from any other."""


def _check_count_errors(candidate: Callable[[Callable[..., Any]], Any]) -> None:
    require(
        callable(candidate), "the answer should be a decorator: a function that takes a function."
    )
    raised: list[BaseException] = []

    def connect(port: int, *, timeout: float = 1.0) -> int:
        """Connect to a port; a negative one is refused."""
        if port < 0:
            raised.append(_Refused(f"port {port} refused"))
            raise raised[-1]
        if port == 0:
            raised.append(ValueError("port 0 is no port to connect to"))
            raise raised[-1]
        return port if timeout > 0 else 0

    counted = answer_of("count_errors(connect)", candidate, connect)
    require(callable(counted), "count_errors(func) should return a function, the wrapper.")
    counts = (getattr(counted, "calls", None), getattr(counted, "errors", None))
    require(
        counts == (0, 0),
        f"before any call, the wrapper's (calls, errors) are {counts}, not (0, 0): set both "
        "attributes on the wrapper before you return it.",
    )
    for port, timeout, expected in ((80, 1.0, 80), (8080, 0.0, 0)):
        case = f"connect({port}, timeout={timeout})"
        got = answer_of(case, functools.partial(counted, port, timeout=timeout))
        require(got == expected, f"{case} returned {got!r}, not {expected!r}.")
    try:
        counted(-1)
    except _Refused as error:
        require(error is raised[-1], "connect(-1) raised a new error, not the original one.")
    except Exception as error:
        raise NotYet(
            f"connect(-1) raised {type(error).__name__}: {error}, not the function's own "
            "error: let the original through unchanged."
        ) from error
    else:
        raise NotYet("connect(-1) raised nothing: the wrapper swallowed the error; re-raise it.")
    counts = (getattr(counted, "calls", None), getattr(counted, "errors", None))
    require(
        counts == (3, 1),
        f"after two calls that returned and one that raised, (calls, errors) is {counts}, "
        "not (3, 1).",
    )
    try:
        counted(0)
    except ValueError as error:
        require(error is raised[-1], "connect(0) raised a new error, not the original one.")
    except Exception as error:
        raise NotYet(
            f"connect(0) raised {type(error).__name__}: {error}, not the function's own "
            "ValueError: let the original through unchanged."
        ) from error
    else:
        raise NotYet("connect(0) raised nothing: the wrapper swallowed the error; re-raise it.")
    errors = getattr(counted, "errors", None)
    require(
        errors == 2,
        f"connect(0) raised a ValueError and errors is {errors}, not 2: count every exception "
        "the function raises, not only connection errors.",
    )
    other = answer_of("a second count_errors(connect)", candidate, connect)
    answer_of("the second wrapper's connect(443)", other, 443)
    require(
        (getattr(other, "calls", None), counted.calls) == (1, 4),
        "a second decorated function shares its counts with the first: each wrapper needs its own.",
    )
    require(
        getattr(counted, "__name__", None) == "connect",
        f"the wrapper calls itself {getattr(counted, '__name__', None)!r}; functools.wraps(func) "
        "keeps the original's name.",
    )


def _swallows(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        wrapper.calls += 1
        try:
            return func(*args, **kwargs)
        except Exception:
            wrapper.errors += 1

    wrapper.calls = wrapper.errors = 0
    return wrapper


def _counts_connection_errors_only(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        wrapper.calls += 1
        try:
            return func(*args, **kwargs)
        except ConnectionError:
            wrapper.errors += 1
            raise

    wrapper.calls = wrapper.errors = 0
    return wrapper


def _counts_errors_as_calls_only(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
        except Exception:
            wrapper.errors += 1
            raise
        wrapper.calls += 1
        return result

    wrapper.calls = wrapper.errors = 0
    return wrapper


q4 = Exercise(
    "count_errors counts every call and every failure, and lets the error through",
    _check_count_errors,
    hints=[
        "A function is an object: `wrapper.calls = 0` gives it an attribute, and the wrapper can "
        "change `wrapper.calls` when it runs.",
        "Count the call first, then call `func` inside `try:`; in `except Exception:`, count the "
        "error and re-raise it with a bare `raise`.",
        "Set both counters to 0 before `return wrapper`, and put `@functools.wraps(func)` above "
        "`def wrapper`.",
    ],
    solution=count_errors,
    wrong=[_swallows, _counts_errors_as_calls_only, _counts_connection_errors_only],
)


# --- q5: a route registry that knows methods -----------------------------------------------------


class Router:
    def __init__(self):
        self.routes = {}  # (method, path) -> view

    def route(self, path, methods=("GET",)):
        def register(view):
            for method in methods:
                self.routes[method, path] = view
            return view

        return register

    def dispatch(self, method, path):
        view = self.routes.get((method, path))
        if view is not None:
            return view()
        if any(known == path for _, known in self.routes):
            return "405 Method Not Allowed"
        return "404 Not Found"


NOT_FOUND, NOT_ALLOWED = "404 Not Found", "405 Method Not Allowed"

# (method, path, expected answer, why): in this order, so that each wrong answer meets its reason.
DISPATCHES = (
    ("GET", "/", "Welcome!", ""),
    ("GET", "/links", "all links", ""),
    (
        "POST",
        "/",
        NOT_ALLOWED,
        ": / is registered for GET only, so another method gets a 405 (a 404 would say the "
        "path does not exist)",
    ),
    (
        "POST",
        "/links",
        "link created",
        ": a path can have one view per method; registering GET /links must not replace "
        "POST /links",
    ),
    ("PUT", "/links/7", "link changed", ""),
    ("DELETE", "/links/7", "link changed", ": register the view once for each of its methods"),
    ("GET", "/links/7", NOT_ALLOWED, ": /links/7 takes PUT and DELETE only"),
    ("GET", "/missing", NOT_FOUND, ": no view has the path /missing, so it is a 404"),
    (
        "POST",
        "/missing",
        NOT_FOUND,
        ": no view has the path /missing at all, whatever the method, so it is a 404, not a 405",
    ),
)


# The view each dispatch above should run, or None for a 404 or 405.
VIEW_OF = {"Welcome!": "index", "all links": "list_links", "link created": "create_link"}
VIEW_OF["link changed"] = "change_link"


def _registered(candidate: Callable[[], Any], runs: dict[str, int]) -> Any:
    """A fresh router from `candidate`, with the views the check dispatches to; each view counts
    its calls in `runs`."""
    router = answer_of("Router()", candidate)
    for name in ("route", "dispatch"):
        require(
            callable(getattr(router, name, None)),
            f"a Router has no method {name}(): it needs route(path, methods) and "
            "dispatch(method, path).",
        )

    def index() -> str:
        runs["index"] += 1
        return "Welcome!"

    def list_links() -> str:
        runs["list_links"] += 1
        return "all links"

    def create_link() -> str:
        runs["create_link"] += 1
        return "link created"

    def change_link() -> str:
        runs["change_link"] += 1
        return "link changed"

    registrations = [
        ('route("/")', ("/",), index),
        ('route("/links", methods=["POST"])', ("/links", ["POST"]), create_link),
        ('route("/links")', ("/links",), list_links),
        (
            'route("/links/7", methods=("PUT", "DELETE"))',
            ("/links/7", ("PUT", "DELETE")),
            change_link,
        ),
    ]
    for what, arguments, view in registrations:
        register = answer_of(what, router.route, *arguments)
        require(
            callable(register),
            f"router.{what} returned {register!r}, not a decorator: route(path, methods) "
            "returns the function that registers the view.",
        )
        kept = answer_of(f"router.{what} on {view.__name__}", register, view)
        ran = {name: count for name, count in runs.items() if count}
        require(
            not ran,
            f"registering {view.__name__} with router.{what} ran the views {ran} times: route() "
            "must file the view itself, and only dispatch() calls it, once per request.",
        )
        require(
            callable(kept) and answer_of(f"the decorated {view.__name__}()", kept) == view(),
            f"router.{what} turned {view.__name__} into {kept!r}: the decorator must return the "
            "view, so that its name still means the function.",
        )
        runs.update(dict.fromkeys(runs, 0))  # forget the calls of this check

    return router


def _dispatched(router: Any, method: str, path: str) -> Any:
    return answer_of(f'dispatch("{method}", "{path}")', router.dispatch, method, path)


def _check_router(candidate: Any) -> None:
    require(
        callable(candidate), "the answer should be the class Router, with route() and dispatch()."
    )
    runs = dict.fromkeys(VIEW_OF.values(), 0)
    router = _registered(candidate, runs)
    for method, path, expected, why in DISPATCHES:
        got = _dispatched(router, method, path)
        require(
            got == expected,
            f'dispatch("{method}", "{path}") returned {got!r}, not {expected!r}{why}.',
        )
        ran = {name: count for name, count in runs.items() if count}
        want = {VIEW_OF[expected]: 1} if expected in VIEW_OF else {}
        require(
            ran == want,
            f'dispatch("{method}", "{path}") ran the views {ran or "none"} times, not '
            f"{want or 'none'}: a request runs the one view filed for it, once, and a 404 or 405 "
            "runs none.",
        )
        runs.update(dict.fromkeys(runs, 0))
    other = answer_of("a second Router()", candidate)
    got = _dispatched(other, "GET", "/")
    require(
        got == NOT_FOUND,
        f'a second, empty Router answered dispatch("GET", "/") with {got!r}, not {NOT_FOUND!r}: '
        "it sees the first one's routes. Keep the table on the instance (made in __init__), "
        "not on the class.",
    )


class _RouterWithoutMethods:
    def __init__(self):
        self.routes = {}

    def route(self, path, methods=("GET",)):
        def register(view):
            self.routes[path] = view
            return view

        return register

    def dispatch(self, method, path):
        view = self.routes.get(path)
        return NOT_FOUND if view is None else view()


class _RouterOneEntryPerPath(_RouterWithoutMethods):
    def route(self, path, methods=("GET",)):
        def register(view):
            self.routes[path] = (tuple(methods), view)
            return view

        return register

    def dispatch(self, method, path):
        if path not in self.routes:
            return NOT_FOUND
        methods, view = self.routes[path]
        return view() if method in methods else NOT_ALLOWED


class _RouterWithout405(Router):
    def dispatch(self, method, path):
        view = self.routes.get((method, path))
        return NOT_FOUND if view is None else view()


class _RouterAlways405(Router):
    def dispatch(self, method, path):
        view = self.routes.get((method, path))
        return NOT_ALLOWED if view is None else view()


_SHARED_ROUTES: dict[tuple[str, str], Callable[[], Any]] = {}


class _RouterSharedByAll(Router):
    def __init__(self):
        self.routes = _SHARED_ROUTES  # one table for every router: the bug


class _RouterThatLosesTheView(Router):
    def route(self, path, methods=("GET",)):
        register = super().route(path, methods)
        return lambda view: register(view) and None


class _RouterThatCallsAtRegistration(Router):
    """Files each view's result instead of the view: the views run once, too early, and every
    later request gets that one answer (wrong as soon as a view's answer can change)."""

    def route(self, path, methods=("GET",)):
        def register(view):
            result = view()
            for method in methods:
                self.routes[method, path] = lambda: result
            return view

        return register


class _RouterThatCallsTwice(Router):
    def dispatch(self, method, path):
        view = self.routes.get((method, path))
        if view is not None and view() is not None:
            return view()
        return super().dispatch(method, path)


q5 = Exercise(
    "a route registry that answers 404 and 405",
    _check_router,
    hints=[
        "Key the table on both: `self.routes[method, path] = view`, once for each method in "
        "`methods`. Then one path can have a view for GET and another for POST.",
        "In dispatch, look up `(method, path)` first. If nothing is there, ask whether the path "
        "is in the table under *any* method: then it is a 405, otherwise a 404.",
        "Make `self.routes = {}` in `__init__`, so that every Router has its own table, and let "
        "`register` return the view, as section 9's `route` does.",
    ],
    solution=Router,
    wrong=[
        _RouterWithoutMethods,
        _RouterOneEntryPerPath,
        _RouterWithout405,
        _RouterAlways405,
        _RouterSharedByAll,
        _RouterThatLosesTheView,
        _RouterThatCallsAtRegistration,
        _RouterThatCallsTwice,
    ],
)

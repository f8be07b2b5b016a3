"""Exercises of notebook 04, Gotchas."""

from __future__ import annotations

import inspect
import numbers
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers.exercises import Exercise, Feedback, NotYet, Status, answer_of, require


def count_words(text: str, counts: dict[str, int] | None = None) -> dict[str, int]:
    if counts is None:  # no dict given: a new one, made on this call
        counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def _leftover_words(result: object, text: str) -> bool:
    """True when `result`, the answer for `text` alone, counts every word of `text` and more:
    words or counts left over from earlier calls."""
    if not isinstance(result, dict):
        return False
    words = text.split()
    counted = all(result.get(word, 0) >= words.count(word) for word in words)
    return counted and any(
        word not in words or count > words.count(word) for word, count in result.items()
    )


def _check_count_words(candidate: Callable[..., dict[str, int]]) -> None:
    require(callable(candidate), "the answer should be a function count_words(text, counts=None).")
    question = (
        ": it still holds words of an earlier call. Each call without a dict should count into "
        "a new, empty one: when was the dict your default holds made?"
    )
    for text, expected in (
        ("to be or not to be", {"to": 2, "be": 2, "or": 1, "not": 1}),
        ("be quick", {"be": 1, "quick": 1}),
    ):
        case = f"count_words({text!r})"
        got = answer_of(case, candidate, text)
        require(
            got == expected,
            f"{case} returned {got!r}, not {expected!r}"
            + (question if _leftover_words(got, text) else "."),
        )
    require(
        answer_of('count_words("a  b\\na")', candidate, "a  b\na") == {"a": 2, "b": 1},
        'count_words("a  b\\na") should return {"a": 2, "b": 1}: words are split on any run of '
        "whitespace, as text.split() does.",
    )
    totals = {"be": 5}
    returned = answer_of('count_words("to be", totals)', candidate, "to be", totals)
    require(
        totals == {"be": 6, "to": 1},
        f'count_words("to be", totals) with totals = {{"be": 5}} left totals as {totals!r}; it '
        'should add to the dict it is given: {"be": 6, "to": 1}.',
    )
    require(
        returned is totals,
        'count_words("to be", totals) should return the very dict it was given, totals.',
    )
    empty: dict[str, int] = {}
    returned = answer_of('count_words("a", empty)', candidate, "a", empty)
    require(
        empty == {"a": 1} and returned is empty,
        f'count_words("a", empty) with empty = {{}} returned {returned!r} and left empty as '
        f"{empty!r}; an empty dict the caller passed in is still the caller's dict. How does "
        'your function tell "no dict given" apart from "an empty dict given"?',
    )


def _count_into_a_shared_default(
    text: str,
    counts: dict[str, int] = {},  # noqa: B006 (the trap on display)
) -> dict[str, int]:
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def _count_into_or_empty(text: str, counts: dict[str, int] | None = None) -> dict[str, int]:
    counts = counts or {}  # replaces a caller's empty dict too
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def _count_into_a_copy(text: str, counts: dict[str, int] | None = None) -> dict[str, int]:
    counts = dict(counts or {})  # a copy: the caller's dict never changes
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def _count_letters(text: str, counts: dict[str, int] | None = None) -> dict[str, int]:
    if counts is None:
        counts = {}
    for letter in text:  # loops over the characters, not the words
        counts[letter] = counts.get(letter, 0) + 1
    return counts


q1 = Exercise(
    "count_words counts into a new dict on every call without one",
    _check_count_words,
    hints=[
        "A default value is made once, when `def` runs, and every call that relies on it shares "
        "it: a dict default keeps the words of every earlier call.",
        "Pick a default that can never change, and make the new dict inside the function, on "
        'every call that got that default. Which value says "no dict given", and is never a dict '
        "a caller could pass?",
        "Use `counts=None` as the default; inside: `if counts is None: counts = {}`, then for each "
        "word of `text.split()`: `counts[word] = counts.get(word, 0) + 1`; return `counts`.",
    ],
    solution=count_words,
    wrong=[_count_into_a_shared_default, _count_into_or_empty, _count_into_a_copy, _count_letters],
)


def make_multipliers(count: int) -> list[Callable[[float], float]]:
    multipliers: list[Callable[[float], float]] = []
    for factor in range(count):

        def multiply(x: float, factor: int = factor) -> float:  # the default binds it now
            return factor * x

        multipliers.append(multiply)
    return multipliers


def _check_make_multipliers(candidate: Callable[[int], list[Callable[[float], float]]]) -> None:
    require(callable(candidate), "the answer should be a function make_multipliers(count).")
    for count in (4, 6):
        multipliers = candidate(count)
        require(
            hasattr(multipliers, "__getitem__") and hasattr(multipliers, "__len__"),
            f"make_multipliers({count}) returned {type(multipliers).__name__!r}, which cannot be "
            f"indexed: the task asks for a list, so that make_multipliers(4)[3] works.",
        )
        require(
            len(multipliers) == count,
            f"make_multipliers({count}) made {len(multipliers)} functions, not {count}.",
        )
        for argument in (10, 7):  # two arguments: a function must use the one it is given
            got = [multiply(argument) for multiply in multipliers]
            expected = [factor * argument for factor in range(count)]
            late_binding = all(result == (count - 1) * argument for result in got)
            question = ": does every function see the loop variable's last value?"
            require(
                got == expected,
                f"the functions of make_multipliers({count}), called with {argument}, returned "
                f"{got}, not {expected}{question if late_binding else '.'}",
            )
    require(list(candidate(0)) == [], "make_multipliers(0) should make an empty list.")


q2 = Exercise(
    "make_multipliers binds each factor when the function is made",
    _check_make_multipliers,
    hints=[
        "A lambda looks its variables up when it is *called*, by which time the loop is over.",
        "Each function needs its own copy of the factor, taken when the function is made. "
        "Which part of a `def` or `lambda` is evaluated at that moment, not at the call "
        "(section 6's trap)?",
        "Bind the current value as a default argument, `lambda x, factor=factor: factor * x`, "
        "or build each function with `functools.partial`.",
    ],
    solution=make_multipliers,
    wrong=[
        lambda count: [lambda x: factor * x for factor in range(count)],  # noqa: B023 (the trap)
        lambda count: [lambda x, factor=factor: factor + x for factor in range(count)],
        lambda count: [lambda x, factor=factor: factor * x for factor in range(4)],
        lambda count: [lambda x, factor=factor: factor * 10 for factor in range(count)],
        lambda count: (lambda x, factor=factor: factor * x for factor in range(count)),
    ],
)


def remove_sold_out(stock: dict[str, int]) -> None:
    for item in list(stock):  # a copy of the keys: the loop never walks the dict it changes
        if stock[item] == 0:
            del stock[item]


def _check_remove_sold_out(candidate: Callable[[dict[str, int]], object]) -> None:
    require(callable(candidate), "the answer should be a function remove_sold_out(stock).")
    for before, after in (
        ({"apples": 0, "pears": 3, "plums": 0, "figs": 0, "kiwis": 2}, {"pears": 3, "kiwis": 2}),
        ({"tea": 2}, {"tea": 2}),
        ({"salt": 0}, {}),
        ({}, {}),
    ):
        stock = dict(before)
        case = f"remove_sold_out(stock) with stock = {before}"
        try:
            returned = candidate(stock)
        except RuntimeError as error:
            if "during iteration" not in str(error):
                raise
            raise NotYet(
                f"for {case}, your code raised RuntimeError: {error}. Did you delete from the dict "
                "while looping over it? Loop over something else: a copy of its keys, or a list "
                "of the keys to delete, made first."
            ) from error
        require(
            stock != before or before == after,
            f"after {case}, the caller's dict is unchanged. Did your function build a new dict "
            "and give it a name, or return it, instead of changing the dict it was given?",
        )
        require(stock == after, f"after {case}, the dict is {stock}, not {after}.")
        require(
            returned is None,
            f"remove_sold_out(stock) returned {returned!r}; a function that changes the dict it "
            "is given returns None, as dict.update() and list.sort() do, so that no caller "
            "mistakes the result for a new dict.",
        )


def _delete_while_looping(stock: dict[str, int]) -> None:
    for item in stock:
        if stock[item] == 0:
            del stock[item]


def _delete_while_looping_quietly(stock: dict[str, int]) -> None:
    try:
        for item, count in stock.items():
            if count == 0:
                del stock[item]
    except RuntimeError:  # hides the error, not the half-done loop
        pass


def _remove_sold_out_by_rebinding(stock: dict[str, int]) -> None:
    stock = {item: count for item, count in stock.items() if count != 0}


def _remove_sold_out_into_a_new_dict(stock: dict[str, int]) -> dict[str, int]:
    return {item: count for item, count in stock.items() if count != 0}


q3 = Exercise(
    "remove_sold_out changes the dict itself, without looping over it while it changes",
    _check_remove_sold_out,
    hints=[
        "Deleting a key while a `for` loop walks the dict changes its size under the loop: Python "
        "stops the loop with RuntimeError, after the first deletion.",
        "Do not loop over the dict you change: loop over something that stays put while you "
        "delete. Assigning a new dict to the name `stock` only rebinds your local name; the "
        "caller still holds the old dict.",
        "Loop over a copy of the keys, `for item in list(stock):`, and `del stock[item]` where the "
        "count is 0; or collect the keys to delete first, then delete them in a second loop.",
    ],
    solution=remove_sold_out,
    wrong=[
        _delete_while_looping,
        _delete_while_looping_quietly,
        _remove_sold_out_by_rebinding,
        _remove_sold_out_into_a_new_dict,
    ],
)


class SharedAccount:
    """A balance that many threads may withdraw from at once, never below zero."""

    def __init__(self, balance: int) -> None:
        self.balance = balance
        self.lock = threading.Lock()

    def withdraw(self, amount: int) -> bool:
        with self.lock:  # the check and the change, as one step
            if self.balance < amount:
                return False
            self.balance -= amount
            return True


THREADS, TRIES, OPENING, READ_SECONDS = 4, 50, 100, 0.0001


def _sleep_length(seconds: float, tries: int = 5) -> float:
    """How long time.sleep(seconds) really lasts on this machine, the median of a few tries: a
    system's timer may stretch a sleep of 0.1 ms to a millisecond or more."""
    lengths = []
    for _ in range(tries):
        start = time.perf_counter()
        time.sleep(seconds)
        lengths.append(time.perf_counter() - start)
    return statistics.median(lengths)


# Seconds to wait for the threads. A correct answer makes its THREADS * TRIES withdrawals one at a
# time, each reading the balance a few times: well under a second where a sleep lasts what it
# asks for; where the system's timer stretches every sleep, the wait is stretched with it.
PATIENCE = max(5.0, 20 * THREADS * TRIES * _sleep_length(READ_SECONDS))


def _run_threads(target: Callable[[int], Any], count: int) -> list[Any] | None:
    """Run target(0) .. target(count - 1) on daemon threads; their results, or None when any
    of them is still running after PATIENCE seconds (a deadlock must not hang the notebook).
    An exception in a thread is raised again here, where the exercise reports it."""
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = target(index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + PATIENCE
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if errors:
        raise errors[0]
    return None if any(thread.is_alive() for thread in threads) else results


def _stuck(what: str) -> str:
    return (
        f"{what} did not finish within {PATIENCE:.0f} s: a deadlock? A threading.Lock that is "
        "taken and never released (an early `return` between acquire() and release()), or "
        "taken twice by one thread, makes every later withdraw wait forever; `with self.lock:` "
        "releases it on every way out. (The stuck threads stay blocked in the background until "
        "you restart the kernel.)"
    )


def _withdraw_from_many_threads(account_class: type) -> tuple[int, int] | None:
    """Withdraw 1 at a time from a balance of OPENING, from THREADS threads started together and
    trying TRIES times each; every read of `balance` lets other threads run, as a database read
    would. Returns the final balance and the number of withdrawals that said yes, or None when
    the threads have not finished after PATIENCE seconds."""

    class SlowReads(account_class):  # type: ignore[misc, valid-type]
        def __getattribute__(self, name: str) -> Any:
            value = super().__getattribute__(name)
            if isinstance(value, numbers.Number):  # the balance, whatever the answer calls it
                time.sleep(READ_SECONDS)  # the answer travels back; other threads run meanwhile
            return value

    account = SlowReads(OPENING)
    start = threading.Barrier(THREADS)  # all threads begin together, so their calls overlap

    def withdraw_many(_: int) -> int:
        start.wait(timeout=10)
        return sum(bool(account.withdraw(1)) for _ in range(TRIES))

    results = _run_threads(withdraw_many, THREADS)
    if results is None:
        return None
    return account.balance, sum(results)


def _one_call(account: Any, amount: int, what: str) -> object:
    """account.withdraw(amount) on a daemon thread, so that a deadlock cannot hang the check."""
    results = _run_threads(lambda _: account.withdraw(amount), 1)
    require(results is not None, _stuck(what))
    assert results is not None
    return results[0]


def _check_account(candidate: type) -> None:
    shape = "the answer should be the class SharedAccount(balance), with a method withdraw(amount)."
    require(callable(candidate), shape)
    # A stub raises NotImplementedError: a stub function here, the notebook's stub class from
    # withdraw below (_run_threads raises it again); Exercise.evaluate reports either as a stub.
    account = candidate(5)
    require(inspect.isclass(candidate), shape)
    took = _one_call(account, 3, "withdraw(3) from a balance of 5")
    require(
        bool(took) and account.balance == 2,
        f"withdraw(3) from a balance of 5 returned {took!r} and left {account.balance!r}; it "
        "should take the money (balance 2) and return True.",
    )
    took = _one_call(account, 3, "withdraw(3) from a balance of 2")
    require(
        not took and account.balance == 2,
        f"withdraw(3) from a balance of 2 returned {took!r} and left {account.balance!r}; it "
        "should take nothing and return False.",
    )
    outcome = _withdraw_from_many_threads(candidate)
    require(outcome is not None, _stuck(f"withdrawing from {THREADS} threads at once"))
    assert outcome is not None
    balance, granted = outcome
    tried = f"{THREADS} threads withdrew 1 at a time from a balance of {OPENING}"
    if granted > OPENING:
        what = f"{granted} withdrawals said yes, more than the money there was"
    else:
        what = f"{granted} withdrawals said yes, yet the balance ended at {balance}"
    require(
        granted <= OPENING and balance == OPENING - granted,
        f"{tried}: {what}. Between one thread's look at the balance and its change, another "
        "thread ran: what would stop it?",
    )
    require(
        granted == OPENING,
        f"{tried}: only {granted} withdrawals said yes, although the money covered {OPENING}.",
    )


class _Unlocked:
    def __init__(self, balance: int) -> None:
        self.balance = balance

    def withdraw(self, amount: int) -> bool:
        if self.balance < amount:
            return False
        self.balance -= amount
        return True


class _LockedChangeOnly(_Unlocked):
    def __init__(self, balance: int) -> None:
        super().__init__(balance)
        self.lock = threading.Lock()

    def withdraw(self, amount: int) -> bool:
        if self.balance < amount:  # the check happens outside the lock
            return False
        with self.lock:
            self.balance -= amount
        return True


class _NewLockEachCall(_Unlocked):
    def withdraw(self, amount: int) -> bool:
        with threading.Lock():  # a lock no other thread ever sees
            return super().withdraw(amount)


class _KeepsTheLockWhenRefusing(_Unlocked):
    def __init__(self, balance: int) -> None:
        super().__init__(balance)
        self.lock = threading.Lock()

    def withdraw(self, amount: int) -> bool:
        self.lock.acquire()
        if self.balance < amount:
            return False  # returns with the lock still held: every later call waits forever
        self.balance -= amount
        self.lock.release()
        return True


class _ClassExercise(Exercise):
    """An exercise whose answer is a class: the stub's message names the method to write."""

    def __init__(self, *args: Any, method: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method = method

    def evaluate(self, answer: object) -> Feedback:
        feedback = super().evaluate(answer)
        if feedback.status is Status.NOT_ATTEMPTED and inspect.isclass(answer):
            return Feedback(
                Status.NOT_ATTEMPTED,
                f"your class's method {self.method}() still raises NotImplementedError; write "
                "its body.",
            )
        return feedback


q4 = _ClassExercise(
    "withdraw never overdraws, whatever the threads do",
    _check_account,
    hints=[
        "The GIL keeps Python's own objects intact, not your invariants: a thread can be "
        "paused between `if self.balance < amount` and `self.balance -= amount`.",
        "Both the check and the change must happen while no other thread can touch the "
        "balance, and every thread must wait on the same object for its turn: where is that "
        "object made, once per account?",
        "Make one `threading.Lock()` in `__init__`, and put both the check and the change "
        "inside `with self.lock:`.",
    ],
    solution=SharedAccount,
    wrong=[_Unlocked, _LockedChangeOnly, _NewLockEachCall, _KeepsTheLockWhenRefusing],
    method="withdraw",
)


PORT_SNIPPET = '''\
def port_of(settings: dict[str, str], name: str) -> int:
    """The port number set for `name` in `settings`, or 80 when there is none."""
    return settings.get(name, 80)
'''

IGNORE_COMMENT = re.compile(r"#\s*type:\s*ignore")
MYPY = [sys.executable, "-m", "mypy", "--strict", "--no-color-output", "--cache-dir", os.devnull]
MYPY_SECONDS = 120


def port_of(settings: dict[str, str], name: str) -> int:
    """The port number set for `name` in `settings`, or 80 when there is none."""
    return int(settings.get(name, "80"))


def _mypy_strict(source: str) -> tuple[int, str]:
    """Run `mypy --strict` on `source` alone, as notebook 04's run_mypy does: its exit status
    and its report, with the temporary folder's name left out."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "snippet.py").write_text(source)
        Path(folder, "mypy.ini").write_text("[mypy]\n")  # no configuration from elsewhere
        result = subprocess.run(
            [*MYPY, "snippet.py"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=MYPY_SECONDS,
        )
    return result.returncode, result.stdout.replace(folder, "<tmp>").strip()


def _check_port_of(candidate: Callable[[dict[str, str], str], int]) -> None:
    require(callable(candidate), "the answer should be the function port_of(settings, name).")
    for settings, name, expected in (
        ({"web": "8080"}, "web", 8080),
        ({"web": "443", "db": "5432"}, "db", 5432),
        ({}, "web", 80),
        ({"db": "5432"}, "web", 80),
    ):
        case = f"port_of({settings!r}, {name!r})"
        got = answer_of(case, candidate, settings, name)
        require(
            type(got) is int and got == expected,
            f"{case} returned {got!r}, a {type(got).__name__}; it should return the int "
            f"{expected}.",
        )
    try:
        source = textwrap.dedent(inspect.getsource(candidate))
        hints = typing.get_type_hints(candidate)
    except (OSError, TypeError, NameError) as error:
        raise NotYet(
            f"the check needs your function's source and annotations, and found none ({error}): "
            "define port_of with `def` in a cell."
        ) from error
    require(
        not IGNORE_COMMENT.search(source),
        "your function silences mypy with `# type: ignore`: it hides the report, and the next "
        "real bug on that line with it. Make the code agree with its annotations instead.",
    )
    require(
        hints.get("return") is int
        and hints.get("settings") == dict[str, str]
        and hints.get("name") is str,
        f"your function's annotations are {hints!r}; keep the original ones, "
        "`(settings: dict[str, str], name: str) -> int`: they are the promise mypy checks the "
        "code against.",
    )
    status, report = _mypy_strict(source)
    require(
        status == 0,
        f"mypy --strict still reports: {report}"
        + (
            " (mypy sees your function alone: whatever it uses must be built in or imported "
            "inside it.)"
            if "[name-defined]" in report
            else ""
        ),
    )


def _port_as_given(settings: dict[str, str], name: str) -> int:
    return settings.get(name, 80)  # type: ignore[return-value]  # the snippet's bug, silenced


def _port_without_none(settings: dict[str, str], name: str) -> int:
    if name in settings:
        return int(settings.get(name))  # type: ignore[arg-type]  # right at run time
    return 80


def _port_by_json(settings: dict[str, str], name: str) -> int:
    import json

    return json.loads(settings.get(name, "80"))  # right at run time; to mypy, json gives Any


def _port_int_of_none(settings: dict[str, str], name: str) -> int:
    return int(settings.get(name))  # type: ignore[arg-type]  # int(None) for a missing name


def _port_unannotated(settings, name):
    return int(settings.get(name, 80))


q5 = Exercise(
    "port_of returns an int on every path, and mypy --strict agrees",
    _check_port_of,
    hints=[
        "mypy's complaint is real: `settings.get(name, 80)` returns the *string* stored in "
        'settings when there is one ("8080"), and the int 80 only when there is none.',
        "Make every path return an int: turn the string into a number, and give `get` a default "
        "of the same type as the values, or handle the missing name on a path of its own.",
        'Either `return int(settings.get(name, "80"))`, or '
        "`return int(settings[name]) if name in settings else 80`.",
    ],
    solution=port_of,
    wrong=[
        _port_as_given,
        _port_without_none,
        _port_by_json,
        _port_int_of_none,
        _port_unannotated,
    ],
)

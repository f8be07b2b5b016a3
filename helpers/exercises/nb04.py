"""Exercises of notebook 04, Gotchas."""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from typing import Any

from helpers.exercises import Exercise, require


def append_to(item: Any, items: list[Any] | None = None) -> list[Any]:
    if items is None:
        items = []
    items.append(item)
    return items


def _check_append_to(candidate: Callable[..., list[Any]]) -> None:
    require(callable(candidate), "the answer should be a function append_to(item, items=None).")
    first, second = candidate("a"), candidate("b")
    require(
        first == ["a"] and second == ["b"],
        f'append_to("a") then append_to("b") returned {first!r} and {second!r}; each call '
        "without a list should start from a new, empty one.",
    )
    mine = ["x"]
    returned = candidate("y", mine)
    require(
        mine == ["x", "y"],
        f'append_to("y", mine) left mine as {mine!r}; it should append to the list it is given.',
    )
    require(returned is mine, "append_to(item, mine) should return the very list it was given.")
    empty: list[Any] = []
    returned = candidate("y", empty)
    require(
        empty == ["y"] and returned is empty,
        f'append_to("y", mine) with mine = [] returned {returned!r} and left mine as {empty!r}; '
        "an empty list the caller passed in is still the caller's list. How does your function "
        'tell "no list given" apart from "an empty list given"?',
    )


def _shared_default(item: Any, items: list[Any] = []) -> list[Any]:  # noqa: B006 (the trap)
    items.append(item)
    return items


def _or_empty(item: Any, items: list[Any] | None = None) -> list[Any]:
    items = items or []  # replaces a caller's empty list too
    items.append(item)
    return items


q1 = Exercise(
    "append_to starts a fresh list on every call",
    _check_append_to,
    hints=[
        "The default value is created once, when `def` runs, and shared by every call.",
        "Pick a default that can never change, and make the new list inside the function, on "
        'every call that got that default. Which value says "no list given", and is never a '
        "list a caller could pass?",
        "Use `items=None` as the default, and inside the function: `if items is None: items = []`.",
    ],
    solution=append_to,
    wrong=[_shared_default, _or_empty, lambda item, items=None: [item]],
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
        "(section 4's trap)?",
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


def drop_negatives(numbers: list[float]) -> None:
    numbers[:] = [n for n in numbers if n >= 0]


def _check_drop_negatives(candidate: Callable[[list[float]], object]) -> None:
    require(callable(candidate), "the answer should be a function drop_negatives(numbers).")
    for before, after in (([-1, -2, 3, -4, -5, 6], [3, 6]), ([5, -1, 0], [5, 0]), ([], [])):
        numbers: list[float] = list(before)
        returned = candidate(numbers)
        require(
            numbers != before or before == after,
            f"after drop_negatives(numbers) with numbers = {before}, the caller's list is "
            "unchanged. Did your function build a new list and give it a name, instead of "
            "changing the list it was given?",
        )
        require(
            numbers == after,
            f"after drop_negatives(numbers) with numbers = {before}, the list is {numbers}, "
            f"not {after}.",
        )
        require(
            returned is None,
            f"drop_negatives(numbers) returned {returned!r}; a function that changes the list "
            "it is given returns None, as list.sort() and list.append() do, so that no caller "
            "mistakes the result for a new list.",
        )


def _drop_negatives_and_return_the_list(numbers: list[float]) -> list[float]:
    numbers[:] = [n for n in numbers if n >= 0]
    return numbers  # the task asks for nothing back


def _remove_while_iterating(numbers: list[float]) -> None:
    for n in numbers:
        if n < 0:
            numbers.remove(n)


q3 = Exercise(
    "drop_negatives changes the list itself, safely",
    _check_drop_negatives,
    hints=[
        "Removing items from a list while a `for` loop walks it makes the loop skip the item "
        "after each removal.",
        "Do not loop over the list you change: first decide which numbers stay, then change "
        "the caller's list once. Assigning to the name `numbers` only rebinds your local name.",
        "Build the list of numbers to keep, then put them into the same list object with a "
        "slice assignment: `numbers[:] = ...`.",
    ],
    solution=drop_negatives,
    wrong=[
        _remove_while_iterating,
        lambda numbers: [n for n in numbers if n >= 0],
        _drop_negatives_and_return_the_list,
    ],
)


class Account:
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
PATIENCE = 5.0  # seconds; a correct answer needs well under one, even on a busy machine


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
        f"{what} did not finish within {PATIENCE:g} s: a deadlock? A threading.Lock that is "
        "taken and never released (an early `return` between acquire() and release()), or "
        "taken twice by one thread, makes every later withdraw wait forever; `with self.lock:` "
        "releases it on every way out."
    )


def _withdraw_from_many_threads(account_class: type) -> tuple[int, int] | None:
    """Withdraw 1 at a time from a balance of OPENING, from THREADS threads started together and
    trying TRIES times each; every read of `balance` lets other threads run, as a database read
    would. Returns the final balance and the number of withdrawals that said yes, or None when
    the threads have not finished after PATIENCE seconds."""

    class SlowReads(account_class):  # type: ignore[misc, valid-type]
        @property
        def balance(self) -> int:
            value = int(self.__dict__["_stored_balance"])
            time.sleep(READ_SECONDS)  # the answer travels back; other threads run meanwhile
            return value

        @balance.setter
        def balance(self, value: int) -> None:
            self.__dict__["_stored_balance"] = value

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
    shape = "the answer should be the class Account(balance), with a method withdraw(amount)."
    require(callable(candidate), shape)
    account = candidate(5)  # a stub's NotImplementedError comes out of its first call
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


q4 = Exercise(
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
    solution=Account,
    wrong=[_Unlocked, _LockedChangeOnly, _NewLockEachCall, _KeepsTheLockWhenRefusing],
)

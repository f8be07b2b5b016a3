"""Exercises of notebook 04, Gotchas."""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
        multipliers = list(candidate(count))
        require(
            len(multipliers) == count,
            f"make_multipliers({count}) made {len(multipliers)} functions, not {count}.",
        )
        got = [multiply(10) for multiply in multipliers]
        expected = [factor * 10 for factor in range(count)]
        late_binding = all(result == (count - 1) * 10 for result in got)
        question = ": does every function see the loop variable's last value?"
        require(
            got == expected,
            f"the functions of make_multipliers({count}), called with 10, returned {got}, not "
            f"{expected}{question if late_binding else '.'}",
        )
    require(list(candidate(0)) == [], "make_multipliers(0) should make an empty list.")


q2 = Exercise(
    "make_multipliers binds each factor when the function is made",
    _check_make_multipliers,
    hints=[
        "A lambda looks its variables up when it is *called*, by which time the loop is over.",
        "Bind the current value as a default argument, `lambda x, factor=factor: factor * x`, "
        "or build each function with `functools.partial`.",
    ],
    solution=make_multipliers,
    wrong=[
        lambda count: [lambda x: factor * x for factor in range(count)],  # noqa: B023 (the trap)
        lambda count: [lambda x, factor=factor: factor + x for factor in range(count)],
        lambda count: [lambda x, factor=factor: factor * x for factor in range(4)],
    ],
)


def drop_negatives(numbers: list[float]) -> None:
    numbers[:] = [n for n in numbers if n >= 0]


def _check_drop_negatives(candidate: Callable[[list[float]], object]) -> None:
    require(callable(candidate), "the answer should be a function drop_negatives(numbers).")
    for before, after in (([-1, -2, 3, -4, -5, 6], [3, 6]), ([5, -1, 0], [5, 0]), ([], [])):
        numbers: list[float] = list(before)
        candidate(numbers)
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
        "Build the list of numbers to keep, then put them into the same list object with a "
        "slice assignment: `numbers[:] = ...`.",
    ],
    solution=drop_negatives,
    wrong=[_remove_while_iterating, lambda numbers: [n for n in numbers if n >= 0]],
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


def _withdraw_from_many_threads(account_class: type) -> tuple[int, int]:
    """Withdraw 1 at a time from a balance of OPENING, from THREADS threads started together and
    trying TRIES times each; every read of `balance` lets other threads run, as a database read
    would. Returns the final balance and the number of withdrawals that said yes."""

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

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        granted = sum(pool.map(withdraw_many, range(THREADS)))
    return account.balance, granted


def _check_account(candidate: type) -> None:
    shape = "the answer should be the class Account(balance), with a method withdraw(amount)."
    require(callable(candidate), shape)
    account = candidate(5)  # a stub's NotImplementedError comes out of its first call
    require(inspect.isclass(candidate), shape)
    took = account.withdraw(3)
    require(
        bool(took) and account.balance == 2,
        f"withdraw(3) from a balance of 5 returned {took!r} and left {account.balance!r}; it "
        "should take the money (balance 2) and return True.",
    )
    took = account.withdraw(3)
    require(
        not took and account.balance == 2,
        f"withdraw(3) from a balance of 2 returned {took!r} and left {account.balance!r}; it "
        "should take nothing and return False.",
    )
    balance, granted = _withdraw_from_many_threads(candidate)
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


q4 = Exercise(
    "withdraw never overdraws, whatever the threads do",
    _check_account,
    hints=[
        "The GIL keeps Python's own objects intact, not your invariants: a thread can be "
        "paused between `if self.balance < amount` and `self.balance -= amount`.",
        "Make one `threading.Lock()` in `__init__`, and put both the check and the change "
        "inside `with self.lock:`.",
    ],
    solution=Account,
    wrong=[_Unlocked, _LockedChangeOnly, _NewLockEachCall],
)

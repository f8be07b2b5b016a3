"""Workloads that make the GIL visible: CPU-bound counting and I/O-bound waiting, and their timer.

Notebook 04 runs them on one thread, on several threads and on several processes, and compares the
wall-clock times. They live in a module, not in the notebook, because the notebook's process pool
spawns its workers: a spawned worker is a fresh interpreter that imports the function it runs by
module and name, and a function defined in a notebook cell has no module it could import.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def count_down(steps: int) -> int:
    """CPU-bound work in pure Python: count from `steps` down to zero, return how many steps."""
    done = 0
    while steps > 0:
        steps -= 1
        done += 1
    return done


def wait(seconds: float) -> float:
    """I/O-bound work: do nothing for `seconds` (as a thread waiting on a socket would)."""
    time.sleep(seconds)
    return seconds


def time_rounds(runs: dict[str, Callable[[], object]], rounds: int = 3) -> dict[str, list[float]]:
    """The wall-clock time, in seconds, of each of `runs` in each of `rounds` rounds.

    The runs take turns within a round, so that the runs of one round meet about the same load
    from other programs sharing the machine; each round starts with a different run, so that no
    run is always the one that goes first.
    """
    names = list(runs)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - start)
    return times

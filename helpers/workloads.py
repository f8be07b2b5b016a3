"""Workloads that make the GIL visible: CPU-bound counting and I/O-bound waiting.

Notebook 04 runs them on one thread, on several threads and on several processes, and compares the
wall-clock times. They live in a module, not in the notebook, because a worker process imports the
function it runs by name, and a function defined in a notebook cell has no module to import from.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import psutil

T = TypeVar("T")
R = TypeVar("R")

POOL_TIMEOUT = 60.0


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


def pid_after(seconds: float) -> int:
    """Wait, then say which process ran this: used to check that every worker has started."""
    time.sleep(seconds)
    return os.getpid()


def on_threads(task: Callable[[T], R], inputs: Iterable[T], workers: int) -> list[R]:
    """Run `task` on every input in a pool of `workers` threads; return the results in order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(task, inputs, timeout=POOL_TIMEOUT))


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` fresh processes, each started and ready before the block runs.

    The processes are spawned (not forked), which works the same on Linux, macOS and Windows and
    is safe from a Jupyter kernel that runs threads. Starting them takes a moment, so they are
    warmed up here: timings taken inside the block measure the work, not the start-up.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        started: set[int] = set()
        for _ in range(20):
            started.update(pool.map(pid_after, [0.1] * workers, timeout=POOL_TIMEOUT))
            if len(started) == workers:
                break
        yield pool


def on_processes(pool: ProcessPoolExecutor, task: Callable[[T], R], inputs: Iterable[T]) -> list[R]:
    """Run `task` on every input in the processes of `pool`; return the results in order."""
    return list(pool.map(task, inputs, timeout=POOL_TIMEOUT))


def time_rounds(runs: dict[str, Callable[[], object]], rounds: int = 5) -> dict[str, list[float]]:
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


def median_speedup(baseline: Sequence[float], variant: Sequence[float]) -> float:
    """How many times faster `variant` ran than `baseline`, round by round; the median of those.

    Comparing within each round cancels most of the load that both met; the median ignores the
    rounds that a burst of load hit harder on one side than on the other.
    """
    return statistics.median(base / other for base, other in zip(baseline, variant, strict=True))


def cores_busy(run: Callable[[], object], repeat: int = 5) -> float:
    """How many cores this process and its child processes kept busy, on average, during `run`.

    CPU seconds used (by every thread of this process and by its children, such as the workers of
    a process pool) divided by wall-clock seconds, over `repeat` runs. Unlike a speed-up, this
    does not compare two separate timings, so load from other programs cannot raise it: two
    threads held back by the GIL stay at or below one core however busy the machine is.
    """
    before = _cpu_seconds()
    start = time.perf_counter()
    for _ in range(repeat):
        run()
    wall = time.perf_counter() - start
    return (_cpu_seconds() - before) / wall


def _cpu_seconds() -> float:
    """CPU time, user and system, of this process and of its live child processes."""
    me = psutil.Process()
    total = 0.0
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # a child that ended meanwhile
            continue
        total += times.user + times.system
    return total

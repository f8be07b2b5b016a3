"""helpers.workloads: the CPU-bound and I/O-bound tasks of notebook 04, and how they are timed."""

from __future__ import annotations

import functools
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from helpers.workloads import count_down, time_rounds, wait


def test_count_down_counts_every_step() -> None:
    assert [count_down(0), count_down(1), count_down(12_345)] == [0, 1, 12_345]


def test_wait_waits_and_returns_the_seconds() -> None:
    start = time.perf_counter()
    assert wait(0.05) == 0.05
    assert time.perf_counter() - start >= 0.05


def test_workloads_run_in_spawned_worker_processes() -> None:
    # The module's reason to exist: a fresh interpreter finds the workloads by module and name.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        assert list(pool.map(count_down, [1000, 2000], timeout=60)) == [1000, 2000]
        assert list(pool.map(wait, [0.01], timeout=60)) == [0.01]


def test_time_rounds_takes_turns_and_times_each_run() -> None:
    order: list[str] = []
    naps = {"slow": 0.05, "quick": 0.0}

    def run(name: str) -> None:
        order.append(name)
        time.sleep(naps[name])

    times = time_rounds({name: functools.partial(run, name) for name in naps}, rounds=3)
    assert order == ["slow", "quick", "quick", "slow", "slow", "quick"]
    assert len(times["slow"]) == len(times["quick"]) == 3
    assert all(
        slow >= 0.05 > quick for slow, quick in zip(times["slow"], times["quick"], strict=True)
    )

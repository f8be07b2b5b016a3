"""helpers.workloads: the CPU-bound and I/O-bound tasks of notebook 04, and how they are run."""

from __future__ import annotations

import functools
import os
import time

from helpers.workloads import (
    cores_busy,
    count_down,
    median_speedup,
    on_processes,
    on_threads,
    pid_after,
    process_pool,
    time_rounds,
    wait,
)


def test_count_down_counts_every_step() -> None:
    assert [count_down(0), count_down(1), count_down(12_345)] == [0, 1, 12_345]


def test_wait_waits_and_returns_the_seconds() -> None:
    start = time.perf_counter()
    assert wait(0.05) == 0.05
    assert time.perf_counter() - start >= 0.05


def test_on_threads_keeps_the_order_of_the_inputs() -> None:
    assert on_threads(count_down, [3, 1, 2], workers=2) == [3, 1, 2]


def test_threads_overlap_waiting() -> None:
    start = time.perf_counter()
    on_threads(wait, [0.2] * 4, workers=4)
    assert time.perf_counter() - start < 0.6  # four waits of 0.2 s, one after another, take 0.8 s


def test_process_pool_runs_tasks_in_separate_started_processes() -> None:
    with process_pool(2) as pool:
        assert on_processes(pool, count_down, [1000, 2000]) == [1000, 2000]
        pids = set(pool.map(pid_after, [0.2, 0.2]))
    assert os.getpid() not in pids
    assert len(pids) == 2


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


def test_median_speedup_compares_round_by_round() -> None:
    # A burst of load doubles both runs of the second round: the ratio stays 2.
    assert median_speedup([1.0, 2.0, 1.0], [0.5, 1.0, 0.5]) == 2.0
    # One round where only the variant was disturbed does not move the median.
    assert median_speedup([1.0, 1.0, 1.0], [1.0, 5.0, 1.0]) == 1.0


def test_cores_busy_counts_cpu_not_waiting() -> None:
    assert cores_busy(lambda: wait(0.05), repeat=2) < 0.2


def test_two_counting_threads_keep_at_most_one_core_busy() -> None:
    # The GIL lets one thread run Python at a time; load from other programs can only lower this.
    assert cores_busy(lambda: on_threads(count_down, [1_000_000] * 2, workers=2), repeat=3) < 1.1

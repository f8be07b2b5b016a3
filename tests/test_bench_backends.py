"""bench/backends.py at a tiny size: every setup starts, serves its links and is what it claims.

Not a measurement (the numbers of a one-second run on a busy machine mean nothing, and the goals
are not asserted): it proves the script runs end to end against real PostgreSQL and Redis. The
script itself stops with an error when a setup with Redis did not serve from it, or one without
Redis touched it, and when any link fails to redirect.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUPS = (
    "SQLite alone",
    "PostgreSQL alone",
    "PostgreSQL + Redis",
    "PostgreSQL + local cache",
    "local cache, 1 worker",
    "local cache, 2 workers",
)


def test_every_setup_serves_redirects_without_errors(
    require_programs: Callable[..., None],
) -> None:
    require_programs("postgresql", "redis")
    command = [sys.executable, "-m", "bench.backends", "--seconds=1", "--warmup=0"]
    command += ["--links=5", "--rounds=1", "--connections=4", "--load=python"]
    completed = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode in (0, 1), completed.stderr  # 1: a goal missed, not a failure
    rows = {
        line[:28].strip(): line[28:].split()
        for line in completed.stdout.splitlines()
        if line[:28].strip() in SETUPS
    }
    assert set(rows) == set(SETUPS), completed.stdout
    for name, (requests_per_second, _p50, _p99, errors) in rows.items():
        assert float(requests_per_second) > 0, name
        assert errors == "0", (name, completed.stdout)
    assert "2 workers / 1 worker (x)" in completed.stdout

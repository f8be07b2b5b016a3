"""How long does a warm `make test` take? The wall clock around the real command, run N times.

Usage, from the repository's root (about three minutes a run on a 2-core machine):

    .venv/bin/python -m bench.suite_time             # one run
    .venv/bin/python -m bench.suite_time --runs 5    # five in a row: the figures, and all green?

"Warm" means what a second `make test` finds: `.venv` installed and the site's JavaScript fetched.
Both are done before the clock starts (`make .venv/.installed`, `python -m helpers.website
fetch-assets` where npm is installed), so a run measures the tests and nothing else. Each run's
output goes to build/suite-time/run-N.log; the script prints, per run, the wall time, the seconds
of each pytest phase (from pytest's closing lines) and `make test`'s totals line, then the
fastest, median and slowest wall time. It exits with status 1 if any run failed.

It is not a test: it measures, and the machine's other work shows in the figures, so quote the
median of several runs taken while nothing else runs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "build" / "suite-time"
# pytest's closing line: "==== 1234 passed, 5 skipped in 98.76s (0:01:38) ====" (no "=" with -q).
PHASE = re.compile(r"^(?:=+ )?\d+ \w+.* in (?P<seconds>[0-9.]+)s(?: \([0-9:]+\))?(?: =+)?$")


@dataclass(frozen=True)
class Run:
    number: int
    seconds: float
    status: int
    phases: list[float]
    closing: str

    def __str__(self) -> str:
        phases = " + ".join(f"{seconds:.1f}" for seconds in self.phases) or "none"
        verdict = "green" if self.status == 0 else f"FAILED (exit {self.status})"
        return (
            f"run {self.number}: {self.seconds:.1f} s wall, pytest phases {phases} s, "
            f"{verdict}; {self.closing}"
        )


def warm_up(make: str) -> None:
    """Install .venv if needed and fetch the site's JavaScript, outside the measured runs."""
    subprocess.run([make, "--no-print-directory", ".venv/.installed"], cwd=ROOT, check=True)
    if shutil.which("npm"):
        python = ROOT / ".venv" / "bin" / "python"
        subprocess.run([str(python), "-m", "helpers.website", "fetch-assets"], cwd=ROOT, check=True)


def timed_run(make: str, number: int) -> Run:
    """One `make test`, its output in build/suite-time/run-N.log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"run-{number}.log"
    with log.open("w") as output:
        started = time.monotonic()
        status = subprocess.run(
            [make, "--no-print-directory", "test"],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode
        seconds = time.monotonic() - started
    lines = log.read_text(errors="replace").splitlines()
    phases = [float(match["seconds"]) for line in lines if (match := PHASE.match(line.strip()))]
    totals = [line for line in lines if line.startswith("total: ")]  # the Makefile's last word
    closing = totals[-1] if totals else next((line for line in reversed(lines) if line), "")
    return Run(number, seconds, status, phases, closing.strip() or "(no output)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suite_time", description=__doc__)
    parser.add_argument("--runs", type=int, default=1, help="how many runs in a row (1)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    make = shutil.which("make")
    if make is None:
        print("make is not installed", file=sys.stderr)
        return 2
    os.environ.pop("PYTEST_ADDOPTS", None)  # measure `make test` as the README runs it
    warm_up(make)
    runs = []
    for number in range(1, args.runs + 1):
        runs.append(timed_run(make, number))
        print(runs[-1], flush=True)
    walls = [run.seconds for run in runs]
    print(
        f"{len(runs)} run(s): fastest {min(walls):.1f} s, median {statistics.median(walls):.1f} s, "
        f"slowest {max(walls):.1f} s; {sum(run.status == 0 for run in runs)} green"
    )
    return 0 if all(run.status == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())

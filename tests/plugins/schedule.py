"""The order in which pytest-xdist hands out test files: the longest first.

`make test` runs `--dist loadfile`: each file goes whole to one worker, in collection order, as
workers free up. A long file collected last keeps one worker busy while the others wait. This
plugin orders the files by the time they took in the last parallel phase (the JUnit XML that
`make test` keeps in build/test-results/parallel.xml), longest first; a file it has no time for
goes last, in pytest's order. Without that XML (a fresh clone) pytest's order stays. Every worker
reads the same XML and sorts alike, as xdist requires; the tests inside a file keep their order.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

LAST_RUN = Path(__file__).resolve().parents[2] / "build" / "test-results" / "parallel.xml"


def class_times(results: Path) -> Counter[str]:
    """Seconds per JUnit `classname` in `results`; nothing when there is no readable file."""
    times: Counter[str] = Counter()
    try:
        root = ET.parse(results).getroot()
    except (OSError, ET.ParseError):
        return times
    for case in root.iter("testcase"):
        times[case.get("classname", "")] += float(case.get("time", 0))
    return times


def junit_name(path: str) -> str:
    """The `classname` prefix pytest's JUnit report gives the tests of the file at `path`."""
    return re.sub(r"\.py$", "", path.replace("/", "."))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    times = class_times(LAST_RUN)
    if not times:
        return
    seconds: dict[str, float] = {}
    for item in items:
        path = item.nodeid.partition("::")[0]
        if path not in seconds:
            prefix = junit_name(path)
            seconds[path] = sum(
                time
                for name, time in times.items()
                if name == prefix or name.startswith(prefix + ".")
            )
    items.sort(key=lambda item: -seconds[item.nodeid.partition("::")[0]])

"""tests/plugins/schedule.py: files handed to xdist longest first, by the last run's JUnit times."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.plugins import schedule

LAST_RUN = """<testsuites><testsuite>
<testcase classname="tests.test_quick" name="a" time="0.5"/>
<testcase classname="tests.shortener.test_slow.TestThing" name="b" time="20"/>
<testcase classname="tests.shortener.test_slow" name="c" time="5"/>
<testcase classname="notebooks.10_building.ipynb" name="Cell 0" time="9"/>
</testsuite></testsuites>"""


def items(*nodeids: str) -> list[Any]:
    return [SimpleNamespace(nodeid=nodeid) for nodeid in nodeids]


def ordered(monkeypatch: pytest.MonkeyPatch, results: Path, collected: list[Any]) -> list[str]:
    monkeypatch.setattr(schedule, "LAST_RUN", results)
    schedule.pytest_collection_modifyitems(collected)
    return [item.nodeid for item in collected]


def test_the_longest_file_goes_first_and_a_new_one_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "parallel.xml"
    results.write_text(LAST_RUN)
    collected = items(
        "notebooks/10_building.ipynb::Cell 0",
        "tests/test_new.py::x",
        "tests/test_quick.py::a",
        "tests/shortener/test_slow.py::TestThing::b",
        "tests/shortener/test_slow.py::c",
    )
    assert ordered(monkeypatch, results, collected) == [
        "tests/shortener/test_slow.py::TestThing::b",  # 25 s, its tests in their order
        "tests/shortener/test_slow.py::c",
        "notebooks/10_building.ipynb::Cell 0",  # 9 s
        "tests/test_quick.py::a",  # 0.5 s
        "tests/test_new.py::x",  # never timed
    ]


@pytest.mark.parametrize("content", [None, "<testsuites><testsuite"])
def test_without_a_readable_last_run_the_order_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None
) -> None:
    results = tmp_path / "parallel.xml"
    if content is not None:
        results.write_text(content)
    collected = items("tests/test_b.py::x", "tests/test_a.py::y")
    assert ordered(monkeypatch, results, collected) == ["tests/test_b.py::x", "tests/test_a.py::y"]

"""helpers.environment: the packages check reads pins as pip does and compares them as versions."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from helpers.environment import check_packages, pinned_versions


def test_pins_are_read_by_canonical_name_and_the_rest_passed_over(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# a comment\n\nFlask_Limiter==4.1.1  # trailing comment\npsycopg[binary]==3.3.9\n"
        "requests>=2\n-e .\n"
    )
    assert pinned_versions(requirements) == {"flask-limiter": "4.1.1", "psycopg": "3.3.9"}


def test_equal_versions_pass_however_they_are_written(tmp_path: Path) -> None:
    installed = metadata.version("flask")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"Flask=={installed}.0\n")  # 3.1.3.0 is 3.1.3
    assert check_packages(requirements).ok
    requirements.write_text("flask==0.1\nno-such-package-here==1.0\n")
    check = check_packages(requirements)
    assert not check.ok
    assert f"flask {installed} (want 0.1)" in check.detail
    assert "no-such-package-here missing (want 1.0)" in check.detail


def test_the_projects_own_pins_are_installed() -> None:
    assert check_packages().ok, check_packages().detail

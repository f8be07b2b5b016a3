"""Fetching the site's JavaScript: the pinned hash is enforced, and the files land where the build
copies them from. A stand-in `npm` on the PATH packs a small tarball, so nothing is downloaded."""

from __future__ import annotations

import io
import stat
import sys
import tarfile
from pathlib import Path

import pytest

from helpers.website import assets

FAKE_NPM = """#!{python}
import json, shutil, sys
destination = sys.argv[sys.argv.index("--pack-destination") + 1]
shutil.copy({tarball!r}, destination)
print(json.dumps([{{"filename": "demo-1.0.0.tgz"}}]))
"""


def tarball(path: Path, files: dict[str, bytes]) -> bytes:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path.read_bytes()


@pytest.fixture
def demo_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A stand-in npm that hands out demo@1.0.0; returns the tarball's bytes."""
    data = tarball(
        tmp_path / "demo-1.0.0.tgz",
        {"package/dist/demo.js": b"window.demo = 1;", "package/LICENSE": b"MIT"},
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM.format(python=sys.executable, tarball=str(tmp_path / "demo-1.0.0.tgz")))
    npm.chmod(npm.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))
    return data


def pin(monkeypatch: pytest.MonkeyPatch, integrity: str) -> None:
    files = {"package/dist/demo.js": "demo.js", "package/LICENSE": "demo-LICENSE.txt"}
    monkeypatch.setattr(assets, "ASSETS", (assets.Asset("demo", "1.0.0", integrity, files),))


def test_a_tarball_with_the_pinned_hash_is_unpacked_and_installed(
    demo_package: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, assets.sri(demo_package))
    cache, site = tmp_path / "cache", tmp_path / "site" / "assets"
    assert assets.missing(cache) == ["demo.js", "demo-LICENSE.txt"]
    assets.fetch(cache)
    assert assets.missing(cache) == []
    assets.install(site, cache)
    assert (site / "demo.js").read_bytes() == b"window.demo = 1;"
    assert (site / "demo-LICENSE.txt").read_bytes() == b"MIT"


def test_a_tarball_with_another_hash_is_refused(
    demo_package: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, assets.sri(demo_package + b"tampered"))
    with pytest.raises(RuntimeError, match="sha512 is not the pinned one"):
        assets.fetch(tmp_path / "cache")
    assert assets.missing(tmp_path / "cache") == ["demo.js", "demo-LICENSE.txt"]


def test_building_without_the_assets_says_how_to_get_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, "sha512-unused")
    with pytest.raises(assets.AssetsMissing, match="run `make site`"):
        assets.install(tmp_path / "site", tmp_path / "empty-cache")

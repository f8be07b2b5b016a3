"""The JavaScript the pages need, fetched once from the npm registry and then used offline.

nbconvert's HTML pages load mermaid and MathJax from a CDN, so a page read offline shows neither
diagrams nor formulas. Instead, each library's own npm package, at a pinned version whose tarball
must match a pinned sha512, is fetched once into a cache (`npm pack`, no install, no dependencies),
and the site build copies the one self-contained file it needs, with its licence, next to the pages.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CACHE = ROOT / "build" / "site-assets"
NPM_TIMEOUT = 300


@dataclass(frozen=True)
class Asset:
    """Files from one npm package: `files` maps a path in its tarball to a name in the site."""

    package: str
    version: str
    integrity: str
    files: dict[str, str]

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"

    def cached(self, cache: Path) -> dict[str, Path]:
        """Where each file of this version lives in `cache`, by its name in the site."""
        return {name: cache / self.spec / name for name in self.files.values()}


ASSETS = (
    # Mermaid's single-file build, which defines `window.mermaid`: no module loading, so it works
    # from file:// too. 11.10.0 is the version nbconvert 7.17 itself pairs with.
    Asset(
        "mermaid",
        "11.10.0",
        "sha512-oQsFzPBy9xlpnGxUqLbVY8pvknLlsNIJ0NWwi8SUJjhbP1IT0E0o1lfhU4iYV3ubpy+xkzkaOyDUQMn06vQElQ==",
        {"package/dist/mermaid.min.js": "mermaid.min.js", "package/LICENSE": "mermaid-LICENSE.txt"},
    ),
    # MathJax 3's TeX-to-SVG build with every extension inside: it draws glyphs as SVG paths, so
    # it loads no fonts and no further files.
    Asset(
        "mathjax",
        "3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        {
            "package/es5/tex-svg-full.js": "tex-svg-full.js",
            "package/LICENSE": "mathjax-LICENSE.txt",
        },
    ),
)


class AssetsMissing(FileNotFoundError):
    """The cache lacks files the site needs: `make site` (or `fetch-assets`) fetches them."""


def sri(data: bytes) -> str:
    """The integrity string npm records for a tarball: `sha512-` and the base64 digest."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def missing(cache: Path = CACHE) -> list[str]:
    """Names of the files the site needs that are not in the cache yet."""
    return [
        name for asset in ASSETS for name, path in asset.cached(cache).items() if not path.is_file()
    ]


def fetch(cache: Path = CACHE) -> None:
    """Fetch every package whose files are not in `cache` yet, check its hash, unpack its files."""
    for asset in ASSETS:
        targets = asset.cached(cache)
        if all(path.is_file() for path in targets.values()):
            continue
        with tempfile.TemporaryDirectory() as download:
            tarball = _npm_pack(asset.spec, Path(download))
            if sri(tarball.read_bytes()) != asset.integrity:
                raise RuntimeError(f"{asset.spec}: the tarball's sha512 is not the pinned one")
            with tarfile.open(tarball) as archive:
                for member, name in asset.files.items():
                    source = archive.extractfile(member)
                    if source is None:
                        raise RuntimeError(f"{asset.spec} has no file {member}")
                    targets[name].parent.mkdir(parents=True, exist_ok=True)
                    targets[name].write_bytes(source.read())


def _npm_pack(spec: str, folder: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsMissing(
            "npm is needed once to fetch mermaid and MathJax for the site; install Node.js and npm"
        )
    result = subprocess.run(
        [npm, "pack", spec, "--json", "--pack-destination", str(folder)],
        capture_output=True,
        text=True,
        check=True,
        timeout=NPM_TIMEOUT,
    )
    return folder / json.loads(result.stdout)[0]["filename"]


def install(destination: Path, cache: Path = CACHE) -> None:
    """Copy every cached file into `destination`, the site's assets folder."""
    if absent := missing(cache):
        raise AssetsMissing(
            f"{', '.join(absent)} not in {cache}: run `make site`, which fetches them once"
        )
    destination.mkdir(parents=True, exist_ok=True)
    for asset in ASSETS:
        for name, path in asset.cached(cache).items():
            shutil.copyfile(path, destination / name)

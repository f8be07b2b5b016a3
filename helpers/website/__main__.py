"""`python -m helpers.website fetch-assets` and `python -m helpers.website build OUT`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.website import assets, build

ROOT = Path(__file__).resolve().parent.parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.website", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("fetch-assets", help="fetch mermaid and MathJax once, with npm")
    builder = commands.add_parser("build", help="build the site from the notebooks, offline")
    builder.add_argument("out", type=Path, help="the folder to write the site into")
    builder.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    arguments = parser.parse_args(argv)

    try:
        if arguments.command == "fetch-assets":
            assets.fetch()
            print(f"mermaid and MathJax are in {assets.CACHE}")
        else:
            pages = build.build(arguments.notebooks, arguments.out)
            print(f"{len(pages)} pages and an index written to {arguments.out}/index.html")
    except assets.AssetsMissing as missing:
        print(missing, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

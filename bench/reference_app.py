"""The reference course's shortener, the benchmark's baseline: `python -m bench.reference_app PORT`.

The app itself lives in `helpers.reference_app`, the one copy, which notebook 10 also runs.
"""

from __future__ import annotations

import sys

from helpers.reference_app import main

if __name__ == "__main__":
    main(sys.argv)

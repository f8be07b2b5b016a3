"""`python -m helpers.shortener`: the command line in `cli.py`."""

from .cli import main

main(prog_name="python -m helpers.shortener")

"""`python -m pyovn` runs the `pyovn` command."""

from pyovn.cli.main import run

run()

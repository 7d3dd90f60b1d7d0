"""`pyovn sbctl` and `pyovn-sbctl`: ovn-sbctl's commands against any OVN SB."""

import sys

import typer

from pyovn.cli.nbctl import ctl_args
from pyovn.cms.ctl.runner import console_main, run_tool
from pyovn.cms.sbctl.verbs import SBCTL


def sbctl_command(ctx: typer.Context) -> None:
    """Query and change the OVN Southbound database (ovn-sbctl's syntax)."""
    raise typer.Exit(run_tool(SBCTL, ctl_args(ctx)))


def main() -> None:
    """The `pyovn-sbctl` console script."""
    sys.exit(console_main(SBCTL, "pyovn-sbctl"))

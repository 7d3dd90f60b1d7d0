"""`pyovn vsctl` and `pyovn-vsctl`: ovs-vsctl's commands against an Open_vSwitch DB."""

import sys

import typer

from pyovn.cli.nbctl import ctl_args
from pyovn.cms.ctl.runner import console_main, run_tool
from pyovn.cms.vsctl.verbs import VSCTL


def vsctl_command(ctx: typer.Context) -> None:
    """Configure an Open_vSwitch database (ovs-vsctl's syntax)."""
    raise typer.Exit(run_tool(VSCTL, ctl_args(ctx)))


def main() -> None:
    """The `pyovn-vsctl` console script."""
    sys.exit(console_main(VSCTL, "pyovn-vsctl"))

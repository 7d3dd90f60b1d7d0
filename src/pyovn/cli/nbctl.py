"""`pyovn nbctl` and `pyovn-nbctl`: ovn-nbctl's commands against any OVN NB."""

import sys

import typer

from pyovn.cms.ctl.runner import console_main, run_tool
from pyovn.cms.nbctl.verbs import NBCTL

#: Pass every argument, options included, through to the ovn-nbctl parser.
CTL_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def ctl_args(ctx: typer.Context) -> list[str]:
    """The subcommand's arguments as typed: click drops the `--` separators the
    ctl tools need, so take them from sys.argv after the subcommand's name."""
    name = ctx.info_name
    if name in sys.argv[1:]:
        return sys.argv[sys.argv.index(name, 1) + 1 :]
    return list(ctx.args)


def nbctl_command(ctx: typer.Context) -> None:
    """Manage the OVN Northbound database (ovn-nbctl's syntax; --help lists verbs)."""
    raise typer.Exit(run_tool(NBCTL, ctl_args(ctx)))


def main() -> None:
    """The `pyovn-nbctl` console script."""
    sys.exit(console_main(NBCTL, "pyovn-nbctl"))

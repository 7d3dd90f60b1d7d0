"""Entry point of the `pyovn` command.

Subcommands are loaded when used: a daemon such as `pyovn northd` should not
pay (in start-up time and resident memory) for the packet libraries the
simulator or the tracer import. `run()` maps pyovn's errors to one line on
stderr and exit status 1, so users never see a traceback for bad input.
"""

import importlib
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from pyovn import __version__
from pyovn.errors import PyovnError

#: Pass every argument, options included, through to the ctl tools' parsers.
_CTL = {
    "context_settings": {
        "allow_extra_args": True,
        "ignore_unknown_options": True,
        "help_option_names": [],
    },
    "add_help_option": False,
}

#: name -> (module, attribute: a typer app or a command function, command settings)
SUBCOMMANDS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "db": ("pyovn.cli.db", "db_app", {}),
    "northd": ("pyovn.cli.northd", "northd_app", {}),
    "lflow": ("pyovn.cli.lflow", "lflow_app", {}),
    "ofproto-trace": ("pyovn.cli.dataplane", "ofproto_trace_command", {}),
    "demo": ("pyovn.cli.cloud", "demo_command", {}),
    "up": ("pyovn.cli.cloud", "up_command", {}),
    "down": ("pyovn.cli.cloud", "down_command", {}),
    "status": ("pyovn.cli.cloud", "status_command", {}),
    "vswitchd": ("pyovn.cli.cloud", "vswitchd_command", {}),
    "controller": ("pyovn.cli.controller", "controller_command", {}),
    "vm": ("pyovn.cli.vm", "vm_app", {}),
    "trace": ("pyovn.cli.trace", "trace_command", {}),
    "nbctl": ("pyovn.cli.nbctl", "nbctl_command", _CTL),
    "sbctl": ("pyovn.cli.sbctl", "sbctl_command", _CTL),
    "vsctl": ("pyovn.cli.vsctl", "vsctl_command", _CTL),
    "libvirt": ("pyovn.cli.libvirt", "libvirt_app", {}),
    "api": ("pyovn.cli.api", "api_command", {}),
}


class LazyGroup(TyperGroup):
    """A command group that imports a subcommand's module on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted({*super().list_commands(ctx), *SUBCOMMANDS})

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        spec = SUBCOMMANDS.get(cmd_name)
        if spec is None:
            return super().get_command(ctx, cmd_name)
        module_name, attribute, settings = spec
        target = getattr(importlib.import_module(module_name), attribute)
        if isinstance(target, typer.Typer):
            group = typer.main.get_group(target)
            group.name = cmd_name
            return group
        holder = typer.Typer(add_completion=False, rich_markup_mode=None)
        holder.command(cmd_name, **settings)(target)
        return typer.main.get_command(holder)


app = typer.Typer(
    name="pyovn",
    cls=LazyGroup,
    help="OVN (Open Virtual Network) in Python.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help texts are plain text: "[/DATAPATH_PORT]" is syntax, not markup.
    rich_markup_mode=None,
)


@app.callback()
def main_callback() -> None:
    """OVN (Open Virtual Network) in Python."""


@app.command("version")
def version_command() -> None:
    """Print pyovn's version."""
    typer.echo(f"pyovn {__version__}")


def run() -> None:
    """Run the CLI; pyovn errors become one line on stderr and exit status 1."""
    if sys.argv[1:2] == ["controller"]:  # ovn-controller's command line works as is
        from pyovn.cli.controller import ovs_style_args

        sys.argv[2:] = ovs_style_args(sys.argv[2:])
    try:
        app()
    except PyovnError as exc:
        print(f"pyovn: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)

"""Entry point of the `pyovn` command.

Every subcommand is a typer app registered here; `run()` maps pyovn's errors
to one line on stderr and exit status 1, so users never see a traceback for
bad input.
"""

import sys

import typer

from pyovn import __version__
from pyovn.cli.api import api_command
from pyovn.cli.dataplane import ofproto_trace_command
from pyovn.cli.db import db_app
from pyovn.cli.demo import demo_command
from pyovn.cli.lflow import lflow_app
from pyovn.cli.libvirt import libvirt_app
from pyovn.cli.nbctl import CTL_SETTINGS, nbctl_command
from pyovn.cli.northd import northd_command
from pyovn.cli.sbctl import sbctl_command
from pyovn.cli.trace import trace_command
from pyovn.cli.vsctl import vsctl_command
from pyovn.errors import PyovnError

app = typer.Typer(
    name="pyovn",
    help="OVN (Open Virtual Network) in Python.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.command("northd")(northd_command)
app.add_typer(lflow_app, name="lflow")
app.command("ofproto-trace")(ofproto_trace_command)
app.command("demo")(demo_command)
app.command("trace")(trace_command)
app.command("nbctl", context_settings=CTL_SETTINGS, add_help_option=False)(nbctl_command)
app.command("sbctl", context_settings=CTL_SETTINGS, add_help_option=False)(sbctl_command)
app.command("vsctl", context_settings=CTL_SETTINGS, add_help_option=False)(vsctl_command)
app.add_typer(libvirt_app, name="libvirt")
app.command("api")(api_command)


@app.command("version")
def version_command() -> None:
    """Print pyovn's version."""
    typer.echo(f"pyovn {__version__}")


def run() -> None:
    """Run the CLI; pyovn errors become one line on stderr and exit status 1."""
    try:
        app()
    except PyovnError as exc:
        print(f"pyovn: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)

"""`pyovn controller`: ovn-controller for one chassis (a drop-in for its options)."""

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from pyovn.cli.db import setup_logging

DEFAULT_OVS_DB = "unix:/var/run/openvswitch/db.sock"


def controller_command(
    ovs_database: Annotated[
        str, typer.Argument(help="the chassis's Open_vSwitch DB remote")
    ] = DEFAULT_OVS_DB,
    switch: Annotated[
        str | None,
        typer.Option(
            help="the switch socket (default: $OVS_RUNDIR/<bridge>.mgmt for a real "
            "ovs-vswitchd, <bridge>.mgmt next to the DB socket for the simulated one)"
        ),
    ] = None,
    ovs_remote: Annotated[
        str | None,
        typer.Option(help="the chassis's Open_vSwitch DB remote (same as the argument)"),
    ] = None,
    backend: Annotated[
        str,
        typer.Option(
            help="auto (a real ovs-vswitchd if it filled in the Open_vSwitch row, "
            "else pyovn's simulated one), ovs or sim"
        ),
    ] = "auto",
    pidfile: Annotated[Path | None, typer.Option(help="write the process id here")] = None,
    log_file: Annotated[Path | None, typer.Option(help="log here instead of stderr")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Bind this chassis's VIFs and keep its integration bridge's flows current."""
    from pyovn.cloud.daemons import run_controller
    from pyovn.controller.backend import BACKENDS

    if backend not in BACKENDS:
        hint = ", ".join(BACKENDS)
        raise typer.BadParameter(f"{backend!r}: use one of {hint}", param_hint="--backend")
    remote = ovs_remote or ovs_database
    setup_logging(log_file, verbose)
    logging.getLogger("pyovn.controller").info("starting: ovs=%s", remote)
    asyncio.run(run_controller(remote, switch, pidfile, backend))

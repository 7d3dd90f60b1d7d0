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
        typer.Option(help="the switch socket (default: <bridge>.mgmt next to the DB socket)"),
    ] = None,
    pidfile: Annotated[Path | None, typer.Option(help="write the process id here")] = None,
    log_file: Annotated[Path | None, typer.Option(help="log here instead of stderr")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Bind this chassis's VIFs and keep its integration bridge's flows current."""
    from pyovn.cloud.daemons import run_controller

    setup_logging(log_file, verbose)
    logging.getLogger("pyovn.controller").info("starting: ovs=%s", ovs_database)
    asyncio.run(run_controller(ovs_database, switch, pidfile))

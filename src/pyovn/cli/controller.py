"""`pyovn controller`: ovn-controller for one chassis (a drop-in for its options).

As for ovn-controller, the Southbound remote(s) come from the local
Open_vSwitch DB (`external_ids:ovn-remote`, comma-separated for a cluster);
`ssl:` remotes need `-p/-c/-C` (or an SSL row in that DB, as `ovs-vsctl
set-ssl` makes), and with RBAC on the certificate's CN must be the chassis
name (`system-id`).
"""

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from pyovn.cli.db import setup_logging
from pyovn.ovsdb.tls import TlsFiles

DEFAULT_OVS_DB = "unix:/var/run/openvswitch/db.sock"


def controller_command(
    ovs_database: Annotated[
        str, typer.Argument(help="the chassis's Open_vSwitch DB remote")
    ] = DEFAULT_OVS_DB,
    switch: Annotated[
        str | None,
        typer.Option(help="the switch socket (default: <bridge>.mgmt next to the DB socket)"),
    ] = None,
    private_key: Annotated[
        str | None, typer.Option("--private-key", "-p", help="SSL private key file")
    ] = None,
    certificate: Annotated[
        str | None, typer.Option("--certificate", "-c", help="SSL certificate file")
    ] = None,
    ca_cert: Annotated[
        str | None, typer.Option("--ca-cert", "-C", help="SSL CA certificate file")
    ] = None,
    pidfile: Annotated[Path | None, typer.Option(help="write the process id here")] = None,
    log_file: Annotated[Path | None, typer.Option(help="log here instead of stderr")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Bind this chassis's VIFs and keep its integration bridge's flows current."""
    from pyovn.cloud.daemons import run_controller

    tls = TlsFiles(private_key, certificate, ca_cert)
    if tls.configured:
        tls.client_context()  # unusable files: a one-line error now, not a retry loop
    setup_logging(log_file, verbose)
    logging.getLogger("pyovn.controller").info("starting: ovs=%s", ovs_database)
    asyncio.run(run_controller(ovs_database, switch, pidfile, tls))

"""`pyovn controller`: ovn-controller for one chassis (a drop-in for its options).

As for ovn-controller, the Southbound remote(s) come from the local
Open_vSwitch DB (`external_ids:ovn-remote`, comma-separated for a cluster);
`ssl:` remotes need `-p/-c/-C` (or an SSL row in that DB, as `ovs-vsctl
set-ssl` makes), and with RBAC on the certificate's CN must be the chassis
name (`system-id`).

It takes ovn-controller's command line: the Open_vSwitch DB remote,
`--pidfile=`, `--log-file=`, `--detach`, and accepts (and ignores)
`--no-chdir` and OVS logging specs such as `-vconsole:off`.
"""

import asyncio
import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from pyovn.cli.db import setup_logging
from pyovn.cli.tls_options import CaCertOption, CertificateOption, PrivateKeyOption
from pyovn.ovsdb.tls import TlsFiles

DEFAULT_OVS_DB = "unix:/var/run/openvswitch/db.sock"


def ovs_style_args(args: list[str]) -> list[str]:
    """ovn-controller's arguments without the ones pyovn ignores (`--no-chdir`,
    `-v<module>:<level>` logging specs; a bare `-v` stays pyovn's --verbose)."""
    return [a for a in args if a != "--no-chdir" and not (a.startswith("-v") and len(a) > 2)]


def _detach(pidfile: Path | None) -> None:
    """Run on in a child process, in its own session; the parent returns once
    the child wrote its pidfile (as ovn-controller --detach does)."""
    child = os.fork()
    if child:
        deadline = time.monotonic() + 10
        while pidfile is not None and time.monotonic() < deadline:
            if pidfile.exists() and pidfile.read_text().strip() == str(child):
                break
            time.sleep(0.02)
        os._exit(0)
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        os.dup2(null, stream.fileno())


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
    private_key: PrivateKeyOption = None,
    certificate: CertificateOption = None,
    ca_cert: CaCertOption = None,
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
    detach: Annotated[
        bool, typer.Option(help="run in the background (returns once the pidfile is written)")
    ] = False,
    log_file: Annotated[Path | None, typer.Option(help="log here instead of stderr")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Bind this chassis's VIFs and keep its integration bridge's flows current."""
    from pyovn.cloud.daemons import run_controller
    from pyovn.controller.backend import BACKENDS

    if backend not in BACKENDS:
        hint = ", ".join(BACKENDS)
        raise typer.BadParameter(f"{backend!r}: use one of {hint}", param_hint="--backend")
    tls = TlsFiles(private_key, certificate, ca_cert)
    if tls.configured:
        tls.client_context()  # unusable files: a one-line error now, not a retry loop
    remote = ovs_remote or ovs_database
    if detach:
        _detach(pidfile)
    setup_logging(log_file, verbose)
    logging.getLogger("pyovn.controller").info("starting: ovs=%s", remote)
    asyncio.run(run_controller(remote, switch, pidfile, tls, backend))

"""`pyovn libvirt`: attach libvirt domains to OVN, and the agent that keeps
logical ports in step with libvirt's domains."""

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from pyovn.cli.db import setup_logging, write_pidfile
from pyovn.cli.tls_options import CaCertOption, CertificateOption, PrivateKeyOption
from pyovn.cms.libvirt.agent import LibvirtAgent, SwitchMap
from pyovn.cms.libvirt.attach import attach_domain
from pyovn.ovsdb.tls import TlsFiles

libvirt_app = typer.Typer(help="libvirt domains on OVN logical switches.", no_args_is_help=True)

DEFAULT_NB = "unix:/var/run/ovn/ovnnb_db.sock"


def _nb(db: str | None) -> str:
    return db or os.environ.get("OVN_NB_DB") or DEFAULT_NB


@libvirt_app.command("attach")
def attach_command(
    domain_xml: Annotated[Path, typer.Argument(help="domain XML file ('-' for stdin)")],
    switch: Annotated[str, typer.Option("--switch", help="logical switch for the NICs")],
    ip: Annotated[str | None, typer.Option("--ip", help="IP of the first NIC")] = None,
    db: Annotated[str | None, typer.Option("--db", help="NB remote (default $OVN_NB_DB)")] = None,
    bridge: Annotated[str, typer.Option(help="bridge for NICs without a source")] = "br-int",
) -> None:
    """Add openvswitch virtualports to DOMAIN_XML, create its logical ports, print the XML."""
    xml = sys.stdin.read() if str(domain_xml) == "-" else domain_xml.read_text()
    sys.stdout.write(asyncio.run(attach_domain(xml, _nb(db), switch, ip, bridge)))


@libvirt_app.command("agent")
def agent_command(
    uri: Annotated[str, typer.Option("--uri", help="libvirt URI, e.g. qemu:///system")],
    switch_map: Annotated[
        list[str], typer.Option("--switch-map", help="BRIDGE=SWITCH (repeatable or comma list)")
    ],
    db: Annotated[str | None, typer.Option("--db", help="NB remote (default $OVN_NB_DB)")] = None,
    ovs_db: Annotated[
        str | None, typer.Option("--ovs-db", help="plug taps into this Open_vSwitch DB")
    ] = None,
    pidfile: Annotated[Path | None, typer.Option(help="write the process id here")] = None,
    log_file: Annotated[Path | None, typer.Option(help="log here instead of stderr")] = None,
    private_key: PrivateKeyOption = None,
    certificate: CertificateOption = None,
    ca_cert: CaCertOption = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Keep logical switch ports in step with libvirt domains (define/start/undefine)."""
    setup_logging(log_file, verbose)
    mapping = SwitchMap.parse(switch_map)
    tls = TlsFiles(private_key, certificate, ca_cert)
    context = tls.client_context() if tls.configured else None
    agent = LibvirtAgent(uri, mapping, _nb(db), ovs_db, ssl_context=context)
    asyncio.run(_run_agent(agent, pidfile))


async def _run_agent(agent: LibvirtAgent, pidfile: Path | None) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, agent.stop)
    try:
        await agent.start()
        write_pidfile(pidfile)
        await agent.run()
    finally:
        await agent.close()
        if pidfile is not None:
            pidfile.unlink(missing_ok=True)

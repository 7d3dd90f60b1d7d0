"""`pyovn vm`: boot and drive the simulated VMs of a running cloud."""

import asyncio
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

vm_app = typer.Typer(help="Boot and drive the VMs of a running cloud.", no_args_is_help=True)
T = TypeVar("T")

RundirOption = Annotated[
    Path | None,
    typer.Option("--rundir", help="run directory (default: $PYOVN_RUNDIR or /tmp/pyovn-UID)"),
]


def _with_client(rundir: Path | None, work: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    from pyovn.cloud.rundir import default_rundir
    from pyovn.cloud.vmctl import CloudClient

    client = CloudClient(rundir or default_rundir())
    return asyncio.run(work(client))


@vm_app.command("boot")
def boot_command(
    name: Annotated[
        str | None, typer.Argument(help="VM name (from the domain XML if omitted)")
    ] = None,
    chassis: Annotated[str, typer.Option(help="chassis to run on")] = "hv1",
    xml: Annotated[Path | None, typer.Option(help="libvirt domain XML to boot from")] = None,
    mac: Annotated[str | None, typer.Option(help="NIC MAC address")] = None,
    iface_id: Annotated[
        str | None, typer.Option(help="OVS external_ids:iface-id (logical port)")
    ] = None,
    ip: Annotated[str | None, typer.Option(help="static address, e.g. 10.0.0.11/24")] = None,
    gw: Annotated[str | None, typer.Option(help="default gateway")] = None,
    bridge: Annotated[str, typer.Option(help="bridge to plug into")] = "br-int",
    rundir: RundirOption = None,
) -> None:
    """Start a VM (like `virsh create`) and plug its NIC into the chassis's bridge."""
    from pyovn.cloud.domxml import parse_domain
    from pyovn.cloud.errors import VmError

    async def work(client: Any) -> dict[str, Any]:
        if xml is not None:
            domain = parse_domain(xml.read_text())
            return await client.boot_domain(chassis, domain, cidr=ip, gateway=gw)  # type: ignore[no-any-return]
        if not name or not mac:
            raise VmError("give --xml, or a name and --mac")
        return await client.boot(  # type: ignore[no-any-return]
            chassis, name, mac, iface_id=iface_id, bridge=bridge, cidr=ip, gateway=gw
        )

    vm = _with_client(rundir, work)
    typer.echo(
        f"{vm['name']} booted on {chassis}: {vm['interface']} on {vm['bridge']}, "
        f"mac {vm['mac']}, iface-id {vm['iface_id']}, ip {vm['ip'] or '(none; try dhcp)'}"
    )


@vm_app.command("list")
def list_command(rundir: RundirOption = None) -> None:
    """List the VMs of every chassis."""
    for vm in _with_client(rundir, lambda c: c.vms()):
        typer.echo(
            f"{vm['name']:8s} {vm['chassis']:5s} {vm['mac']} {vm['ip'] or '-':18s} "
            f"iface-id={vm['iface_id'] or '-'}"
        )


@vm_app.command("ping")
def ping_command(
    vm: Annotated[str, typer.Argument(help="the VM that pings")],
    target: Annotated[str, typer.Argument(help="IPv4 address to ping")],
    count: Annotated[int, typer.Option("-c", "--count")] = 3,
    rundir: RundirOption = None,
) -> None:
    """ICMP echo from a VM; exits 1 when nothing answers."""
    result = _with_client(rundir, lambda c: c.ping(vm, target, count))
    for reply in result["replies"]:
        typer.echo(
            f"reply from {reply['source']}: icmp_seq={reply['seq']} ttl={reply['ttl']} "
            f"time={reply['rtt'] * 1000:.1f} ms"
        )
    typer.echo(f"{result['sent']} sent, {len(result['replies'])} received")
    if not result["replies"]:
        raise typer.Exit(1)


@vm_app.command("curl")
def curl_command(
    vm: Annotated[str, typer.Argument(help="the client VM")],
    target: Annotated[str, typer.Argument(help="ADDRESS[:PORT] (port 80 by default)")],
    rundir: RundirOption = None,
) -> None:
    """Open a TCP connection (the handshake only): open / closed / filtered."""
    address, _, port = target.partition(":")
    state = _with_client(rundir, lambda c: c.tcp(vm, address, int(port or 80)))
    typer.echo(f"{address}:{port or 80} {state}")
    if state != "open":
        raise typer.Exit(1)


@vm_app.command("serve")
def serve_command(
    vm: Annotated[str, typer.Argument(help="the server VM")],
    port: Annotated[int, typer.Argument(help="TCP port to accept connections on")],
    rundir: RundirOption = None,
) -> None:
    """Listen on a TCP port in a VM."""
    _with_client(rundir, lambda c: c.serve(vm, port))
    typer.echo(f"{vm} listening on TCP port {port}")


@vm_app.command("dhcp")
def dhcp_command(vm: Annotated[str, typer.Argument()], rundir: RundirOption = None) -> None:
    """Get an address by DHCP (DISCOVER/OFFER/REQUEST/ACK) and apply it."""
    lease = _with_client(rundir, lambda c: c.dhcp(vm))
    typer.echo(
        f"{vm}: {lease['cidr']} router {lease['router']} dns {','.join(lease['dns'])} "
        f"mtu {lease['mtu']} lease {lease['lease_time']} s from {lease['server']}"
    )


@vm_app.command("packets")
def packets_command(
    vm: Annotated[str, typer.Argument()],
    last: Annotated[int, typer.Option(help="show this many (most recent)")] = 10,
    rundir: RundirOption = None,
) -> None:
    """Show the headers of the frames a VM received."""
    for packet in _with_client(rundir, lambda c: c.received(vm))[-last:]:
        typer.echo(json.dumps(packet))


@vm_app.command("destroy")
def destroy_command(vm: Annotated[str, typer.Argument()], rundir: RundirOption = None) -> None:
    """Stop a VM and unplug its NIC."""
    _with_client(rundir, lambda c: c.destroy(vm))
    typer.echo(f"{vm} destroyed")

"""`pyovn ofproto-trace`: explain a packet through a flow table, offline.

    pyovn ofproto-trace --flows br-int.txt --openflow15 \\
        --port ovr-vm1=2/3 'in_port=ovr-vm1,icmp,dl_src=…,nw_ttl=64'

The flows file may be `ovs-ofctl dump-flows` output or an add-flows file.
Ports referenced by number in the flows exist automatically (named
`port<N>`, datapath port N); `--port NAME=OFPORT[/DATAPATH_PORT]` names them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pyovn.dataplane import Bridge, FlowError, Group, parse_flows
from pyovn.dataplane.actions import Output
from pyovn.dataplane.field_syntax import parse_int


def _ports_in(bridge: Bridge) -> set[int]:
    numbers: set[int] = set()
    for flow in bridge.flows():
        in_port, mask = flow.match.get("in_port")
        if mask:
            numbers.add(in_port)
        numbers.update(a.port for a in flow.actions if isinstance(a, Output))
    return {number for number in numbers if 0 < number < 0xFF00}


def _add_named_ports(bridge: Bridge, specs: list[str]) -> None:
    for spec in specs:
        name, equals, numbers = spec.partition("=")
        if not equals or not name:
            raise FlowError(f"--port wants NAME=OFPORT[/DATAPATH_PORT], not {spec!r}")
        ofport_text, _, datapath_text = numbers.partition("/")
        ofport = parse_int(ofport_text, "port")
        datapath_port = parse_int(datapath_text, "datapath port") if datapath_text else ofport
        bridge.add_port(name, ofport, datapath_port=datapath_port)


def ofproto_trace_command(
    flow: Annotated[str, typer.Argument(help="the packet, in ofproto/trace flow syntax")],
    flows: Annotated[Path, typer.Option("--flows", help="dump-flows output or flow file")],
    groups: Annotated[
        Path | None, typer.Option("--groups", help="dump-groups output or group file")
    ] = None,
    bridge_name: Annotated[str, typer.Option("--bridge", help="the bridge's name")] = "br-int",
    port: Annotated[
        list[str] | None, typer.Option("--port", help="NAME=OFPORT[/DATAPATH_PORT]")
    ] = None,
    openflow15: Annotated[
        bool,
        typer.Option("--openflow15", help="as ovn-controller (OpenFlow 1.5) installs them"),
    ] = False,
    ct_next: Annotated[
        list[str] | None, typer.Option("--ct-next", help="ct_state after each recirculation")
    ] = None,
) -> None:
    """Trace a packet through OpenFlow tables like `ovs-appctl ofproto/trace`."""
    try:
        text = flows.read_text()
        group_text = groups.read_text() if groups else ""
    except OSError as error:
        raise FlowError(f"cannot read {error.filename}: {error.strerror}") from error
    bridge = Bridge(bridge_name)
    _add_named_ports(bridge, port or [])
    parsed = list(parse_flows(text))
    bridge.replace_flows(f.with_openflow15_spelling() if openflow15 else f for f in parsed)
    for line in group_text.splitlines():
        if line.strip() and "group_id=" in line:
            group = Group.parse(line)
            bridge.set_group(group.with_openflow15_spelling() if openflow15 else group)
    for number in sorted(_ports_in(bridge) - set(bridge.ports)):
        bridge.add_port(f"port{number}", number, datapath_port=number)
    typer.echo(bridge.trace(flow, ct_next=list(ct_next or [])).text)

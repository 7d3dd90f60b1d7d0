"""`show [SWITCH|ROUTER]`: the NB at a glance, in ovn-nbctl's layout.

Switches, then routers (each sorted by name; ovn-nbctl prints them in hash
order); ports and NATs in column order (by UUID), as ovn-nbctl does.
"""

from pyovn.cms.api.command import ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.nbctl import lookup

__all__ = ["ShowCommand", "show_router", "show_switch"]


def _aka(row: Row, key: str) -> str:
    alias = row["external_ids"].get(key)
    return f" (aka {alias})" if alias else ""


def _children(ctx: TxnContext, table: str, uuids: frozenset[str]) -> list[Row]:
    rows = [ctx.get(table, u) for u in sorted(uuids)]
    return [r for r in rows if r is not None]


def show_switch(ctx: TxnContext, switch: Row) -> list[str]:
    """The lines of one switch."""
    lines = [f"switch {switch.uuid} ({switch.name}){_aka(switch, 'neutron:network_name')}"]
    for port in _children(ctx, "Logical_Switch_Port", switch["ports"]):
        lines.append(f"    port {port.name}{_aka(port, 'neutron:port_name')}")
        if port["type"]:
            lines.append(f"        type: {port['type']}")
        for parent in sorted(port["parent_name"]):
            lines.append(f"        parent: {parent}")
        for tag in sorted(port["tag"]):
            lines.append(f"        tag: {tag}")
        addresses = sorted(port["addresses"])
        if addresses and addresses != ["router"]:
            quoted = ", ".join(f'"{a}"' for a in addresses)
            lines.append(f"        addresses: [{quoted}]")
        router_port = port["options"].get("router-port")
        if router_port is not None:
            lines.append(f"        router-port: {router_port}")
    return lines


def show_router(ctx: TxnContext, router: Row) -> list[str]:
    """The lines of one router."""
    lines = [f"router {router.uuid} ({router.name}){_aka(router, 'neutron:router_name')}"]
    for port in _children(ctx, "Logical_Router_Port", router["ports"]):
        lines.append(f"    port {port.name}")
        lines.append(f'        mac: "{port["mac"]}"')
        networks = ", ".join(f'"{n}"' for n in sorted(port["networks"]))
        lines.append(f"        networks: [{networks}]")
        route_table = port["options"].get("route_table")
        if route_table is not None:
            lines.append(f"        route-table: {route_table}")
        chassis = _children(ctx, "Gateway_Chassis", port["gateway_chassis"])
        if chassis:
            names = " ".join(c["chassis_name"] for c in chassis)
            lines.append(f"        gateway chassis: [{names}]")
    for nat in _children(ctx, "NAT", router["nat"]):
        lines.append(f"    nat {nat.uuid}")
        lines.append(f'        external ip: "{nat["external_ip"]}"')
        if nat["external_port_range"]:
            lines.append(f'        external port(s): "{nat["external_port_range"]}"')
        lines.append(f'        logical ip: "{nat["logical_ip"]}"')
        lines.append(f'        type: "{nat["type"]}"')
    return lines


class ShowCommand(ReadCommand):
    """`show [SWITCH|ROUTER]`: the result is the text to print."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name

    def run(self, ctx: TxnContext) -> None:
        lines: list[str] = []
        if self.name is not None:
            switch = lookup.find_ls(ctx, self.name)
            if switch is not None:
                lines = show_switch(ctx, switch)
            else:
                router = lookup.find_lr(ctx, self.name)
                lines = show_router(ctx, router) if router is not None else []
        else:
            key = lambda r: (r.name, r.uuid)  # noqa: E731
            for switch in sorted(ctx.rows("Logical_Switch"), key=key):
                lines.extend(show_switch(ctx, switch))
            for router in sorted(ctx.rows("Logical_Router"), key=key):
                lines.extend(show_router(ctx, router))
        self.result = "".join(line + "\n" for line in lines)

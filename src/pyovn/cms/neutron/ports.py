"""Ports: one Logical_Switch_Port each, named by the port's id (the
`external_ids:iface-id` a hypervisor sets on the VM's interface).

    addresses      ["MAC IP..."] (+ the MACs of allowed address pairs;
                   + "unknown" without port security, so any MAC may leave)
    port_security  ["MAC IP... PAIR-IP..."] (+ "PAIR-MAC PAIR-IP" per pair with
                   its own MAC); [] without port security
    external_ids   neutron:port_name, device_id, device_owner, project_id, cidrs,
                   network_name, security_group_ids, revision_number
    port groups    pg_<sg> per security group, and neutron_pg_drop
    dhcpv4_options the subnet's DHCP_Options row while it serves DHCP
"""

import json
import random
from typing import Any

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import ValueSyntaxError
from pyovn.cms.nbctl.addresses import parse_mac
from pyovn.cms.neutron import addressing as ip
from pyovn.cms.neutron import records as rec
from pyovn.cms.neutron.auth import Principal
from pyovn.cms.neutron.bodies import AddressPair, PortCreate, PortUpdate
from pyovn.cms.neutron.dhcp import refresh_port_dhcp
from pyovn.cms.neutron.errors import BadRequest, Conflict, Forbidden, not_found
from pyovn.cms.neutron.fixed_ips import Allocation, allocate, cidrs_text
from pyovn.cms.neutron.naming import Key, Owner
from pyovn.cms.neutron.port_groups import ensure_default_group, set_port_groups
from pyovn.cms.neutron.views import port_view

__all__ = [
    "CreatePort",
    "DeletePort",
    "ListPorts",
    "ShowPort",
    "UpdatePort",
    "delete_port_row",
    "insert_port",
]


def random_mac() -> str:
    return "fa:16:3e:" + ":".join(f"{random.randrange(256):02x}" for _ in range(3))


def _mac(text: str) -> str:
    try:
        parse_mac(text)
    except ValueSyntaxError:
        raise BadRequest(f"'{text}' is not a valid MAC address", "InvalidInput") from None
    return text.lower()


def _network_macs(ctx: TxnContext, switch: Row, skip: str = "") -> set[str]:
    return {rec.port_mac(p) for p in rec.network_ports(ctx, switch) if p.name != skip}


def choose_mac(ctx: TxnContext, switch: Row, wanted: str | None, port_id: str) -> str:
    rec.lock_addresses(switch)
    macs = _network_macs(ctx, switch, port_id)
    if wanted is not None:
        mac = _mac(wanted)
        if mac in macs:
            raise Conflict(
                f"Unable to complete operation for network {rec.network_id(switch)}. "
                f"The mac address {mac} is in use.",
                "MacAddressInUse",
            )
        return mac
    mac = random_mac()
    while mac in macs:
        mac = random_mac()
    return mac


def _pairs(pairs: list[AddressPair], mac: str) -> list[dict[str, str]]:
    out = []
    for pair in pairs:
        try:
            network = ip.to_network(pair.ip_address)
        except ValueError:
            raise BadRequest(f"'{pair.ip_address}' is not a valid IP address or CIDR") from None
        text = str(network.network_address) if network.num_addresses == 1 else str(network)
        out.append({"ip_address": text, "mac_address": _mac(pair.mac_address or mac)})
    return out


def lsp_addresses(
    mac: str, ips: list[ip.IpAddress], pairs: list[dict[str, str]], secured: bool
) -> tuple[list[str], list[str]]:
    """(addresses, port_security) of a VM port."""
    primary = " ".join([mac, *(str(a) for a in ips)])
    own = [p["ip_address"] for p in pairs if p["mac_address"] == mac]
    others: dict[str, list[str]] = {}
    for pair in pairs:
        if pair["mac_address"] != mac:
            others.setdefault(pair["mac_address"], []).append(pair["ip_address"])
    addresses = [primary, *others]
    if not secured:
        return [*addresses, "unknown"], []
    security = [" ".join([primary, *own]), *(" ".join([m, *a]) for m, a in others.items())]
    return addresses, security


def apply_layout(port: Row, mac: str, allocations: list[Allocation], state: dict[str, Any]) -> None:
    """Write the port's addresses, port security and cidrs from its state."""
    ips = [address for address, _ in allocations]
    pairs: list[dict[str, str]] = state["pairs"]
    addresses, security = lsp_addresses(mac, ips, pairs, state["secured"])
    port["addresses"] = frozenset(addresses)
    port["port_security"] = frozenset(security)
    port.setkey("external_ids", Key.CIDRS, cidrs_text(allocations))
    port.setkey("external_ids", Key.ALLOWED_ADDRESS_PAIRS, json.dumps(pairs))
    port.setkey("external_ids", Key.PORT_SECURITY, "true" if state["secured"] else "false")


def _groups(ctx: TxnContext, who: Principal, project: str, given: list[str] | None) -> list[str]:
    if given is None:
        return [ensure_default_group(ctx, project)]
    for sg_id in given:
        group = rec.find_security_group(ctx, who, sg_id)
        if rec.project_of(group) != project:
            raise not_found("SecurityGroup", sg_id)
    return list(dict.fromkeys(given))


def insert_port(
    ctx: TxnContext, switch: Row, port_id: str, ids: dict[str, str], **columns: Any
) -> Row:
    """A new Logical_Switch_Port of a network, with the keys every port has."""
    ids = {Key.NETWORK_NAME: switch.name, Key.REVISION: "1", **ids}
    port = ctx.insert("Logical_Switch_Port", name=port_id, external_ids=ids, **columns)
    switch.add("ports", port.uuid)
    return port


def _check_security(secured: bool, groups: list[str] | None, pairs: list[Any]) -> None:
    if not secured and groups:
        raise Conflict(
            "Port has security group associated. Cannot disable port security or IP "
            "address until security group is removed.",
            "PortSecurityAndIPRequiredForSecurityGroups",
        )
    if not secured and pairs:
        raise Conflict(
            "Port Security must be enabled in order to have allowed address pairs on a port.",
            "AddressPairAndPortSecurityRequired",
        )


class CreatePort(Command):
    def __init__(self, who: Principal, body: PortCreate) -> None:
        self.who, self.body = who, body
        self.id = rec.new_id()

    def run(self, ctx: TxnContext) -> None:
        body = self.body
        switch = rec.find_network(ctx, self.who, body.network_id)
        if not self.who.can_see(rec.project_of(switch)) and not rec.is_shared(switch):
            raise Forbidden(f"network {body.network_id} belongs to another project")
        project = self.who.owner_for(body.project_id or body.tenant_id)
        if body.device_owner.startswith("network:") and not self.who.is_admin:
            raise Forbidden(f"only an admin may create ports owned by {body.device_owner}")
        secured = body.port_security_enabled
        if secured is None:
            secured = switch["external_ids"].get(Key.PORT_SECURITY, "true") == "true"
        _check_security(secured, body.security_groups, body.allowed_address_pairs)
        mac = choose_mac(ctx, switch, body.mac_address, self.id)
        allocations = allocate(ctx, switch, body.fixed_ips)
        groups = _groups(ctx, self.who, project, body.security_groups) if secured else []
        port = insert_port(
            ctx,
            switch,
            self.id,
            {
                Key.PORT_NAME: body.name,
                Key.DEVICE_ID: body.device_id,
                Key.DEVICE_OWNER: body.device_owner,
                Key.PROJECT_ID: project,
                Key.DESCRIPTION: body.description,
            },
            enabled=frozenset((body.admin_state_up,)),
        )
        pairs = _pairs(body.allowed_address_pairs, mac)
        apply_layout(port, mac, allocations, {"pairs": pairs, "secured": secured})
        set_port_groups(ctx, port, groups, secured)
        refresh_port_dhcp(ctx, port)
        self.result = port_view(ctx, port)


class ShowPort(ReadCommand):
    def __init__(self, who: Principal, port_id: str) -> None:
        self.who, self.port_id = who, port_id

    def run(self, ctx: TxnContext) -> None:
        self.result = port_view(ctx, rec.find_port(ctx, self.who, self.port_id))


class ListPorts(ReadCommand):
    def __init__(self, who: Principal) -> None:
        self.who = who

    def run(self, ctx: TxnContext) -> None:
        self.result = []
        for switch in rec.neutron_switches(ctx):
            for port in rec.network_ports(ctx, switch):
                if self.who.can_see(rec.project_of(port)):
                    self.result.append(port_view(ctx, port))


def _router_owned(port: Row) -> bool:
    return rec.device_owner(port) in (
        Owner.ROUTER_INTERFACE,
        Owner.ROUTER_GATEWAY,
        Owner.FLOATINGIP,
    )


class UpdatePort(Command):
    def __init__(self, who: Principal, port_id: str, body: PortUpdate) -> None:
        self.who, self.port_id, self.body = who, port_id, body

    def run(self, ctx: TxnContext) -> None:
        body = self.body
        port = rec.find_port(ctx, self.who, self.port_id)
        view = port_view(ctx, port)
        switch = rec.find_network(ctx, Principal("", True), view["network_id"])
        if _router_owned(port) and (body.fixed_ips is not None or body.mac_address is not None):
            raise Conflict(
                f"Port {self.port_id} is owned by {rec.device_owner(port)}; its addresses "
                "are changed through the router API.",
                "PortInUse",
            )
        names = {
            Key.PORT_NAME: body.name,
            Key.DESCRIPTION: body.description,
            Key.DEVICE_ID: body.device_id,
            Key.DEVICE_OWNER: body.device_owner,
        }
        rec.set_ids(port, {k: v for k, v in names.items() if v is not None})
        if body.admin_state_up is not None:
            port["enabled"] = frozenset((body.admin_state_up,))
        if not _router_owned(port):
            self._readdress(ctx, port, switch, view)
        rec.bump_revision(port)
        self.result = port_view(ctx, port)

    def _readdress(self, ctx: TxnContext, port: Row, switch: Row, view: dict[str, Any]) -> None:
        body = self.body
        secured = view["port_security_enabled"]
        if body.port_security_enabled is not None:
            secured = body.port_security_enabled
        groups = body.security_groups
        if groups is None:
            groups = view["security_groups"]
        pairs_in = body.allowed_address_pairs
        if pairs_in is None:
            pairs_in = [AddressPair(**p) for p in view["allowed_address_pairs"]]
        _check_security(secured, groups, pairs_in)
        mac = view["mac_address"]
        if body.mac_address is not None:
            mac = choose_mac(ctx, switch, body.mac_address, port.name)
        held = rec.port_ips(port)
        if body.fixed_ips is not None:
            allocations = allocate(ctx, switch, body.fixed_ips, held)
        else:
            allocations = _current(ctx, view["network_id"], held)
        project = rec.project_of(port)
        if body.security_groups is not None:
            groups = _groups(ctx, self.who, project, body.security_groups)
        apply_layout(port, mac, allocations, {"pairs": _pairs(pairs_in, mac), "secured": secured})
        set_port_groups(ctx, port, groups, secured)
        refresh_port_dhcp(ctx, port)


def _current(ctx: TxnContext, network_id: str, held: list[ip.IpAddress]) -> list[Allocation]:
    """The port's fixed IPs with their subnets, as they are."""
    subnets = rec.network_subnets(ctx, network_id)
    return [(a, s) for a in held for s in subnets if a in s.cidr]


def delete_port_row(ctx: TxnContext, port: Row) -> None:
    """Remove a port from its groups, its network and any floating IP."""
    set_port_groups(ctx, port, [], False)
    for router in ctx.rows("Logical_Router"):
        for nat in rec.rows_of(ctx, "NAT", router["nat"]):
            if port.name in nat["logical_port"] and Key.FIP_ID in nat["external_ids"]:
                router.discard("nat", nat.uuid)
                nat.delete()
    switch = ctx.find("Logical_Switch", "name", str(port["external_ids"][Key.NETWORK_NAME]))
    for owner in switch:
        owner.discard("ports", port.uuid)
    port.delete()


class DeletePort(Command):
    def __init__(self, who: Principal, port_id: str) -> None:
        self.who, self.port_id = who, port_id

    def run(self, ctx: TxnContext) -> None:
        port = rec.find_port(ctx, self.who, self.port_id)
        if _router_owned(port):
            raise Conflict(
                f"Port {self.port_id} cannot be deleted directly via the port API: "
                f"has device owner {rec.device_owner(port)}.",
                "ServicePortInUse",
            )
        delete_port_row(ctx, port)

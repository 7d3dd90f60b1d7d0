"""The Northbound configuration as typed values that flow builders read.

`topology.py` builds these from NB rows. Objects refer to each other by
NB UUID (`Topology` resolves them), so each stays a small immutable value a
builder can take as its one input, and equal inputs give equal flows.
"""

from dataclasses import dataclass, field
from typing import Any

from pyovn.northd.addresses import AddressEntry, RouterNetworks
from pyovn.northd.load_balancer import LoadBalancer

__all__ = [
    "Acl",
    "DhcpOptions",
    "Nat",
    "PortGroup",
    "Router",
    "RouterPort",
    "StaticRoute",
    "Switch",
    "SwitchPort",
]


@dataclass(frozen=True, slots=True)
class Acl:
    uuid: str
    direction: str  # from-lport | to-lport
    priority: int
    match: str
    action: str  # allow | allow-related | allow-stateless | drop | reject
    log: bool = False
    name: str | None = None
    severity: str | None = None
    label: int = 0
    options: tuple[tuple[str, str], ...] = ()

    @property
    def hint(self) -> str:
        return self.uuid


@dataclass(frozen=True, slots=True)
class DhcpOptions:
    uuid: str
    cidr: str
    options: tuple[tuple[str, str], ...]

    def get(self, key: str) -> str | None:
        return dict(self.options).get(key)


@dataclass(frozen=True, slots=True)
class SwitchPort:
    """A Logical_Switch_Port with its parsed addresses."""

    uuid: str
    name: str
    switch: str  # NB UUID of the Logical_Switch
    type: str = ""
    addresses: tuple[AddressEntry, ...] = ()
    has_unknown: bool = False
    is_router_addresses: bool = False  # addresses == ["router"]
    port_security: tuple[AddressEntry, ...] = ()
    options: tuple[tuple[str, str], ...] = ()
    enabled: bool = True
    dhcpv4: DhcpOptions | None = None
    dhcpv6: DhcpOptions | None = None
    peer: str | None = None  # NB UUID of the Logical_Router_Port (type router)
    tag: int | None = None
    parent: str | None = None
    raw_addresses: tuple[str, ...] = ()
    raw_port_security: tuple[str, ...] = ()

    def option(self, key: str, default: str | None = None) -> str | None:
        return dict(self.options).get(key, default)

    @property
    def is_vif(self) -> bool:
        return self.type in ("", "virtual", "external")


@dataclass(frozen=True, slots=True)
class Switch:
    uuid: str
    name: str
    ports: tuple[str, ...] = ()  # SwitchPort UUIDs, in NB order
    acls: tuple[Acl, ...] = ()  # the switch's own ACLs
    other_config: tuple[tuple[str, str], ...] = ()
    lbs: tuple[LoadBalancer, ...] = ()  # direct and through groups, by UUID


@dataclass(frozen=True, slots=True)
class RouterPort:
    uuid: str
    name: str
    router: str  # NB UUID of the Logical_Router
    networks: RouterNetworks
    peer_switch_port: str | None = None  # NB UUID of the LSP whose router-port names us
    peer_router_port: str | None = None  # NB UUID of a directly peered LRP
    gateway_chassis: tuple[tuple[str, int], ...] = ()  # (chassis name, priority)
    options: tuple[tuple[str, str], ...] = ()
    enabled: bool = True
    ipv6_ra_configs: tuple[tuple[str, str], ...] = ()

    @property
    def is_gateway_port(self) -> bool:
        """A distributed gateway port (has gateway chassis)."""
        return bool(self.gateway_chassis)

    @property
    def redirect_port(self) -> str:
        """Name of the chassisredirect port of a distributed gateway port."""
        return f"cr-{self.name}"

    @property
    def mac(self) -> str:
        return self.networks.mac

    def option(self, key: str, default: str | None = None) -> str | None:
        return dict(self.options).get(key, default)


@dataclass(frozen=True, slots=True)
class Nat:
    uuid: str
    type: str  # snat | dnat | dnat_and_snat
    external_ip: str
    logical_ip: str  # an address or, for snat, a CIDR
    external_mac: str | None = None
    logical_port: str | None = None
    external_port_range: str = ""
    options: tuple[tuple[str, str], ...] = ()
    gateway_port: str | None = None

    @property
    def is_distributed(self) -> bool:
        """A floating IP handled on the VM's chassis (external_mac + logical_port)."""
        return self.type == "dnat_and_snat" and bool(self.external_mac and self.logical_port)

    @property
    def logical_plen(self) -> int:
        _, slash, plen = self.logical_ip.partition("/")
        if slash:
            return int(plen)
        return 128 if ":" in self.logical_ip else 32


@dataclass(frozen=True, slots=True)
class StaticRoute:
    uuid: str
    ip_prefix: str
    nexthop: str
    output_port: str | None = None
    policy: str = "dst-ip"
    route_table: str = ""
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Router:
    uuid: str
    name: str
    ports: tuple[str, ...] = ()  # RouterPort UUIDs
    nats: tuple[Nat, ...] = ()
    routes: tuple[StaticRoute, ...] = ()
    options: tuple[tuple[str, str], ...] = ()
    enabled: bool = True
    lbs: tuple[LoadBalancer, ...] = ()  # direct and through groups, by UUID

    def option(self, key: str, default: str | None = None) -> str | None:
        return dict(self.options).get(key, default)

    @property
    def is_gateway_router(self) -> bool:
        return bool(self.option("chassis"))


@dataclass(frozen=True, slots=True)
class PortGroup:
    uuid: str
    name: str
    ports: tuple[str, ...] = ()  # SwitchPort UUIDs
    acls: tuple[Acl, ...] = ()


@dataclass(slots=True)
class Diagnostics:
    """Problems found while reading the NB, reported once each."""

    seen: set[str] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)

    def report(self, key: str, message: str) -> None:
        if key not in self.seen:
            self.seen.add(key)
            self.messages.append(message)

    def as_dict(self) -> dict[str, Any]:
        return {"messages": list(self.messages)}

"""Neutron's IP address management, on values: CIDRs, gateways, allocation
pools, and picking a free address.

Neutron keeps allocations in its SQL database; pyovn reads the addresses in
use from the NB (`neutron:cidrs` and the ports' addresses) inside the same
transaction that takes a new one, so two API servers that allocate at once
conflict in the OVSDB server and one retries with fresh data.
"""

import ipaddress
import itertools
from collections.abc import Iterable, Iterator

from pyovn.cms.neutron.errors import BadRequest, Conflict

__all__ = [
    "IpAddress",
    "IpNetwork",
    "Pool",
    "check_pools",
    "default_pools",
    "first_free",
    "format_pools",
    "parse_cidr",
    "parse_ip",
    "parse_pools",
    "to_address",
    "to_interface",
    "to_network",
]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Pool = tuple[IpAddress, IpAddress]


def parse_ip(text: str, what: str = "IP address") -> IpAddress:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise BadRequest(f"'{text}' is not a valid {what}", "InvalidInput") from None


def parse_cidr(text: str, ip_version: int | None = None) -> IpNetwork:
    """A subnet's CIDR: it must be a network address with a prefix length."""
    if "/" not in text:
        raise BadRequest(f"'{text}' is not a valid CIDR: it has no prefix length", "InvalidInput")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise BadRequest(f"'{text}' is not a valid CIDR", "InvalidInput") from None
    if str(network) != text and network.compressed != text:
        raise BadRequest(
            f"'{text}' isn't a recommended CIDR, did you mean '{network}'?", "InvalidInput"
        )
    if ip_version is not None and network.version != ip_version:
        raise BadRequest(f"cidr {text} does not match ip_version {ip_version}", "InvalidInput")
    if network.prefixlen >= network.max_prefixlen - 1:
        raise BadRequest(f"cidr {text} is too small for a subnet", "InvalidInput")
    return network


def _hosts(network: IpNetwork) -> tuple[IpAddress, IpAddress]:
    """The first and last assignable address (no network or broadcast address)."""
    first = network.network_address + 1
    last = network.broadcast_address - (1 if network.version == 4 else 0)
    return first, last


def default_gateway(network: IpNetwork) -> IpAddress:
    return network.network_address + 1


def default_pools(network: IpNetwork, gateway: IpAddress | None) -> list[Pool]:
    """Every assignable address but the gateway, in at most two ranges."""
    first, last = _hosts(network)
    if gateway is None or not int(first) <= int(gateway) <= int(last):
        return [(first, last)]
    pools: list[Pool] = []
    if int(gateway) > int(first):
        pools.append((first, gateway - 1))
    if int(gateway) < int(last):
        pools.append((gateway + 1, last))
    return pools


def check_pools(pools: list[Pool], network: IpNetwork, gateway: IpAddress | None) -> None:
    """Pools lie within the subnet's assignable range, do not overlap and
    leave the gateway out."""
    first, last = _hosts(network)
    for start, end in pools:
        if start.version != network.version or end.version != network.version:
            raise BadRequest(f"allocation pool {start}-{end} is not of the subnet's IP version")
        if int(start) > int(end):
            raise BadRequest(f"allocation pool {start}-{end}: start is after end")
        if int(start) < int(first) or int(end) > int(last):
            raise BadRequest(
                f"the allocation pool {start}-{end} spans beyond the subnet cidr {network}",
                "OutOfBoundsAllocationPool",
            )
        if gateway is not None and int(start) <= int(gateway) <= int(end):
            raise Conflict(
                f"gateway ip {gateway} conflicts with allocation pool {start}-{end}",
                "GatewayConflictWithAllocationPools",
            )
    ordered = sorted(pools, key=lambda pool: int(pool[0]))
    for (_, end), (start, _) in itertools.pairwise(ordered):
        if int(start) <= int(end):
            raise BadRequest("allocation pools overlap", "OverlappingAllocationPools")


def format_pools(pools: Iterable[Pool]) -> str:
    """`start-end,start-end`, as stored in external_ids."""
    return ",".join(f"{start}-{end}" for start, end in pools)


def parse_pools(text: str) -> list[Pool]:
    pools: list[Pool] = []
    for item in filter(None, text.split(",")):
        start, _, end = item.partition("-")
        pools.append((to_address(start), to_address(end)))
    return pools


def first_free(pools: Iterable[Pool], used: set[IpAddress]) -> IpAddress | None:
    """The lowest address of the pools that is not in `used`."""
    for start, end in pools:
        for address in _walk(start, end):
            if address not in used:
                return address
    return None


def _walk(start: IpAddress, end: IpAddress) -> Iterator[IpAddress]:
    for number in range(int(start), int(end) + 1):
        yield ipaddress.ip_address(number) if start.version == 4 else ipaddress.IPv6Address(number)


def to_address(text: str) -> IpAddress:
    """An address already checked (as stored in the NB)."""
    return ipaddress.ip_address(text)


def to_network(text: str) -> IpNetwork:
    """A network already checked (as stored in the NB); host bits are cleared."""
    return ipaddress.ip_network(text, strict=False)


def to_interface(text: str) -> IpAddress:
    """The address of "ADDRESS/PLEN"."""
    return ipaddress.ip_interface(text).ip

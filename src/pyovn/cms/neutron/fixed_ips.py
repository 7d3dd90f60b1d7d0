"""Which fixed IPs a port gets: the ones asked for, checked, or free ones
from the network's allocation pools."""

from collections.abc import Sequence

from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.neutron import addressing as ip
from pyovn.cms.neutron import records as rec
from pyovn.cms.neutron.bodies import FixedIp
from pyovn.cms.neutron.errors import BadRequest, Conflict

__all__ = ["Allocation", "allocate", "cidrs_text"]

Allocation = tuple[ip.IpAddress, rec.Subnet]


def _subnet(subnets: list[rec.Subnet], subnet_id: str, network_id: str) -> rec.Subnet:
    for subnet in subnets:
        if subnet.id == subnet_id:
            return subnet
    raise BadRequest(
        f"Invalid input for operation: subnet {subnet_id} is not on network {network_id}.",
        "InvalidInput",
    )


def _take(address: ip.IpAddress, subnet: rec.Subnet, used: set[ip.IpAddress]) -> Allocation:
    if address in used:
        raise Conflict(
            f"IP address {address} already allocated in subnet {subnet.id}",
            "IpAddressAlreadyAllocated",
        )
    used.add(address)
    return address, subnet


def _free(subnet: rec.Subnet, used: set[ip.IpAddress]) -> Allocation | None:
    address = ip.first_free(subnet.pools, used)
    if address is None:
        return None
    used.add(address)
    return address, subnet


def _one(spec: FixedIp, subnets: list[rec.Subnet], used: set[ip.IpAddress], net: str) -> Allocation:
    if spec.ip_address is not None:
        address = ip.parse_ip(spec.ip_address)
        if spec.subnet_id is not None:
            subnet = _subnet(subnets, spec.subnet_id, net)
            if address not in subnet.cidr:
                raise BadRequest(
                    f"IP address {address} is not a valid IP for the specified subnet.",
                    "InvalidIpForSubnet",
                )
        else:
            found = [s for s in subnets if address in s.cidr]
            if not found:
                raise BadRequest(
                    f"IP address {address} is not a valid IP for any subnet on network {net}.",
                    "InvalidIpForNetwork",
                )
            subnet = found[0]
        if address in (subnet.cidr.network_address, subnet.cidr.broadcast_address):
            raise BadRequest(f"IP address {address} is not a host address of {subnet.cidr}")
        return _take(address, subnet, used)
    if spec.subnet_id is None:
        raise BadRequest("a fixed_ips entry needs a subnet_id or an ip_address")
    subnet = _subnet(subnets, spec.subnet_id, net)
    taken = _free(subnet, used)
    if taken is None:
        raise Conflict(
            f"No more IP addresses available for subnet {subnet.id}.",
            "IpAddressGenerationFailure",
        )
    return taken


def allocate(
    ctx: TxnContext,
    switch: Row,
    requested: Sequence[FixedIp] | None,
    keep: Sequence[ip.IpAddress] = (),
) -> list[Allocation]:
    """The fixed IPs for a port of `switch`: `requested` (None: one free IP per
    IP version), given that the port holds `keep` already (an update)."""
    rec.lock_addresses(switch)
    net_id = rec.network_id(switch)
    subnets = rec.network_subnets(ctx, net_id)
    used = rec.used_ips(ctx, switch) - set(keep)
    if requested is None:
        out: list[Allocation] = []
        for version in (4, 6):
            for subnet in (s for s in subnets if s.cidr.version == version):
                taken = _free(subnet, used)
                if taken is not None:
                    out.append(taken)
                    break
        if subnets and not out:
            raise Conflict(
                f"No more IP addresses available on network {net_id}.",
                "IpAddressGenerationFailure",
            )
        return out
    return [_one(spec, subnets, used, net_id) for spec in requested]


def cidrs_text(allocations: Sequence[Allocation]) -> str:
    """`neutron:cidrs`: "IP/PLEN IP/PLEN"."""
    return " ".join(f"{address}/{subnet.cidr.prefixlen}" for address, subnet in allocations)

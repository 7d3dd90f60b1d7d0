"""Static IP address management for logical switches.

`allocate_ip` picks the lowest free IPv4 address in a switch's
`other_config:subnet`, skipping the network address, the first host (by
convention the router's), the broadcast address, `other_config:exclude_ips`,
and every address already on the switch: static port addresses, northd's
dynamic addresses, and the networks of router ports attached to it. It runs
inside a transaction, so two concurrent allocations on the same switch
conflict and one of them retries with fresh data.
"""

import ipaddress
from collections.abc import Iterator

from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import IpamError, ValueSyntaxError

__all__ = ["allocate_ip", "used_ips"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _words_ips(text: str) -> Iterator[Address]:
    for word in text.split():
        try:
            yield ipaddress.ip_interface(word).ip
        except ValueError:
            continue


def _excluded(text: str) -> Iterator[Address]:
    for item in text.split():
        low, _, high = item.partition("..")
        try:
            first = int(ipaddress.IPv4Address(low))
            last = int(ipaddress.IPv4Address(high)) if high else first
        except ValueError:
            raise ValueSyntaxError(f"bad exclude_ips entry: {item}") from None
        for number in range(first, min(last, first + 65536) + 1):
            yield ipaddress.IPv4Address(number)


def used_ips(ctx: TxnContext, switch: Row) -> set[Address]:
    """Every address a port of `switch` (or a router port on it) holds."""
    used: set[Address] = set()
    for uuid in switch["ports"]:
        port = ctx.get("Logical_Switch_Port", uuid)
        if port is None:
            continue
        for text in (*port["addresses"], *port["dynamic_addresses"]):
            used.update(_words_ips(text))
        router_port = port["options"].get("router-port")
        if router_port:
            for lrp in ctx.find("Logical_Router_Port", "name", router_port):
                for network in lrp["networks"]:
                    used.update(_words_ips(network))
    used.update(_excluded(switch["other_config"].get("exclude_ips", "")))
    return used


def allocate_ip(ctx: TxnContext, switch: Row) -> str:
    """The lowest free address of the switch's subnet."""
    subnet_text = switch["other_config"].get("subnet")
    if not subnet_text:
        raise IpamError(f"switch {switch.name} has no other_config:subnet to allocate from")
    try:
        subnet = ipaddress.IPv4Network(subnet_text, strict=False)
    except ValueError:
        raise ValueSyntaxError(f"switch {switch.name}: bad subnet {subnet_text}") from None
    used = used_ips(ctx, switch)
    hosts = list(subnet.hosts()) if subnet.num_addresses > 2 else list(subnet)
    for address in hosts[1:]:
        if address not in used:
            return str(address)
    raise IpamError(f"switch {switch.name}: no free address left in {subnet}")

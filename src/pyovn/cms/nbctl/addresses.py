"""Checking the MACs, IPs and prefixes users give ovn-nbctl commands.

pyovn is stricter than ovn-nbctl 23.03 here: a MAC must be six hex octets,
an IPv4 address four decimal octets, a prefix length in range, and every
word of a logical port's addresses must be one of these. Errors name the
offending text, one line each.
"""

import ipaddress
import re

from pyovn.cms.errors import ValueSyntaxError

__all__ = [
    "IpNetwork",
    "check_lsp_address",
    "check_port_security",
    "normalize_prefix",
    "parse_ip",
    "parse_mac",
    "parse_network",
    "parse_priority",
]

IpNetwork = ipaddress.IPv4Interface | ipaddress.IPv6Interface
_MAC = re.compile(r"[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}")
_KEYWORDS = ("unknown", "router", "dynamic")


def parse_mac(text: str) -> str:
    """A MAC address in canonical form (lower case, two digits per octet)."""
    if not _MAC.fullmatch(text):
        raise ValueSyntaxError(f"invalid mac address {text}")
    return ":".join(f"{int(octet, 16):02x}" for octet in text.split(":"))


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IPv4 or IPv6 address (no prefix length)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise ValueSyntaxError(f"{text}: Not a valid IPv4 or IPv6 address.") from None


def parse_network(text: str, require_prefix: bool = False) -> IpNetwork:
    """`ADDRESS[/PLEN]` (an interface: the address may have host bits set)."""
    if require_prefix and "/" not in text:
        raise ValueSyntaxError(f"{text}: missing prefix length")
    try:
        return ipaddress.ip_interface(text)
    except ValueError:
        raise ValueSyntaxError(f"{text}: Not a valid IPv4 or IPv6 network.") from None


def normalize_prefix(text: str) -> str:
    """A prefix as OVN stores it: host bits cleared, /32 and /128 dropped."""
    network = parse_network(text).network
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def parse_priority(text: str, high: int = 32767) -> int:
    """An ACL/route/gateway priority in 0..high."""
    try:
        value = int(text, 10)
    except ValueError:
        value = -1
    if not 0 <= value <= high or not text.strip().lstrip("+-").isdigit():
        raise ValueSyntaxError(f"{text}: priority must in range 0...{high}")
    return value


def _hint(address: str) -> ValueSyntaxError:
    return ValueSyntaxError(
        f"{address}: Invalid address format. See ovn-nb(5). Hint: An Ethernet address must be "
        "listed before an IP address, together as a single argument."
    )


def check_lsp_address(address: str) -> None:
    """One entry of Logical_Switch_Port.addresses (ovn-nb(5))."""
    words = address.split()
    if not words:
        raise _hint(address)
    if address in ("unknown", "router"):
        return
    first, rest = words[0], words[1:]
    if first == "dynamic":
        for word in rest:
            parse_ip(word)
        return
    if not _MAC.fullmatch(first):
        raise _hint(address)
    for word in rest:
        if word == "dynamic":
            continue
        try:
            ipaddress.ip_interface(word)
        except ValueError:
            raise ValueSyntaxError(f"{address}: invalid IP address {word}") from None


def check_port_security(address: str) -> None:
    """One entry of Logical_Switch_Port.port_security: `MAC [IP[/PLEN]]...`."""
    words = address.split()
    if not words or not _MAC.fullmatch(words[0]):
        raise ValueSyntaxError(f"{address}: invalid port security address (MAC first)")
    for word in words[1:]:
        try:
            ipaddress.ip_interface(word)
        except ValueError:
            raise ValueSyntaxError(f"{address}: invalid IP address {word}") from None

"""Parsing of the address strings users write in the Northbound DB.

`Logical_Switch_Port.addresses` / `port_security` entries look like
"MAC [IP[/PLEN]]..." (or the keywords `router`, `unknown`, `dynamic`), and
`Logical_Router_Port.networks` entries are CIDRs. Bad entries raise
`AddressError`; northd reports them with the row and skips the entry.
"""

import ipaddress
import re
from dataclasses import dataclass, field

from pyovn.northd.errors import AddressError

__all__ = [
    "AddressEntry",
    "Ipv4Net",
    "Ipv6Net",
    "RouterNetworks",
    "ipv6_lla",
    "ipv6_solicited_node",
    "parse_address_entry",
    "parse_mac",
    "parse_router_networks",
]

_MAC_RE = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")


def parse_mac(text: str) -> str:
    """A MAC in OVN's canonical lowercase form, or AddressError."""
    if not _MAC_RE.match(text):
        raise AddressError(f"invalid MAC address {text!r}")
    return text.lower()


@dataclass(frozen=True, slots=True)
class Ipv4Net:
    """An IPv4 address with its prefix length, as in a port's addresses."""

    addr: ipaddress.IPv4Address
    plen: int

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network((self.addr, self.plen), strict=False)

    @property
    def network_str(self) -> str:
        """e.g. 10.0.0.0/24."""
        return f"{self.network.network_address}/{self.plen}"

    @property
    def broadcast(self) -> ipaddress.IPv4Address:
        return self.network.broadcast_address

    @property
    def netmask(self) -> ipaddress.IPv4Address:
        return self.network.netmask


@dataclass(frozen=True, slots=True)
class Ipv6Net:
    addr: ipaddress.IPv6Address
    plen: int

    @property
    def network(self) -> ipaddress.IPv6Network:
        return ipaddress.IPv6Network((self.addr, self.plen), strict=False)

    @property
    def network_str(self) -> str:
        return f"{self.network.network_address}/{self.plen}"


@dataclass(frozen=True, slots=True)
class AddressEntry:
    """One "MAC IP..." entry of a switch port's addresses or port security."""

    mac: str
    ipv4: tuple[Ipv4Net, ...] = ()
    ipv6: tuple[Ipv6Net, ...] = ()


def parse_address_entry(text: str) -> AddressEntry:
    """Parse "MAC [IP[/PLEN] ...]"; AddressError names the bad part."""
    parts = text.split()
    if not parts:
        raise AddressError("empty address entry")
    mac = parse_mac(parts[0])
    ipv4: list[Ipv4Net] = []
    ipv6: list[Ipv6Net] = []
    for part in parts[1:]:
        addr_text, slash, plen_text = part.partition("/")
        try:
            addr = ipaddress.ip_address(addr_text)
        except ValueError:
            raise AddressError(f"invalid IP address {part!r} in {text!r}") from None
        max_plen = 32 if addr.version == 4 else 128
        if slash:
            if not plen_text.isdigit() or not 0 <= int(plen_text) <= max_plen:
                raise AddressError(f"invalid prefix length in {part!r}")
            plen = int(plen_text)
        else:
            plen = max_plen
        if isinstance(addr, ipaddress.IPv4Address):
            ipv4.append(Ipv4Net(addr, plen))
        else:
            ipv6.append(Ipv6Net(addr, plen))
    return AddressEntry(mac, tuple(ipv4), tuple(ipv6))


def ipv6_lla(mac: str) -> ipaddress.IPv6Address:
    """The EUI-64 link-local address of a MAC (fe80::200:ff:fe00:ff01 style)."""
    octets = [int(b, 16) for b in mac.split(":")]
    octets[0] ^= 0x02
    eui = [*octets[:3], 0xFF, 0xFE, *octets[3:]]
    return ipaddress.IPv6Address(bytes([0xFE, 0x80] + [0] * 6 + eui))


def ipv6_solicited_node(addr: ipaddress.IPv6Address) -> ipaddress.IPv6Address:
    """ff02::1:ffXX:XXXX for an address (neighbour solicitation target group)."""
    low = addr.packed[-3:]
    return ipaddress.IPv6Address(bytes.fromhex("ff0200000000000000000001ff") + low)


@dataclass(frozen=True, slots=True)
class RouterNetworks:
    """A router port's MAC and networks, IPv6 link-local address included."""

    mac: str
    ipv4: tuple[Ipv4Net, ...] = ()
    ipv6: tuple[Ipv6Net, ...] = field(default=())

    @property
    def lla(self) -> ipaddress.IPv6Address:
        return ipv6_lla(self.mac)

    @property
    def global6(self) -> tuple[Ipv6Net, ...]:
        """The IPv6 networks other than link-local ones."""
        return tuple(n for n in self.ipv6 if not n.addr.is_link_local)

    def contains_ipv4(self, ip: str) -> bool:
        """Whether `ip` lies in one of the port's IPv4 networks."""
        addr = int(ipaddress.IPv4Address(ip))
        return any((addr ^ int(n.addr)) >> (32 - n.plen) == 0 for n in self.ipv4)


def parse_router_networks(mac: str, networks: list[str]) -> RouterNetworks:
    """A router port's MAC and CIDR networks, in the order given."""
    ipv4: list[Ipv4Net] = []
    ipv6: list[Ipv6Net] = []
    for text in networks:
        try:
            iface = ipaddress.ip_interface(text)
        except ValueError:
            raise AddressError(f"invalid network {text!r}") from None
        if "/" not in text:
            raise AddressError(f"network {text!r} needs a prefix length")
        if isinstance(iface, ipaddress.IPv4Interface):
            ipv4.append(Ipv4Net(iface.ip, iface.network.prefixlen))
        else:
            assert isinstance(iface, ipaddress.IPv6Interface)
            ipv6.append(Ipv6Net(iface.ip, iface.network.prefixlen))
    return RouterNetworks(parse_mac(mac), tuple(ipv4), tuple(ipv6))

"""Port security tables (73 in, 74 ARP/ND in, 75 out) for local VIFs.

The logical pipelines ask `check_in_port_sec()` / `check_out_port_sec()`;
those resubmit here with reg10[12] cleared and read it back: 1 means the
packet breaks the port's `port_security` and is dropped. For each entry
`MAC [IP...]` of a VIF's port_security, as ovn-controller 23.03 writes them:

    73 (in)   ARP goes to 74; IPv4 from MAC+IP (and DHCP discovery from
              0.0.0.0) passes; IPv6 from MAC+IPv6 or the MAC's link-local
              address goes to 74, as do solicitations from :: (DAD), and
              MLD reports from :: pass; everything else from the port fails.
    74 (ND)   ARP with sha = MAC and spa = one of the IPs passes, other
              ARP fails; ND as OVN writes it (an advertisement must carry
              one of the port's IPv6 addresses as target); other IPv6 passes.
    75 (out)  IPv4 to MAC+IP, broadcast or multicast passes, IPv6 to MAC+IPv6,
              the link-local address or multicast passes, other IP to MAC
              fails, non-IP to MAC passes, anything else fails.

A port without port_security gets no flows (the lookups find nothing and
the packet passes).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator

from pyovn.controller.index import Port
from pyovn.controller.physical import cookie_of
from pyovn.lflow import OpenFlowFlow

__all__ = ["PORT_SEC_TABLES", "port_security_flows"]

IN_PORT_SEC, IN_PORT_SEC_ND, OUT_PORT_SEC = 73, 74, 75
PORT_SEC_TABLES = (IN_PORT_SEC, IN_PORT_SEC_ND, OUT_PORT_SEC)
PASS = "load:0->NXM_NX_REG10[12]"
FAIL = "load:0x1->NXM_NX_REG10[12]"


def _entries(port: Port) -> list[tuple[str, list[str], list[str]]]:
    """(MAC, IPv4 addresses, IPv6 addresses) per port_security entry."""
    entries = []
    for text in sorted(port.port_security):
        words = text.split()
        if not words:
            continue
        ipv4: list[str] = []
        ipv6: list[str] = []
        for word in words[1:]:
            parsed = _address(word)
            if parsed is not None:
                (ipv4 if parsed[0] == 4 else ipv6).append(parsed[1])
        entries.append((words[0].lower(), ipv4, ipv6))
    return entries


@functools.lru_cache(maxsize=65536)
def _address(word: str) -> tuple[int, str] | None:
    """(IP version, the address or network to match) of a port_security word,
    None if it is not an address. Cached: every recompute sees the same words."""
    try:
        network = ipaddress.ip_interface(word)
    except ValueError:
        return None
    if network.version == 4:
        plen = network.network.prefixlen
        return 4, str(network.ip) if plen == 32 else str(network.network)
    return 6, str(network.ip)


def port_security_flows(port: Port, dp: int) -> Iterator[OpenFlowFlow]:
    """The flows of tables 73-75 for one local VIF."""
    entries = _entries(port)
    if not entries:
        return
    cookie = cookie_of(port.uuid)
    inport = f"reg14={port.key:#x},metadata={dp:#x}"
    outport = f"reg15={port.key:#x},metadata={dp:#x}"

    def flow(table: int, priority: int, match: str, actions: str) -> OpenFlowFlow:
        return OpenFlowFlow(table, priority, match, actions, cookie)

    yield flow(IN_PORT_SEC, 80, inport, FAIL)
    yield flow(IN_PORT_SEC, 95, f"arp,{inport}", f"resubmit(,{IN_PORT_SEC_ND})")
    yield flow(IN_PORT_SEC_ND, 80, f"arp,{inport}", FAIL)
    yield flow(IN_PORT_SEC_ND, 80, f"icmp6,{inport},nw_ttl=255,icmp_type=136", FAIL)
    yield flow(IN_PORT_SEC_ND, 80, f"icmp6,{inport},nw_ttl=255,icmp_type=135", PASS)
    yield flow(OUT_PORT_SEC, 80, outport, FAIL)
    for mac, ipv4, ipv6 in entries:
        yield from _in_entry(flow, inport, mac, ipv4, ipv6)
        yield from _out_entry(flow, outport, mac, ipv4, ipv6)


def _in_entry(flow, inport: str, mac: str, ipv4: list[str], ipv6: list[str]):  # type: ignore[no-untyped-def]
    src = f"{inport},dl_src={mac}"
    if not ipv4 and not ipv6:
        yield flow(IN_PORT_SEC, 90, src, PASS)
    for ip in ipv4:
        yield flow(IN_PORT_SEC, 90, f"ip,{src},nw_src={ip}", PASS)
    if ipv4:
        dhcp = "nw_src=0.0.0.0,nw_dst=255.255.255.255,tp_src=68,tp_dst=67"
        yield flow(IN_PORT_SEC, 90, f"udp,{src},{dhcp}", PASS)
    for spa in [f",arp_spa={ip}" for ip in ipv4] or [""]:
        yield flow(IN_PORT_SEC_ND, 90, f"arp,{src}{spa},arp_sha={mac}", PASS)
    if ipv6:
        yield from _in_ipv6(flow, inport, mac, ipv6)
        return
    for kind, option in ((135, "nd_sll"), (136, "nd_tll")):
        for value in ("00:00:00:00:00:00", mac):
            match = f"icmp6,{inport},nw_ttl=225,icmp_type={kind},icmp_code=0,{option}={value}"
            yield flow(IN_PORT_SEC_ND, 90, match, PASS)


def _in_ipv6(flow, inport: str, mac: str, ipv6: list[str]):  # type: ignore[no-untyped-def]
    """Table 73/74 flows of an entry with IPv6 addresses (ovn-controller
    23.03's, including its `nw_ttl=225` on ND from the link-local address)."""
    src, lla = f"{inport},dl_src={mac}", _link_local(mac)
    check_nd = f"resubmit(,{IN_PORT_SEC_ND})"
    for ip in [*ipv6, lla]:
        yield flow(IN_PORT_SEC, 90, f"ipv6,{src},ipv6_src={ip}", check_nd)
    unspecified = f"icmp6,{src},ipv6_src=::,ipv6_dst=ff02::/16"
    for kind in (131, 143):  # MLD reports
        yield flow(IN_PORT_SEC, 90, f"{unspecified},icmp_type={kind},icmp_code=0", PASS)
    yield flow(IN_PORT_SEC, 90, f"{unspecified},icmp_type=135,icmp_code=0", check_nd)
    for value in ("00:00:00:00:00:00", mac):
        solicit = f"icmp6,{inport},nw_ttl=225,icmp_type=135,icmp_code=0,nd_sll={value}"
        yield flow(IN_PORT_SEC_ND, 90, solicit, PASS)
        advert = f"icmp6,{inport},nw_ttl=225,icmp_type=136,icmp_code=0,nd_target={lla}"
        yield flow(IN_PORT_SEC_ND, 90, f"{advert},nd_tll={value}", PASS)
        for ip in ipv6:
            advert = f"icmp6,{src},icmp_type=136,icmp_code=0,nd_target={ip},nd_tll={value}"
            yield flow(IN_PORT_SEC_ND, 90, advert, PASS)


def _link_local(mac: str) -> str:
    """The EUI-64 link-local IPv6 address of `mac`."""
    octets = bytes.fromhex(mac.replace(":", ""))
    eui = bytes([octets[0] ^ 0x02]) + octets[1:3] + b"\xff\xfe" + octets[3:]
    return str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + eui))


def _out_entry(flow, outport: str, mac: str, ipv4: list[str], ipv6: list[str]):  # type: ignore[no-untyped-def]
    dst = f"{outport},dl_dst={mac}"
    if ipv4:
        for ip in [*ipv4, "255.255.255.255", "224.0.0.0/4"]:
            yield flow(OUT_PORT_SEC, 95, f"ip,{dst},nw_dst={ip}", PASS)
    for ip in [*ipv6, _link_local(mac), "ff00::/8"] if ipv6 else []:
        yield flow(OUT_PORT_SEC, 95, f"ipv6,{dst},ipv6_dst={ip}", PASS)
    if ipv4 or ipv6:
        yield flow(OUT_PORT_SEC, 90, f"ip,{dst}", FAIL)
        yield flow(OUT_PORT_SEC, 90, f"ipv6,{dst}", FAIL)
    yield flow(OUT_PORT_SEC, 85, dst, PASS)

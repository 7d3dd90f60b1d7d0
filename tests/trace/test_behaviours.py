"""Corners of ovn-trace's behaviour, checked against the real ovn-trace on the
seed SB: detailed and minimal output must be identical."""

import subprocess

import pytest

from pyovn.trace import SouthboundSnapshot, parse_ct_states, render, trace

pytestmark = pytest.mark.oracle

VM1 = 'inport == "vm1" && eth.src == 50:54:00:00:01:11'
TO_ROUTER = f"{VM1} && eth.dst == 00:00:00:00:ff:01"
ARP_FROM_OUTSIDE = (
    'inport == "ln-ext" && eth.src == {mac} && eth.dst == ff:ff:ff:ff:ff:ff && arp.op == 1 '
    "&& arp.sha == {mac} && arp.spa == 172.16.0.254 && arp.tha == 00:00:00:00:00:00 "
    "&& arp.tpa == 172.16.0.1"
)
CASES = {
    # lookup_arp finds the MAC binding traces.sh adds (and prints eth.dst).
    "lookup-arp-found": ((), "ext", ARP_FROM_OUTSIDE.format(mac="0a:00:00:00:00:fe")),
    # a binding for the IP with another MAC is no binding for lookup_arp.
    "lookup-arp-other-mac": ((), "ext", ARP_FROM_OUTSIDE.format(mac="0a:00:00:00:00:11")),
    # the router answers a ping to its own address (icmp4 reply, loopback).
    "router-echo": (
        ("new",),
        "sw1",
        f"{TO_ROUTER} && ip4.src == 10.0.0.11 && ip4.dst == 10.0.0.1 && ip.ttl == 64 "
        "&& icmp4.type == 8 && icmp4.code == 0",
    ),
    # no MAC binding for the next hop: get_arp misses, arp { } floods a request.
    "arp-request": (
        (),
        "sw1",
        f"{TO_ROUTER} && ip4.src == 10.0.0.11 && ip4.dst == 10.0.1.99 && ip.ttl == 64 "
        "&& udp && udp.src == 1 && udp.dst == 2",
    ),
    # an expired TTL gets an ICMP time exceeded from the router.
    "ttl-expired": (
        ("new",),
        "sw1",
        f"{TO_ROUTER} && ip4.src == 10.0.0.11 && ip4.dst == 10.0.1.14 && ip.ttl == 1 "
        "&& icmp4.type == 8 && icmp4.code == 0",
    ),
    # IPv6 neighbour solicitation for the router's link-local address.
    "nd-solicitation": (
        ("new",),
        "sw1",
        f"{TO_ROUTER} && ip6.src == fe80::1 && ip6.dst == fe80::200:ff:fe00:ff01 "
        "&& ip.ttl == 255 && icmp6.type == 135 && nd.target == fe80::200:ff:fe00:ff01",
    ),
    # unicast back to the inport without flags.loopback.
    "hairpin-omitted": (
        ("new",),
        "sw1",
        f"{VM1} && eth.dst == 50:54:00:00:01:11 && ip4.src == 10.0.0.11 "
        "&& ip4.dst == 10.0.0.11 && ip.ttl == 64 && udp && udp.src == 1 && udp.dst == 2",
    ),
    # several --ct states, used in order; NAT takes one for an untracked packet.
    "ct-states-in-order": (
        ("new", "inv", "rpl"),
        "ext",
        'inport == "ln-ext" && eth.src == 0a:00:00:00:00:99 && eth.dst == 00:00:00:00:ff:03 '
        "&& ip4.src == 172.16.0.50 && ip4.dst == 172.16.0.110 && ip.ttl == 64 && tcp "
        "&& tcp.src == 40000 && tcp.dst == 22",
    ),
}


@pytest.fixture(scope="module")
def snapshot(seed_sb: str) -> SouthboundSnapshot:
    return SouthboundSnapshot.load(seed_sb)


@pytest.mark.parametrize("form", ["detailed", "minimal"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_same_as_ovn_trace(
    snapshot: SouthboundSnapshot, seed_sb: str, case: str, form: str
) -> None:
    ct, datapath, microflow = CASES[case]
    args = [arg for state in ct for arg in ("--ct", state)]
    real = subprocess.run(
        ["ovn-trace", f"--db={seed_sb}", f"--{form}", *args, datapath, microflow],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    result = trace(snapshot, datapath, microflow, ct_states=parse_ct_states(list(ct)))
    assert render(result, form) == real

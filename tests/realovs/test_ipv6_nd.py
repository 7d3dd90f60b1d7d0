"""IPv6 neighbor discovery through pyovn's pinctrl on a real ovs-vswitchd.

The realovs deployment (pyovn controller as the chassis's ovn-controller,
pyovn northd or the real ovn-northd) made dual-stack: every VM port gets an
IPv6 address next to its IPv4 one (addresses and port security), the router
ports fd00:1::1/64, fd00:2::1/64 and fd00:ff::1/64, the external namespace
fd00:ff::5 (an address no NB row knows), and the port group's ACLs allow
IPv6 like IPv4. The VMs' kernels resolve each other and the router through
ND, so the solicitations reach the logical switch and router responders
(`nd_na { ... }`, `nd_na_router { ... }` packet-ins); the router solicits
the unknown external address (`nd_ns { ... }`) and learns the answer
(`put_nd`, a Southbound MAC_Binding row); a hop limit of 1 is answered with
ICMPv6 time exceeded (`icmp6 { ... }`); a router solicitation gets the
advertisement `ipv6_ra_configs` asks for (`put_nd_ra_opts`).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.helpers.daemons import wait_for
from tests.realovs.deploy import Deployment, requirements

pytestmark = requirements

VM6 = {"vm1": "fd00:1::11", "vm2": "fd00:1::12", "vm3": "fd00:2::13", "vm4": "fd00:2::14"}
MACS = {
    "vm1": "50:54:00:00:01:11",
    "vm2": "50:54:00:00:01:12",
    "vm3": "50:54:00:00:02:13",
    "vm4": "50:54:00:00:02:14",
}
IPV4 = {"vm1": "10.0.0.11", "vm2": "10.0.0.12", "vm3": "10.0.1.13", "vm4": "10.0.1.14"}
ROUTER6 = {"lr1-sw1": "fd00:1::1/64", "lr1-sw2": "fd00:2::1/64", "lr1-ext": "fd00:ff::1/64"}
ROUTER4 = {"lr1-sw1": "10.0.0.1/24", "lr1-sw2": "10.0.1.1/24", "lr1-ext": "172.16.0.1/24"}
EXT6 = "fd00:ff::5"


def _nbctl(dep: Deployment, *args: str) -> str:
    return dep.run("ovn-nbctl", f"--db=unix:{dep.rundir}/nb.sock", "--timeout=60", *args)


def _inns(dep: Deployment, vm: str, *args: str) -> None:
    subprocess.run(["ip", "netns", "exec", dep.ns(vm), *args], check=True, timeout=20)


def make_dual_stack(dep: Deployment) -> None:
    for vm, address in VM6.items():
        spec = f"{MACS[vm]} {IPV4[vm]} {address}"
        _nbctl(dep, "lsp-set-addresses", vm, spec, "--", "lsp-set-port-security", vm, spec)
    for port, network in ROUTER6.items():
        _nbctl(dep, "set", "Logical_Router_Port", port, f'networks="{ROUTER4[port]}","{network}"')
    for direction, match in (("from-lport", "inport"), ("to-lport", "outport")):
        acl = f"{match} == @pg_web && ip6"
        _nbctl(dep, "acl-add", "pg_web", direction, "1002", acl, "allow-related")
    for vm, address in [*VM6.items(), ("ext", EXT6)]:
        _inns(dep, vm, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0")
        _inns(dep, vm, "ip", "-6", "addr", "add", f"{address}/64", "dev", "eth0", "nodad")
    for vm, address in VM6.items():
        gateway = address.rsplit(":", 1)[0] + ":1"
        _inns(dep, vm, "ip", "-6", "route", "add", "default", "via", gateway)
    _inns(dep, "ext", "ip", "-6", "route", "add", "fd00::/16", "via", "fd00:ff::1")
    _nbctl(dep, "--wait=hv", "sync")


@pytest.fixture(scope="module", params=["pyovn-northd", "real-northd"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    northd = request.param.split("-")[0]
    dep = Deployment(tmp_path_factory.mktemp(f"realovs-nd-{northd}"), northd=northd)
    try:
        dep.start()
        make_dual_stack(dep)
        yield dep
    finally:
        dep.stop()


def ping6(
    dep: Deployment, vm: str, address: str, count: int = 3, hops: int | None = None
) -> subprocess.CompletedProcess[str]:
    args = ["ip", "netns", "exec", dep.ns(vm), "ping", "-6", "-c", str(count), "-W", "1"]
    args += ["-t", str(hops)] if hops is not None else []
    return subprocess.run([*args, address], capture_output=True, text=True, timeout=60, check=False)


def _neighbour(dep: Deployment, vm: str, address: str) -> str:
    out = subprocess.run(
        ["ip", "-n", dep.ns(vm), "-6", "neigh", "show", address],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return out.stdout


def test_ping6_on_one_switch_resolves_through_the_nd_responder(deployment: Deployment) -> None:
    ping = ping6(deployment, "vm1", VM6["vm2"])
    assert ping.returncode == 0, ping.stdout + ping.stderr
    # vm1 learned vm2's MAC from an NA that pinctrl built (nd_na { ... }).
    assert MACS["vm2"] in _neighbour(deployment, "vm1", VM6["vm2"])
    assert "nd_na: sent on datapath" in deployment.controller_log.read_text()


def test_ping6_across_the_router(deployment: Deployment) -> None:
    ping = ping6(deployment, "vm1", VM6["vm3"])
    assert ping.returncode == 0, ping.stdout + ping.stderr
    assert "00:00:00:00:ff:01" in _neighbour(deployment, "vm1", "fd00:1::1")
    assert "nd_na_router: sent on datapath" in deployment.controller_log.read_text()


def test_router_solicits_an_unknown_next_hop_and_learns_it(deployment: Deployment) -> None:
    ping = ping6(deployment, "vm2", EXT6, count=4)
    assert ping.returncode == 0, ping.stdout + ping.stderr
    log = deployment.controller_log.read_text()
    assert "nd_ns: sent on datapath" in log
    sb = f"--db=unix:{deployment.rundir}/sb.sock"

    def learned() -> bool:
        rows = deployment.run("ovn-sbctl", sb, "--columns=ip,mac", "list", "MAC_Binding")
        return bool(re.search(r'ip\s*:\s*"fd00:ff::5"\s*\nmac\s*:\s*"0a:00:00:00:00:fe"', rows))

    wait_for(learned, 10, "the MAC_Binding of fd00:ff::5")
    assert "MAC_Binding lr1-ext fd00:ff::5 -> 0a:00:00:00:00:fe" in log
    # The binding became flows of tables 66 and 67 in the form ovn-controller uses.
    address = "reg0=0xfd0000ff,reg1=0,reg2=0,reg3=0x5"

    def installed() -> bool:
        flows = deployment.run(
            "ovs-ofctl", "-O", "OpenFlow15", "dump-flows", f"unix:{deployment.mgmt}"
        )
        ours = [line for line in flows.splitlines() if address in line]
        get_nd = [line for line in ours if "table=66," in line and "0a:00:00:00:00:fe" in line]
        lookup_nd = [
            line
            for line in ours
            if "table=67," in line and ",icmp6," in line and "dl_src=0a:00:00:00:00:fe" in line
        ]
        return bool(get_nd) and any("icmp_code=0" in line for line in lookup_nd)

    wait_for(installed, 10, "tables 66 and 67 for fd00:ff::5")


def test_hop_limit_one_is_answered_with_time_exceeded(deployment: Deployment) -> None:
    ping = ping6(deployment, "vm1", VM6["vm4"], count=1, hops=1)
    assert "From fd00:1::1" in ping.stdout and "Time exceeded" in ping.stdout, ping.stdout
    assert "icmp: sent on datapath" in deployment.controller_log.read_text()


SOLICIT_ROUTER = """
import sys
from scapy.all import Ether, ICMPv6ND_RS, ICMPv6NDOptSrcLLAddr, IPv6, sendp, sniff
mac, lla = sys.argv[1], sys.argv[2]
rs = (Ether(src=mac, dst="33:33:00:00:00:02") / IPv6(src=lla, dst="ff02::2", hlim=255)
      / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=mac))
got = sniff(iface="eth0", lfilter=lambda p: p.haslayer("ICMPv6ND_RA"), count=1, timeout=5,
            started_callback=lambda: sendp(rs, iface="eth0", verbose=False))
sys.stdout.buffer.write(bytes(got[0]) if got else b"")
"""


def test_router_solicitation_is_answered_with_the_configured_advertisement(
    deployment: Deployment,
) -> None:
    """ipv6_ra_configs on lr1-sw1: a Router Solicitation from vm2 (sent with
    scapy) gets the advertisement pinctrl builds for put_nd_ra_opts, and
    vm2's kernel autoconfigures an address from its prefix (SLAAC)."""
    from scapy.layers.inet6 import (
        ICMPv6ND_RA,
        ICMPv6NDOptMTU,
        ICMPv6NDOptPrefixInfo,
        ICMPv6NDOptSrcLLAddr,
        IPv6,
    )
    from scapy.layers.l2 import Ether

    dep = deployment
    config = ("ipv6_ra_configs:address_mode=slaac", "ipv6_ra_configs:mtu=1442")
    _nbctl(dep, "--wait=hv", "set", "Logical_Router_Port", "lr1-sw1", *config)
    lla = "fe80::5254:ff:fe00:112"
    sender = [sys.executable, "-c", SOLICIT_ROUTER, MACS["vm2"], lla]
    answer = subprocess.run(
        ["ip", "netns", "exec", dep.ns("vm2"), *sender],
        capture_output=True,
        timeout=30,
        check=True,
    ).stdout
    assert answer, "no router advertisement"
    advert = Ether(answer)
    assert (advert.src, advert.dst) == ("00:00:00:00:ff:01", MACS["vm2"])
    assert (advert[IPv6].src, advert[IPv6].dst) == ("fe80::200:ff:fe00:ff01", lla)
    ra = advert[ICMPv6ND_RA]
    assert (ra.M, ra.O, ra.routerlifetime, advert[IPv6].hlim) == (0, 0, 0xFFFF, 255)
    assert advert[ICMPv6NDOptSrcLLAddr].lladdr == "00:00:00:00:ff:01"
    assert advert[ICMPv6NDOptMTU].mtu == 1442
    prefix = advert[ICMPv6NDOptPrefixInfo]
    assert (prefix.prefix, prefix.prefixlen, prefix.L, prefix.A) == ("fd00:1::", 64, 1, 1)
    assert "nd_ra: router advertisement sent" in dep.controller_log.read_text()

    def autoconfigured() -> bool:
        out = subprocess.run(
            ["ip", "-n", dep.ns("vm2"), "-6", "addr", "show", "dev", "eth0"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
        return "fd00:1::5254:ff:fe00:112/64" in out  # the kernel took the RA

    wait_for(autoconfigured, 10, "vm2's SLAAC address")

"""Port security for a dual-stack VIF: tables 73-75 as the real
ovn-controller 23.03 wrote them for `50:54:00:00:01:12 10.0.0.12 fd00:1::12`
(dumped from a real ovs-vswitchd; the realovs ND tests run on these flows)."""

from __future__ import annotations

from pyovn.controller.index import Port
from pyovn.controller.port_sec import port_security_flows

PASS, FAIL = "load:0->NXM_NX_REG10[12]", "load:0x1->NXM_NX_REG10[12]"
ND = "resubmit(,74)"
IN, OUT = "reg14=0x2,metadata=0x1", "reg15=0x2,metadata=0x1"
SRC, DST = f"{IN},dl_src=50:54:00:00:01:12", f"{OUT},dl_dst=50:54:00:00:01:12"
LLA = "fe80::5254:ff:fe00:112"
UNSPEC = f"icmp6,{SRC},ipv6_src=::,ipv6_dst=ff02::/16"
MAC = "50:54:00:00:01:12"
ZERO = "00:00:00:00:00:00"

OBSERVED = {
    (73, 90, f"ipv6,{SRC},ipv6_src=fd00:1::12", ND),
    (73, 90, f"ipv6,{SRC},ipv6_src={LLA}", ND),
    (73, 90, f"{UNSPEC},icmp_type=131,icmp_code=0", PASS),
    (73, 90, f"{UNSPEC},icmp_type=143,icmp_code=0", PASS),
    (73, 90, f"{UNSPEC},icmp_type=135,icmp_code=0", ND),
    *(
        (74, 90, f"icmp6,{IN},nw_ttl=225,icmp_type=135,icmp_code=0,nd_sll={mac}", PASS)
        for mac in (ZERO, MAC)
    ),
    *(
        (
            74,
            90,
            f"icmp6,{IN},nw_ttl=225,icmp_type=136,icmp_code=0,nd_target={LLA},nd_tll={m}",
            PASS,
        )
        for m in (ZERO, MAC)
    ),
    *(
        (74, 90, f"icmp6,{SRC},icmp_type=136,icmp_code=0,nd_target=fd00:1::12,nd_tll={m}", PASS)
        for m in (ZERO, MAC)
    ),
    (74, 80, f"icmp6,{IN},nw_ttl=255,icmp_type=136", FAIL),
    (74, 80, f"icmp6,{IN},nw_ttl=255,icmp_type=135", PASS),
    (75, 95, f"ipv6,{DST},ipv6_dst=fd00:1::12", PASS),
    (75, 95, f"ipv6,{DST},ipv6_dst={LLA}", PASS),
    (75, 95, f"ipv6,{DST},ipv6_dst=ff00::/8", PASS),
    (75, 90, f"ipv6,{DST}", FAIL),
}


def _port(*security: str) -> Port:
    return Port(
        "0000abcd-0000-0000-0000-000000000000",
        "vm2",
        "",
        2,
        "dp",
        None,
        {},
        frozenset(),
        frozenset(security),
        None,
        True,
        None,
        frozenset(),
        None,
    )


def test_dual_stack_port_security_is_ovn_controllers() -> None:
    flows = {
        (f.table, f.priority, f.match, f.actions)
        for f in port_security_flows(_port(f"{MAC} 10.0.0.12 fd00:1::12"), 1)
    }
    ipv6 = {flow for flow in flows if "ipv6" in flow[2] or "icmp6" in flow[2]}
    assert ipv6 == OBSERVED


def test_an_ipv4_only_port_gets_no_ipv6_addresses() -> None:
    flows = list(port_security_flows(_port(f"{MAC} 10.0.0.12"), 1))
    assert not any("ipv6_src" in f.match or "ipv6_dst" in f.match for f in flows)
    assert not any("nd_target" in f.match for f in flows)

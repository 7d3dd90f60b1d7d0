"""Properties of the API's address management (pure functions, no server)."""

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from pyovn.cms.neutron import addressing as ip
from pyovn.cms.neutron.rule_match import PROTOCOLS, check_rule, rule_match
from pyovn.lflow import parse_match

networks = st.builds(
    lambda base, plen: ipaddress.ip_network(f"{ipaddress.IPv4Address(base)}/{plen}", strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(20, 29),
)


@given(networks, st.data())
def test_default_pools_cover_every_host_but_the_gateway(
    network: ip.IpNetwork, data: st.DataObject
) -> None:
    hosts = list(network.hosts())
    gateway = data.draw(st.sampled_from(hosts))
    pools = ip.default_pools(network, gateway)
    ip.check_pools(pools, network, gateway)
    covered = {a for start, end in pools for a in hosts if start <= a <= end}
    assert covered == set(hosts) - {gateway}


@given(networks, st.data())
def test_first_free_is_the_lowest_unused(network: ip.IpNetwork, data: st.DataObject) -> None:
    pools = ip.default_pools(network, None)
    hosts = list(network.hosts())
    used = set(data.draw(st.lists(st.sampled_from(hosts), max_size=len(hosts))))
    free = ip.first_free(pools, used)
    unused = [a for a in hosts if a not in used]
    assert free == (unused[0] if unused else None)


@given(
    st.sampled_from(["ingress", "egress"]),
    st.sampled_from(["tcp", "udp", "sctp", "6", "17"]),
    st.integers(1, 65535),
    st.integers(0, 100),
)
def test_port_range_matches(direction: str, protocol: str, low: int, width: int) -> None:
    high = min(low + width, 65535)
    rule = check_rule(
        {
            "direction": direction,
            "ethertype": "IPv4",
            "protocol": protocol,
            "port_range_min": low,
            "port_range_max": high,
            "remote_ip_prefix": None,
            "remote_group_id": None,
        }
    )
    match = rule_match("pg_x", rule)
    name = {"6": "tcp", "17": "udp"}.get(protocol, protocol)
    side = "outport" if direction == "ingress" else "inport"
    assert match.startswith(f"{side} == @pg_x && ip4 && {name}")
    if low == high:
        assert match.endswith(f"{name}.dst == {low}")
    else:
        assert match.endswith(f"{name}.dst >= {low} && {name}.dst <= {high}")


rules = st.fixed_dictionaries(
    {
        "direction": st.sampled_from(["ingress", "egress"]),
        "ethertype": st.sampled_from(["IPv4", "IPv6"]),
        "protocol": st.one_of(
            st.none(), st.sampled_from(sorted(PROTOCOLS)), st.integers(0, 255).map(str)
        ),
        "port_range_min": st.none(),
        "port_range_max": st.none(),
        "remote_ip_prefix": st.none(),
        "remote_group_id": st.one_of(st.none(), st.uuids().map(str)),
    }
)


@given(rules, st.integers(0, 255), st.integers(0, 255), st.booleans())
def test_every_rule_match_is_valid_ovn(
    rule: dict[str, object], a: int, b: int, prefix: bool
) -> None:
    """Whatever a valid rule says, its ACL match parses in OVN's language."""
    if rule["protocol"] in ("icmp", "icmpv6", "ipv6-icmp", "1", "58"):
        rule = {**rule, "port_range_min": a, "port_range_max": b}
    if prefix and rule["remote_group_id"] is None:
        rule = {
            **rule,
            "remote_ip_prefix": "10.1.0.0/16" if rule["ethertype"] == "IPv4" else "fd00::/8",
        }
    checked = check_rule(rule)
    parse_match(rule_match("pg_x", checked))

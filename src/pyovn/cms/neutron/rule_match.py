"""A security group rule as an OVN ACL match, in the grammar Neutron's driver
uses, so the ACLs read the same:

    outport == @pg_<sg> && ip4 && ip4.src == 10.0.0.0/24 && tcp && tcp.dst == 22   (ingress)
    inport == @pg_<sg> && ip6 && ip6.dst == $pg_<remote>_ip6 && icmp6              (egress)

Ingress rules filter traffic to the group's ports (`to-lport`), egress rules
traffic from them (`from-lport`); a port range of 1 is an equality, a wider
one two comparisons; for ICMP the range's ends are the type and the code.
"""

from typing import Any

from pyovn.cms.neutron import addressing as ip
from pyovn.cms.neutron.errors import BadRequest
from pyovn.cms.neutron.naming import address_set_name

__all__ = ["PROTOCOLS", "acl_direction", "check_rule", "rule_match"]

#: Protocol names Neutron accepts, by number.
PROTOCOLS = {
    "ah": 51,
    "dccp": 33,
    "egp": 8,
    "esp": 50,
    "gre": 47,
    "icmp": 1,
    "icmpv6": 58,
    "igmp": 2,
    "ipip": 4,
    "ipv6-icmp": 58,
    "ospf": 89,
    "pgm": 113,
    "rsvp": 46,
    "sctp": 132,
    "tcp": 6,
    "udp": 17,
    "udplite": 136,
    "vrrp": 112,
}
_TRANSPORT = {6: "tcp", 17: "udp", 132: "sctp"}
_ICMP = {1, 58}


def protocol_number(protocol: str | None) -> int | None:
    if protocol is None or protocol in ("", "any"):
        return None
    if protocol.isdigit():
        number = int(protocol)
        if 0 <= number <= 255:
            return number
    elif protocol.lower() in PROTOCOLS:
        return PROTOCOLS[protocol.lower()]
    names = ", ".join(sorted(PROTOCOLS))
    raise BadRequest(
        f'The protocol "{protocol}" is not supported. Valid protocols are: {names}; '
        "or protocol numbers ranging from 0 to 255.",
        "SecurityGroupRuleInvalidProtocol",
    )


def check_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """Validate a rule (as stored) and return it with its prefix normalized."""
    number = protocol_number(rule["protocol"])
    low, high = rule["port_range_min"], rule["port_range_max"]
    if (low is not None or high is not None) and number not in (*_TRANSPORT, *_ICMP):
        raise BadRequest(
            "port_range_min/port_range_max need protocol tcp, udp, sctp or icmp",
            "SecurityGroupInvalidProtocolForPortRange",
        )
    if number in _TRANSPORT:
        if (low is None) != (high is None):
            raise BadRequest("give both port_range_min and port_range_max, or neither")
        if low is not None and (low < 1 or low > high):
            raise BadRequest(
                f"Invalid port range: port_range_min {low} must be >= 1 and "
                f"<= port_range_max {high}",
                "SecurityGroupInvalidPortRange",
            )
    if number in _ICMP:
        for value, what in ((low, "type"), (high, "code")):
            if value is not None and value > 255:
                raise BadRequest(
                    f"Invalid value for ICMP {what}: {value}", "SecurityGroupInvalidIcmpValue"
                )
        if low is None and high is not None:
            raise BadRequest("an ICMP code needs an ICMP type (port_range_min)")
    prefix = rule["remote_ip_prefix"]
    if prefix is not None:
        if rule["remote_group_id"] is not None:
            raise BadRequest(
                "Only remote_ip_prefix or remote_group_id may be provided.",
                "SecurityGroupRemoteGroupAndRemoteIpPrefix",
            )
        try:
            network = ip.to_network(prefix)
        except ValueError:
            raise BadRequest(f"'{prefix}' is not a valid IP prefix", "InvalidInput") from None
        if f"IPv{network.version}" != rule["ethertype"]:
            raise BadRequest(
                f"Conflicting value ethertype {rule['ethertype']} for CIDR {prefix}",
                "SecurityGroupRuleParameterConflict",
            )
        rule = {**rule, "remote_ip_prefix": str(network)}
    return rule


def acl_direction(rule: dict[str, Any]) -> str:
    return "to-lport" if rule["direction"] == "ingress" else "from-lport"


def rule_match(group: str, rule: dict[str, Any]) -> str:
    """The ACL match of a (checked) rule of port group `group`."""
    ingress = rule["direction"] == "ingress"
    family = "ip4" if rule["ethertype"] == "IPv4" else "ip6"
    side = "src" if ingress else "dst"
    parts = [f"{'outport' if ingress else 'inport'} == @{group}", family]
    if rule["remote_ip_prefix"] is not None:
        parts.append(f"{family}.{side} == {rule['remote_ip_prefix']}")
    if rule["remote_group_id"] is not None:
        version = 4 if family == "ip4" else 6
        parts.append(f"{family}.{side} == ${address_set_name(rule['remote_group_id'], version)}")
    number = protocol_number(rule["protocol"])
    low, high = rule["port_range_min"], rule["port_range_max"]
    if number in _TRANSPORT:
        name = _TRANSPORT[number]
        parts.append(name)
        if low is not None and low == high:
            parts.append(f"{name}.dst == {low}")
        elif low is not None:
            parts.extend((f"{name}.dst >= {low}", f"{name}.dst <= {high}"))
    elif number in _ICMP:
        icmp = "icmp4" if family == "ip4" else "icmp6"
        parts.append(icmp)
        if low is not None:
            parts.append(f"{icmp}.type == {low}")
        if high is not None:
            parts.append(f"{icmp}.code == {high}")
    elif number is not None:
        parts.append(f"ip.proto == {number}")
    return " && ".join(parts)

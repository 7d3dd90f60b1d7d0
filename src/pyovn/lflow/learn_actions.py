"""The learn() actions behind `commit_lb_aff(...)` and `commit_ecmp_nh(...)`.

ovn-controller turns `commit_lb_aff(vip = "V:P", backend = "B:Q", proto =
tcp, timeout = T)` into a learn() that adds, to the affinity table, a flow
matching the client, the VIP and its port, which sets the affinity flag
and loads the backend address and port into registers (reg4/xxreg1 and
reg8[0..15]).  `commit_ecmp_nh(ipv6 = B, proto = P)` learns two flows:
one in the ECMP next-hop MAC table (the connection's 5-tuple and source
MAC) and one in the ECMP next-hop table (the reversed 5-tuple); both set
the ECMP flag.
"""

from __future__ import annotations

import ipaddress

from pyovn.lflow.controller_actions import CommitEcmpNh, CommitLbAff, Word
from pyovn.lflow.errors import LflowCompileError
from pyovn.lflow.expr import Constant, StringConst

__all__ = ["learn_affinity", "learn_ecmp_next_hop"]

_PROTOCOLS = {"tcp": 6, "udp": 17, "sctp": 132}
_FLAG_LB_AFF = 14
_FLAG_ECMP_NH = 13
_PORT_FIELDS = {
    "tcp": ("NXM_OF_TCP_SRC[]", "NXM_OF_TCP_DST[]"),
    "udp": ("NXM_OF_UDP_SRC[]", "NXM_OF_UDP_DST[]"),
    "sctp": ("OXM_OF_SCTP_SRC[]", "OXM_OF_SCTP_DST[]"),
}


def _endpoint(text: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int | None]:
    """ "10.0.0.1:80", "[fd00::1]:80" or a bare address."""
    if text.startswith("["):
        address, _, port = text[1:].partition("]")
        return ipaddress.IPv6Address(address), int(port[1:]) if port else None
    if text.count(":") == 1:
        address, port = text.split(":")
        return ipaddress.IPv4Address(address), int(port)
    return ipaddress.ip_address(text), None


def _text(value: object) -> str:
    if isinstance(value, StringConst):
        return value.value
    if isinstance(value, Word | Constant):
        return str(value)
    raise LflowCompileError("commit_lb_aff needs vip, backend, proto and timeout")


def learn_affinity(action: CommitLbAff, table: int) -> str:
    """ovs-ofctl text of the learn() action."""
    vip, vip_port = _endpoint(_text(action.get("vip")))
    backend, backend_port = _endpoint(_text(action.get("backend")))
    proto = _text(action.get("proto"))
    timeout = _text(action.get("timeout"))
    six = vip.version == 6
    parts = [
        f"table={table}",
        f"idle_timeout={timeout}",
        "delete_learned",
        "OXM_OF_METADATA[]",
        "eth_type=0x86dd" if six else "eth_type=0x800",
        "NXM_NX_IPV6_SRC[]" if six else "NXM_OF_IP_SRC[]",
        f"ipv6_dst={vip}" if six else f"ip_dst={vip}",
        f"nw_proto={_PROTOCOLS.get(proto, 0)}",
    ]
    if vip_port is not None:
        parts.append(f"{proto}_dst={vip_port}")
    parts.append(f"load:0x1->NXM_NX_REG10[{_FLAG_LB_AFF}]")
    target = "NXM_NX_XXREG1[]" if six else "NXM_NX_REG4[]"
    parts.append(f"load:{int(backend):#x}->{target}")
    if backend_port is not None:
        parts.append(f"load:{backend_port:#x}->NXM_NX_REG8[0..15]")
    return f"learn({','.join(parts)})"


def learn_ecmp_next_hop(action: CommitEcmpNh, mac_table: int, nh_table: int) -> list[str]:
    """ovs-ofctl text of the two learn() actions of commit_ecmp_nh."""
    six = _text(action.get("ipv6")) == "true"
    proto = _text(action.get("proto"))
    if proto not in _PORT_FIELDS:
        raise LflowCompileError(f"commit_ecmp_nh: unknown protocol {proto!r}")
    src, dst = (
        ("NXM_NX_IPV6_SRC[]", "NXM_NX_IPV6_DST[]")
        if six
        else (
            "NXM_OF_IP_SRC[]",
            "NXM_OF_IP_DST[]",
        )
    )
    tp_src, tp_dst = _PORT_FIELDS[proto]
    head = "idle_timeout=20,hard_timeout=30,delete_learned,OXM_OF_METADATA[]"
    eth = "eth_type=0x86dd" if six else "eth_type=0x800"
    number = f"nw_proto={_PROTOCOLS[proto]}"
    flag = f"load:0x1->NXM_NX_REG10[{_FLAG_ECMP_NH}]"
    forward = [head, "NXM_OF_ETH_SRC[]", eth, src, dst, number, tp_src, tp_dst, flag]
    reverse = [
        head,
        eth,
        f"{src}={dst}",
        f"{dst}={src}",
        number,
        f"{tp_src}={tp_dst}",
        f"{tp_dst}={tp_src}",
        flag,
    ]
    return [
        f"learn(table={mac_table},{','.join(forward)})",
        f"learn(table={nh_table},{','.join(reverse)})",
    ]

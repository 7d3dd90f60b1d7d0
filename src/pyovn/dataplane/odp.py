"""Datapath actions: what translation hands to the (simulated) datapath.

Open vSwitch translates OpenFlow into a flat list of datapath actions
(`set(eth(...))`, `ct(zone=11)`, `recirc(0x1)`, an output port number, …)
which the datapath then runs on the real packet. The simulator keeps the
same two levels: `xlate.py` produces these values, `datapath.py` executes
them, and `ofproto/trace`'s "Datapath actions:" line is their text.

`commit_sets` computes the `set(...)` actions that bring the datapath's
packet (`base`) in line with the translation's view (`flow`), the way OVS
commits header changes lazily just before an output, `ct` or recirculation.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyovn.dataplane.actions import Nat
from pyovn.dataplane.field_syntax import format_ipv4, format_ipv6, format_mac

if TYPE_CHECKING:
    from pyovn.dataplane.packet_in import PacketInRequest

__all__ = [
    "OdpAction",
    "OdpCt",
    "OdpCtClear",
    "OdpOutput",
    "OdpPopVlan",
    "OdpPushVlan",
    "OdpRecirc",
    "OdpSet",
    "OdpUserspace",
    "commit_sets",
    "format_odp_actions",
]

# (datapath key name, [(slot, attribute name, printer)]) in OVS's print order.
_LAYERS: dict[str, tuple[tuple[str, str, object], ...]] = {
    "eth": (("dl_src", "src", format_mac), ("dl_dst", "dst", format_mac)),
    "ipv4": (
        ("nw_src", "src", format_ipv4),
        ("nw_dst", "dst", format_ipv4),
        ("nw_tos", "tos", hex),
        ("nw_ttl", "ttl", str),
    ),
    "ipv6": (
        ("ipv6_src", "src", format_ipv6),
        ("ipv6_dst", "dst", format_ipv6),
        ("ipv6_label", "label", hex),
        ("nw_tos", "tclass", hex),
        ("nw_ttl", "hlimit", str),
    ),
    "arp": (
        ("nw_src", "sip", format_ipv4),
        ("nw_dst", "tip", format_ipv4),
        ("nw_proto", "op", str),
        ("arp_sha", "sha", format_mac),
        ("arp_tha", "tha", format_mac),
    ),
    "tcp": (("tp_src", "src", str), ("tp_dst", "dst", str)),
    "udp": (("tp_src", "src", str), ("tp_dst", "dst", str)),
    "sctp": (("tp_src", "src", str), ("tp_dst", "dst", str)),
    "icmp": (("tp_src", "type", str), ("tp_dst", "code", str)),
    "icmpv6": (("tp_src", "type", str), ("tp_dst", "code", str)),
    "nd": (
        ("nd_target", "target", format_ipv6),
        ("arp_sha", "sll", format_mac),
        ("arp_tha", "tll", format_mac),
    ),
}


class OdpAction:
    """Base class of datapath actions."""

    def text(self) -> str:
        """The action as ovs-vswitchd prints it."""
        raise NotImplementedError


@dataclass(frozen=True)
class OdpSet(OdpAction):
    """`set(layer(field=value[/mask],...))`: rewrite header fields of one layer."""

    layer: str
    values: tuple[tuple[str, int, int | None], ...]

    def text(self) -> str:
        if self.layer == "skb_mark":
            return f"set(skb_mark({hex(self.values[0][1])}))"
        printers = {slot: (name, printer) for slot, name, printer in _LAYERS.get(self.layer, ())}
        parts = []
        for slot, value, mask in self.values:
            name, printer = printers.get(slot, (slot, hex))
            text = f"{name}={printer(value)}"  # type: ignore[operator]
            if mask is not None:
                text += f"/{hex(mask)}"
            parts.append(text)
        return f"set({self.layer}({','.join(parts)}))"


@dataclass(frozen=True)
class OdpPushVlan(OdpAction):
    """`push_vlan(vid=N,pcp=N)`."""

    tci: int

    def text(self) -> str:
        return f"push_vlan(vid={self.tci & 0xFFF},pcp={self.tci >> 13})"


@dataclass(frozen=True)
class OdpPopVlan(OdpAction):
    """`pop_vlan`."""

    def text(self) -> str:
        return "pop_vlan"


@dataclass(frozen=True)
class OdpCt(OdpAction):
    """`ct(commit,zone=N,mark=V/M,label=V/M,nat(...))`: run the packet through conntrack."""

    zone: int
    commit: bool = False
    force: bool = False
    mark: tuple[int, int] | None = None
    label: tuple[int, int] | None = None
    nat: Nat | None = None
    alg: int | None = None

    def text(self) -> str:
        parts = []
        if self.commit:
            parts.append("commit")
        if self.force:
            parts.append("force_commit" if self.commit else "force")
        if self.zone:
            parts.append(f"zone={self.zone}")
        if self.mark is not None:
            parts.append(f"mark={_masked_hex(*self.mark, 32)}")
        if self.label is not None:
            parts.append(f"label={_masked_hex(*self.label, 128)}")
        if self.alg is not None:
            parts.append(f"helper={'ftp' if self.alg == 21 else 'tftp'}")
        if self.nat is not None:
            parts.append(self.nat.text())
        return f"ct({','.join(parts)})" if parts else "ct"


def _masked_hex(value: int, mask: int, width: int) -> str:
    del width  # the datapath always prints value/mask
    return f"{hex(value) if value else '0'}/{hex(mask)}"


@dataclass(frozen=True)
class OdpCtClear(OdpAction):
    """`ct_clear`."""

    def text(self) -> str:
        return "ct_clear"


@dataclass(frozen=True)
class OdpRecirc(OdpAction):
    """`recirc(0xN)`: run the packet through translation again from a frozen state."""

    recirc_id: int

    def text(self) -> str:
        return f"recirc({hex(self.recirc_id)})"


@dataclass(frozen=True)
class OdpOutput(OdpAction):
    """Output to a datapath port (printed as its datapath number)."""

    datapath_port: int
    ofport: int
    bridge: str = ""
    tunnel: tuple[tuple[str, int], ...] = ()

    def text(self) -> str:
        if not self.tunnel:
            return str(self.datapath_port)
        values = dict(self.tunnel)
        parts = [f"tun_id={hex(values.get('tun_id', 0))}"]
        if values.get("tun_src"):
            parts.append(f"src={format_ipv4(values['tun_src'])}")
        parts.append(f"dst={format_ipv4(values.get('tun_dst', 0))}")
        parts.append("ttl=64,tp_dst=6081")
        option = values.get("tun_metadata0")
        if option is not None:
            parts.append(f"geneve({{class=0x102,type=0x80,len=4,{hex(option)}}})")
        parts.append("flags(df|csum|key)")
        return f"set(tunnel({','.join(parts)})),{self.datapath_port}"


@dataclass(frozen=True)
class OdpUserspace(OdpAction):
    """`userspace(...controller(...))`: a packet-in to the controller."""

    request: PacketInRequest = field(compare=False)

    def text(self) -> str:
        request = self.request
        cookie = hex(request.cookie) if request.cookie else "0"
        return (
            f"userspace(pid=0,controller(reason={request.reason_code},"
            f"dont_send={int(request.dont_send)},continuation={int(request.pause)},"
            f"recirc_id={request.recirc_id},rule_cookie={cookie},"
            f"controller_id={request.controller_id},max_len={request.max_len}))"
        )


def format_odp_actions(actions: list[OdpAction]) -> str:
    """The "Datapath actions:" text; an empty list is `drop`."""
    return ",".join(action.text() for action in actions) if actions else "drop"


# ------------------------------------------------------------------ commit


def _l4_layer(flow: Mapping[str, int]) -> str | None:
    dl_type, proto = flow.get("dl_type", 0), flow.get("nw_proto", 0)
    if dl_type not in (0x0800, 0x86DD) or flow.get("nw_frag", 0) & 2:
        return None
    names = {6: "tcp", 17: "udp", 132: "sctp"}
    if proto in names:
        return names[proto]
    if proto == 1 and dl_type == 0x0800:
        return "icmp"
    if proto == 58 and dl_type == 0x86DD:
        return "nd" if flow.get("tp_src", 0) in (135, 136) else "icmpv6"
    return None


def _layers_of(flow: Mapping[str, int]) -> list[str]:
    layers = ["eth"]
    dl_type = flow.get("dl_type", 0)
    if dl_type in (0x0806, 0x8035):
        layers.append("arp")
    elif dl_type == 0x0800:
        layers.append("ipv4")
    elif dl_type == 0x86DD:
        layers.append("ipv6")
    l4 = _l4_layer(flow)
    if l4 == "nd":
        layers.extend(("icmpv6", "nd"))
    elif l4:
        layers.append(l4)
    return layers


def commit_sets(flow: Mapping[str, int], base: MutableMapping[str, int]) -> list[OdpAction]:
    """Datapath actions making `base` equal `flow` in every header; updates `base`."""
    actions: list[OdpAction] = []
    tci, base_tci = flow.get("vlan_tci", 0), base.get("vlan_tci", 0)
    if tci != base_tci:
        if base_tci & 0x1000:
            actions.append(OdpPopVlan())
        if tci & 0x1000:
            actions.append(OdpPushVlan(tci))
        base["vlan_tci"] = tci
    for layer in _layers_of(flow):
        changed: list[tuple[str, int, int | None]] = []
        for slot, _, _ in _LAYERS[layer]:
            value, old = flow.get(slot, 0), base.get(slot, 0)
            if old != value:
                # Only the DSCP bits of the TOS byte are rewritten when ECN is unchanged.
                mask = 0xFC if slot == "nw_tos" and not (old ^ value) & 0x03 else None
                changed.append((slot, value, mask))
                base[slot] = value
        if changed:
            actions.append(OdpSet(layer, tuple(changed)))
    mark = flow.get("pkt_mark", 0)
    if base.get("pkt_mark", 0) != mark:
        actions.append(OdpSet("skb_mark", (("pkt_mark", mark, None),)))
        base["pkt_mark"] = mark
    return actions

"""Connection tracking, as the `ct` datapath action performs it.

Connections live in per-zone tables keyed by both direction tuples
(addresses, protocol, ports — or the echo id for ICMP/ICMPv6 echo).
`Conntrack.execute` sets a packet's `ct_state`, `ct_zone`, `ct_mark`,
`ct_label` and original-direction tuple (`ct_nw_src`…), commits new
connections, and applies NAT:

* a packet with no connection is `+trk+new` if it may start one (a TCP SYN,
  an ICMP echo request, any UDP), otherwise `+trk+inv`;
* a packet of a known connection is `+trk+est` once the connection has seen
  a reply (`+rpl` for the reply direction); original-direction packets
  before any reply stay `+new`, as with Linux and the userspace datapath;
* ICMP errors quoting a tracked connection are `+trk+rel`;
* `nat` rewrites addresses/ports of connections that have a binding, in
  either direction (`+snat`/`+dnat`); a new binding is made on commit.

`dump()` lists connections like `ovs-appctl dpctl/dump-conntrack`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pyovn.dataplane.actions import Nat
from pyovn.dataplane.errors import ConntrackError, PacketError
from pyovn.dataplane.field_syntax import format_ipv4, format_ipv6
from pyovn.dataplane.nat import ConnTuple, NatBinding, allocate_binding
from pyovn.dataplane.packet import Packet

__all__ = ["CS", "Connection", "Conntrack"]


class CS:
    """ct_state bits."""

    NEW = 0x01
    EST = 0x02
    REL = 0x04
    RPL = 0x08
    INV = 0x10
    TRK = 0x20
    SNAT = 0x40
    DNAT = 0x80


_ECHO_REQUEST = {1: {8: 0, 13: 14, 15: 16, 17: 18}, 58: {128: 129}}
_ECHO_REPLY = {1: {0, 14, 16, 18}, 58: {129}}
_ICMP_ERRORS = {1: {3, 4, 5, 11, 12}, 58: {1, 2, 3, 4}}
_PROTO_NAMES = {6: "tcp", 17: "udp", 132: "sctp", 1: "icmp", 58: "icmpv6"}
TCP_SYN, TCP_RST, TCP_ACK, TCP_FIN = 0x002, 0x004, 0x010, 0x001


@dataclass
class Connection:
    """One tracked connection."""

    zone: int
    original: ConnTuple
    reply: ConnTuple
    mark: int = 0
    label: int = 0
    binding: NatBinding | None = None
    seen_reply: bool = False
    tcp_state: str = ""
    icmp_type: int = 0
    created: float = field(default_factory=time.monotonic)

    def describe(self) -> str:
        """One line of `dpctl/dump-conntrack`."""
        proto = _PROTO_NAMES.get(self.original.proto, str(self.original.proto))
        request = self.icmp_type
        reply = _ECHO_REQUEST.get(self.original.proto, {}).get(request)
        text = (
            f"{proto},orig=({_tuple_text(self.original, request)}),"
            f"reply=({_tuple_text(self.reply, reply)})"
        )
        if self.zone:
            text += f",zone={self.zone}"
        if self.mark:
            text += f",mark={self.mark}"
        if self.label:
            text += f",labels={hex(self.label)}"
        if self.tcp_state:
            text += f",protoinfo=(state={self.tcp_state})"
        return text


def _tuple_text(conn_tuple: ConnTuple, icmp_type: int | None = None) -> str:
    address = format_ipv6 if conn_tuple.ipv6 else format_ipv4
    text = f"src={address(conn_tuple.src)},dst={address(conn_tuple.dst)}"
    if conn_tuple.is_icmp:
        return text + f",id={conn_tuple.sport},type={icmp_type or 0},code=0"
    if conn_tuple.proto in (6, 17, 132):
        return text + f",sport={conn_tuple.sport},dport={conn_tuple.dport}"
    return text


def packet_tuple(packet: Packet) -> ConnTuple | None:
    """The connection tuple of a packet, or None if conntrack cannot track it."""
    fields = packet.fields
    dl_type = fields.get("dl_type", 0)
    if dl_type == 0x0800:
        ipv6, src, dst = False, fields.get("nw_src", 0), fields.get("nw_dst", 0)
    elif dl_type == 0x86DD:
        ipv6, src, dst = True, fields.get("ipv6_src", 0), fields.get("ipv6_dst", 0)
    else:
        return None
    proto = fields.get("nw_proto", 0)
    if proto in (6, 17, 132):
        return ConnTuple(ipv6, src, dst, proto, fields.get("tp_src", 0), fields.get("tp_dst", 0))
    if proto in (1, 58):
        echo_id = packet.extra.get("icmp_id", 0)
        return ConnTuple(ipv6, src, dst, proto, echo_id, echo_id)
    return ConnTuple(ipv6, src, dst, proto, 0, 0)


class Conntrack:
    """All zones' connection tables of one datapath."""

    def __init__(self) -> None:
        self._tables: dict[int, dict[ConnTuple, tuple[Connection, bool]]] = {}
        self.nat_failures: list[str] = []

    def connections(self, zone: int | None = None) -> list[Connection]:
        """Every connection (of one zone, if given), oldest first."""
        seen: dict[int, Connection] = {}
        for table_zone, table in self._tables.items():
            if zone is not None and table_zone != zone:
                continue
            for conn, _ in table.values():
                seen[id(conn)] = conn
        return sorted(seen.values(), key=lambda conn: conn.created)

    def dump(self, zone: int | None = None) -> str:
        """Connections in `ovs-appctl dpctl/dump-conntrack` format, one per line."""
        return "\n".join(conn.describe() for conn in self.connections(zone))

    def flush(self, zone: int | None = None) -> None:
        """Forget every connection (of one zone, if given)."""
        if zone is None:
            self._tables.clear()
        else:
            self._tables.pop(zone, None)

    def _lookup(self, zone: int, key: ConnTuple) -> tuple[Connection, bool] | None:
        return self._tables.get(zone, {}).get(key)

    def _insert(self, conn: Connection) -> None:
        table = self._tables.setdefault(conn.zone, {})
        table[conn.original] = (conn, False)
        table[conn.reply] = (conn, True)

    def _delete(self, conn: Connection) -> None:
        table = self._tables.get(conn.zone, {})
        table.pop(conn.original, None)
        table.pop(conn.reply, None)

    # ------------------------------------------------------------------ ct()

    def execute(
        self,
        packet: Packet,
        zone: int,
        *,
        commit: bool = False,
        force: bool = False,
        mark: tuple[int, int] | None = None,
        label: tuple[int, int] | None = None,
        nat: Nat | None = None,
    ) -> int:
        """Run `packet` through zone `zone`; returns and stores the new ct_state."""
        key = packet_tuple(packet)
        state = CS.TRK
        conn: Connection | None = None
        if key is None:
            state |= CS.INV
        else:
            found = self._lookup(zone, key)
            if found and commit and force and found[1]:
                self._delete(found[0])
                found = None
            if found is not None:
                conn, reply = found
                state |= self._update(conn, reply, packet)
            elif (related := self._related(packet, zone)) is not None:
                conn = related[0]
                state |= CS.REL | (CS.RPL if not related[1] else 0)
            elif self._valid_new(packet, key):
                state |= CS.NEW
                if commit:
                    try:
                        conn = self._commit_new(zone, key, nat, packet)
                    except ConntrackError as error:
                        # As the userspace datapath does, a NAT failure leaves the
                        # packet untranslated and the connection uncommitted.
                        self.nat_failures.append(str(error))
            else:
                state |= CS.INV
        if conn is not None and commit:
            conn.mark = _apply_mask(conn.mark, mark)
            conn.label = _apply_mask(conn.label, label)
        if conn is not None and nat is not None and not state & (CS.INV | CS.REL):
            state |= self._apply_nat(conn, packet, key)
        self._store(packet, zone, state, conn, key)
        return state

    def _store(
        self, packet: Packet, zone: int, state: int, conn: Connection | None, key: ConnTuple | None
    ) -> None:
        fields = packet.fields
        fields.update(ct_state=state, ct_zone=zone)
        fields["ct_mark"] = conn.mark if conn else 0
        fields["ct_label"] = conn.label if conn else 0
        origin = conn.original if conn else key
        for slot in (
            "ct_nw_src",
            "ct_nw_dst",
            "ct_ipv6_src",
            "ct_ipv6_dst",
            "ct_nw_proto",
            "ct_tp_src",
            "ct_tp_dst",
        ):
            fields.pop(slot, None)
        if origin is None or state & CS.INV:
            return
        prefix = "ct_ipv6" if origin.ipv6 else "ct_nw"
        fields[f"{prefix}_src"], fields[f"{prefix}_dst"] = origin.src, origin.dst
        fields["ct_nw_proto"] = origin.proto
        if origin.proto in (6, 17, 132):
            fields["ct_tp_src"], fields["ct_tp_dst"] = origin.sport, origin.dport
        elif origin.is_icmp:
            request = packet.fields.get("tp_src", 0)
            fields["ct_tp_src"], fields["ct_tp_dst"] = request, packet.fields.get("tp_dst", 0)

    def _valid_new(self, packet: Packet, key: ConnTuple) -> bool:
        if key.proto == 6:
            flags = packet.fields.get("tcp_flags", 0)
            return bool(flags & TCP_SYN) and not flags & (TCP_ACK | TCP_RST)
        if key.is_icmp:
            return packet.fields.get("tp_src", 0) in _ECHO_REQUEST[key.proto]
        return True

    def _commit_new(self, zone: int, key: ConnTuple, nat: Nat | None, packet: Packet) -> Connection:
        binding = None
        if nat is not None:
            binding = allocate_binding(nat, key, lambda t: self._lookup(zone, t) is not None)
        reply = (binding.translate_original(key) if binding else key).reversed()
        conn = Connection(zone, key, reply, binding=binding)
        if key.proto == 6:
            conn.tcp_state = "SYN_SENT"
        if key.is_icmp:
            conn.icmp_type = packet.fields.get("tp_src", 0)
        self._insert(conn)
        return conn

    def _update(self, conn: Connection, reply: bool, packet: Packet) -> int:
        if conn.original.proto == 6:
            self._update_tcp(conn, reply, packet.fields.get("tcp_flags", 0))
        if reply:
            conn.seen_reply = True
            return CS.EST | CS.RPL
        return CS.EST if conn.seen_reply else CS.NEW

    def _update_tcp(self, conn: Connection, reply: bool, flags: int) -> None:
        if flags & TCP_RST:
            conn.tcp_state = "CLOSED"
        elif flags & TCP_FIN:
            conn.tcp_state = "CLOSE_WAIT" if conn.tcp_state == "FIN_WAIT" else "FIN_WAIT"
        elif reply and flags & TCP_SYN and flags & TCP_ACK:
            conn.tcp_state = "ESTABLISHED"
        elif flags & TCP_ACK and conn.tcp_state == "CLOSE_WAIT":
            conn.tcp_state = "TIME_WAIT"

    def _related(self, packet: Packet, zone: int) -> tuple[Connection, bool] | None:
        proto = packet.fields.get("nw_proto", 0)
        if proto not in _ICMP_ERRORS or packet.fields.get("tp_src", 0) not in _ICMP_ERRORS[proto]:
            return None
        inner = _quoted_tuple(packet)
        if inner is None:
            return None
        return self._lookup(zone, inner)

    def _apply_nat(self, conn: Connection, packet: Packet, key: ConnTuple | None) -> int:
        binding = conn.binding
        if binding is None or key is None:
            return 0
        reply = key == conn.reply
        fields = packet.fields
        src_slot, dst_slot = ("ipv6_src", "ipv6_dst") if key.ipv6 else ("nw_src", "nw_dst")
        original = conn.original
        if binding.kind == "src":
            if reply:
                fields[dst_slot] = original.src
                _set_port(packet, "tp_dst", original.sport, key)
            else:
                fields[src_slot] = binding.address
                _set_port(packet, "tp_src", binding.port, key)
            return CS.SNAT
        if reply:
            fields[src_slot] = original.dst
            _set_port(packet, "tp_src", original.dport, key)
        else:
            fields[dst_slot] = binding.address
            _set_port(packet, "tp_dst", binding.port, key)
        return CS.DNAT


def _set_port(packet: Packet, slot: str, port: int, key: ConnTuple) -> None:
    if key.is_icmp:
        packet.extra["icmp_id"] = port
    elif key.proto in (6, 17, 132):
        packet.fields[slot] = port


def _apply_mask(old: int, update: tuple[int, int] | None) -> int:
    if update is None:
        return old
    value, mask = update
    return (old & ~mask) | (value & mask)


def _quoted_tuple(packet: Packet) -> ConnTuple | None:
    """The tuple of the packet an ICMP error quotes (from the error's payload)."""
    from pyovn.dataplane.packet_bytes import packet_from_bytes

    ipv6 = packet.fields.get("dl_type") == 0x86DD
    header = b"\x00" * 12 + (b"\x86\xdd" if ipv6 else b"\x08\x00")
    try:
        quoted = packet_from_bytes(header + packet.payload)
    except PacketError:
        return None
    return packet_tuple(quoted)

"""`put_arp`: learn IP → MAC bindings into the Southbound MAC_Binding table.

The logical router calls `put_arp(inport, arp.spa, arp.sha)` for ARP it
receives that `lookup_arp` did not know, and `put_nd(inport, ip6.src,
nd.sll)` / `put_nd(inport, nd.target, nd.tll)` for IPv6 neighbor discovery.
The packet-in carries the logical port in reg14, the IPv4 address in reg0
(IPv6: xxreg0, that is reg0..reg3, most significant first) and the MAC as
the frame's Ethernet source (the flow staged them there). Bindings are written in batches, one
transaction per loop turn; an unchanged binding is not rewritten, a
changed MAC updates the row.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from pyovn.controller.index import SbView
from pyovn.controller.txn import Txn

__all__ = ["MacBindingWriter"]

log = logging.getLogger("pyovn.controller.pinctrl")


class MacBindingWriter:
    """Pending MAC_Binding changes, flushed into one SB transaction."""

    def __init__(self) -> None:
        self.pending: dict[tuple[str, str], tuple[str, str]] = {}  # (port, ip) -> (mac, dp)

    def learn(
        self, view: SbView, metadata: Mapping[str, int], frame: bytes, *, ipv6: bool = False
    ) -> str | None:
        """Queue a binding from a put_arp (put_nd if `ipv6`) packet-in;
        returns it as text, or None."""
        datapath = view.datapath_by_key.get(metadata.get("metadata", 0))
        if datapath is None:
            return None
        key = metadata.get("reg14", 0)
        port = next((p for p in view.ports_of(datapath.uuid) if p.key == key), None)
        if port is None or len(frame) < 12:
            return None
        ip = _address(metadata, ipv6)
        if ip is None:
            return None
        mac = ":".join(f"{b:02x}" for b in frame[6:12])
        self.pending[(port.name, ip)] = (mac, datapath.uuid)
        return f"{port.name} {ip} is at {mac}"

    def flush(
        self, txn: Txn, rows: Mapping[str, Mapping[str, Any]], note: Callable[[str], None]
    ) -> None:
        """Add the pending bindings to `txn` (insert, or update the MAC)."""
        existing = {(r["logical_port"], r["ip"]): (u, r) for u, r in rows.items()}
        stamp = int(time.time() * 1000)
        for (port, ip), (mac, datapath) in self.pending.items():
            found = existing.get((port, ip))
            if found is None:
                txn.insert(
                    "MAC_Binding",
                    {
                        "logical_port": port,
                        "ip": ip,
                        "mac": mac,
                        "datapath": datapath,
                        "timestamp": stamp,
                    },
                )
                note(f"MAC_Binding {port} {ip} -> {mac}")
            elif found[1]["mac"] != mac:
                txn.update("MAC_Binding", found[0], {"mac": mac, "timestamp": stamp})
                note(f"MAC_Binding {port} {ip} -> {mac} (was {found[1]['mac']})")
        self.pending.clear()


def _address(metadata: Mapping[str, int], ipv6: bool) -> str | None:
    """The staged IP address as MAC_Binding writes it (None if unusable)."""
    if not ipv6:
        return str(ipaddress.IPv4Address(metadata.get("reg0", 0) & 0xFFFFFFFF))
    value = 0
    for index in range(4):
        value = value << 32 | (metadata.get(f"reg{index}", 0) & 0xFFFFFFFF)
    address = ipaddress.IPv6Address(value)
    if address.is_unspecified or address.is_multicast:
        return None
    return str(address)

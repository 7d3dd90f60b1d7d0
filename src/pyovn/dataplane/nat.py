"""NAT bindings for connection tracking (`ct(commit,nat(src=…)/nat(dst=…))`).

A binding records how a connection's original direction is rewritten:
SNAT changes the source address (and port, or ICMP echo id), DNAT the
destination. The reply direction is the reverse, so a reply is un-NATed
by swapping back. Allocation follows the userspace datapath's habits: the
first address of the range; the original port if it is inside the range
and does not collide, otherwise the next free port upwards, wrapping round
the range (1–65535 when none is given); ICMP echo ids are never renumbered.
A full pool raises `ConntrackError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pyovn.dataplane.actions import Nat
from pyovn.dataplane.errors import ConntrackError

__all__ = ["ConnTuple", "NatBinding", "allocate_binding"]


@dataclass(frozen=True)
class ConnTuple:
    """One direction of a connection: addresses, protocol and ports (or echo id)."""

    ipv6: bool
    src: int
    dst: int
    proto: int
    sport: int
    dport: int

    def reversed(self) -> ConnTuple:
        """The tuple of packets flowing the other way."""
        return ConnTuple(self.ipv6, self.dst, self.src, self.proto, self.dport, self.sport)

    @property
    def is_icmp(self) -> bool:
        """Whether this is an ICMP/ICMPv6 echo pseudo-tuple."""
        return self.proto in (1, 58)


@dataclass(frozen=True)
class NatBinding:
    """How the original direction of a connection is translated."""

    kind: str
    address: int
    port: int

    def translate_original(self, original: ConnTuple) -> ConnTuple:
        """The original tuple after translation (what the far side sees)."""
        if self.kind == "src":
            if original.is_icmp:
                return ConnTuple(
                    original.ipv6, self.address, original.dst, original.proto, self.port, self.port
                )
            return ConnTuple(
                original.ipv6, self.address, original.dst, original.proto, self.port, original.dport
            )
        if original.is_icmp:
            return ConnTuple(
                original.ipv6,
                original.src,
                self.address,
                original.proto,
                original.sport,
                original.dport,
            )
        return ConnTuple(
            original.ipv6, original.src, self.address, original.proto, original.sport, self.port
        )


def _port_candidates(nat: Nat, original_port: int) -> Iterator[int]:
    """The original port first (if in range), then upwards, wrapping round the range."""
    if nat.port_min is not None:
        low, high = nat.port_min, nat.port_max or nat.port_min
    else:
        low, high = 1, 65535
    start = original_port if low <= original_port <= high else low
    yield from range(start, high + 1)
    yield from range(low, start)


def allocate_binding(
    nat: Nat, original: ConnTuple, reply_in_use: Callable[[ConnTuple], bool]
) -> NatBinding | None:
    """Choose the address/port for a new connection; None when `nat` names no range."""
    if nat.kind is None or nat.address_min is None:
        return None
    low = nat.address_min
    high = nat.address_max if nat.address_max is not None else low
    keeps_port = nat.port_min is None
    for address in range(low, high + 1):
        original_port = original.sport if nat.kind == "src" else original.dport
        candidates: Iterator[int] = _port_candidates(nat, original_port)
        if original.is_icmp or (nat.kind == "dst" and keeps_port):
            # The userspace datapath never renumbers ICMP echo ids.
            candidates = iter([original_port])
        for port in candidates:
            binding = NatBinding(nat.kind, address, port)
            if not reply_in_use(binding.translate_original(original).reversed()):
                return binding
    raise ConntrackError(f"NAT pool exhausted for {nat.text()}")

"""NAT bindings for connection tracking (`ct(commit,nat(src=…)/nat(dst=…))`).

A binding records how a connection's original direction is rewritten:
SNAT changes the source address (and port, or ICMP echo id), DNAT the
destination. The reply direction is the reverse, so a reply is un-NATed
by swapping back. Allocation follows the userspace datapath's habits: the
first address of the range; the original port if it is inside the range
and does not collide, otherwise the first free port of the range (1024–65535
when no range is given). A full pool raises `ConntrackError`.
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


def _port_candidates(nat: Nat, original_port: int, icmp: bool) -> Iterator[int]:
    """The original port first (if allowed), then the rest of the range in order."""
    if nat.port_min is not None:
        low, high = nat.port_min, nat.port_max or nat.port_min
    elif icmp:
        low, high = 1, 65535
    elif original_port >= 1024:
        low, high = 1024, 65535
    else:
        low, high = 1, 1023
    if low <= original_port <= high:
        yield original_port
    yield from (port for port in range(low, high + 1) if port != original_port)


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
        candidates: Iterator[int] = _port_candidates(nat, original_port, original.is_icmp)
        if nat.kind == "dst" and keeps_port:
            candidates = iter([original_port])
        for port in candidates:
            binding = NatBinding(nat.kind, address, port)
            if not reply_in_use(binding.translate_original(original).reversed()):
                return binding
    raise ConntrackError(f"NAT pool exhausted for {nat.text()}")

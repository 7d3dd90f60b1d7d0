"""Flow matches: parsing, evaluating and printing them as ovs-ofctl does.

A `Match` is a set of (storage slot, value, mask) constraints (see
`fields.py`). Parsing accepts every field name, alias and protocol shorthand
ovs-ofctl accepts for the fields we model; like ovs-ofctl it silently drops
fields whose prerequisites the match does not establish (`tp_dst=80` without
`tcp`). Printing follows Open vSwitch's fixed order (`match_format`), so a
parsed `dump-flows` line prints back identically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pyovn.dataplane.errors import FlowSyntaxError
from pyovn.dataplane.field_syntax import parse_value
from pyovn.dataplane.fields import (
    STORAGE_WIDTHS,
    Field,
    Prereq,
    SlotLookup,
    find_field,
    prereq_satisfied,
)

__all__ = ["PROTOCOLS", "Match", "MatchBuilder", "merge_matches"]

# Protocol shorthands: name -> (dl_type, nw_proto or None).
PROTOCOLS: dict[str, tuple[int, int | None]] = {
    "ip": (0x0800, None),
    "ipv4": (0x0800, None),
    "icmp": (0x0800, 1),
    "igmp": (0x0800, 2),
    "tcp": (0x0800, 6),
    "udp": (0x0800, 17),
    "sctp": (0x0800, 132),
    "ipv6": (0x86DD, None),
    "icmp6": (0x86DD, 58),
    "tcp6": (0x86DD, 6),
    "udp6": (0x86DD, 17),
    "sctp6": (0x86DD, 132),
    "arp": (0x0806, None),
    "rarp": (0x8035, None),
    "mpls": (0x8847, None),
    "mplsm": (0x8848, None),
}
_ARP_ALIASES = ("ip_src", "ip_dst", "nw_proto")
SLOT_ORDER: dict[str, int] = {slot: index for index, slot in enumerate(STORAGE_WIDTHS)}


@dataclass(frozen=True)
class Match:
    """An immutable conjunction of masked equalities on storage slots."""

    items: tuple[tuple[str, int, int], ...] = ()
    _lookup: dict[str, tuple[int, int]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        self._lookup.update({slot: (value, mask) for slot, value, mask in self.items})

    @classmethod
    def from_constraints(cls, constraints: Mapping[str, tuple[int, int]]) -> Match:
        """A match from {slot: (value, mask)}; zero masks are dropped."""
        clipped = [
            (slot, value, mask & ((1 << STORAGE_WIDTHS[slot]) - 1))
            for slot, (value, mask) in constraints.items()
        ]
        ordered = sorted(
            ((slot, value & mask, mask) for slot, value, mask in clipped if mask),
            key=lambda item: SLOT_ORDER[item[0]],
        )
        return cls(tuple(ordered))

    @classmethod
    def parse(cls, text: str) -> Match:
        """Parse a match such as `ip,reg14=0x1,metadata=0x1,nw_src=10.0.0.11`."""
        from pyovn.dataplane.tokens import split_items, split_key_value

        builder = MatchBuilder()
        for item in split_items(text, separators=", "):
            key, value = split_key_value(item.text)
            builder.add(key, value, item.position)
        return builder.build()

    def get(self, slot: str) -> tuple[int, int]:
        """(value, mask) of a slot; (0, 0) when the slot is unconstrained."""
        return self._lookup.get(slot, (0, 0))

    def field_value(self, field_: Field) -> tuple[int, int]:
        """(value, mask) of a field, assembled from its slots."""
        values = {slot: value for slot, value, _ in self.items}
        masks = {slot: mask for slot, _, mask in self.items}
        return field_.read(values), field_.read(masks)

    def matches(self, values: Mapping[str, int]) -> bool:
        """Whether a packet's storage map satisfies every constraint."""
        return all(values.get(slot, 0) & mask == value for slot, value, mask in self.items)

    def __str__(self) -> str:
        from pyovn.dataplane.match_format import format_match

        return format_match(self)


class MatchBuilder:
    """Accumulates `key=value` items into a `Match`, as ovs-ofctl parses them."""

    def __init__(self) -> None:
        self.constraints: dict[str, tuple[int, int]] = {}
        self.assigned: list[Field] = []

    def add(self, key: str, value: str | None, position: int | None = None) -> None:
        """Add one match item; raises FlowSyntaxError on unknown keys or values."""
        lowered = key.lower()
        if value is None:
            self._add_protocol(lowered, key, position)
            return
        try:
            self._add_field(lowered, key, value)
        except FlowSyntaxError as error:
            if error.position is None:
                raise FlowSyntaxError(error.message, error.token or key, position) from None
            raise

    def _add_protocol(self, lowered: str, key: str, position: int | None) -> None:
        if lowered in ("eth", "packet_type"):
            return
        if lowered not in PROTOCOLS:
            raise FlowSyntaxError("unknown keyword", key, position)
        dl_type, nw_proto = PROTOCOLS[lowered]
        self.constraints["dl_type"] = (dl_type, 0xFFFF)
        if nw_proto is not None:
            self.constraints["nw_proto"] = (nw_proto, 0xFF)

    def _add_field(self, lowered: str, key: str, value: str) -> None:
        if lowered in ("dl_vlan", "dl_vlan_pcp"):
            self._add_vlan(lowered, value)
            return
        found = find_field(lowered)
        if found is None:
            raise FlowSyntaxError("unknown keyword", key)
        parsed, mask = parse_value(found, value)
        self.set_field(found, parsed, found.all_ones if mask is None else mask)

    def set_field(self, field_: Field, value: int, mask: int) -> None:
        """Constrain `field_` to value/mask, replacing any earlier constraint on it."""
        region = {slot: slot_mask for slot, _, slot_mask in field_.to_storage(0, field_.all_ones)}
        for slot, region_mask in region.items():
            old_value, old_mask = self.constraints.get(slot, (0, 0))
            self.constraints[slot] = (old_value & ~region_mask, old_mask & ~region_mask)
        for slot, slot_value, slot_mask in field_.to_storage(value, mask):
            old_value, old_mask = self.constraints[slot]
            self.constraints[slot] = (old_value | (slot_value & slot_mask), old_mask | slot_mask)
        self.assigned.append(field_)

    def _add_vlan(self, key: str, text: str) -> None:
        from pyovn.dataplane.field_syntax import parse_int

        number = parse_int(text, key)
        old_value, old_mask = self.constraints.get("vlan_tci", (0, 0))
        if key == "dl_vlan":
            bits, shifted = 0x0FFF, (number & 0x0FFF)
        else:
            bits, shifted = 0xE000, (number & 0x7) << 13
        value = (old_value & ~bits) | shifted | 0x1000
        self.constraints["vlan_tci"] = (value, old_mask | bits | 0x1000)

    def build(self) -> Match:
        """The match, with fields whose prerequisites are unmet dropped (normalised)."""
        constraints = dict(self.constraints)
        lookup = _lookup_in(constraints)
        arp = prereq_satisfied(Prereq.ARP, lookup)
        for assigned in self.assigned:
            # nw_src/nw_dst/nw_proto double as ARP's spa/tpa/op, as in ovs-ofctl.
            if arp and assigned.name in _ARP_ALIASES:
                continue
            if not prereq_satisfied(assigned.prereq, lookup):
                for slot, _, slot_mask in assigned.to_storage(0, assigned.all_ones):
                    value, mask = constraints.get(slot, (0, 0))
                    constraints[slot] = (value & ~slot_mask, mask & ~slot_mask)
        return Match.from_constraints(constraints)


def _lookup_in(constraints: Mapping[str, tuple[int, int]]) -> SlotLookup:
    def lookup(slot: str) -> tuple[int, int]:
        return constraints.get(slot, (0, 0))

    return lookup


def merge_matches(matches: Iterable[Match]) -> Match:
    """The conjunction of several matches (later constraints win on overlap)."""
    constraints: dict[str, tuple[int, int]] = {}
    for match in matches:
        for slot, value, mask in match.items:
            old_value, old_mask = constraints.get(slot, (0, 0))
            constraints[slot] = ((old_value & ~mask) | value, old_mask | mask)
    return Match.from_constraints(constraints)

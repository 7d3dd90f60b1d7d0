"""A packet as the logical pipeline sees it: field values plus port names.

Values are kept per Open vSwitch field (`storage`), so overlapping logical
views stay consistent: `reg0`, `xreg0[32..63]` and `xxreg0[96..127]` are
the same bits of `xxreg0`; `flags.loopback` is bit 0 of `reg10`.  Fields a
packet lacks read as 0, as in OpenFlow.  `inport` and `outport` hold
logical port names.

    >>> p = Packet.from_logical({"eth.src": "00:00:00:00:00:01", "reg0": 5})
    >>> p.get("xxreg0[96..127]")
    5
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pyovn.lflow.errors import LflowEvalError
from pyovn.lflow.expr import FieldRef
from pyovn.lflow.fields import SYMBOLS, resolve_symbol
from pyovn.lflow.lexer import Number, TokenKind, tokenize

__all__ = ["Packet", "parse_field_ref", "parse_value_text"]

_PORT_STORAGE = {"inport": "reg14", "outport": "reg15"}


@dataclass
class Packet:
    """Field values by OVS storage field; logical port names by storage.

    `length` is the frame length in bytes (for check_pkt_larger).
    """

    values: dict[str, int] = field(default_factory=dict)
    ports: dict[str, str] = field(default_factory=dict)
    length: int = 0

    @classmethod
    def from_logical(cls, fields: Mapping[str, int | str]) -> Packet:
        """Build a packet from logical field names (`"ip4.src": "10.0.0.1"`)."""
        packet = cls()
        for name, value in fields.items():
            packet.set(name, value)
        return packet

    def copy(self) -> Packet:
        return Packet(dict(self.values), dict(self.ports), self.length)

    # ---- storage access ---------------------------------------------------------

    def read_bits(self, storage: str, offset: int, width: int) -> int:
        return (self.values.get(storage, 0) >> offset) & ((1 << width) - 1)

    def write_bits(self, storage: str, offset: int, width: int, value: int) -> None:
        mask = ((1 << width) - 1) << offset
        current = self.values.get(storage, 0)
        self.values[storage] = (current & ~mask) | ((value << offset) & mask)

    def port(self, storage: str) -> str | None:
        return self.ports.get(storage)

    # ---- logical access ---------------------------------------------------------

    def get(self, ref: FieldRef | str) -> int:
        """Integer value of a logical (sub)field; string fields raise."""
        ref = parse_field_ref(ref) if isinstance(ref, str) else ref
        if _is_port(ref):
            raise LflowEvalError(f"{ref} is a port name; use get_port()")
        storage, offset, width = locate(ref)
        return self.read_bits(storage, offset, width)

    def get_port(self, name: str) -> str | None:
        """Logical port name in `inport` or `outport`."""
        return self.ports.get(_PORT_STORAGE[name])

    def set(self, ref: FieldRef | str, value: int | str) -> None:
        """Set a logical (sub)field from an int or constant text
        (`"10.0.0.1"`, `"00:00:00:00:00:01"`); port fields take names."""
        ref = parse_field_ref(ref) if isinstance(ref, str) else ref
        if _is_port(ref):
            self.ports[_PORT_STORAGE[ref.name]] = str(value)
            return
        number = value if isinstance(value, int) else parse_value_text(value)
        storage, offset, width = locate(ref)
        self.write_bits(storage, offset, width, number)

    def logical_view(self) -> dict[str, int | str]:
        """Every non-zero OVS field and the port names (for printing)."""
        view: dict[str, int | str] = dict(sorted(self.values.items()))
        for storage, name in self.ports.items():
            view["inport" if storage == "reg14" else "outport"] = name
        return view


def _is_port(ref: FieldRef) -> bool:
    symbol = SYMBOLS.get(ref.name)
    return symbol is not None and symbol.is_string


def locate(ref: FieldRef) -> tuple[str, int, int]:
    """(storage, offset, width) of a logical field reference."""
    symbol = SYMBOLS.get(ref.name)
    if symbol is None:
        raise LflowEvalError(f"unknown field {ref.name}")
    if symbol.ovn_only:
        return ref.name, 0, symbol.width
    resolved = resolve_symbol(ref.name)
    if ref.start is None:
        return resolved.storage, resolved.offset, resolved.width
    assert ref.end is not None
    return resolved.storage, resolved.offset + ref.start, ref.end - ref.start + 1


def parse_field_ref(text: str) -> FieldRef:
    """`"reg0[3]"` -> FieldRef."""
    from pyovn.lflow.cursor import Cursor

    cursor = Cursor(tokenize(text))
    ref = cursor.parse_field()
    if not cursor.at_end():
        raise LflowEvalError(f"bad field reference {text!r}")
    return ref


def parse_value_text(text: str) -> int:
    """An integer constant in any notation (decimal, hex, IPv4/6, MAC)."""
    tokens = tokenize(text)
    if len(tokens) != 2 or tokens[0].kind is not TokenKind.NUMBER:
        raise LflowEvalError(f"bad value {text!r}")
    number = tokens[0].value
    assert isinstance(number, Number)
    return number.value

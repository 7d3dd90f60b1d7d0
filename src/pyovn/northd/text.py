"""The exact spelling of match and action fragments OVN 23.03 writes.

Builders compose flows from these so that every flow's text is canonical
and comparable with the real northd's, instead of ad-hoc f-strings.
"""

import json
from collections.abc import Iterable

__all__ = [
    "and_",
    "inport",
    "is_chassis_resident",
    "outport",
    "quote",
    "set_of",
]


def quote(name: str) -> str:
    """A logical port name as a string literal: "vm1"."""
    return json.dumps(name)


def inport(name: str) -> str:
    return f"inport == {quote(name)}"


def outport(name: str) -> str:
    return f"outport == {quote(name)}"


def is_chassis_resident(port: str) -> str:
    return f"is_chassis_resident({quote(port)})"


def set_of(items: Iterable[object]) -> str:
    """`{a, b, c}` (a one-element set keeps its braces, as OVN writes it)."""
    return "{" + ", ".join(str(i) for i in items) + "}"


def and_(*parts: str) -> str:
    return " && ".join(p for p in parts if p)

"""Splitting ovs-ofctl text into its comma-separated items.

ovs-ofctl separates match fields and actions with commas (or spaces), and
nests lists inside parentheses: `clone(load:0->NXM_NX_REG0[],resubmit(,8))`.
`split_items` cuts at top-level separators only and remembers where each item
starts, so that syntax errors can point at the offending token.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyovn.dataplane.errors import FlowSyntaxError

__all__ = ["Item", "split_items", "split_key_value"]


@dataclass(frozen=True)
class Item:
    """One top-level item and its offset in the text it was cut from."""

    text: str
    position: int


def split_items(text: str, base: int = 0, separators: str = ",") -> list[Item]:
    """Cut `text` at top-level separators, ignoring those inside () and []."""
    items: list[Item] = []
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth < 0:
                raise FlowSyntaxError("unbalanced parenthesis", char, base + index)
        elif char in separators and depth == 0:
            _append(items, text, start, index, base)
            start = index + 1
    if depth != 0:
        raise FlowSyntaxError("unbalanced parenthesis", text[start:].strip(), base + start)
    _append(items, text, start, len(text), base)
    return items


def _append(items: list[Item], text: str, start: int, end: int, base: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        items.append(Item(stripped, base + start + (len(piece) - len(piece.lstrip()))))


def split_key_value(item: str) -> tuple[str, str | None]:
    """`key=value` or `key:value` → (key, value); a bare word → (word, None)."""
    for index, char in enumerate(item):
        if char in "=:":
            return item[:index].strip(), item[index + 1 :].strip()
        if char in "([":
            break
    return item.strip(), None

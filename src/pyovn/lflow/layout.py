"""Token-level layout: how parsed text is reprinted byte for byte.

Printing walks a syntax tree and emits tokens, each with the separator a
canonical printer would put before it.  A tree that came from the parser
also carries a `Layout`: the tokens it was parsed from and the exact trivia
(whitespace, comments) before each.  When the emitted tokens are exactly the
parsed ones, the recorded trivia is used, so real northd output, with its
occasional `ip4.src_mcast ||ip4.src` or `/* ARP reply */`, round-trips
unchanged.  When the tree was built or changed in code, the token streams
differ and the canonical separators are used throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Layout", "TokenWriter"]


@dataclass(frozen=True, slots=True)
class Layout:
    """Token spellings of a parse, the trivia before each, and the trivia at the end."""

    tokens: tuple[str, ...]
    separators: tuple[str, ...]
    trailing: str


class TokenWriter:
    """Collects printed tokens with their canonical separators."""

    __slots__ = ("_separators", "_tokens")

    def __init__(self) -> None:
        self._tokens: list[str] = []
        self._separators: list[str] = []

    def emit(self, text: str, separator: str = " ") -> None:
        """Append token `text`; `separator` is what canonically precedes it."""
        self._tokens.append(text)
        self._separators.append(separator if len(self._tokens) > 1 else "")

    def render(self, layout: Layout | None = None) -> str:
        """The text, with `layout`'s trivia if it matches the tokens emitted."""
        if layout is not None and tuple(self._tokens) == layout.tokens:
            parts = [sep + tok for sep, tok in zip(layout.separators, self._tokens, strict=True)]
            parts.append(layout.trailing)
            return "".join(parts)
        return "".join(sep + tok for sep, tok in zip(self._separators, self._tokens, strict=True))

"""Lexer of OVN's logical-flow language (matches and actions share it).

The lexer keeps everything needed to reprint the input byte for byte: each
token carries its exact spelling and the whitespace and comments ("trivia")
that precede it.  Numbers keep the notation they were written in, because
northd writes `0x800` in one place and `2048` in another and a printer that
reproduces real dumps must not change either.
"""

from __future__ import annotations

import ipaddress
import json
import re
import string
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from pyovn.lflow.errors import LflowSyntaxError

__all__ = ["Number", "NumberFormat", "Token", "TokenKind", "format_number", "tokenize"]


class TokenKind(Enum):
    """What a token is; punctuation is told apart by its text."""

    ID = "id"
    NUMBER = "number"
    STRING = "string"
    MACRO = "macro"  # $address_set
    PORT_GROUP = "port_group"  # @port_group
    PUNCT = "punct"
    END = "end"


class NumberFormat(Enum):
    """The notation of an integer constant, kept so it prints back the same."""

    DECIMAL = "decimal"
    HEX = "hex"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    ETHERNET = "ethernet"


@dataclass(frozen=True, slots=True)
class Number:
    """An integer constant, possibly masked (`10.0.0.0/24`, `0x10/0x10`).

    `text` is the source spelling (value and mask); `width` is the natural
    width of the notation (32 for IPv4, 128 for IPv6, 48 for Ethernet), 0 for
    plain integers.
    """

    value: int
    mask: int | None
    fmt: NumberFormat
    text: str

    @property
    def width(self) -> int:
        return _NATURAL_WIDTH[self.fmt]


_NATURAL_WIDTH = {
    NumberFormat.DECIMAL: 0,
    NumberFormat.HEX: 0,
    NumberFormat.IPV4: 32,
    NumberFormat.IPV6: 128,
    NumberFormat.ETHERNET: 48,
}


class Token(NamedTuple):
    """One token: kind, exact spelling, offset, the trivia before it, value.

    `value` is the decoded string for STRING, the name without sigil for
    MACRO/PORT_GROUP, a `Number` for NUMBER, and the text otherwise.
    (A named tuple because the lexer makes millions of them.)
    """

    kind: TokenKind
    text: str
    start: int
    trivia: str
    value: object

    def is_punct(self, text: str) -> bool:
        return self.kind is TokenKind.PUNCT and self.text == text

    def is_id(self, name: str | None = None) -> bool:
        return self.kind is TokenKind.ID and (name is None or self.text == name)


# Longest first, so that `<->` wins over `<` and `<=`.
_PUNCTUATION = (
    "<->",
    "&&",
    "||",
    "==",
    "!=",
    "<=",
    ">=",
    "--",
    "..",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<",
    ">",
    "!",
    "=",
    ",",
    ";",
    ":",
    "-",
)
_ID_START = frozenset(string.ascii_letters + "_")
_HEX_LETTERS = frozenset("abcdefABCDEF")
_SPACE_RE = re.compile(r"\s*")
_PUNCT_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _punct in _PUNCTUATION:
    _PUNCT_BY_FIRST[_punct[0]] = (*_PUNCT_BY_FIRST.get(_punct[0], ()), _punct)
_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_NAME_RE = re.compile(r"[A-Za-z0-9_.]+")
# A run of characters that could belong to a numeric constant.  A dot only
# continues it when a digit follows, so `0..47` splits into `0`, `..`, `47`.
_NUMBER_RUN_RE = re.compile(r"(?:[0-9A-Za-z:]|\.(?=[0-9]))+")
_MASK_START = frozenset(string.ascii_letters + string.digits + ":")
_HEX_RE = re.compile(r"0[xX][0-9a-fA-F]+")
_DEC_RE = re.compile(r"[0-9]+")
_IPV4_RE = re.compile(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}")
_MAC_RE = re.compile(r"[0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5}")
_IPV6_CHARS_RE = re.compile(r"[0-9A-Fa-f:.]+")
_STRING_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"')
# The common tokens in one regex: plain spaces, then an identifier that is
# not the start of a MAC or IPv6 address, a decimal that is not the start of
# an address or mask, punctuation other than `:`, or a string.  Anything else
# (comments, addresses, errors) takes the general path.
_FAST_RE = re.compile(
    r"""(?P<trivia>[ ]*)
    (?:(?P<id>[A-Za-z_][A-Za-z0-9_.]*)(?![:A-Za-z0-9_.])
      |(?P<dec>[0-9]+)(?![0-9A-Za-z.:/])
      |(?P<punct><->|&&|\|\||==|!=|<=|>=|--|\.\.|[(){}\[\]<>!=,;-])
      |(?P<string>"(?:[^"\\\n]|\\.)*"))""",
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens; the last one is END (carrying trailing trivia).

    Raises LflowSyntaxError for characters or constants that no token can
    start with, unterminated strings and unterminated comments.
    """
    tokens: list[Token] = []
    pos = 0
    length = len(text)
    while True:
        fast = _FAST_RE.match(text, pos)
        if fast is not None:
            tokens.append(_fast_token(fast))
            pos = fast.end()
            continue
        trivia_start = pos
        pos = _skip_trivia(text, pos)
        trivia = text[trivia_start:pos]
        if pos >= length:
            tokens.append(Token(TokenKind.END, "", pos, trivia, ""))
            return tokens
        token = _lex_one(text, pos, trivia)
        tokens.append(token)
        pos = token.start + len(token.text)


def _fast_token(match: re.Match[str]) -> Token:
    """A token the fast path recognised (see `_FAST_RE`)."""
    kind = match.lastgroup
    text = match.group(kind)  # type: ignore[arg-type]
    start = match.start(kind)  # type: ignore[arg-type]
    trivia = match.group("trivia")
    if kind == "id":
        return Token(TokenKind.ID, text, start, trivia, text)
    if kind == "punct":
        return Token(TokenKind.PUNCT, text, start, trivia, text)
    if kind == "dec":
        number = Number(int(text), None, NumberFormat.DECIMAL, text)
        return Token(TokenKind.NUMBER, text, start, trivia, number)
    return _lex_string(match.string, start, trivia)


def _skip_trivia(text: str, pos: int) -> int:
    length = len(text)
    while pos < length:
        pos = _SPACE_RE.match(text, pos).end()  # type: ignore[union-attr]
        if text.startswith("//", pos):
            end = text.find("\n", pos)
            pos = length if end < 0 else end + 1
        elif text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            if end < 0:
                raise _lex_error("Unterminated comment", text, pos, text[pos:])
            pos = end + 2
        else:
            break
    return pos


def _lex_one(text: str, pos: int, trivia: str) -> Token:
    char = text[pos]
    if char in _ID_START:
        if char in _HEX_LETTERS:
            number = _lex_number(text, pos, trivia)
            if number is not None:
                return number
        match = _ID_RE.match(text, pos)
        assert match is not None
        word = match.group()
        return Token(TokenKind.ID, word, pos, trivia, word)
    if char in string.digits or (char == ":" and text.startswith("::", pos)):
        number = _lex_number(text, pos, trivia)
        assert number is not None
        return number
    if char == '"':
        return _lex_string(text, pos, trivia)
    if char in "$@":
        match = _NAME_RE.match(text, pos + 1)
        if not match:
            raise _lex_error(f"`{char}' must be followed by a name", text, pos, char)
        kind = TokenKind.MACRO if char == "$" else TokenKind.PORT_GROUP
        return Token(kind, text[pos : match.end()], pos, trivia, match.group())
    for punct in _PUNCT_BY_FIRST.get(char, ()):
        if text.startswith(punct, pos):
            return Token(TokenKind.PUNCT, punct, pos, trivia, punct)
    if char in "&|":
        raise _lex_error(f"`{char}' is only valid as part of `{char * 2}'", text, pos, char)
    raise _lex_error("Invalid character", text, pos, char)


def _lex_string(text: str, pos: int, trivia: str) -> Token:
    match = _STRING_RE.match(text, pos)
    if not match:
        raise _lex_error("Unterminated string", text, pos, text[pos:])
    raw = match.group()
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise _lex_error("Invalid string escape", text, pos, raw) from exc
    return Token(TokenKind.STRING, raw, pos, trivia, value)


def _lex_number(text: str, pos: int, trivia: str) -> Token | None:
    """A numeric constant at `pos` (with its mask), or None if there is none.

    Identifiers never contain `:`, so a letter starts a number only when the
    run reads as an Ethernet or IPv6 address (`fe80::1`, `aa:bb:cc:dd:ee:ff`).
    """
    char = text[pos]
    if not (char in string.digits or (char == ":" and text.startswith("::", pos))):
        run = _NUMBER_RUN_RE.match(text, pos)
        if run is None or ":" not in run.group():
            return None
        parsed = _classify(run.group())
        if parsed is None or parsed[1] not in (NumberFormat.ETHERNET, NumberFormat.IPV6):
            return None
    value, fmt, end = _scan_number(text, pos)
    mask: int | None = None
    if end < len(text) and text[end] == "/":
        mask, end = _scan_mask(text, end + 1, fmt)
    spelling = text[pos:end]
    return Token(TokenKind.NUMBER, spelling, pos, trivia, Number(value, mask, fmt, spelling))


def _scan_number(text: str, pos: int) -> tuple[int, NumberFormat, int]:
    """Value, notation and end offset of the number at `pos`."""
    run_match = _NUMBER_RUN_RE.match(text, pos)
    run = run_match.group() if run_match else text[pos]
    parsed = _classify(run)
    if parsed is not None:
        return parsed[0], parsed[1], pos + len(run)
    # `10.0.0.4:80` in ct_lb backends: an IPv4 address followed by `:port`.
    ipv4 = _IPV4_RE.match(run)
    if ipv4 and run[ipv4.end() : ipv4.end() + 1] == ":":
        parsed = _classify(ipv4.group())
        if parsed is not None:
            return parsed[0], parsed[1], pos + ipv4.end()
    raise _lex_error("Invalid numeric constant", text, pos, run)


def _scan_mask(text: str, pos: int, fmt: NumberFormat) -> tuple[int, int]:
    """Mask value and end offset; a decimal after an IP address is a prefix."""
    if pos >= len(text) or text[pos] not in _MASK_START:
        raise _lex_error("Missing mask after `/'", text, pos - 1, "/")
    value, mask_fmt, end = _scan_number(text, pos)
    width = _NATURAL_WIDTH[fmt]
    if mask_fmt is NumberFormat.DECIMAL and width:
        if value > width:
            raise _lex_error("Prefix length out of range", text, pos, text[pos:end])
        value = ((1 << value) - 1) << (width - value)
    return value, end


def _classify(run: str) -> tuple[int, NumberFormat] | None:
    """Read `run` entirely as one constant, or None if it is not one."""
    if _HEX_RE.fullmatch(run):
        return int(run, 16), NumberFormat.HEX
    if _DEC_RE.fullmatch(run):
        return int(run), NumberFormat.DECIMAL
    if _IPV4_RE.fullmatch(run):
        try:
            return int(ipaddress.IPv4Address(run)), NumberFormat.IPV4
        except ValueError:
            return None
    if _MAC_RE.fullmatch(run):
        return int("".join(f"{int(part, 16):02x}" for part in run.split(":")), 16), (
            NumberFormat.ETHERNET
        )
    if ":" in run and _IPV6_CHARS_RE.fullmatch(run):
        try:
            return int(ipaddress.IPv6Address(run)), NumberFormat.IPV6
        except ValueError:
            return None
    return None


def format_number(value: int, fmt: NumberFormat) -> str:
    """Spell `value` in notation `fmt` (the canonical spelling of that notation)."""
    if fmt is NumberFormat.DECIMAL:
        return str(value)
    if fmt is NumberFormat.HEX:
        return hex(value)
    if fmt is NumberFormat.IPV4:
        return str(ipaddress.IPv4Address(value))
    if fmt is NumberFormat.IPV6:
        return str(ipaddress.IPv6Address(value))
    return ":".join(f"{(value >> shift) & 0xFF:02x}" for shift in range(40, -8, -8))


def _lex_error(reason: str, text: str, pos: int, token: str) -> LflowSyntaxError:
    shown = token[:40]
    return LflowSyntaxError(
        f"Syntax error at `{shown}' {reason[0].lower()}{reason[1:]}.",
        position=pos,
        token=shown,
        expected=reason,
    )

"""JSON-RPC 1.0 over a byte stream, as OVSDB uses it (RFC 7047 section 4).

Messages are JSON objects sent back to back with no delimiter, so the
receiving side must find where each one ends; `JsonStreamSplitter` does.
"""

import re
from dataclasses import dataclass
from typing import Any

import orjson

from pyovn.ovsdb.errors import ProtocolError

__all__ = [
    "DEFAULT_MAX_MESSAGE",
    "JsonStreamSplitter",
    "Message",
    "dumps",
    "encode_error",
    "encode_notify",
    "encode_reply",
    "encode_request",
    "parse_message",
    "request_envelope",
]

#: Largest incoming message accepted before the connection is dropped.
DEFAULT_MAX_MESSAGE = 256 * 1024 * 1024

# Everything up to the next bracket outside a string.
_SKIP = re.compile(rb'(?:[^"{}\[\]]+|"[^"\\]*(?:\\.[^"\\]*)*")*', re.DOTALL)
# A complete string; the rest of a string whose opening quote was already read.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# A closing bracket, blanks, an opening one: outside strings this is the end of
# one message and the start of the next (inside a message a comma separates).
_BOUNDARY = re.compile(rb"[}\]][ \t\r\n]*[{\[]")
# The same test on bytes translated to their kind: Closer, Opener, White space.
_BRACKET_KINDS = bytes(
    ord("C") if b in b"}]" else ord("O") if b in b"{[" else ord("W") if b in b" \t\r\n" else 120
    for b in range(256)
)
_SPACED_BOUNDARY = re.compile(rb"CW+O")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"{}[]")
#: orjson refuses deeper nesting anyway.
_MAX_DEPTH = 1024


_SCAN = object()
_WAIT = object()


def dumps(value: Any) -> bytes:
    """Compact JSON bytes."""
    return orjson.dumps(value)


class JsonStreamSplitter:
    """Cuts a byte stream into complete top-level JSON values.

    The splitter tracks the bracket depth of the stream using regular
    expressions and byte counts only (C speed): strings are cut out with a
    regex, brackets counted with `bytes.count`, and the string state is
    carried across reads. Only when the depth returns to zero can the buffer
    hold whole messages; then orjson parses it in one go, and only if that
    fails (several messages at once, or a malformed one) does a bracket-by-
    bracket scan find the message boundaries.
    """

    def __init__(self, max_size: int = DEFAULT_MAX_MESSAGE) -> None:
        self.max_size = max_size
        self._buf = bytearray()
        self._depth = 0
        self._open = b""  # the brackets still open, outermost first
        self._in_string = False
        self._escape = False  # the last byte read was a backslash inside a string
        self._after_closer = False  # the last non-blank byte outside strings closed a bracket
        self._lazy = False  # the buffer holds a message start that is not scanned yet
        self._tried = 0  # the buffer size of the last failed whole-message parse

    def feed(self, data: bytes) -> list[Any]:
        """Add bytes; return every value completed by them, parsed."""
        if not self._buf:
            data = data.lstrip(b" \t\r\n")
            if not data:
                return []
            if data[0] not in b"{[":
                got = data[:16]
                raise ProtocolError(f"invalid JSON: a message must start with '{{' (got {got!r})")
            self._lazy = True
        old_len = len(self._buf)
        self._buf += data
        if len(self._buf) > self.max_size:
            raise ProtocolError(f"message exceeds the {self.max_size}-byte limit without ending")
        if self._lazy:
            # Nothing of this message has been scanned yet. Most reads hold
            # exactly one whole message, and most others are pieces of one big
            # message: let orjson try the buffer when it may be complete, and
            # scan it only when that fails.
            found = self._whole_message(old_len)
            if found is not _SCAN:
                return [] if found is _WAIT else [found]
            self._lazy = False
            self._tried = 0
            data = bytes(self._buf)
        ended = self._account(data)
        if self._depth or self._in_string:
            # A message that ended inside this read, with the next one begun,
            # is delivered now rather than when the next one is complete.
            return self._split_complete() if ended else []
        return self._split()

    def _whole_message(self, old_len: int) -> Any:
        """The buffer parsed if it is one whole message; _WAIT if it is an
        unfinished one; _SCAN if the scanner must decide (several messages,
        a malformed one, or too many tries on one message)."""
        buf = self._buf
        end = len(buf)
        while buf[end - 1] in b" \t\r\n":
            end -= 1
        if buf[end - 1] not in b"}]":
            # Unfinished, unless a message ended in the new bytes and the next
            # one began; a false alarm (brackets inside a string) costs a scan.
            kinds = buf[max(old_len - 1, 0) :].translate(_BRACKET_KINDS)
            if b"CO" in kinds or (b"CW" in kinds and _SPACED_BOUNDARY.search(kinds)):
                return _SCAN
            return _WAIT
        # Each failed try parses the whole buffer, so tries are spaced out
        # geometrically; past that the linear scanner takes over.
        if end < 2 * self._tried:
            return _SCAN
        try:
            value = orjson.loads(buf)
        except orjson.JSONDecodeError as exc:
            if not str(exc).startswith("unexpected end of data"):
                return _SCAN
            self._tried = end
            return _WAIT
        buf.clear()
        self._tried = 0
        return value

    def _account(self, data: bytes) -> bool:
        """Track brackets and strings; True if a message may have ended in `data`."""
        pos = 0
        # No escapes (here or pending from the last read): every quote opens
        # or closes a string.
        plain = not self._escape and b"\\" not in data
        if self._in_string:
            if plain:
                pos = data.find(b'"') + 1
                if not pos:
                    return False
            else:
                if self._escape:
                    pos, self._escape = 1, False
                m = _STRING_REST.match(data, pos)
                if m is None:
                    self._escape = _odd_backslashes(data, pos)
                    return False
                pos = m.end()
            self._in_string = False
            self._after_closer = False
        rest = data[pos:] if pos else data
        if plain:
            # Splitting at quotes leaves the text outside strings at even places.
            parts = rest.split(b'"')
            if len(parts) % 2 == 0:  # the last string is still open
                self._in_string = True
                parts.pop()
            outside = b"".join(parts[0::2])
        else:
            outside = _STRING.sub(b"", rest)
            quote = outside.find(b'"')
            if quote >= 0:
                self._in_string = True
                self._escape = _odd_backslashes(data, 0)
                outside = outside[:quote]
        self._open = _close_pairs(self._open + outside.translate(None, _NOT_BRACKETS))
        self._depth = len(self._open)
        head = outside.lstrip()[:1]
        ended = _BOUNDARY.search(outside) is not None or (self._after_closer and head in b"{[")
        tail = outside.rstrip()[-1:]
        if self._in_string:
            self._after_closer = False
        elif tail:
            self._after_closer = tail in b"}]"
        return ended and bool(head)

    def _split_complete(self) -> list[Any]:
        """The complete messages at the front of the buffer; the rest stays."""
        buf = bytes(self._buf)
        chunks, end = _complete_chunks(buf)
        self._buf.clear()
        self._open, self._depth = b"", 0
        self._in_string = self._escape = self._after_closer = False
        out = []
        for chunk in chunks:
            try:
                out.append(orjson.loads(chunk))
            except orjson.JSONDecodeError as exc:
                raise ProtocolError(f"invalid JSON: {exc}") from None
        rest = buf[end:].lstrip(b" \t\r\n")
        if rest:
            self._buf += rest
            self._account(rest)
        return out

    def _split(self) -> list[Any]:
        buf = bytes(self._buf)
        self._buf.clear()
        try:
            return [orjson.loads(buf)]
        except orjson.JSONDecodeError:
            pass
        out = []
        for chunk in _message_chunks(buf):
            try:
                out.append(orjson.loads(chunk))
            except orjson.JSONDecodeError as exc:
                raise ProtocolError(f"invalid JSON: {exc}") from None
        return out


def _odd_backslashes(data: bytes, start: int) -> bool:
    """Whether data[start:] ends in an unpaired backslash (an escape cut by a read)."""
    segment = data[start:]
    return (len(segment) - len(segment.rstrip(b"\\"))) % 2 == 1


def _close_pairs(brackets: bytes) -> bytes:
    """The brackets left open once every matching pair is closed (outermost
    first); ProtocolError when a bracket closes one of the other kind, closes
    nothing, or the nesting is deeper than JSON parsers accept."""
    for _ in range(_MAX_DEPTH + 1):
        reduced = brackets.replace(b"{}", b"").replace(b"[]", b"")
        if reduced == brackets:
            break
        brackets = reduced
    else:
        raise ProtocolError("invalid JSON: brackets nested too deep")
    closers = brackets.lstrip(b"{[")
    if closers:
        what = "mismatched" if len(closers) < len(brackets) else "unbalanced"
        raise ProtocolError(f"invalid JSON: {what} brackets")
    if len(brackets) > _MAX_DEPTH:
        raise ProtocolError("invalid JSON: brackets nested too deep")
    return brackets


def _complete_chunks(buf: bytes) -> tuple[list[bytes], int]:
    """The complete messages at the front of `buf` and where they end."""
    chunks: list[bytes] = []
    pos, start, depth, end = 0, None, 0, 0
    size = len(buf)
    while pos < size:
        pos = _SKIP.match(buf, pos).end()  # type: ignore[union-attr]
        if pos >= size or buf[pos] == 0x22:  # the end, or an unfinished string
            break
        if start is None:
            if buf[end:pos].strip():
                raise ProtocolError(f"invalid JSON: unexpected {buf[end:pos].strip()[:16]!r}")
            start = pos
        depth += 1 if buf[pos] in b"{[" else -1
        pos += 1
        if depth == 0:
            chunks.append(buf[start:pos])
            start, end = None, pos
    return chunks, end


def _message_chunks(buf: bytes) -> list[bytes]:
    """Split a buffer of whole messages at their boundaries (bracket by bracket)."""
    chunks = []
    pos, start, depth = 0, None, 0
    size = len(buf)
    while pos < size:
        pos = _SKIP.match(buf, pos).end()  # type: ignore[union-attr]
        if pos >= size:
            break
        if start is None:
            start = pos
        depth += 1 if buf[pos] in b"{[" else -1
        pos += 1
        if depth == 0:
            chunks.append(buf[start:pos])
            start = None
    if start is not None or not chunks:
        raise ProtocolError("invalid JSON: could not find complete messages")
    for between in _gaps(buf, chunks):
        if between.strip():
            raise ProtocolError(
                f"invalid JSON: unexpected {between.strip()[:16]!r} between messages"
            )
    return chunks


def _gaps(buf: bytes, chunks: list[bytes]) -> list[bytes]:
    gaps, pos = [], 0
    for chunk in chunks:
        at = buf.find(chunk, pos)
        gaps.append(buf[pos:at])
        pos = at + len(chunk)
    gaps.append(buf[pos:])
    return gaps


@dataclass(frozen=True, slots=True)
class Message:
    """A parsed JSON-RPC message: request, notification or reply."""

    kind: str  # "request" | "notify" | "reply" | "error"
    method: str | None
    params: Any
    id: Any
    result: Any = None
    error: Any = None


def parse_message(obj: Any) -> Message:
    """Classify and validate one JSON-RPC object; ProtocolError if invalid."""
    if not isinstance(obj, dict):
        raise ProtocolError("JSON-RPC message must be an object")
    if "method" in obj:
        method = obj["method"]
        params = obj.get("params")
        if not isinstance(method, str):
            raise ProtocolError('"method" must be a string')
        if not isinstance(params, list):
            raise ProtocolError(f'"params" of {method} must be an array')
        msg_id = obj.get("id")
        kind = "notify" if msg_id is None else "request"
        return Message(kind, method, params, msg_id)
    if "id" in obj and ("result" in obj or "error" in obj):
        error = obj.get("error")
        kind = "reply" if error is None else "error"
        return Message(kind, None, None, obj["id"], obj.get("result"), error)
    raise ProtocolError("message is neither a request nor a reply")


def encode_reply(msg_id: Any, result: Any) -> bytes:
    return dumps({"id": msg_id, "result": result, "error": None})


def encode_error(msg_id: Any, error: Any) -> bytes:
    return dumps({"id": msg_id, "result": None, "error": error})


def encode_request(method: str, params: list[Any], msg_id: Any) -> bytes:
    return dumps({"id": msg_id, "method": method, "params": params})


def request_envelope(method: str, msg_id: int) -> tuple[bytes, bytes]:
    """What goes before and after a request's params array when that array is
    already JSON (very large requests are written in pieces between them)."""
    return b'{"id":%d,"method":%s,"params":' % (msg_id, dumps(method)), b"}"


def encode_notify(method: str, params: list[Any]) -> bytes:
    return dumps({"id": None, "method": method, "params": params})

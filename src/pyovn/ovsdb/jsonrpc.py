"""JSON-RPC 1.0 over a byte stream, as OVSDB uses it (RFC 7047 section 4).

Messages are JSON objects sent back to back with no delimiter, so the
receiving side must find where each one ends; `JsonStreamSplitter` does.
"""

import json
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
]

#: Largest incoming message accepted before the connection is dropped.
DEFAULT_MAX_MESSAGE = 256 * 1024 * 1024

# Everything up to the next bracket outside a string.
_SKIP = re.compile(rb'(?:[^"{}\[\]]+|"(?:[^"\\]|\\.)*")*', re.DOTALL)
# A complete string; the rest of a string whose opening quote was already read.
_DECODER = json.JSONDecoder()
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_STRING_REST = re.compile(rb'(?:[^"\\]|\\.)*"', re.DOTALL)


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
        self._in_string = False
        self._escape = False  # the last byte read was a backslash inside a string

    def feed(self, data: bytes) -> list[Any]:
        """Add bytes; return every value completed by them, parsed."""
        if not self._buf:
            data = data.lstrip(b" \t\r\n")
            if not data:
                return []
            if data[0] not in b"{[":
                got = data[:16]
                raise ProtocolError(f"invalid JSON: a message must start with '{{' (got {got!r})")
        self._buf += data
        self._account(data)
        if len(self._buf) > self.max_size:
            raise ProtocolError(f"message exceeds the {self.max_size}-byte limit without ending")
        if self._depth or self._in_string:
            return []
        return self._split()

    def _account(self, data: bytes) -> None:
        pos = 0
        if self._in_string:
            if self._escape:
                pos, self._escape = 1, False
            m = _STRING_REST.match(data, pos)
            if m is None:
                self._escape = _odd_backslashes(data, pos)
                return
            pos = m.end()
            self._in_string = False
        outside = _STRING.sub(b"", data[pos:] if pos else data)
        quote = outside.find(b'"')
        if quote >= 0:
            self._in_string = True
            self._escape = _odd_backslashes(data, 0)
            outside = outside[:quote]
        self._depth += (
            outside.count(b"{") + outside.count(b"[") - outside.count(b"}") - outside.count(b"]")
        )
        if self._depth < 0:
            raise ProtocolError("invalid JSON: unbalanced brackets")

    def _split(self) -> list[Any]:
        buf = bytes(self._buf)
        self._buf.clear()
        try:
            return [orjson.loads(buf)]
        except orjson.JSONDecodeError:
            pass
        return _several_messages(buf)


def _odd_backslashes(data: bytes, start: int) -> bool:
    """Whether data[start:] ends in an unpaired backslash (an escape cut by a read)."""
    segment = data[start:]
    return (len(segment) - len(segment.rstrip(b"\\"))) % 2 == 1


def _several_messages(buf: bytes) -> list[Any]:
    """Parse a buffer holding several whole messages back to back.

    The json module's decoder reports where each value ends, at C speed;
    only a buffer it cannot parse goes to the bracket scanner, which says
    precisely what is wrong.
    """
    try:
        text = buf.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"invalid JSON: {exc}") from None
    out: list[Any] = []
    pos, size = 0, len(text)
    try:
        while pos < size:
            value, pos = _DECODER.raw_decode(text, pos)
            out.append(value)
            while pos < size and text[pos] in " \t\r\n":
                pos += 1
    except ValueError:
        for chunk in _message_chunks(buf):
            try:
                orjson.loads(chunk)
            except orjson.JSONDecodeError as exc:
                raise ProtocolError(f"invalid JSON: {exc}") from None
        raise ProtocolError("invalid JSON between messages") from None
    return out


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


def encode_notify(method: str, params: list[Any]) -> bytes:
    return dumps({"id": None, "method": method, "params": params})

"""JSON-RPC 1.0 over a byte stream, as OVSDB uses it (RFC 7047 section 4).

Messages are JSON objects sent back to back with no delimiter, so the
receiving side must find where each one ends. `JsonStreamSplitter` does that
incrementally: a regular expression consumes whole strings and brackets at C
speed, and the nesting depth says when a message is complete.
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
]

#: Largest incoming message accepted before the connection is dropped.
DEFAULT_MAX_MESSAGE = 256 * 1024 * 1024

# A complete string, a bracket, or a lone quote (an unterminated string).
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]]|"', re.DOTALL)
_SPACE = re.compile(rb"[ \t\r\n]*")


def dumps(value: Any) -> bytes:
    """Compact JSON bytes."""
    return orjson.dumps(value)


class JsonStreamSplitter:
    """Cuts a byte stream into complete top-level JSON values."""

    def __init__(self, max_size: int = DEFAULT_MAX_MESSAGE) -> None:
        self.max_size = max_size
        self._buf = bytearray()
        self._scan = 0  # where scanning resumes
        self._depth = 0

    def feed(self, data: bytes) -> list[Any]:
        """Add bytes; return every value completed by them, parsed."""
        self._buf += data
        out: list[Any] = []
        while True:
            end = self._find_end()
            if end is None:
                break
            chunk = bytes(self._buf[:end])
            del self._buf[:end]
            self._scan = 0
            try:
                out.append(orjson.loads(chunk))
            except orjson.JSONDecodeError as exc:
                raise ProtocolError(f"invalid JSON: {exc}") from None
        if len(self._buf) > self.max_size:
            raise ProtocolError(f"message exceeds the {self.max_size}-byte limit without ending")
        return out

    def _find_end(self) -> int | None:
        buf = self._buf
        if self._depth == 0:
            start = _SPACE.match(buf, self._scan)
            pos = start.end() if start else self._scan
            if pos >= len(buf):
                del buf[:pos]
                self._scan = 0
                return None
            if buf[pos] not in b"{[":
                got = bytes(buf[pos : pos + 16])
                raise ProtocolError(f"invalid JSON: a message must start with '{{' (got {got!r})")
            self._scan = pos
        depth = self._depth
        for match in _TOKEN.finditer(buf, self._scan):
            token = match.group()
            first = token[0]
            if first == 0x22:  # '"'
                if len(token) == 1:
                    # An unterminated string: rescan from it when more arrives.
                    self._depth = depth
                    self._scan = match.start()
                    return None
                continue
            if first in (0x7B, 0x5B):  # '{' '['
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    self._depth = 0
                    return match.end()
                if depth < 0:
                    raise ProtocolError("invalid JSON: unbalanced brackets")
        self._depth = depth
        self._scan = len(buf)
        return None


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

"""Differential testing of OVSDB servers: run the same JSON-RPC steps against
two servers and compare what comes back, once both are normalised.

Normalising does three things:
- every UUID (bare in a string, inside `["uuid", U]`, or as an object key) is
  replaced by `<n>`, n being the order in which the UUID first appeared in the
  case; `_version` values become `<version>`;
- things whose order carries no meaning are put in canonical order: set and
  map elements, object keys, the rows of a select result, and the messages
  one connection received during one step;
- unordered things are ordered *before* unseen UUIDs in them are numbered,
  using a "peek" form where unseen UUIDs read as `?`, so the numbering does not
  depend on the order a server happened to send them in.
"""

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.helpers.rawrpc import RawRpc

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
ZERO_UUID = "00000000-0000-0000-0000-000000000000"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Normalizer:
    """Maps UUIDs to first-appearance indexes and orders unordered things."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {ZERO_UUID: "<zero>"}

    def _uuid(self, text: str, peek: bool) -> str:
        key = text.lower()
        found = self.names.get(key)
        if found is not None:
            return found
        if peek:
            return "?"
        found = self.names[key] = f"<{len(self.names) - 1}>"
        return found

    def _string(self, text: str, peek: bool) -> str:
        return UUID_RE.sub(lambda m: self._uuid(m.group(), peek), text)

    def peek(self, value: Any) -> Any:
        """The normal form with unseen UUIDs as `?`, numbering nothing."""
        return self._walk(value, True)

    def __call__(self, value: Any) -> Any:
        return self._walk(value, False)

    def _ordered(self, items: Sequence[Any], peek: bool) -> list[Any]:
        keyed = sorted(items, key=lambda item: canonical(self._walk(item, True)))
        return [self._walk(item, peek) for item in keyed]

    def _walk(self, value: Any, peek: bool) -> Any:
        if isinstance(value, str):
            return self._string(value, peek)
        if isinstance(value, list):
            if len(value) == 2 and value[0] in ("set", "map") and isinstance(value[1], list):
                return [value[0], self._ordered(value[1], peek)]
            return [self._walk(v, peek) for v in value]
        if isinstance(value, dict):
            return self._object(value, peek)
        return value

    def _object(self, obj: dict[str, Any], peek: bool) -> dict[str, Any]:
        plain = sorted(k for k in obj if not UUID_RE.fullmatch(k))
        keyed = [k for k in obj if UUID_RE.fullmatch(k)]
        out: dict[str, Any] = {}
        for k in plain:
            v = obj[k]
            if k == "_version":
                out[k] = "<version>"
            elif k == "rows" and isinstance(v, list):
                out[k] = self._ordered(v, peek)
            else:
                out[k] = self._walk(v, peek)
        # UUID keys already seen go first in their numbering order, then the
        # unseen ones ordered by the peek form of (key, value).
        seen = sorted(
            (k for k in keyed if k.lower() in self.names),
            key=lambda k: int(self.names[k.lower()].strip("<>").replace("zero", "-1")),
        )
        unseen = sorted(
            (k for k in keyed if k.lower() not in self.names),
            key=lambda k: canonical(self._walk(obj[k], True)),
        )
        for k in seen + unseen:
            name = self._uuid(k, peek)
            out[name] = self._walk(obj[k], peek)
        return out


@dataclass
class Step:
    """One JSON-RPC request on connection `conn` (or a pause when `method` is None)."""

    method: str | None
    params: Any = None
    conn: int = 0
    sleep: float = 0.0
    notify: bool = False


@dataclass
class Case:
    name: str
    steps: list[Step]
    #: Drop these keys of error objects before comparing (known wording differences).
    ignore: tuple[str, ...] = ()
    #: Applied to every received message before normalising (masks known differences).
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    #: Applied to every message after normalising.
    post: Callable[[Any], Any] | None = None
    #: Seconds to wait after the case closes its connections.
    settle: float = 0.0


def transact(*ops: Any, conn: int = 0, db: str = "DiffTest") -> Step:
    return Step("transact", [db, *ops], conn)


def call(method: str, *params: Any, conn: int = 0) -> Step:
    return Step(method, list(params), conn)


def notify(method: str, *params: Any, conn: int = 0) -> Step:
    return Step(method, list(params), conn, notify=True)


def pause(seconds: float) -> Step:
    return Step(None, sleep=seconds)


def _drop_keys(value: Any, keys: tuple[str, ...]) -> Any:
    if not keys:
        return value
    if isinstance(value, dict):
        return {k: _drop_keys(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [_drop_keys(v, keys) for v in value]
    return value


def _without_null_result(msg: dict[str, Any]) -> dict[str, Any]:
    if msg.get("error") is not None and msg.get("result", 0) is None:
        return {k: v for k, v in msg.items() if k != "result"}
    return msg


class Barrier:
    """Reads everything a connection has to say before an echo comes back."""

    def __init__(self) -> None:
        self.count = 0

    def collect(self, rpc: RawRpc) -> list[dict[str, Any]]:
        self.count += 1
        token = f"barrier-{self.count}"
        rpc.send({"method": "echo", "params": [token], "id": token})
        got: list[dict[str, Any]] = []
        while True:
            msg = rpc.read()
            if msg is None:
                got.append({"closed": True})
                return got
            if msg.get("id") == token and "method" not in msg:
                return got
            if msg.get("method") == "echo" and msg.get("id") is not None:
                rpc.send({"id": msg["id"], "result": msg["params"], "error": None})
                continue
            got.append(msg)


def run_case(
    socket_path: Path,
    case: Case,
    cleanup: Callable[[RawRpc], None] | None = None,
) -> list[Any]:
    """The normalised transcript of `case` against the server at `socket_path`."""
    conns: dict[int, RawRpc] = {}
    norm = Normalizer()
    barrier = Barrier()
    transcript: list[Any] = []
    try:
        if cleanup is not None:
            setup = RawRpc(socket_path)
            cleanup(setup)
            setup.close()
        for number, step in enumerate(case.steps):
            if step.method is None:
                time.sleep(step.sleep)
                continue
            rpc = conns.get(step.conn)
            if rpc is None:
                rpc = conns[step.conn] = RawRpc(socket_path)
            msg_id = None if step.notify else number
            rpc.send({"method": step.method, "params": step.params, "id": msg_id})
            received: dict[int, Any] = {}
            # The step's own connection first: once its reply is in, the server
            # has handled the request, so whatever it caused elsewhere is queued.
            for index in sorted(conns, key=lambda i: (i != step.conn, i)):
                messages = barrier.collect(conns[index])
                if messages:
                    received[index] = messages
            for index, messages in received.items():
                # ovsdb-server leaves "result" out of error replies; JSON-RPC 1.0
                # (and pyovn) send it as null. Both mean the same to clients.
                messages = [_without_null_result(m) for m in messages]
                if case.transform is not None:
                    messages = [case.transform(m) for m in messages]
                cleaned = [_drop_keys(m, case.ignore) for m in messages]
                ordered = norm._ordered(cleaned, False)
                if case.post is not None:
                    ordered = [case.post(m) for m in ordered]
                received[index] = ordered
            transcript.append({"step": number, "method": step.method, "got": received})
    finally:
        for rpc in conns.values():
            rpc.close()
        if case.settle:
            # Locks and blocked waits die with their connection; give the
            # server time to notice before the next case reuses the names.
            time.sleep(case.settle)
    return transcript


def first_difference(a: list[Any], b: list[Any]) -> str | None:
    """A readable description of where two transcripts part, or None."""
    for x, y in zip(a, b, strict=False):
        if x != y:
            return (
                f"step {x['step']} ({x['method']}):\n  real : {canonical(x['got'])}\n"
                f"  pyovn: {canonical(y['got'])}"
            )
    if len(a) != len(b):
        return f"transcripts differ in length: {len(a)} vs {len(b)}"
    return None

"""A blocking JSON-RPC client over a unix socket, for tests that need to send
exactly what they choose (including garbage) and read exactly what comes back."""

import json
import socket
import time
from pathlib import Path
from typing import Any


class RawRpc:
    def __init__(
        self, path: Path | str, timeout: float = 5.0, sock: socket.socket | None = None
    ) -> None:
        """Connect to unix socket `path`, or talk over `sock` (e.g. a TLS socket)."""
        if sock is None:
            sock = socket.socket(socket.AF_UNIX)
            sock.settimeout(timeout)
            sock.connect(str(path))
        self.sock = sock
        self.buf = b""
        self.next_id = 0
        self.decoder = json.JSONDecoder()
        self.notifications: list[dict[str, Any]] = []

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "RawRpc":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_bytes(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, obj: Any) -> None:
        self.sock.sendall(json.dumps(obj).encode())

    def read(self) -> dict[str, Any] | None:
        """The next message, or None at EOF."""
        while True:
            text = self.buf.decode(errors="replace").lstrip()
            if text:
                try:
                    obj, end = self.decoder.raw_decode(text)
                except ValueError:
                    pass
                else:
                    self.buf = text[end:].encode()
                    return obj  # type: ignore[no-any-return]
            data = self.sock.recv(1 << 20)
            if not data:
                return None
            self.buf += data

    def call(self, method: str, params: Any) -> dict[str, Any]:
        """Send a request and return its reply; notifications seen meanwhile are kept."""
        self.next_id += 1
        my_id = self.next_id
        self.send({"method": method, "params": params, "id": my_id})
        while True:
            msg = self.read()
            if msg is None:
                raise ConnectionError(f"connection closed waiting for reply to {method}")
            if msg.get("id") == my_id and "method" not in msg:
                return msg
            if msg.get("method") == "echo" and msg.get("id") is not None:
                self.send({"id": msg["id"], "result": msg["params"], "error": None})
                continue
            self.notifications.append(msg)

    def transact(self, db: str, *ops: Any) -> list[Any]:
        reply = self.call("transact", [db, *ops])
        assert reply.get("error") is None, reply
        return reply["result"]  # type: ignore[no-any-return]

    def wait_notification(self, timeout: float = 5.0) -> dict[str, Any]:
        if self.notifications:
            return self.notifications.pop(0)
        deadline = time.monotonic() + timeout
        self.sock.settimeout(timeout)
        msg = self.read()
        if msg is None or time.monotonic() > deadline:
            raise TimeoutError("no notification")
        return msg

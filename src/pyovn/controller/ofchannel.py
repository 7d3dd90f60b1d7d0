"""The controller's channel to a simulated switch: JSON lines over a socket.

ovn-controller talks OpenFlow to ovs-vswitchd over `br-int.mgmt`; pyovn's
simulated vswitchd (`pyovn.cloud.vswitchd`) serves the same operations as
JSON objects, one per line, on a unix socket of that name:

    → {"id": 1, "method": "install", "params": {"add": [...], "modify": [...],
                                                "delete": [...], "groups": {"1": "..."}}}
    → {"id": 2, "method": "replace", "params": {"flows": [...], "groups": {...}}}
    → {"id": 3, "method": "packet_out", "params": {"frame": HEX, "actions": "...",
                                                   "metadata": {"reg14": 1, ...}}}
    → {"id": 4, "method": "resume", "params": {"continuation": 7, "frame": HEX|null,
                                               "metadata": {...}|null}}
    → {"id": 5, "method": "dump_flows", "params": {}}
    ← {"id": 1, "result": ...}   or   {"id": 1, "error": "one line"}
    ← {"method": "packet_in", "params": {"table_id": 29, "cookie": 123, "userdata": HEX,
                                         "frame": HEX, "metadata": {...}, "continuation": 7}}

Flows and groups are `ovs-ofctl` text. Replies come in order, after the
switch has applied the request (an implicit barrier). `RemoteSwitch`
reconnects by itself and calls `on_connected` each time, so the controller
can resend its complete flow set.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from pyovn.controller.errors import ChannelError
from pyovn.controller.ofctrl import PacketIn, PacketInHandler
from pyovn.dataplane.sink import FlowDiff

__all__ = ["RemoteSwitch", "decode_packet_in", "encode_packet_in"]

log = logging.getLogger("pyovn.controller.ofchannel")
LINE_LIMIT = 64 * 1024 * 1024


def encode_packet_in(packet_in: PacketIn) -> dict[str, Any]:
    """A packet-in event's params."""
    return {
        "table_id": packet_in.table_id,
        "cookie": packet_in.cookie,
        "userdata": packet_in.userdata.hex(),
        "frame": packet_in.frame.hex(),
        "metadata": dict(packet_in.metadata),
        "continuation": packet_in.continuation,
    }


def decode_packet_in(params: Mapping[str, Any]) -> PacketIn:
    """A packet-in from an event's params."""
    return PacketIn(
        int(params["table_id"]),
        int(params["cookie"]),
        bytes.fromhex(params["userdata"]),
        bytes.fromhex(params["frame"]),
        {str(k): int(v) for k, v in params["metadata"].items()},
        params.get("continuation"),
    )


class RemoteSwitch:
    """A `Switch` behind a unix socket (the simulated vswitchd's br-int.mgmt)."""

    def __init__(self, path: str, *, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self.packet_in_handler: PacketInHandler | None = None
        self.on_connected: Callable[[], None] | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._connected = asyncio.Event()

    async def connect(self) -> None:
        """Connect (retrying until the switch's socket appears) and keep reconnecting."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._keep_connected())
        try:
            await asyncio.wait_for(self._connected.wait(), self.timeout)
        except TimeoutError as error:
            raise ChannelError(f"{self.path}: no switch to connect to") from error

    async def _keep_connected(self) -> None:
        backoff = 0.05
        while not self._closing:
            try:
                reader, writer = await asyncio.open_unix_connection(self.path, limit=LINE_LIMIT)
            except OSError:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            backoff = 0.05
            self._reader, self._writer = reader, writer
            self._connected.set()
            log.info("connected to switch %s", self.path)
            if self.on_connected is not None:
                self.on_connected()
            await self._read_loop(reader)
            self._connected.clear()
            self._fail_pending(ChannelError(f"{self.path}: connection lost"))
            if not self._closing:
                log.warning("lost the switch connection %s; reconnecting", self.path)

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await reader.readline()
            except (OSError, ValueError):
                return
            if not line:
                return
            try:
                message = json.loads(line)
            except ValueError:
                log.warning("switch sent a malformed line")
                continue
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("method") == "packet_in":
            if self.packet_in_handler is not None:
                self.packet_in_handler(decode_packet_in(message["params"]))
            return
        future = self._pending.pop(message.get("id", -1), None)
        if future is None or future.done():
            return
        if "error" in message:
            future.set_exception(ChannelError(str(message["error"])))
        else:
            future.set_result(message.get("result"))

    def _fail_pending(self, error: Exception) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        """Send one request and wait for the switch's answer."""
        if not self._connected.is_set() or self._writer is None:
            raise ChannelError(f"{self.path}: not connected")
        ident = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        data = json.dumps({"id": ident, "method": method, "params": params}) + "\n"
        try:
            self._writer.write(data.encode())
            await self._writer.drain()
        except OSError as error:
            self._pending.pop(ident, None)
            raise ChannelError(f"{self.path}: {error}") from error
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError as error:
            raise ChannelError(f"{self.path}: {method} timed out") from error

    async def install(self, diff: FlowDiff, groups: Mapping[int, str]) -> None:
        await self.call(
            "install",
            {
                "add": [str(f) for f in diff.add],
                "modify": [str(f) for f in diff.modify],
                "delete": [str(f) for f in diff.delete],
                "groups": {str(k): v for k, v in groups.items()},
            },
        )

    async def replace(self, flows: list[str], groups: Mapping[int, str]) -> None:
        await self.call(
            "replace", {"flows": flows, "groups": {str(k): v for k, v in groups.items()}}
        )

    async def packet_out(
        self, frame: bytes, actions: str, metadata: Mapping[str, int], encoded: bytes = b""
    ) -> None:
        await self.call(
            "packet_out", {"frame": frame.hex(), "actions": actions, "metadata": dict(metadata)}
        )

    async def resume(
        self, packet_in: PacketIn, frame: bytes | None, metadata: Mapping[str, int] | None
    ) -> None:
        await self.call(
            "resume",
            {
                "continuation": packet_in.continuation,
                "frame": frame.hex() if frame is not None else None,
                "metadata": dict(metadata) if metadata is not None else None,
            },
        )

    async def dump_flows(self) -> list[str]:
        """The switch's flows in dump-flows text."""
        result = await self.call("dump_flows", {})
        return [str(line) for line in result]

    async def close(self) -> None:
        self._closing = True
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

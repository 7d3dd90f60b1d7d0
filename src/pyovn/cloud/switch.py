"""A simulated bridge as the controller's switch: in process, or over a socket.

`BridgeBackend` puts the operations of `pyovn.controller.ofctrl.Switch`
(flow and group installation, packet-out, resume) on a `pyovn.dataplane`
bridge and turns the bridge's packet-ins into the controller's `PacketIn`,
keeping paused pipelines (continuations) by number. `LocalSwitch` hands it
to a controller in the same process; `ChannelServer` serves it on a unix
socket with the JSON-lines protocol of `pyovn.controller.ofchannel`, as
ovs-vswitchd serves OpenFlow on `br-int.mgmt`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pyovn.controller.ofchannel import encode_packet_in
from pyovn.controller.ofctrl import PacketIn, PacketInHandler
from pyovn.dataplane import Bridge, Packet
from pyovn.dataplane import PacketIn as DataplanePacketIn
from pyovn.dataplane.errors import DataplaneError
from pyovn.dataplane.sink import FlowDiff

__all__ = ["BridgeBackend", "ChannelServer", "LocalSwitch"]

log = logging.getLogger("pyovn.cloud.switch")
KEEP_CONTINUATIONS = 4096


class BridgeBackend:
    """Switch operations on one simulated bridge."""

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self.listeners: list[Callable[[PacketIn], None]] = []
        self.continuations: OrderedDict[int, DataplanePacketIn] = OrderedDict()
        self._next = 1
        bridge.packet_in_handler = self._packet_in

    def _packet_in(self, packet_in: DataplanePacketIn) -> None:
        token = None
        if packet_in.continuation is not None:
            token = self._next
            self._next += 1
            self.continuations[token] = packet_in
            while len(self.continuations) > KEEP_CONTINUATIONS:
                self.continuations.popitem(last=False)
        event = PacketIn(
            packet_in.table_id,
            packet_in.cookie,
            packet_in.userdata,
            packet_in.frame,
            dict(packet_in.metadata),
            token,
        )
        for listener in list(self.listeners):
            listener(event)

    def install(
        self, add: list[str], modify: list[str], delete: list[str], groups: Mapping[int, str]
    ) -> None:
        for gid, spec in groups.items():
            self.bridge.set_group(f"group_id={gid},{spec}")
        self.bridge.apply_flow_diff(FlowDiff(tuple(add), tuple(modify), tuple(delete)))

    def replace(self, flows: list[str], groups: Mapping[int, str]) -> None:
        self.bridge.replace_groups(f"group_id={gid},{spec}" for gid, spec in groups.items())
        self.bridge.replace_flows(flows)

    def packet_out(self, frame: bytes, actions: str, metadata: Mapping[str, int]) -> None:
        self.bridge.packet_out(Packet.from_bytes(frame), actions, metadata=dict(metadata))

    def resume(self, token: Any, frame: bytes | None, metadata: Mapping[str, int] | None) -> None:
        packet_in = self.continuations.pop(int(token), None) if token is not None else None
        if packet_in is None:
            raise DataplaneError(f"no paused pipeline {token}")
        packet = Packet.from_bytes(frame) if frame is not None else None
        self.bridge.resume(packet_in, packet=packet, metadata=dict(metadata or {}))

    def dump_flows(self) -> list[str]:
        return self.bridge.dump_flows().splitlines()[1:]


class LocalSwitch:
    """`Switch` for a controller running in the same process as the bridge."""

    def __init__(self, backend: BridgeBackend) -> None:
        self.backend = backend
        self.packet_in_handler: PacketInHandler | None = None
        backend.listeners.append(self._deliver)

    def _deliver(self, packet_in: PacketIn) -> None:
        if self.packet_in_handler is not None:
            self.packet_in_handler(packet_in)

    async def install(self, diff: FlowDiff, groups: Mapping[int, str]) -> None:
        self.backend.install(
            [str(f) for f in diff.add],
            [str(f) for f in diff.modify],
            [str(f) for f in diff.delete],
            groups,
        )

    async def replace(self, flows: list[str], groups: Mapping[int, str]) -> None:
        self.backend.replace(flows, groups)

    async def packet_out(
        self, frame: bytes, actions: str, metadata: Mapping[str, int], encoded: bytes = b""
    ) -> None:
        self.backend.packet_out(frame, actions, metadata)

    async def resume(
        self, packet_in: PacketIn, frame: bytes | None, metadata: Mapping[str, int] | None
    ) -> None:
        self.backend.resume(packet_in.continuation, frame, metadata)

    async def close(self) -> None:
        with contextlib.suppress(ValueError):
            self.backend.listeners.remove(self._deliver)


class ChannelServer:
    """Serves a `BridgeBackend` on a unix socket (JSON lines)."""

    def __init__(self, backend: BridgeBackend, path: Path) -> None:
        self.backend = backend
        self.path = path
        self.server: asyncio.AbstractServer | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        backend.listeners.append(self._broadcast)

    async def start(self) -> None:
        self.path.unlink(missing_ok=True)
        self.server = await asyncio.start_unix_server(
            self._session, str(self.path), limit=64 * 1024 * 1024
        )

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for writer in list(self.writers):
            writer.close()
        self.path.unlink(missing_ok=True)

    def _broadcast(self, packet_in: PacketIn) -> None:
        line = (
            json.dumps({"method": "packet_in", "params": encode_packet_in(packet_in)}) + "\n"
        ).encode()
        for writer in list(self.writers):
            writer.write(line)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        try:
            while line := await reader.readline():
                reply = self._answer(line)
                writer.write((json.dumps(reply) + "\n").encode())
                await writer.drain()
        except (OSError, ValueError) as error:
            log.debug("controller session ended: %s", error)
        finally:
            self.writers.discard(writer)
            writer.close()

    def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            message = json.loads(line)
        except ValueError:
            return {"id": None, "error": "malformed request"}
        ident, params = message.get("id"), message.get("params") or {}
        try:
            result = self._call(str(message.get("method")), params)
        except (DataplaneError, KeyError, TypeError, ValueError) as error:
            return {"id": ident, "error": f"{type(error).__name__}: {error}"}
        return {"id": ident, "result": result}

    def _call(self, method: str, params: dict[str, Any]) -> Any:
        backend = self.backend
        groups = {int(k): v for k, v in (params.get("groups") or {}).items()}
        if method == "install":
            backend.install(params["add"], params["modify"], params["delete"], groups)
        elif method == "replace":
            backend.replace(params["flows"], groups)
        elif method == "packet_out":
            backend.packet_out(
                bytes.fromhex(params["frame"]), params["actions"], params["metadata"]
            )
        elif method == "resume":
            frame = params.get("frame")
            backend.resume(
                params["continuation"],
                bytes.fromhex(frame) if frame else None,
                params.get("metadata"),
            )
        elif method == "dump_flows":
            return backend.dump_flows()
        else:
            raise ValueError(f"unknown method {method}")
        return None

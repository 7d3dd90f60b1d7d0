"""The controller's `Switch` for a real ovs-vswitchd.

Two paths to the bridge's management socket (`<OVS_RUNDIR>/br-int.mgmt`):

* flows and groups go in OpenFlow bundles — one atomic transaction per
  change, holding only the diff (`flow add` / `modify_strict` /
  `delete_strict`, `group add_or_mod`), or a delete-all plus the complete
  set after a (re)connection, so a restarted controller swaps the previous
  flow set for its own in one step. A bundle whose every line `flowmod`
  can encode (every flow of the seed topology) goes over the controller's
  own OpenFlow 1.5 connection; otherwise (group mods, actions it does not
  cover, or a rejection by the switch) one `ovs-ofctl -O OpenFlow15 bundle`
  run commits it — never one process per flow;
* pinctrl's traffic uses the same long-lived connection (`ofwire`):
  NXT_PACKET_IN2 in, packet-outs and NXT_RESUME out, echo replies; it
  reconnects by itself and calls `on_connected` each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping

from pyovn.controller import ofwire
from pyovn.controller.errors import ChannelError
from pyovn.controller.flow_match import Unsupported
from pyovn.controller.flowmod import bundle_messages
from pyovn.controller.ofctrl import PacketIn, PacketInHandler
from pyovn.dataplane.sink import FlowDiff

__all__ = ["OvsSwitch", "bundle_lines", "flow_key_text"]

log = logging.getLogger("pyovn.controller.ovs_switch")
#: OVN's Geneve option: class, type, length (carries the logical in/out ports)
GENEVE_OPTION = (0x0102, 0x80, 4)
#: ovs-ofctl's message for a line of the bundle file it cannot parse
_PARSE_ERROR = re.compile(r"<bundle>:(\d+): (.*)")


def flow_key_text(flow: str) -> str:
    """A flow's table, priority and match (what a strict delete names)."""
    head = flow.split(" actions=", 1)[0].strip()
    parts = [p.strip() for p in head.split(",") if p.strip()]
    return ",".join(p for p in parts if not p.startswith("cookie="))


def bundle_lines(diff: FlowDiff, groups: Mapping[int, str]) -> list[str]:
    """The `ovs-ofctl bundle` file for a diff: groups first, deletions last."""
    lines = [f"group add_or_mod group_id={gid},{spec}" for gid, spec in sorted(groups.items())]
    lines += [f"flow add {flow}" for flow in diff.add]
    lines += [f"flow modify_strict {flow}" for flow in diff.modify]
    lines += [f"flow delete_strict {flow_key_text(str(flow))}" for flow in diff.delete]
    return lines


class OvsSwitch:
    """A `Switch` behind a real ovs-vswitchd bridge's management socket."""

    def __init__(self, path: str, *, ofctl: str = "ovs-ofctl", timeout: float = 30.0) -> None:
        self.path = path
        self.ofctl = ofctl
        self.timeout = timeout
        self.packet_in_handler: PacketInHandler | None = None
        self.on_connected: Callable[[], None] | None = None
        self.bundles = 0
        self.native_bundles = 0
        self._unsupported: set[str] = set()
        self._bundle_lock = asyncio.Lock()
        self._bundle_ids = itertools.count(1)
        self._waiting: tuple[int, set[int], list[str], asyncio.Future[None]] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._xids = itertools.count(1)
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._connected = asyncio.Event()

    # ------------------------------------------------------------ connection

    async def connect(self) -> None:
        """Connect (retrying until the socket appears) and keep reconnecting."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._keep_connected())
        try:
            await asyncio.wait_for(self._connected.wait(), self.timeout)
        except TimeoutError as error:
            raise ChannelError(f"{self.path}: no OpenFlow switch to connect to") from error

    async def _keep_connected(self) -> None:
        backoff = 0.05
        while not self._closing:
            try:
                reader, writer = await asyncio.open_unix_connection(self.path)
            except OSError:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            backoff = 0.05
            try:
                await self._session(reader, writer)
            except (OSError, asyncio.IncompleteReadError, ChannelError) as error:
                if not self._closing:
                    log.warning("OpenFlow connection %s lost: %s", self.path, error)
            finally:
                self._connected.clear()
                self._writer = None
                writer.close()
                if self._waiting is not None and not self._waiting[3].done():
                    self._waiting[3].set_exception(ChannelError(f"{self.path}: connection lost"))
            if not self._closing:
                await asyncio.sleep(backoff)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(ofwire.hello(next(self._xids)))
        first = await self._read(reader)
        if first.type != ofwire.OFPT_HELLO:
            raise ChannelError(f"expected a hello, got message type {first.type}")
        writer.write(ofwire.set_packet_in_format(next(self._xids)))
        writer.write(ofwire.set_config(next(self._xids)))
        await self._map_geneve_option(reader, writer)
        self._writer = writer
        self._connected.set()
        log.info("OpenFlow 1.5 connection to %s", self.path)
        if self.on_connected is not None:
            self.on_connected()
        while True:
            self._dispatch(await self._read(reader))

    async def _map_geneve_option(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Map OVN's Geneve option to tun_metadata0 (an error just means a
        previous controller mapped it already), and wait for the switch to
        have done it: the bundles' tunnel flows need the mapping."""
        tlv_xid, barrier_xid = next(self._xids), next(self._xids)
        writer.write(ofwire.tlv_map_add(tlv_xid, *GENEVE_OPTION, 0))
        writer.write(ofwire.barrier_request(barrier_xid))
        await writer.drain()
        while True:
            message = await self._read(reader)
            if message.type == ofwire.OFPT_BARRIER_REPLY and message.xid == barrier_xid:
                return
            if message.type == ofwire.OFPT_ERROR and message.xid == tlv_xid:
                log.debug("Geneve option already mapped on %s", self.path)
                continue
            self._dispatch(message)

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> ofwire.Message:
        head = await reader.readexactly(ofwire.HEADER.size)
        kind, length, xid = ofwire.parse_header(head)
        body = await reader.readexactly(length - ofwire.HEADER.size)
        if kind == ofwire.OFPT_HELLO:
            version = head[0]
            if version < ofwire.OFP_VERSION:
                raise ChannelError(f"the switch offers OpenFlow version {version:#x}, not 1.5")
        return ofwire.Message(kind, xid, body)

    def _dispatch(self, message: ofwire.Message) -> None:
        if self._waiting is not None and message.xid in self._waiting[1]:
            self._bundle_reply(message)
        elif message.type == ofwire.OFPT_ECHO_REQUEST:
            self._send(ofwire.echo_reply(message))
        elif message.type == ofwire.OFPT_ERROR:
            log.warning("switch %s: %s", self.path, ofwire.error_text(message))
        elif message.nicira_subtype == ofwire.NXT_PACKET_IN2:
            self._packet_in(message)

    def _packet_in(self, message: ofwire.Message) -> None:
        try:
            pin = ofwire.decode_packet_in2(message)
        except ChannelError as error:
            log.warning("dropping a packet-in: %s", error)
            return
        if self.packet_in_handler is not None:
            paused = pin.continuation
            self.packet_in_handler(
                PacketIn(pin.table_id, pin.cookie, pin.userdata, pin.frame, pin.metadata, paused)
            )

    def _send(self, data: bytes) -> None:
        if self._writer is None:
            raise ChannelError(f"{self.path}: not connected")
        self._writer.write(data)

    # ------------------------------------------------------------ flows

    def _bundle_reply(self, message: ofwire.Message) -> None:
        assert self._waiting is not None
        commit, _, errors, done = self._waiting
        if message.type == ofwire.OFPT_ERROR:
            errors.append(ofwire.error_text(message))
        if message.xid == commit and not done.done():
            if errors:
                done.set_exception(ChannelError("; ".join(errors[:3])))
            else:
                done.set_result(None)

    async def _native_bundle(self, lines: list[str]) -> bool:
        """Send the bundle on our own connection; False if it is not encodable."""
        try:
            bundle = bundle_messages(lines, next(self._bundle_ids), lambda: next(self._xids))
        except Unsupported as why:
            if str(why) not in self._unsupported:
                self._unsupported.add(str(why))
                log.info("bundles with %s go through ovs-ofctl", why)
            return False
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        xids = {ofwire.parse_header(m[: ofwire.HEADER.size])[2] for m in bundle.messages}
        self._waiting = (bundle.commit_xid, xids, [], done)
        try:
            for message in bundle.messages:
                self._send(message)
            assert self._writer is not None
            await self._writer.drain()
            await asyncio.wait_for(done, self.timeout)
        except TimeoutError as error:
            raise ChannelError(f"{self.path}: bundle commit timed out") from error
        finally:
            self._waiting = None
        self.native_bundles += 1
        return True

    async def _bundle(self, lines: list[str]) -> bool:
        """Commit `lines` as one bundle: encoded here and sent on the
        controller's connection when every line is covered (`flowmod`), else
        through ovs-ofctl, whose parser covers everything else (and which is
        also the fallback when the switch rejects our encoding)."""
        async with self._bundle_lock:
            started = time.perf_counter()
            try:
                native = await self._native_bundle(lines)
            except ChannelError as error:
                log.warning("switch rejected a bundle (%s); retrying it with ovs-ofctl", error)
                native = False
            if not native:
                await self._ofctl_bundle_skipping(lines)
            self.bundles += 1
            elapsed = (time.perf_counter() - started) * 1000
            log.debug("bundle of %d mods committed in %.1f ms", len(lines), elapsed)
            return native

    async def _ofctl_bundle_skipping(self, lines: list[str]) -> None:
        """Commit `lines` as one bundle with ovs-ofctl. A line ovs-ofctl cannot parse is
        logged and left out (as ovn-controller skips a flow it cannot
        encode) and the rest is committed; a switch-side rejection fails the
        whole bundle, to be retried by the controller's next run."""
        lines = list(lines)
        while True:
            error = await self._ofctl_bundle(lines)
            if error is None:
                break
            bad = _PARSE_ERROR.search(error)
            if bad is None or not 1 <= int(bad.group(1)) <= len(lines):
                raise ChannelError(f"{self.path}: bundle rejected: {error}")
            skipped = lines.pop(int(bad.group(1)) - 1)
            log.warning("ovs-ofctl cannot parse %r (%s): left out", skipped, bad.group(2))

    async def _ofctl_bundle(self, lines: list[str]) -> str | None:
        """Run one `ovs-ofctl bundle`; its first error line, or None."""
        with tempfile.NamedTemporaryFile("w", suffix=".bundle", delete=False) as file:
            file.write("\n".join(lines) + "\n")
            name = file.name
        try:
            proc = await asyncio.create_subprocess_exec(
                self.ofctl,
                "-O",
                "OpenFlow15",
                "bundle",
                f"unix:{self.path}",
                name,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                _, err = await asyncio.wait_for(proc.communicate(), self.timeout)
            except TimeoutError as error:
                proc.kill()
                await proc.wait()
                raise ChannelError(f"{self.path}: bundle commit timed out") from error
        finally:
            os.unlink(name)
        if proc.returncode == 0:
            return None
        text = err.decode(errors="replace").strip().splitlines()
        return text[0].replace(name, "<bundle>") if text else f"exit status {proc.returncode}"

    async def install(self, diff: FlowDiff, groups: Mapping[int, str]) -> None:
        await self._bundle(bundle_lines(diff, groups))

    async def replace(self, flows: list[str], groups: Mapping[int, str]) -> None:
        lines = ["flow delete"]
        lines += bundle_lines(FlowDiff(add=tuple(flows), modify=(), delete=()), groups)
        native = await self._bundle(lines)
        log.info(
            "replaced the flows of %s: %d flows, %d groups (%s)",
            self.path,
            len(flows),
            len(groups),
            "own OpenFlow connection" if native else "ovs-ofctl",
        )

    # ------------------------------------------------------------ packets

    async def packet_out(
        self, frame: bytes, actions: str, metadata: Mapping[str, int], encoded: bytes = b""
    ) -> None:
        if actions and not encoded:
            raise ChannelError("a real switch needs the packet-out's actions in binary")
        self._send(ofwire.packet_out(next(self._xids), frame, encoded, metadata))

    async def resume(
        self, packet_in: PacketIn, frame: bytes | None, metadata: Mapping[str, int] | None
    ) -> None:
        paused = packet_in.continuation
        if not isinstance(paused, ofwire.Continuation):
            raise ChannelError("resume of a packet-in that was not paused")
        data = frame if frame is not None else packet_in.frame
        self._send(ofwire.resume(next(self._xids), paused, data, metadata))

    async def close(self) -> None:
        self._closing = True
        if self._writer is not None:
            self._writer.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

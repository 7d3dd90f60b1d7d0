"""pinctrl: the controller's answers to packet-ins.

Logical actions that need more than OpenFlow reach the controller as
packet-ins whose userdata starts with an opcode (`ActionOpcode`):

    ARP            arp { ... }         build an ARP request, send it back
    PUT_ARP        put_arp(...)        write a MAC_Binding (mac_binding.py)
    PUT_DHCP_OPTS  put_dhcp_opts(...)  build the DHCP reply, resume (dhcp.py)
    PUT_DHCPV6_OPTS put_dhcpv6_opts(...) build the DHCPv6 reply, resume (dhcp6.py)
    ICMP           icmp4/icmp6 { ... } build ICMP(v6) unreachable, send it back
    ICMP4_ERROR    icmp4_error { ... } same, for TTL expiry and the like
    ICMP6_ERROR    icmp6_error { ... } the ICMPv6 one (nd.py)
    TCP_RESET      tcp_reset { ... }   build a TCP RST, send it back
    ND_NA          nd_na { ... }       answer a neighbor solicitation (nd.py)
    ND_NA_ROUTER   nd_na_router {...}  the same with the Router flag
    ND_NS          nd_ns { ... }       solicit an IPv6 packet's next hop
    PUT_ND         put_nd(...)         write an IPv6 MAC_Binding
    PUT_ND_RA_OPTS put_nd_ra_opts(...) build the router advertisement, resume

A malformed packet-in (truncated, not the packet the action expects) is
dropped with one warning line.

"Send it back" is a packet-out of the built frame with the decoded nested
actions, the pipeline's registers and `metadata` restored from the
packet-in (so `output` continues in the same logical datapath). Each
opcode is counted in `Pinctrl.counts`; other opcodes are logged once.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from pyovn.controller.errors import ChannelError, PinctrlError
from pyovn.controller.ofctrl import PacketIn
from pyovn.controller.pinctrl.dhcp import answer_dhcp
from pyovn.controller.pinctrl.dhcp6 import answer_dhcpv6
from pyovn.controller.pinctrl.mac_binding import MacBindingWriter
from pyovn.controller.pinctrl.nd import (
    icmp6_unreachable,
    icmp_unreachable,
    nd_na,
    nd_na_router,
    nd_ns,
    router_advertisement,
)
from pyovn.controller.pinctrl.ofactions import decode_actions_text
from pyovn.controller.pinctrl.packets import arp_request, icmp4_unreachable, tcp_reset
from pyovn.controller.txn import Txn, first_error
from pyovn.lflow.of_controller import ActionOpcode
from pyovn.lflow.of_fields import OF_FIELDS
from pyovn.ovsdb.errors import ClientError

if TYPE_CHECKING:
    from pyovn.controller.daemon import Controller

__all__ = ["Pinctrl"]

log = logging.getLogger("pyovn.controller.pinctrl")

_HEADERS = {
    header: row.name for row in OF_FIELDS.values() for header in (row.oxm, row.nxm) if header
}
_BUILDERS: dict[int, Callable[[bytes], bytes]] = {
    ActionOpcode.ARP: arp_request,
    ActionOpcode.ICMP: icmp_unreachable,
    ActionOpcode.ICMP4_ERROR: icmp4_unreachable,
    ActionOpcode.ICMP6_ERROR: icmp6_unreachable,
    ActionOpcode.TCP_RESET: tcp_reset,
    ActionOpcode.ND_NA: nd_na,
    ActionOpcode.ND_NA_ROUTER: nd_na_router,
    ActionOpcode.ND_NS: nd_ns,
}


def _reload(metadata: dict[str, int] | object) -> dict[str, int]:
    """The pipeline fields a packet-out restores (datapath, registers)."""
    assert isinstance(metadata, dict)
    names = ("metadata", *(f"reg{i}" for i in range(16)))
    return {name: metadata[name] for name in names if metadata.get(name)}


def _register_bit(field: str, bit: int) -> tuple[str, int]:
    """The 32-bit register holding bit `bit` of `field` (xxregN = reg4N..reg4N+3,
    most significant first; xregN = reg2N, reg2N+1)."""
    for prefix, width in (("xxreg", 4), ("xreg", 2)):
        if field.startswith(prefix) and field[len(prefix) :].isdigit():
            index = int(field[len(prefix) :]) * width + (width - 1 - bit // 32)
            return f"reg{index}", bit % 32
    return field, bit


class Pinctrl:
    """Packet-in handling for one controller."""

    def __init__(self, controller: Controller) -> None:
        self.controller = controller
        self.counts: Counter[str] = Counter()
        self.events: list[str] = []
        self.bindings = MacBindingWriter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flush: asyncio.Task[None] | None = None
        self._reported: set[int] = set()

    def handle(self, packet_in: PacketIn) -> None:
        """The switch's packet-in callback (work continues in a task)."""
        task = asyncio.get_running_loop().create_task(self._handle(packet_in))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def note(self, event: str) -> None:
        self.events.append(event)
        del self.events[:-200]
        log.info("%s", event)

    async def _handle(self, packet_in: PacketIn) -> None:
        if len(packet_in.userdata) < 8:
            log.warning("packet-in with short userdata (%d bytes)", len(packet_in.userdata))
            return
        (opcode,) = struct.unpack_from("!I", packet_in.userdata)
        payload = packet_in.userdata[8:]
        try:
            name = ActionOpcode(opcode).name
        except ValueError:
            name = f"opcode {opcode}"
        self.counts[name] += 1
        try:
            await self._dispatch(opcode, name, payload, packet_in)
        except PinctrlError as error:
            log.warning("%s packet-in: %s", name, error)
        except (struct.error, IndexError, ValueError) as error:
            log.warning("%s packet-in: malformed packet dropped: %s", name, error)
        except (ChannelError, ClientError, OSError) as error:
            log.warning("%s packet-in: switch or SB unavailable: %s", name, error)

    async def _dispatch(self, opcode: int, name: str, payload: bytes, packet_in: PacketIn) -> None:
        switch = self.controller.switch
        if switch is None:
            return
        builder = _BUILDERS.get(opcode)
        if builder is not None:
            frame = builder(packet_in.frame)
            actions = decode_actions_text(payload)
            await switch.packet_out(frame, actions, _reload(dict(packet_in.metadata)), payload)
            self.note(f"{name.lower()}: sent on datapath {packet_in.metadata.get('metadata', 0)}")
        elif opcode in (ActionOpcode.PUT_ARP, ActionOpcode.PUT_ND):
            ipv6 = opcode == ActionOpcode.PUT_ND
            view, metadata = self.controller.view, packet_in.metadata
            if self.bindings.learn(view, metadata, packet_in.frame, ipv6=ipv6):
                self._schedule_flush()
        elif opcode == ActionOpcode.PUT_DHCP_OPTS:
            await self._resume_with(payload, packet_in, self._dhcp_answer)
        elif opcode == ActionOpcode.PUT_DHCPV6_OPTS:
            await self._resume_with(payload, packet_in, self._dhcpv6_answer)
        elif opcode == ActionOpcode.PUT_ND_RA_OPTS:
            await self._resume_with(payload, packet_in, self._ra_answer)
        elif opcode not in self._reported:
            self._reported.add(opcode)
            log.warning("packet-in %s is not handled by pyovn's pinctrl", name)

    async def _resume_with(
        self,
        payload: bytes,
        packet_in: PacketIn,
        answer: Callable[[bytes, bytes], bytes | None],
    ) -> None:
        """Resume a paused pipeline with the answer `answer` built from the
        packet and the encoded options, setting the action's result bit
        (userdata: result field header, bit offset, options)."""
        switch = self.controller.switch
        assert switch is not None
        if len(payload) < 8:
            raise PinctrlError("userdata with a result field is truncated")
        header, bit = struct.unpack_from("!II", payload)
        field = _HEADERS.get((header >> 16, (header >> 9) & 0x7F))
        if field is None:
            raise PinctrlError(f"result field {header:#x} is unknown")
        frame = answer(packet_in.frame, payload[8:])
        register, bit = _register_bit(field, bit)
        value = dict(packet_in.metadata).get(register, 0)
        if frame is not None:
            value |= 1 << bit
        await switch.resume(packet_in, frame, {register: value})

    def _dhcp_answer(self, frame: bytes, options: bytes) -> bytes | None:
        answer = answer_dhcp(frame, options)
        if answer.frame is not None:
            self.note(f"dhcp: message type {answer.message_type} sent")
        return answer.frame

    def _dhcpv6_answer(self, frame: bytes, options: bytes) -> bytes | None:
        answer = answer_dhcpv6(frame, options)
        if answer.frame is not None:
            self.note(f"dhcpv6: message type {answer.message_type} sent")
        return answer.frame

    def _ra_answer(self, frame: bytes, template: bytes) -> bytes:
        advert = router_advertisement(frame, template)
        self.note("nd_ra: router advertisement sent")
        return advert

    def _schedule_flush(self) -> None:
        if self._flush is None or self._flush.done():
            self._flush = asyncio.get_running_loop().create_task(self._flush_bindings())

    async def _flush_bindings(self) -> None:
        await asyncio.sleep(0)
        sb = self.controller.sb
        if sb is None or not self.bindings.pending:
            return
        txn = Txn(sb)
        self.bindings.flush(txn, sb.table("MAC_Binding"), self.note)
        try:
            error = first_error(await txn.commit())
        except (ClientError, OSError) as exc:
            error = str(exc)
        if error:
            log.warning("writing MAC bindings failed: %s", error)

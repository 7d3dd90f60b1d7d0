"""The libvirt agent: keeps logical switch ports in step with libvirt domains.

It listens to libvirt's domain lifecycle events (through libvirt-python) and,
for every domain NIC that is an openvswitch virtualport on a mapped bridge:

- defined or started -> the NIC's logical port exists on the mapped switch,
  addressed "MAC IP" (IP from the domain's pyovn metadata, else kept from
  the existing port, else allocated from the switch's subnet);
- undefined (or a transient domain stopped) -> its ports are removed.

With `ovs_remote` (a `pyovn up` chassis, where no real libvirtd plugs taps)
it also plugs each running NIC into the bridge as libvirt does: an OVS
Port/Interface named after the tap with external_ids iface-id, attached-mac,
vm-id and iface-status=active, removed when the domain stops.

On start it resynchronises everything, so restarting it neither duplicates
nor loses ports. A NIC that cannot be mapped is one log line, never fatal.

How `pyovn up` runs it, one agent per chassis: the chassis' VMs are domains
of libvirt's test driver read from a file in the run directory (a `<node>`
holding `<domain type='test'>` elements, each NIC an openvswitch virtualport
on br-int; they come up running), and the agent plugs them into that
chassis' Open_vSwitch database, where the chassis' controller finds
`external_ids:iface-id` and claims the port:

    pyovn libvirt agent --uri test://$RUN/hv1/domains.xml \
        --switch-map br-int=sw1 --db $NB_REMOTE --ovs-db unix:$RUN/hv1/db.sock \
        --pidfile $RUN/hv1/libvirt-agent.pid --log-file $RUN/hv1/libvirt-agent.log

SIGTERM stops it; its ports stay (the domains still exist) and the next run
resynchronises. With a real libvirtd (`--uri qemu:///system`) leave out
`--ovs-db`: libvirt plugs the taps itself.
"""

import asyncio
import logging
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pyovn.cms.api.command import Command
from pyovn.cms.errors import CmsError, LibvirtError, UnmappedBridgeError, UsageError
from pyovn.cms.libvirt.domxml import Domain, Nic, parse_domain
from pyovn.cms.libvirt.ports import (
    EnsureVmPortCommand,
    PlugCommand,
    PruneVmPortsCommand,
    Tap,
    UnplugCommand,
    VmPort,
)
from pyovn.cms.nbctl.api import NbApi
from pyovn.cms.vsctl.api import VsApi
from pyovn.ovsdb.errors import OvsdbError

__all__ = ["LibvirtAgent", "SwitchMap", "import_libvirt"]

log = logging.getLogger(__name__)

_EVENT_NAMES = {
    0: "defined",
    1: "undefined",
    2: "started",
    3: "suspended",
    4: "resumed",
    5: "stopped",
    6: "shutdown",
    7: "pmsuspended",
    8: "crashed",
}
#: A queue entry asking for a full resynchronisation (after a reconnection).
RESYNC = "*resync*"
_event_thread_lock = threading.Lock()
_event_thread_started = False


def import_libvirt() -> Any:
    """The libvirt module (libvirt-python), or a LibvirtError saying how to get it."""
    try:
        import libvirt
    except ImportError:
        raise LibvirtError(
            "libvirt-python is not installed (pip install 'pyovn[libvirt]'; it needs "
            "libvirt-dev and pkg-config)"
        ) from None
    return libvirt


def _start_event_thread(libvirt: Any) -> None:
    """libvirt's default event loop, once per process, in a daemon thread."""
    global _event_thread_started
    with _event_thread_lock:
        if _event_thread_started:
            return
        libvirt.virEventRegisterDefaultImpl()
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

        def loop() -> None:
            while True:
                libvirt.virEventRunDefaultImpl()

        threading.Thread(target=loop, name="libvirt-events", daemon=True).start()
        _event_thread_started = True


@dataclass(frozen=True)
class SwitchMap:
    """Bridge (or libvirt network) name -> logical switch name."""

    entries: dict[str, str]

    @classmethod
    def parse(cls, items: Iterable[str]) -> "SwitchMap":
        entries: dict[str, str] = {}
        for item in items:
            for pair in filter(None, item.split(",")):
                sep = "=" if "=" in pair else ":"
                bridge, found, switch = pair.partition(sep)
                if not found or not bridge or not switch:
                    raise UsageError(f"--switch-map entry '{pair}' is not BRIDGE=SWITCH")
                entries[bridge] = switch
        if not entries:
            raise UsageError("--switch-map needs at least one BRIDGE=SWITCH")
        return cls(entries)

    def switch_for(self, domain: Domain, nic: Nic) -> str:
        if nic.switch:
            return nic.switch
        switch = self.entries.get(nic.source or "")
        if switch is None:
            raise UnmappedBridgeError(
                f"domain {domain.name}: {nic.describe} is on bridge '{nic.source}', which no "
                "--switch-map entry maps to a logical switch"
            )
        return switch


def desired_ports(domain: Domain, switch_map: SwitchMap) -> tuple[list[VmPort], list[str]]:
    """The logical ports a domain's NICs need, and one problem line per NIC left out."""
    ports: list[VmPort] = []
    problems: list[str] = []
    if domain.uuid is None:
        return [], [f"domain {domain.name}: no <uuid>"]
    for nic in domain.nics:
        if nic.kind not in ("bridge", "network"):
            continue
        try:
            switch = switch_map.switch_for(domain, nic)
            if nic.virtualport != "openvswitch" or not nic.interfaceid:
                raise LibvirtError(
                    f"domain {domain.name}: {nic.describe} has no openvswitch virtualport "
                    "with an interfaceid"
                )
            if not nic.mac:
                raise LibvirtError(f"domain {domain.name}: {nic.describe} has no MAC address")
            ports.append(VmPort(switch, nic.interfaceid, nic.mac, domain.uuid, domain.name, nic.ip))
        except CmsError as exc:
            problems.append(str(exc))
    return ports, problems


def _tap(domain: Domain, nic: Nic) -> Tap | None:
    if domain.uuid is None or not nic.interfaceid or not nic.mac or not nic.source:
        return None
    device = nic.target or f"tap{nic.interfaceid[:11]}"
    return Tap(nic.source, device, nic.interfaceid, nic.mac, domain.uuid)


class LibvirtAgent:
    """Follows one libvirt connection and keeps the NB (and a local OVS DB) in step."""

    def __init__(
        self,
        uri: str,
        switch_map: SwitchMap,
        nb_remote: str,
        ovs_remote: str | None = None,
        on_synced: Callable[[str], None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.uri, self.switch_map = uri, switch_map
        self.ssl_context = ssl_context
        self.nb_remote, self.ovs_remote = nb_remote, ovs_remote
        self.on_synced = on_synced
        self.libvirt = import_libvirt()
        self.conn: Any = None
        self.nb: NbApi | None = None
        self.vs: VsApi | None = None
        self._queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        self._callback_id: int | None = None
        self._stopped = asyncio.Event()
        #: Why the agent stopped by itself (libvirt went away), raised by run().
        self.failure: LibvirtError | None = None

    # -- lifecycle ----------------------------------------------------------------
    async def start(self) -> None:
        """Connect to the NB (and OVS), open libvirt, subscribe, resynchronise."""
        self.nb = await NbApi.connect(self.nb_remote, reconnect=True, ssl_context=self.ssl_context)
        if self.ovs_remote:
            self.vs = await VsApi.connect(self.ovs_remote, reconnect=True)
        for api in (self.nb, self.vs):
            if api is not None:
                api.backend.client.on_connected.append(self._reconnected)
        _start_event_thread(self.libvirt)
        try:
            self.conn = await asyncio.to_thread(self.libvirt.open, self.uri)
        except self.libvirt.libvirtError as exc:
            raise LibvirtError(f"{self.uri}: {exc.get_error_message()}") from None
        loop = asyncio.get_running_loop()

        def on_event(_conn: Any, dom: Any, event: int, _detail: int, _opaque: Any) -> None:
            loop.call_soon_threadsafe(self._queue.put_nowait, (dom.UUIDString(), event))

        self._callback_id = self.conn.domainEventRegisterAny(
            None, self.libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_event, None
        )

        def on_close(_conn: Any, reason: int, _opaque: Any) -> None:
            loop.call_soon_threadsafe(self._lost_libvirt, reason)

        self.conn.registerCloseCallback(on_close, None)
        log.info("watching %s (switch map %s)", self.uri, self.switch_map.entries)
        await self.resync()

    async def _reconnected(self, client: object) -> None:
        """A database came back: whatever happened meanwhile is caught up."""
        log.info("reconnected; resynchronising")
        self._queue.put_nowait((RESYNC, -1))

    async def run(self) -> None:
        """Handle events until `stop()`."""
        while not self._stopped.is_set():
            getter = asyncio.ensure_future(self._queue.get())
            stopper = asyncio.ensure_future(self._stopped.wait())
            done, _ = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            for task in (getter, stopper):
                if task not in done:
                    task.cancel()
            if getter in done:
                uuid, event = getter.result()
                if uuid == RESYNC:
                    await self.resync()
                    continue
                log.info("domain %s %s", uuid, _EVENT_NAMES.get(event, event))
                await self.sync_domain(uuid)
        if self.failure is not None:
            raise self.failure

    def _lost_libvirt(self, reason: int) -> None:
        self.failure = LibvirtError(f"{self.uri}: connection closed (reason {reason})")
        self._stopped.set()

    def stop(self) -> None:
        self._stopped.set()

    async def close(self) -> None:
        if self.conn is not None:
            if self._callback_id is not None and self.failure is None:
                self.conn.domainEventDeregisterAny(self._callback_id)
                self.conn.unregisterCloseCallback()
            await asyncio.to_thread(self.conn.close)
            self.conn = None
        for api in (self.nb, self.vs):
            if api is not None:
                await api.close()

    # -- synchronisation ------------------------------------------------------------
    async def _execute(self, api: NbApi | VsApi | None, *commands: Command) -> bool:
        if api is None:
            return True
        try:
            await api.backend.execute(commands)
        except (CmsError, OvsdbError) as exc:
            log.error("%s", exc)
            return False
        return True

    def _lookup(self, uuid: str) -> Any:
        try:
            return self.conn.lookupByUUIDString(uuid)
        except self.libvirt.libvirtError:
            return None

    async def sync_domain(self, uuid: str) -> None:
        """Bring one domain's ports (and taps) in line with libvirt."""
        dom = await asyncio.to_thread(self._lookup, uuid)
        if dom is None:
            await self._execute(self.nb, PruneVmPortsCommand({}, only=uuid))
            await self._execute(self.vs, UnplugCommand(uuid))
        else:
            await self._sync(dom)
        if self.on_synced is not None:
            self.on_synced(uuid)

    async def _sync(self, dom: Any) -> set[str]:
        """Sync one existing domain; returns the port names it keeps."""
        try:
            xml, active = await asyncio.to_thread(lambda: (dom.XMLDesc(0), dom.isActive()))
            domain = parse_domain(xml)
        except (self.libvirt.libvirtError, CmsError) as exc:
            log.error("domain %s: %s", dom.UUIDString(), exc)
            return set()
        ports, problems = desired_ports(domain, self.switch_map)
        for problem in problems:
            log.error("%s", problem)
        kept = set()
        for port in ports:
            if await self._execute(self.nb, EnsureVmPortCommand(port)):
                kept.add(port.name)
        assert domain.uuid is not None
        await self._execute(self.nb, PruneVmPortsCommand({domain.uuid: kept}, only=domain.uuid))
        if self.vs is not None:
            await self._plug(domain, kept if active else set())
        return kept

    async def _plug(self, domain: Domain, ports: set[str]) -> None:
        assert domain.uuid is not None
        taps = [
            tap
            for nic in domain.nics
            if nic.interfaceid in ports and (tap := _tap(domain, nic)) is not None
        ]
        for tap in taps:
            await self._execute(self.vs, PlugCommand(tap))
        await self._execute(self.vs, UnplugCommand(domain.uuid, keep={t.device for t in taps}))

    async def resync(self) -> None:
        """Every domain, and the removal of ports whose domain is gone."""
        domains = await asyncio.to_thread(self.conn.listAllDomains, 0)
        uuids = frozenset(dom.UUIDString() for dom in domains)
        running = {d.UUIDString() for d in domains if await asyncio.to_thread(d.isActive)}
        # Domains gone while the agent was away release their ports (and
        # addresses) first, then every present domain is brought in line.
        await self._execute(self.nb, PruneVmPortsCommand({}, domains=uuids))
        await self._execute(self.vs, UnplugCommand(None, running=running))
        for dom in domains:
            await self._sync(dom)
        log.info("resynchronised %d domains", len(domains))

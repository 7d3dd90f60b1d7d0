"""A whole cloud inside one asyncio loop: for tests, benchmarks and tinkering.

`EmbeddedCloud` runs what `pyovn up` runs as processes — NB and SB OVSDB
servers, northd, and per chassis an Open_vSwitch DB server, the simulated
vswitchd and the controller — as tasks of the current loop. Everything
still speaks OVSDB over unix sockets in `workdir`, and tunnels are real
Geneve over UDP on the chassis's loopback addresses; only the process
boundaries are gone (the controller drives its bridge through
`switch.LocalSwitch` instead of the `.mgmt` socket).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyovn.cloud.errors import VmError
from pyovn.cloud.hypervisor import Hypervisor
from pyovn.cloud.nb import Northbound
from pyovn.cloud.ovsinit import chassis_external_ids, init_chassis_db
from pyovn.cloud.switch import LocalSwitch
from pyovn.cloud.vmctl import VmClient
from pyovn.cloud.vswitchd import Vswitchd
from pyovn.controller import Controller
from pyovn.northd.daemon import Northd
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.server import OvsdbServer
from pyovn.ovsdb.tls import TlsFiles
from pyovn.schemas import schema_path

__all__ = ["EmbeddedChassis", "EmbeddedClient", "EmbeddedCloud"]

log = logging.getLogger("pyovn.cloud")


def _serve(name: str) -> OvsdbServer:
    server = OvsdbServer()
    server.add_database(DatabaseSchema.from_file(schema_path(name)))
    return server


@dataclass
class EmbeddedChassis:
    """One chassis: its Open_vSwitch DB, vswitchd, controller and VMs."""

    name: str
    underlay: str
    directory: Path
    mappings: dict[str, str]
    #: SSL files for `ssl:` Southbound remotes (the controller's -p/-c/-C).
    tls: TlsFiles | None = None
    server: OvsdbServer | None = None
    vswitchd: Vswitchd | None = None
    controller: Controller | None = None
    hypervisor: Hypervisor | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def ovs_remote(self) -> str:
        return f"unix:{self.directory}/ovs.sock"

    async def start(self, sb_remote: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.server = _serve("vswitch")
        await self.server.listen(f"p{self.ovs_remote}")
        ids = chassis_external_ids(self.name, sb_remote, self.underlay, self.mappings)
        await init_chassis_db(self.ovs_remote, ids, tuple(sorted(set(self.mappings.values()))))
        self.vswitchd = Vswitchd(self.ovs_remote, self.underlay, name=self.name)
        self.hypervisor = Hypervisor(self.vswitchd, self.name)
        self.tasks.append(asyncio.create_task(self.vswitchd.run()))
        await self.vswitchd.ready.wait()
        await self.start_controller()

    async def start_controller(self) -> None:
        """(Re)start the controller (it finds the switch's current flows in place)."""
        assert self.vswitchd is not None
        backend = self.vswitchd.backend
        self.controller = Controller(self.ovs_remote, lambda config: LocalSwitch(backend), self.tls)
        self.tasks.append(asyncio.create_task(self.controller.run()))

    async def stop_controller(self) -> None:
        """Stop the controller abruptly (its flows stay in the switch)."""
        if self.controller is None:
            return
        self.controller.stop()
        await self.controller.close()
        self.controller = None

    async def close(self) -> None:
        if self.controller is not None:
            self.controller.stop()
        if self.vswitchd is not None:
            self.vswitchd.stop()
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.controller is not None:
            await self.controller.close()
        if self.vswitchd is not None:
            await self.vswitchd.close()
        if self.server is not None:
            await self.server.close()


class EmbeddedCloud:
    """NB, SB, northd and chassis in this loop, sockets under `workdir`."""

    def __init__(
        self,
        workdir: Path,
        chassis: Mapping[str, str],
        *,
        gateway: str | None = None,
        mappings: Mapping[str, str] | None = None,
    ) -> None:
        """`chassis` maps names to underlay addresses; `gateway` gets `mappings`
        (default physnet1:br-ex)."""
        self.workdir = workdir
        gateway = gateway or next(iter(chassis))
        wanted = dict(mappings or {"physnet1": "br-ex"})
        self.chassis = {
            name: EmbeddedChassis(name, ip, workdir / name, wanted if name == gateway else {})
            for name, ip in chassis.items()
        }
        self.nb_server: OvsdbServer | None = None
        self.sb_server: OvsdbServer | None = None
        self.northd: Northd | None = None
        self.nb: Northbound | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def nb_remote(self) -> str:
        return f"unix:{self.workdir}/nb.sock"

    @property
    def sb_remote(self) -> str:
        return f"unix:{self.workdir}/sb.sock"

    async def start(self) -> EmbeddedCloud:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.nb_server, self.sb_server = _serve("ovn-nb"), _serve("ovn-sb")
        await self.nb_server.listen(f"p{self.nb_remote}")
        await self.sb_server.listen(f"p{self.sb_remote}")
        self.northd = Northd(self.nb_remote, self.sb_remote)
        self._tasks.append(asyncio.create_task(self.northd.run()))
        self.nb = Northbound(self.nb_remote)
        await self.nb.start()
        for chassis in self.chassis.values():
            await chassis.start(self.sb_remote)
        return self

    async def close(self) -> None:
        for chassis in self.chassis.values():
            await chassis.close()
        if self.nb is not None:
            await self.nb.close()
        if self.northd is not None:
            self.northd.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.northd is not None:
            await self.northd.close()
        for server in (self.nb_server, self.sb_server):
            if server is not None:
                await server.close()


class EmbeddedClient(VmClient):
    """`VmClient` for an embedded cloud (requests go straight to the hypervisors)."""

    def __init__(self, cloud: EmbeddedCloud) -> None:
        super().__init__(list(cloud.chassis))
        self.cloud = cloud

    async def call(
        self, chassis: str, request: dict[str, Any], timeout: float = 60.0
    ) -> dict[str, Any]:
        found = self.cloud.chassis.get(chassis)
        if found is None or found.hypervisor is None:
            raise VmError(f"no chassis {chassis}")
        reply = await asyncio.wait_for(found.hypervisor.command(request), timeout)
        if not reply.get("ok"):
            raise VmError(str(reply.get("error")))
        return reply

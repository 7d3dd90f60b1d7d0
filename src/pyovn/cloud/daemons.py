"""The long-running processes of a chassis: the simulated vswitchd (with its
VMs) and the controller, with signal handling and pid files.

`pyovn vswitchd` = `run_vswitchd` (Open_vSwitch DB → simulated bridges,
Geneve endpoint, `br-int.mgmt` switch socket, VM control socket);
`pyovn controller` = `run_controller` (ovn-controller, talking to the
switch through `RemoteSwitch`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

from pyovn.cloud.control import ControlServer
from pyovn.cloud.hypervisor import Hypervisor
from pyovn.cloud.vswitchd import Vswitchd
from pyovn.controller import Controller, Switch
from pyovn.controller.backend import make_switch, sim_mgmt_socket
from pyovn.ovsdb.tls import TlsFiles

__all__ = ["run_controller", "run_vswitchd", "switch_socket_for"]

log = logging.getLogger("pyovn.cloud")


def _on_signals(stop: object) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)  # type: ignore[arg-type]


def _pidfile(pidfile: Path | None) -> None:
    if pidfile is not None:
        pidfile.write_text(f"{os.getpid()}\n")


async def run_vswitchd(
    ovs_remote: str,
    underlay: str,
    rundir: Path,
    name: str,
    pidfile: Path | None = None,
) -> None:
    """Run a simulated ovs-vswitchd and its VMs until SIGTERM."""
    vswitchd = Vswitchd(ovs_remote, underlay, name=name, rundir=rundir)
    hypervisor = Hypervisor(vswitchd, name)
    control = ControlServer(rundir / "hypervisor.sock", hypervisor.command)
    _on_signals(vswitchd.stop)
    _pidfile(pidfile)
    task = asyncio.create_task(vswitchd.run())
    try:
        await vswitchd.ready.wait()
        await control.start()
        log.info("%s: vswitchd ready (underlay %s)", name, underlay)
        await task
    finally:
        await control.close()
        await vswitchd.close()


def switch_socket_for(ovs_remote: str, bridge: str = "br-int") -> str:
    """Where the simulated switch of `bridge` listens: next to the Open_vSwitch
    DB socket (ovs-vswitchd's OVS_RUNDIR), as `<bridge>.mgmt`."""
    return sim_mgmt_socket(ovs_remote, bridge)


async def run_controller(
    ovs_remote: str,
    switch: str | None,
    pidfile: Path | None = None,
    tls: TlsFiles | None = None,
    backend: str = "auto",
) -> None:
    """Run ovn-controller for the chassis of `ovs_remote` until SIGTERM; its
    switch is a real ovs-vswitchd's bridge or the simulated one (`backend`);
    `tls`: the SSL files for `ssl:` Southbound remotes."""
    controller: Controller

    def connect(config: object) -> Switch:
        bridge = getattr(config, "integration_bridge", "br-int")
        rows = controller.ovs.tables["Open_vSwitch"].rows
        root = next(iter(rows.values()), None)
        chosen = make_switch(backend, root, bridge, ovs_remote, switch)
        log.info("integration bridge %s: %s backend", bridge, type(chosen).__name__)
        return chosen

    controller = Controller(ovs_remote, connect, tls)
    _on_signals(controller.stop)
    _pidfile(pidfile)
    try:
        await controller.run()
    finally:
        await controller.close()

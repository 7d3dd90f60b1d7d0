"""Faults on a cloud of separate processes.

* SIGKILL a chassis's controller: VM traffic keeps flowing while it is
  down and while it restarts (its flows stay in the switch until the new
  controller has computed and atomically swapped in its own), the
  conntrack zones are the same afterwards, and the new controller binds a
  port added meanwhile;
* restart the Southbound DB server: northd and every controller reconnect
  (a port added afterwards is bound and carries traffic; --wait=hv works);
* a VIF whose iface-id names no logical port is logged once and left unbound.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pyovn.cloud.nb import Northbound
from pyovn.cloud.rundir import RunDir
from pyovn.cloud.seed import SEED_VMS, build_seed
from pyovn.cloud.up import cloud_down, cloud_up
from pyovn.cloud.vmctl import CloudClient
from pyovn.ovsdb.client import OvsdbClient
from tests.cloud.conftest import chassis_of

pytestmark = pytest.mark.e2e
VM = {vm.name: vm for vm in SEED_VMS}


@dataclass
class Cloud:
    rundir: Path
    run: RunDir

    def client(self) -> CloudClient:
        return CloudClient(self.rundir)


async def _setup(rundir: Path) -> None:
    await cloud_up(rundir, 2, report=lambda line: None)
    nb = Northbound(f"unix:{rundir}/nb.sock")
    await nb.start()
    try:
        await build_seed(nb)
        client = CloudClient(rundir)
        for name, chassis in (("vm1", "hv2"), ("vm3", "hv1")):
            vm = VM[name]
            await client.boot(
                chassis, name, vm.mac, iface_id=name, cidr=vm.cidr, gateway=vm.gateway
            )
        await nb.wait_port_up("vm1")
        await nb.wait_port_up("vm3")
        await nb.sync("hv")
    finally:
        await nb.close()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    rundir = tmp_path_factory.mktemp("faults") / "run"
    try:
        asyncio.run(_setup(rundir))
        yield Cloud(rundir, RunDir(rundir))
    finally:
        cloud_down(rundir)


async def _zones(rundir: Path, chassis: str) -> dict[str, str]:
    client = OvsdbClient(f"unix:{rundir}/{chassis}/ovs.sock", reconnect=False)
    await client.connect()
    try:
        select = {"op": "select", "table": "Bridge", "where": [["name", "==", "br-int"]]}
        (result,) = await client.transact("Open_vSwitch", [select])
        ids: list[list[str]] = result["rows"][0]["external_ids"][1]
        return {k: v for k, v in ids if k.startswith("ct-zone-")}
    finally:
        await client.close()


async def _ping_while(client: CloudClient, busy: asyncio.Task[Any]) -> tuple[int, int]:
    """Ping vm1 → vm3 until `busy` finishes: (sent, answered)."""
    sent = answered = 0
    while not busy.done() or sent < 3:
        result = await client.ping("vm1", "10.0.1.13", count=1, timeout=1.0)
        sent += 1
        answered += len(result["replies"])
        await asyncio.sleep(0.02)
    await busy
    return sent, answered


def _kill(run: RunDir, name: str, sig: int = signal.SIGKILL) -> None:
    pid = run.running()[name]
    os.kill(pid, sig)
    deadline = time.monotonic() + 10
    while name in run.running():
        assert time.monotonic() < deadline, f"{name} did not exit"
        time.sleep(0.02)


def test_killed_controller_keeps_traffic_flowing_and_reconverges(cloud: Cloud) -> None:
    run, rundir = cloud.run, cloud.rundir
    client = cloud.client()
    zones_before = asyncio.run(_zones(rundir, "hv2"))
    assert zones_before  # vm1's zone and its datapaths' zones

    async def scenario() -> tuple[int, int, int, int]:
        async def outage() -> None:
            await asyncio.to_thread(_kill, run, "hv2/controller")
            nb = Northbound(f"unix:{rundir}/nb.sock")
            await nb.start()
            try:  # a new VM on hv2 while its controller is down: not bound yet
                vm4 = VM["vm4"]
                await client.boot(
                    "hv2", "vm4", vm4.mac, iface_id="vm4", cidr=vm4.cidr, gateway=vm4.gateway
                )
                await asyncio.sleep(1.0)
                assert await asyncio.to_thread(chassis_of, rundir, "vm4") is None
            finally:
                await nb.close()

        down_sent, down_ok = await _ping_while(client, asyncio.create_task(outage()))

        async def restart() -> None:
            run.start("controller", ["controller", f"unix:{rundir}/hv2/ovs.sock"], "hv2")
            nb = Northbound(f"unix:{rundir}/nb.sock")
            await nb.start()
            try:
                await nb.wait_port_up("vm4", timeout=60)
                await nb.sync("hv")
            finally:
                await nb.close()

        up_sent, up_ok = await _ping_while(client, asyncio.create_task(restart()))
        return down_sent, down_ok, up_sent, up_ok

    down_sent, down_ok, up_sent, up_ok = asyncio.run(scenario())
    assert down_ok == down_sent >= 3  # no loss while the controller is dead
    assert up_ok == up_sent >= 3  # none while the new one installs its flows
    assert chassis_of(rundir, "vm4") == "hv2"
    assert asyncio.run(_zones(rundir, "hv2")).items() >= zones_before.items()
    reply = asyncio.run(client.ping("vm4", "10.0.1.13"))
    assert [(r["source"], r["ttl"]) for r in reply["replies"]] == [("10.0.1.13", 64)]


def test_southbound_restart_reconnects_every_client(cloud: Cloud) -> None:
    run, rundir = cloud.run, cloud.rundir
    client = cloud.client()
    _kill(run, "sb", signal.SIGTERM)
    time.sleep(0.5)
    run.start(
        "sb",
        [
            "db",
            "serve",
            "--db",
            str(rundir / "sb.db"),
            "--remote",
            f"punix:{rundir}/sb.sock",
            "--log-file",
            str(rundir / "sb.log"),
        ],
    )
    run.wait_for_socket(rundir / "sb.sock", run.running()["sb"], "sb")

    async def after() -> float:
        nb = Northbound(f"unix:{rundir}/nb.sock")
        await nb.start()
        try:
            vm2 = VM["vm2"]
            await client.boot(
                "hv1", "vm2", vm2.mac, iface_id="vm2", cidr=vm2.cidr, gateway=vm2.gateway
            )
            seconds = await nb.wait_port_up("vm2", timeout=60)
            await nb.sync("hv", timeout=60)  # both controllers report nb_cfg again
            return seconds
        finally:
            await nb.close()

    asyncio.run(after())
    assert chassis_of(rundir, "vm2") == "hv1" and chassis_of(rundir, "vm1") == "hv2"
    reply = asyncio.run(client.ping("vm1", "10.0.0.12", count=2))
    assert [(r["source"], r["ttl"]) for r in reply["replies"]] == [("10.0.0.12", 64)] * 2
    for log in ("northd.log", "hv1/controller.log", "hv2/controller.log"):
        assert "Traceback" not in (rundir / log).read_text()


def test_unknown_iface_id_is_logged_once_and_left_unbound(cloud: Cloud) -> None:
    client = cloud.client()

    async def stray() -> None:
        await client.boot(
            "hv1", "stray", "50:54:00:00:09:99", iface_id="nobody", cidr="10.0.1.99/24"
        )
        nb = Northbound(f"unix:{cloud.rundir}/nb.sock")
        await nb.start()
        try:
            for _ in range(3):
                await nb.sync("hv")
        finally:
            await nb.close()

    asyncio.run(stray())
    log = (cloud.rundir / "hv1" / "controller.log").read_text()
    assert log.count("no logical port named 'nobody'") == 1
    assert chassis_of(cloud.rundir, "nobody") is None
    result = asyncio.run(client.ping("stray", "10.0.1.13", timeout=0.3))
    assert result["replies"] == []

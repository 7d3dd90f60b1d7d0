"""Issue 9's scenario: build a small cloud through the API only, compile it
with a real northd (pyovn's, and OVN's own), and prove with `pyovn trace`
that VMs reach each other through the router, that the security group
drops what it does not allow, and that SNAT and the floating IP rewrite
addresses on the way out and in."""

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pyovn.cloud.up import cloud_down, cloud_up
from pyovn.cloud.vmctl import CloudClient
from pyovn.cms.neutron import ApiSettings, create_app
from pyovn.ovsdb.client import OvsdbClient
from tests.api.conftest import TOKENS, Api
from tests.api.scenario import EXT_GATEWAY, EXT_GATEWAY_MAC, Cloud, build
from tests.helpers.daemons import Daemon, have, needs_real_ovn
from tests.helpers.ovn import OvnDatabases, sbctl


@pytest.fixture(params=["pyovn-northd", "ovn-northd"])
def cloud(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Cloud, str]]:
    if not have("ovsdb-server") or not have("ovn-sbctl"):
        pytest.skip("the real OVN (Debian ovn-central) is not installed")
    dbs = OvnDatabases.start(tmp_path)
    try:
        if request.param == "ovn-northd":
            dbs.start_real_northd()
        else:
            dbs.start_pyovn_northd()
        tokens = tmp_path / "tokens"
        tokens.write_text(TOKENS)
        settings = ApiSettings(dbs.nb.remote, token_file=tokens, gateway_chassis=["hv1"])
        with TestClient(create_app(settings)) as client:
            built = build(Api(client, dbs.nb))
        dbs.wait_sb()
        _learn_upstream_mac(dbs.sb(), built)
        yield built, dbs.sb()
    finally:
        dbs.stop()


def _learn_upstream_mac(sb: str, built: Cloud) -> None:
    """What ovn-controller would learn: the upstream gateway's MAC."""
    name = f"neutron-{built.router['id']}"
    datapath = sbctl(
        sb, "--bare", "--columns=_uuid", "find", "Datapath_Binding", f"external_ids:name={name}"
    ).strip()
    sbctl(
        sb,
        "create",
        "MAC_Binding",
        f"logical_port=lrp-{built.gateway_port['id']}",
        f"ip={EXT_GATEWAY}",
        f'mac="{EXT_GATEWAY_MAC}"',
        f"datapath={datapath}",
    )


def pyovn_trace(sb: str, tmp: Path, flows: list[str]) -> list[dict[str, Any]]:
    """`pyovn trace --batch` (one process for all flows), as JSON."""
    batch = tmp / "flows.txt"
    batch.write_text("".join(f"--ct new '{flow}'\n" for flow in flows))
    proc = subprocess.run(
        [sys.executable, "-m", "pyovn", "trace", "--db", sb, "--json", "--batch", str(batch)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert not [line for line in lines if line.startswith("#")], proc.stdout
    return [json.loads(line) for line in lines]


@needs_real_ovn
def test_connectivity_proved_by_trace(cloud: tuple[Cloud, str], tmp_path: Path) -> None:
    c, sb = cloud
    fip = c.fip["floating_ip_address"]
    east_west, blocked, ssh, snat, fip_out, fip_in = pyovn_trace(
        sb,
        tmp_path,
        [
            c.flow(c.vm1, c.ip(c.vm2)),
            c.flow(c.vm1, c.ip(c.vm2), "ip.ttl == 64 && tcp && tcp.src == 40000 && tcp.dst == 80"),
            c.flow(c.vm1, c.ip(c.vm2), "ip.ttl == 64 && tcp && tcp.src == 40000 && tcp.dst == 22"),
            c.flow(c.vm2, "8.8.8.8"),
            c.flow(c.vm1, "8.8.8.8"),
            c.inbound(fip),
        ],
    )
    # vm1 -> vm2 across the router: delivered, TTL decremented.
    (out,) = east_west["outputs"]
    assert out["port"] == c.vm2["id"] and out["fields"]["nw_ttl"] == "63"
    # The security group admits icmp and ssh, not http.
    assert blocked["verdict"] == "drop"
    assert [o["port"] for o in ssh["outputs"]] == [c.vm2["id"]]
    # vm2 has no floating IP: SNAT to the router's gateway address.
    (out,) = snat["outputs"]
    assert out["port"] == c.localnet and out["fields"]["nw_src"] == c.gateway_ip
    assert out["fields"]["dl_dst"] == EXT_GATEWAY_MAC
    # vm1 leaves as its floating IP, and is reached at it.
    (out,) = fip_out["outputs"]
    assert out["port"] == c.localnet and out["fields"]["nw_src"] == fip
    (out,) = fip_in["outputs"]
    assert out["port"] == c.vm1["id"] and out["fields"]["nw_dst"] == c.ip(c.vm1)


def test_connectivity_in_a_pyovn_up_cloud(tmp_path: Path) -> None:
    """The same cloud, built through the API on the NB of a `pyovn up` cloud
    (pyovn northd, 2 chassis): VMs plugged with the ports' ids as iface-id
    (vm1 on hv2, away from its router's gateway chassis hv1) really exchange
    packets, the security group filters them, and SNAT/floating IP are
    seen by a host on the external network."""
    rundir = tmp_path / "run"
    try:
        asyncio.run(cloud_up(rundir, 2, report=lambda line: None))
        tokens = tmp_path / "tokens"
        tokens.write_text(TOKENS)
        nb = Daemon("nb", None, rundir / "nb.sock", rundir / "nb.log")
        settings = ApiSettings(nb.remote, token_file=tokens, gateway_chassis=["hv1"])
        with TestClient(create_app(settings)) as client:
            built = build(Api(client, nb))
        asyncio.run(_ping_across(rundir, built))
    finally:
        cloud_down(rundir)


async def _ping_across(rundir: Path, c: Cloud) -> None:
    vms = CloudClient(rundir)
    subnet_gw = {c.vm1["network_id"]: "10.0.1.1", c.vm2["network_id"]: "10.0.2.1"}
    for vm, chassis in ((c.vm1, "hv2"), (c.vm2, "hv1")):
        await vms.boot(
            chassis,
            str(vm["name"]),
            str(vm["mac_address"]),
            iface_id=str(vm["id"]),
            cidr=f"{c.ip(vm)}/24",
            gateway=subnet_gw[vm["network_id"]],
        )
    # The physical network's gateway, on hv1's provider bridge (physnet1).
    await vms.boot("hv1", "outside", EXT_GATEWAY_MAC, bridge="br-ex", cidr=f"{EXT_GATEWAY}/24")
    await _until_ports_up(rundir, [str(c.vm1["id"]), str(c.vm2["id"])])

    # East-west across the router, vm1 (hv2) -> vm2 (hv1) through Geneve.
    reply = await _ping(vms, "vm1", c.ip(c.vm2))
    assert reply["replies"] and reply["replies"][0]["ttl"] == 63, reply
    # The security group admits ssh, not http.
    await vms.serve("vm2", 22)
    await vms.serve("vm2", 80)
    assert await vms.tcp("vm1", c.ip(c.vm2), 22) == "open"
    assert await vms.tcp("vm1", c.ip(c.vm2), 80) == "filtered"
    # vm2 goes out as the router's gateway address (SNAT), vm1 as its floating IP.
    fip = str(c.fip["floating_ip_address"])
    for vm, seen_as in (("vm2", c.gateway_ip), ("vm1", fip)):
        await vms.clear("outside")
        assert (await _ping(vms, vm, EXT_GATEWAY))["replies"]
        echoes = await vms.received("outside", icmp_type=8)
        assert echoes and {p["nw_src"] for p in echoes} == {seen_as}, echoes
    # The outside host reaches vm1 at its floating IP.
    await vms.clear("vm1")
    assert (await _ping(vms, "outside", fip))["replies"]
    inbound = await vms.received("vm1", icmp_type=8)
    assert inbound and {p["nw_dst"] for p in inbound} == {c.ip(c.vm1)}, inbound


async def _ping(vms: CloudClient, vm: str, target: str) -> dict[str, Any]:
    """A ping that may need a first ARP round (up to 5 tries)."""
    reply: dict[str, Any] = {}
    for _ in range(5):
        reply = await vms.ping(vm, target, count=1, timeout=2.0)
        if reply["replies"]:
            break
    return reply


async def _until_ports_up(rundir: Path, ports: list[str], timeout: float = 60.0) -> None:
    client = OvsdbClient(f"unix:{rundir}/sb.sock", reconnect=False)
    await client.connect(timeout=10)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            (result,) = await client.transact(
                "OVN_Southbound",
                [
                    {
                        "op": "select",
                        "table": "Port_Binding",
                        "where": [],
                        "columns": ["logical_port", "up"],
                    }
                ],
            )
            up = {r["logical_port"] for r in result["rows"] if r["up"] is True}
            if set(ports) <= up:
                return
            assert asyncio.get_running_loop().time() < deadline, f"ports not up: {ports}, up: {up}"
            await asyncio.sleep(0.2)
    finally:
        await client.close()

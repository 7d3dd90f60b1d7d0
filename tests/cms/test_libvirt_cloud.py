"""The libvirt agent on a chassis of a `pyovn up` cloud: libvirt's domains
(here a test-driver node file) become logical ports, their NICs are plugged
into that chassis' br-int with `external_ids:iface-id`, and the chassis'
controller binds them — nobody types an ovn-nbctl or ovs-vsctl command."""

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyovn.cloud.up import cloud_down, cloud_up
from pyovn.ovsdb.client import OvsdbClient
from tests.cms.test_libvirt import BIN, NODE
from tests.helpers.daemons import wait_for

pytest.importorskip("libvirt")

IFACE = "aaaaaaaa-0000-0000-0000-00000000000a"


@pytest.fixture
def rundir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "run"
    try:
        asyncio.run(cloud_up(path, 2, report=lambda line: None))
        yield path
    finally:
        cloud_down(path)


def _select(remote: str, database: str, table: str) -> list[dict[str, Any]]:
    async def query() -> list[dict[str, Any]]:
        client = OvsdbClient(remote, reconnect=False)
        await client.connect(timeout=10)
        try:
            (result,) = await client.transact(
                database, [{"op": "select", "table": table, "where": []}]
            )
            return list(result["rows"])
        finally:
            await client.close()

    return asyncio.run(query())


def _binding(rundir: Path) -> tuple[str | None, bool]:
    """(chassis name, up) of the domain's Port_Binding."""
    sb = f"unix:{rundir}/sb.sock"
    names = {r["_uuid"][1]: r["name"] for r in _select(sb, "OVN_Southbound", "Chassis")}
    for row in _select(sb, "OVN_Southbound", "Port_Binding"):
        if row["logical_port"] == IFACE:
            chassis = row["chassis"]
            bound = names.get(chassis[1]) if chassis and chassis[0] == "uuid" else None
            return bound, row["up"] is True
    return None, False


def test_agent_on_a_chassis_of_a_pyovn_up_cloud(rundir: Path, tmp_path: Path) -> None:
    nb = f"unix:{rundir}/nb.sock"
    setup = [
        "ls-add",
        "sw1",
        "--",
        "set",
        "Logical_Switch",
        "sw1",
        "other_config:subnet=10.0.0.0/24",
    ]
    subprocess.run([str(BIN / "pyovn"), "nbctl", f"--db={nb}", *setup], check=True)
    node = tmp_path / "hv2-domains.xml"
    node.write_text(NODE)
    command = [
        str(BIN / "pyovn"), "libvirt", "agent", "--uri", f"test://{node}",
        "--switch-map", "br-int=sw1", "--db", nb, "--ovs-db", f"unix:{rundir}/hv2/ovs.sock",
        "--log-file", str(tmp_path / "agent.log"),
    ]  # fmt: skip
    agent = subprocess.Popen(command)
    try:
        wait_for(lambda: _binding(rundir) == ("hv2", True), 30, "the domain's port up on hv2")
        (port,) = [
            r for r in _select(nb, "OVN_Northbound", "Logical_Switch_Port") if r["name"] == IFACE
        ]
        assert port["addresses"] == "52:54:00:00:00:0a 10.0.0.2"
        ovs = _select(f"unix:{rundir}/hv2/ovs.sock", "Open_vSwitch", "Interface")
        (tap,) = [r for r in ovs if r["name"] == "tap-a"]
        ids = dict(tap["external_ids"][1])
        assert ids["iface-id"] == IFACE and ids["attached-mac"] == "52:54:00:00:00:0a"
        # The controller marks the interface installed once its flows are in br-int.
        wait_for(
            lambda: any(
                dict(r["external_ids"][1]).get("ovn-installed") == "true"
                for r in _select(f"unix:{rundir}/hv2/ovs.sock", "Open_vSwitch", "Interface")
                if r["name"] == "tap-a"
            ),
            30,
            "ovn-installed on tap-a",
        )
    finally:
        agent.terminate()
        assert agent.wait(10) == 0

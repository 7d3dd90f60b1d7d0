"""The cloud's command line: up, status, vm boot/list/ping/packets, down; domain XML."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyovn.cloud.domxml import domain_xml, parse_domain
from pyovn.cloud.errors import VmError
from pyovn.cloud.rundir import RunDir, underlay_address
from tests.cloud.conftest import pyovn


def test_domain_xml_gives_the_interface_id_and_mac() -> None:
    domain = parse_domain(domain_xml("vm1", "50:54:00:00:01:11", "vm1-port"))
    nic = domain.ovs_interface()
    assert (domain.name, nic.mac, nic.interface_id, nic.bridge) == (
        "vm1",
        "50:54:00:00:01:11",
        "vm1-port",
        "br-int",
    )
    plain = (
        "<domain><name>x</name><devices><interface type='network'>"
        "<mac address='52:54:00:aa:bb:cc'/></interface></devices></domain>"
    )
    with pytest.raises(VmError, match="no <virtualport"):
        parse_domain(plain).ovs_interface()
    with pytest.raises(VmError, match="domain XML"):
        parse_domain("<domain><name>x</name>")


def test_run_directories_get_distinct_underlay_addresses(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert underlay_address(a, 1) != underlay_address(b, 1)
    assert underlay_address(a, 1).startswith("127.") and underlay_address(a, 2).endswith(".12")


@pytest.mark.e2e
def test_up_vm_and_down_from_the_command_line(rundir: Path, tmp_path: Path) -> None:
    up = pyovn("up", "--chassis", "1", "--rundir", str(rundir))
    assert up.returncode == 0, up.stdout + up.stderr
    assert "all 1 chassis registered" in up.stdout
    status = pyovn("status", "--rundir", str(rundir))
    assert {"nb", "sb", "northd", "hv1/ovs", "hv1/vswitchd", "hv1/controller"} <= {
        line.split()[0] for line in status.stdout.splitlines()
    }
    xml = tmp_path / "vm1.xml"
    xml.write_text(domain_xml("vm1", "50:54:00:00:01:11", "vm1"))
    boot = pyovn(
        "vm",
        "boot",
        "--xml",
        str(xml),
        "--chassis",
        "hv1",
        "--ip",
        "10.0.0.11/24",
        "--rundir",
        str(rundir),
    )
    assert boot.returncode == 0, boot.stderr
    assert "vm1 booted on hv1: tapvm1 on br-int, mac 50:54:00:00:01:11, iface-id vm1" in boot.stdout
    listing = pyovn("vm", "list", "--rundir", str(rundir))
    assert listing.stdout.split()[:4] == ["vm1", "hv1", "50:54:00:00:01:11", "10.0.0.11/24"]
    ping = pyovn("vm", "ping", "vm1", "10.0.0.99", "-c", "1", "--rundir", str(rundir))
    assert ping.returncode == 1 and "1 sent, 0 received" in ping.stdout  # no logical port yet
    bad = pyovn(
        "vm",
        "boot",
        "vm2",
        "--mac",
        "50:54:00:00:01:12",
        "--chassis",
        "hv7",
        "--rundir",
        str(rundir),
    )
    assert (
        bad.returncode == 1
        and bad.stderr.strip() == "pyovn: no chassis hv7 in this cloud (chassis: hv1)"
    )
    down = pyovn("down", "--rundir", str(rundir))
    assert down.returncode == 0 and "stopped 6 daemons" in down.stdout
    assert RunDir(rundir).running() == {}

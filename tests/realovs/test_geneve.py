"""Two chassis, two real ovs-vswitchd, pyovn controllers: cross-chassis traffic
goes through the Geneve tunnel ports the controllers create (see two_chassis.py).

vm1 and vm3 are on hv1, vm2 and vm4 on hv2: vm1→vm2 crosses the tunnel on
one logical switch, vm1→vm4 and vm3→vm2 cross it through the distributed
router. The very first packet over a fresh tunnel is dropped by the
userspace datapath while it ARPs for the remote endpoint (`warm_up`), as it
would be with the real ovn-controller; after that no ping may lose a packet.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.realovs.deploy import requirements
from tests.realovs.two_chassis import UNDERLAY, TwoChassis

pytestmark = requirements


@pytest.fixture(scope="module", params=["pyovn-northd", "real-northd"])
def chassis(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TwoChassis]:
    dep = TwoChassis(
        tmp_path_factory.mktemp("geneve"),
        {"vm1": "hv1", "vm3": "hv1", "vm2": "hv2", "vm4": "hv2"},
        northd=request.param.split("-")[0],
    )
    try:
        dep.start()
        dep.warm_up("vm1", "10.0.0.12")
        yield dep
    finally:
        dep.stop()


def test_controllers_create_geneve_ports_with_real_options(chassis: TwoChassis) -> None:
    for me, other, index in (("hv1", "hv2", 2), ("hv2", "hv1", 1)):
        name = chassis.vsctl(
            me,
            "--bare",
            "--columns=name",
            "find",
            "Interface",
            f"external_ids:ovn-chassis-id={other}",
        )
        assert name, f"{me} has no tunnel to {other}"
        assert chassis.vsctl(me, "get", "Interface", name, "type") == "geneve"
        options = chassis.vsctl(me, "get", "Interface", name, "options")
        assert f'remote_ip="{UNDERLAY}.{index}"' in options
        assert "key=flow" in options and 'csum="true"' in options
        assert int(chassis.vsctl(me, "get", "Interface", name, "ofport")) > 0


@pytest.mark.parametrize(
    ("vm", "address"),
    [("vm1", "10.0.0.12"), ("vm2", "10.0.0.11"), ("vm1", "10.0.1.14"), ("vm3", "10.0.0.12")],
    ids=["vm1-vm2-same-switch", "vm2-vm1-back", "vm1-vm4-routed", "vm3-vm2-routed"],
)
def test_cross_chassis_ping(chassis: TwoChassis, vm: str, address: str) -> None:
    result = chassis.ping(vm, address)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0% packet loss" in result.stdout, result.stdout


def test_cross_chassis_traffic_is_geneve_on_the_underlay(chassis: TwoChassis) -> None:
    """tcpdump on hv1's underlay veth sees the VM's ping as Geneve (UDP 6081)
    between the two encap IPs, with OVN's option (class 0x102)."""
    capture = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            chassis.ns("hv1"),
            "timeout",
            "10",
            "tcpdump",
            "-l",
            "-n",
            "-v",
            "-i",
            chassis.ns("ul1"),
            "-c",
            "2",
            "udp",
            "port",
            "6081",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        time.sleep(1)
        assert chassis.ping("vm1", "10.0.0.12", count=2).returncode == 0
        out, _ = capture.communicate(timeout=15)
    finally:
        if capture.poll() is None:
            capture.kill()
            capture.wait()
    assert f"{UNDERLAY}.1" in out and f"{UNDERLAY}.2" in out, out
    assert "Geneve" in out and "vni 0x1," in out, out  # sw1's tunnel key
    assert "(OVN) (0x102) type 0x80" in out, out  # logical in/out ports
    assert "10.0.0.11 > 10.0.0.12: ICMP echo request" in out, out

"""pyovn controller on a real ovs-vswitchd, next to pyovn northd or the real ovn-northd.

The real NB/SB ovsdb-servers, pyovn northd (or the real ovn-northd), a real ovs-vswitchd (userspace
datapath) and netns VMs, as ../shared/realovn/datapath.sh sets them up —
with pyovn controller as the chassis's ovn-controller. Every check of
datapath_test.sh must pass (pings on one switch and across the router, ACLs
through real conntrack, SNAT and the floating IP seen by tcpdump on the
external network, a DHCP lease through pinctrl's packet-ins); ARP requests,
MAC learning and ICMP errors go through packet-in/packet-out too; a restart
of the controller under a running ping loses at most one packet.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.daemons import wait_for
from tests.realovs.deploy import Deployment, assert_datapath_checks, requirements

pytestmark = requirements


@pytest.fixture(scope="module", params=["pyovn-northd", "real-northd"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    northd = request.param.split("-")[0]
    dep = Deployment(tmp_path_factory.mktemp(f"realovs-{northd}"), northd=northd)
    try:
        dep.start()
        yield dep
    finally:
        dep.stop()


def test_datapath_checks_pass(deployment: Deployment) -> None:
    out = deployment.datapath_test()
    assert_datapath_checks(out)
    log = deployment.controller_log.read_text()
    assert "OvsSwitch backend" in log
    assert "dhcp: message type 5 sent" in log  # the ACK went out through NXT_RESUME
    assert "OpenFlow error" not in log
    northd_log = deployment.rundir / "pyovn-northd.log"
    assert "Traceback" not in log + (northd_log.read_text() if northd_log.exists() else "")


def test_restart_loses_at_most_one_packet(deployment: Deployment) -> None:
    replaced = deployment.controller_log.read_text().count("replaced the flows")
    ping = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            deployment.ns("vm1"),
            "ping",
            "-i",
            "0.1",
            "-c",
            "70",
            "-W",
            "1",
            "10.0.1.14",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(2)
        deployment.restart_controller()
        wait_for(
            lambda: deployment.controller_log.read_text().count("replaced the flows") > replaced,
            30,
            "the restarted controller's first install",
        )
        out, _ = ping.communicate(timeout=30)
    finally:
        if ping.poll() is None:
            ping.kill()
            ping.wait()
    stats = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    assert stats is not None, out
    sent, received = int(stats.group(1)), int(stats.group(2))
    print(f"\nping across lr1 during the restart: {sent} sent, {received} received")
    assert sent == 70
    assert sent - received <= 1, out


def test_router_arp_request_and_mac_learning_through_pinctrl(deployment: Deployment) -> None:
    """172.16.0.5 has no MAC binding: lr1 asks pinctrl for an ARP request
    (packet-in, packet-out on the external network); the reply is learned
    into a Southbound MAC_Binding (put_arp packet-in) and traffic flows."""
    ext = deployment.ns("ext")
    subprocess.run(
        ["ip", "-n", ext, "addr", "add", "172.16.0.5/24", "dev", "eth0"], check=True, timeout=10
    )
    ping = deployment.ping("vm1", "172.16.0.5", count=4)
    assert ping.returncode == 0, ping.stdout + ping.stderr
    bindings = deployment.run(
        "ovn-sbctl",
        f"--db=unix:{deployment.rundir}/sb.sock",
        "--columns=ip,mac",
        "list",
        "MAC_Binding",
    )
    assert re.search(r'ip\s*:\s*"172\.16\.0\.5"\s*\nmac\s*:\s*"0a:00:00:00:00:fe"', bindings), (
        bindings
    )
    log = deployment.controller_log.read_text()
    assert "arp: sent on datapath" in log


def test_ttl_expiry_is_answered_with_icmp_time_exceeded(deployment: Deployment) -> None:
    """A packet routed with TTL 1 comes back as ICMP time exceeded from the
    router port, built by pinctrl (icmp4 { ... }) and sent with a packet-out."""
    ping = deployment.ping("vm1", "10.0.1.14", count=1, ttl=1)
    assert "From 10.0.0.1" in ping.stdout and "Time to live exceeded" in ping.stdout, ping.stdout
    # lr_in_ip_input's `icmp4 { ... icmp4.type = 11; ... }`: opcode ICMP
    assert "icmp: sent on datapath" in deployment.controller_log.read_text()


def _flows(deployment: Deployment, bridge: str) -> list[str]:
    out = deployment.run(
        "ovs-ofctl", "-O", "OpenFlow15", "--no-stats", "dump-flows",
        f"unix:{deployment.rundir}/ovs/{bridge}.mgmt",
    )  # fmt: skip
    return sorted(line.strip() for line in out.splitlines() if "actions=" in line)


def test_own_flow_encoding_installs_what_ovs_ofctl_would(deployment: Deployment) -> None:
    """Every flow pyovn controller installed over its own OpenFlow connection,
    re-installed from its text by ovs-ofctl on a scratch bridge, dumps the
    same (but for dec_ttl: ours carries no controller ids, as
    ovn-controller's, which ovs-ofctl's syntax cannot express)."""
    assert "(own OpenFlow connection)" in deployment.controller_log.read_text()
    assert "retrying it with ovs-ofctl" not in deployment.controller_log.read_text()
    ours = _flows(deployment, "br-int")
    deployment.vsctl(
        "add-br", "br-check", "--", "set", "Bridge", "br-check", "datapath_type=netdev",
        "fail-mode=secure",
    )  # fmt: skip
    try:
        target = f"unix:{deployment.rundir}/ovs/br-check.mgmt"
        deployment.run(
            "ovs-ofctl", "-O", "OpenFlow15", "add-tlv-map", target,
            "{class=0x102,type=0x80,len=4}->tun_metadata0",
        )  # fmt: skip
        bundle = deployment.rundir / "check.bundle"
        bundle.write_text("".join(f"flow add {flow}\n" for flow in ours))
        deployment.run("ovs-ofctl", "-O", "OpenFlow15", "bundle", target, str(bundle))
        theirs = _flows(deployment, "br-check")
    finally:
        deployment.vsctl("del-br", "br-check")
    assert len(ours) > 800
    assert [f.replace("dec_ttl()", "dec_ttl") for f in ours] == theirs


def test_load_balancer_through_a_select_group(deployment: Deployment) -> None:
    """A load balancer VIP on sw1 and lr1 with two backends on sw2: the
    controller installs ovn-controller's select group (over its own
    connection) and connections to the VIP reach a backend through real
    conntrack NAT. Last in the module: the load balancer is removed after."""
    nb = f"--db=unix:{deployment.rundir}/nb.sock"
    deployment.run(
        "ovn-nbctl", nb, "lb-add", "lb1", "10.0.0.100:80", "10.0.1.13:22,10.0.1.14:22", "tcp"
    )
    listeners = [
        subprocess.Popen(
            ["ip", "netns", "exec", deployment.ns(vm), "nc", "-l", "-k", "-p", "22"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for vm in ("vm3", "vm4")
    ]
    try:
        deployment.run("ovn-nbctl", nb, "ls-lb-add", "sw1", "lb1", "--", "lr-lb-add", "lr1", "lb1")
        deployment.run("ovn-nbctl", nb, "--timeout=30", "--wait=hv", "sync")
        groups = deployment.run(
            "ovs-ofctl", "-O", "OpenFlow15", "dump-groups", f"unix:{deployment.mgmt}"
        )
        assert "type=select,selection_method=dp_hash" in groups, groups
        assert "nat(dst=10.0.1.13:22)" in groups and "nat(dst=10.0.1.14:22)" in groups, groups
        for _ in range(4):
            probe = subprocess.run(
                ["ip", "netns", "exec", deployment.ns("vm2"), "nc", "-z", "-w", "2",
                 "10.0.0.100", "80"],
                capture_output=True, timeout=30, check=False,
            )  # fmt: skip
            assert probe.returncode == 0
        assert "go through ovs-ofctl" not in deployment.controller_log.read_text()
    finally:
        for listener in listeners:
            listener.kill()
            listener.wait()
        deployment.run("ovn-nbctl", nb, "lb-del", "lb1")


def test_controller_reinstalls_everything_after_vswitchd_restarts(
    deployment: Deployment,
) -> None:
    """ovs-vswitchd restarts with an empty br-int: the controller reconnects,
    maps the Geneve option again and replaces the whole flow set, and the VMs
    talk again."""
    r = deployment.rundir
    log = deployment.controller_log
    replaced = log.read_text().count("replaced the flows")
    netns = f"/proc/{(r / 'ovs.pid').read_text().strip()}/ns/net"  # the deployment's netns
    old = int((r / "vswitchd.pid").read_text())
    os.kill(old, signal.SIGTERM)
    wait_for(lambda: not Path(f"/proc/{old}").exists(), 10, "ovs-vswitchd to exit")
    deployment.run(
        "nsenter", f"--net={netns}", "ovs-vswitchd", f"unix:{r}/ovs.sock",
        f"--unixctl={r}/vswitchd.ctl", f"--pidfile={r}/vswitchd.pid",
        f"--log-file={r}/vswitchd.log", "--detach", "--no-chdir", "-vconsole:off",
    )  # fmt: skip
    wait_for(lambda: log.read_text().count("replaced the flows") > replaced, 60, "a full install")
    assert deployment.flow_count() > 800
    ping = deployment.ping("vm1", "10.0.1.14", count=3)
    assert ping.returncode == 0, ping.stdout

"""pyovn controller on a real ovs-vswitchd, next to pyovn northd or the real ovn-northd.

The real NB/SB ovsdb-servers, pyovn northd (or the real ovn-northd), a real ovs-vswitchd (userspace
datapath) and netns VMs, as ../shared/realovn/datapath.sh sets them up —
with pyovn controller as the chassis's ovn-controller. Every check of
datapath_test.sh must pass (pings on one switch and across the router, ACLs
through real conntrack, SNAT and the floating IP seen by tcpdump on the
external network, a DHCP lease through pinctrl's packet-ins); a restart of
the controller under a running ping loses at most one packet.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator

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

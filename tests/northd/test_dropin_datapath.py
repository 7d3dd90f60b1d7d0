"""pyovn northd as a drop-in for ovn-northd in a real deployment.

The real ovsdb-servers, the real ovn-controller and a real ovs-vswitchd
(userspace datapath) run the seed topology with network-namespace VMs,
exactly as ../shared/realovn/datapath.sh sets them up — but the Southbound
DB is compiled by pyovn northd. Every check of datapath_test.sh must pass:
pings on one switch and across the router, ACLs through real conntrack,
SNAT and the floating IP as seen by tcpdump on the external network, and a
DHCP lease via udhcpc with the options of the DHCP_Options row.

The deployment's network devices live in a private network namespace
(`unshare --net`) and its named namespaces carry a per-test prefix; all of
it is removed, and every daemon stopped by pid, whatever the test's outcome.
"""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.daemons import SHARED, needs_real_ovn, needs_shared, wait_for

REALOVN = SHARED / "realovn"
pytestmark = [
    needs_real_ovn,
    needs_shared,
    pytest.mark.oracle,
    pytest.mark.root,
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
    pytest.mark.skipif(
        not (shutil.which("unshare") and shutil.which("udhcpc") and shutil.which("tcpdump")),
        reason="unshare, udhcpc and tcpdump are needed (scripts/install-debian-deps.sh)",
    ),
]


class Deployment:
    def __init__(self, rundir: Path) -> None:
        self.rundir = rundir
        self.prefix = f"pn{os.getpid() % 10000}"
        self.env = {
            **os.environ,
            "NO_NORTHD": "1",
            "NS_PREFIX": self.prefix,
            "OVS_RUNDIR": str(rundir / "ovs"),
        }
        self.northd: subprocess.Popen[bytes] | None = None

    def run(self, *args: str, timeout: float = 180) -> str:
        proc = subprocess.run(
            args, capture_output=True, text=True, env=self.env, timeout=timeout, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed: {proc.stdout[-800:]} {proc.stderr[-800:]}"
            )
        return proc.stdout

    def start(self) -> None:
        r = self.rundir
        self.run("bash", str(REALOVN / "start.sh"), str(r))
        self.northd = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pyovn",
                "northd",
                f"--ovnnb-db=unix:{r}/nb.sock",
                f"--ovnsb-db=unix:{r}/sb.sock",
                f"--log-file={r}/pyovn-northd.log",
            ],
            stdin=subprocess.DEVNULL,
        )
        wait_for(lambda: (r / "pyovn-northd.log").exists(), 20, "pyovn northd log")
        self.run(
            "unshare",
            "--net",
            "bash",
            "-c",
            f"bash {REALOVN}/topology.sh {r} {r}/out && bash {REALOVN}/datapath.sh {r} netdev",
        )

    def stop(self) -> None:
        r = str(self.rundir)
        for script in ("datapath_clean.sh", "stop.sh"):
            subprocess.run(
                ["bash", str(REALOVN / script), r],
                env=self.env,
                capture_output=True,
                timeout=120,
                check=False,
            )
        if self.northd is not None:
            self.northd.terminate()
            try:
                self.northd.wait(10)
            except subprocess.TimeoutExpired:
                self.northd.kill()
        leftover = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        for line in leftover.splitlines():
            name = line.split()[0] if line.split() else ""
            if name.startswith(f"{self.prefix}-"):
                subprocess.run(["ip", "netns", "del", name], check=False)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    dep = Deployment(tmp_path_factory.mktemp("dropin"))
    try:
        dep.start()
        yield dep
    finally:
        dep.stop()


def test_datapath_checks_pass_with_pyovn_northd(deployment: Deployment) -> None:
    out = deployment.run(
        "bash",
        str(REALOVN / "datapath_test.sh"),
        str(deployment.rundir),
        str(deployment.rundir / "out"),
        timeout=300,
    )
    checks = [line for line in out.splitlines() if re.match(r"^(ok|FAIL)\s", line)]
    print("\n" + "\n".join(checks))
    assert len(checks) == 12, out
    assert all(line.startswith("ok") for line in checks), out
    # SNAT and the floating IP as the external network saw them.
    seen = out.split("source addresses seen on the external network:")[-1]
    assert "172.16.0.100 > 8.8.8.8" in seen, out
    assert "172.16.0.110 > 8.8.8.8" in seen, out
    # DHCP lease with the DHCP_Options row's values.
    lease = re.search(
        r"udhcpc .* ip=(\S+) mask=(\S+) router=(\S+) dns=(\S+) lease=(\S+) mtu=(\S+)", out
    )
    assert lease is not None, out
    assert lease.groups() == ("10.0.0.12", "24", "10.0.0.1", "8.8.8.8", "3600", "1442")
    assert "Traceback" not in (deployment.rundir / "pyovn-northd.log").read_text()
    # The real ovn-controller installed as many flows as with the real northd.
    assert "OpenFlow flows on br-int: 899" in out, out

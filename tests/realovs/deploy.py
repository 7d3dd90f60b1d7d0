"""A real OVN deployment on real ovs-vswitchd, with pyovn in some of the roles.

`Deployment` runs ../shared/realovn's scripts in a temporary directory:
start.sh (the real NB/SB ovsdb-servers), pyovn northd or the real
ovn-northd, topology.sh (the seed topology) and datapath.sh (a real
ovs-vswitchd with the userspace datapath, netns VMs vm1..vm4 and the
external namespace). datapath.sh starts `ovn-controller`; with
controller="pyovn" the first `ovn-controller` on its PATH is a two-line
script that execs `pyovn controller` with the same arguments (ovn-controller's
command line: DB remote, --pidfile, --log-file, --detach, --no-chdir,
-vconsole:off), so pyovn's controller is the drop-in.

Network devices live in a private network namespace (`unshare --net`) and
the named namespaces carry a per-test prefix; `stop()` removes all of them
and stops every daemon by its pid, whatever the outcome of the test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.daemons import SHARED, wait_for

REALOVN = SHARED / "realovn"
VMS = ("vm1", "vm2", "vm3", "vm4")

requirements = [
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces and OVS need root"),
    pytest.mark.skipif(
        not all(shutil.which(b) for b in ("ovs-vswitchd", "ovsdb-server", "ovn-northd")),
        reason="the real OVS/OVN binaries (Debian openvswitch-switch, ovn-central) are missing",
    ),
    pytest.mark.skipif(
        not all(shutil.which(b) for b in ("unshare", "nsenter", "udhcpc", "tcpdump", "ethtool")),
        reason="unshare, nsenter, udhcpc, tcpdump and ethtool are needed "
        "(scripts/install-debian-deps.sh)",
    ),
    pytest.mark.skipif(not REALOVN.is_dir(), reason=f"{REALOVN} is not present"),
    pytest.mark.oracle,
    pytest.mark.root,
    pytest.mark.e2e,
]

SHIM = """#!/bin/sh
# ovn-controller -> pyovn controller, with ovn-controller's own command line
exec {python} -m pyovn controller "$@"
"""

CHECK = re.compile(r"^(ok|FAIL)\s")


class Deployment:
    def __init__(self, rundir: Path, northd: str = "pyovn", controller: str = "pyovn") -> None:
        self.rundir = rundir
        self.northd_kind = northd
        self.controller_kind = controller
        self.prefix = f"ro{os.getpid() % 10000}{northd[0]}{controller[0]}"
        bindir = rundir / "bin"
        bindir.mkdir(exist_ok=True)
        self.shim = bindir / "ovn-controller"
        self.shim.write_text(SHIM.format(python=sys.executable))
        self.shim.chmod(0o755)
        path = os.environ.get("PATH", "")
        self.env = {
            **os.environ,
            "NS_PREFIX": self.prefix,
            "OVS_RUNDIR": str(rundir / "ovs"),
            "PATH": f"{bindir}:{path}" if controller == "pyovn" else path,
        }
        if northd == "pyovn":
            self.env["NO_NORTHD"] = "1"
        self.pyovn_northd: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------ helpers

    def run(self, *args: str, timeout: float = 180) -> str:
        proc = subprocess.run(
            args, capture_output=True, text=True, env=self.env, timeout=timeout, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed: {proc.stdout[-800:]} {proc.stderr[-800:]}"
            )
        return proc.stdout

    def vsctl(self, *args: str) -> str:
        return self.run("ovs-vsctl", f"--db=unix:{self.rundir}/ovs.sock", *args).strip()

    def ns(self, vm: str) -> str:
        return f"{self.prefix}-{vm}"

    def installed(self, vm: str) -> bool:
        ids = self.vsctl("get", "Interface", self.ns(vm), "external_ids")
        return 'ovn-installed="true"' in ids

    def flow_count(self) -> int:
        out = self.run("ovs-ofctl", "-O", "OpenFlow15", "dump-flows", f"unix:{self.mgmt}")
        return sum(1 for line in out.splitlines() if "actions=" in line)

    def ping(
        self, vm: str, address: str, count: int = 2, ttl: int | None = None
    ) -> subprocess.CompletedProcess[str]:
        args = ["ip", "netns", "exec", self.ns(vm), "ping", "-c", str(count), "-W", "1"]
        args += ["-t", str(ttl)] if ttl is not None else []
        return subprocess.run(
            [*args, address], capture_output=True, text=True, timeout=60, check=False
        )

    @property
    def mgmt(self) -> Path:
        return self.rundir / "ovs" / "br-int.mgmt"

    @property
    def controller_log(self) -> Path:
        return self.rundir / "controller.log"

    def controller_pid(self) -> int:
        return int((self.rundir / "controller.pid").read_text().strip())

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        r = self.rundir
        self.run("bash", str(REALOVN / "start.sh"), str(r))
        if self.northd_kind == "pyovn":
            self.pyovn_northd = subprocess.Popen(
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
        # datapath.sh's --wait=hv may return before a chassis registered:
        # wait for every VM's Interface to be marked ovn-installed.
        wait_for(lambda: all(self.installed(vm) for vm in VMS), 60, "ovn-installed on the VMs")

    def datapath_test(self) -> str:
        return self.run(
            "bash",
            str(REALOVN / "datapath_test.sh"),
            str(self.rundir),
            str(self.rundir / "out"),
            timeout=300,
        )

    def restart_controller(self) -> None:
        """Stop the chassis's controller (SIGTERM) and start it again, as
        datapath.sh does."""
        pid = self.controller_pid()
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        r = self.rundir
        self.run(
            "ovn-controller" if self.controller_kind == "real" else str(self.shim),
            f"unix:{r}/ovs.sock",
            f"--pidfile={r}/controller.pid",
            f"--log-file={r}/controller.log",
            "--detach",
            "--no-chdir",
            "-vconsole:off",
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
        if self.pyovn_northd is not None:
            self.pyovn_northd.terminate()
            try:
                self.pyovn_northd.wait(10)
            except subprocess.TimeoutExpired:
                self.pyovn_northd.kill()
                self.pyovn_northd.wait(10)
        remove_namespaces(self.prefix)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def remove_namespaces(prefix: str) -> None:
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        if name.startswith(f"{prefix}-"):
            subprocess.run(["ip", "netns", "del", name], check=False)


def checks(out: str) -> list[str]:
    """The ok/FAIL lines of datapath_test.sh's output."""
    return [line for line in out.splitlines() if CHECK.match(line)]


def assert_datapath_checks(out: str) -> None:
    """Every check of datapath_test.sh passed, with SNAT/FIP and DHCP as expected."""
    lines = checks(out)
    print("\n" + "\n".join(lines))
    assert len(lines) == 12, out
    assert all(line.startswith("ok") for line in lines), out
    seen = out.split("source addresses seen on the external network:")[-1]
    assert "172.16.0.100 > 8.8.8.8" in seen, out
    assert "172.16.0.110 > 8.8.8.8" in seen, out
    lease = re.search(
        r"udhcpc .* ip=(\S+) mask=(\S+) router=(\S+) dns=(\S+) lease=(\S+) mtu=(\S+)", out
    )
    assert lease is not None, out
    assert lease.groups() == ("10.0.0.12", "24", "10.0.0.1", "8.8.8.8", "3600", "1442")

"""Two chassis, each a real ovs-vswitchd in its own network namespace, joined
by Geneve over a veth "underlay".

    hv1 netns                                   hv2 netns
    br-int (netdev) ─ geneve ovn-hv2-0          br-int (netdev) ─ geneve ovn-hv1-0
    br-phy 192.168.100.1 ─ ul ══ veth ══ ul ─ br-phy 192.168.100.2

The userspace datapath sends and receives tunnel packets through the bridge
that owns the encap IP (br-phy, with the underlay veth as its port), so each
chassis's encap IP lives on br-phy's internal port. Each chassis has its own
ovsdb-server, ovs-vswitchd and run directory (so its own br-int.mgmt) and a
pyovn controller; the central NB/SB ovsdb-servers and northd (pyovn's or
the real ovn-northd) come from start.sh, the topology from topology.sh. VMs
are network namespaces attached to the br-int of the chassis that hosts them.

Every name carries a per-test prefix; `stop()` kills every daemon by pid and
deletes every namespace (which removes the veths), whatever happened.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.daemons import wait_for
from tests.realovs.deploy import REALOVN, remove_namespaces
from tests.realovs.vswitchd import RealVswitchd

UNDERLAY = "192.168.100"


@dataclass(frozen=True)
class Vm:
    lsp: str
    mac: str
    cidr: str
    gateway: str


VMS = {
    "vm1": Vm("vm1", "50:54:00:00:01:11", "10.0.0.11/24", "10.0.0.1"),
    "vm2": Vm("vm2", "50:54:00:00:01:12", "10.0.0.12/24", "10.0.0.1"),
    "vm3": Vm("vm3", "50:54:00:00:02:13", "10.0.1.13/24", "10.0.1.1"),
    "vm4": Vm("vm4", "50:54:00:00:02:14", "10.0.1.14/24", "10.0.1.1"),
}


class TwoChassis:
    def __init__(self, rundir: Path, placement: dict[str, str], northd: str = "pyovn") -> None:
        self.rundir = rundir
        self.placement = placement  # vm -> chassis
        self.prefix = f"rg{os.getpid() % 10000}"
        self.northd = northd
        self.env = {**os.environ, "GW_CHASSIS": "hv1"}
        if northd == "pyovn":
            self.env["NO_NORTHD"] = "1"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.switches: dict[str, RealVswitchd] = {}

    def ns(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def run(self, *args: str, timeout: float = 120) -> str:
        proc = subprocess.run(
            args, capture_output=True, text=True, env=self.env, timeout=timeout, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed: {proc.stdout[-600:]} {proc.stderr[-600:]}"
            )
        return proc.stdout

    def inns(self, chassis: str, *args: str) -> str:
        return self.run("ip", "netns", "exec", self.ns(chassis), *args)

    def vsctl(self, chassis: str, *args: str) -> str:
        return self.run("ovs-vsctl", f"--db=unix:{self.rundir / chassis}/ovs.sock", *args).strip()

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        r = self.rundir
        self.run("bash", str(REALOVN / "start.sh"), str(r))
        if self.northd == "pyovn":
            self._spawn(
                [
                    sys.executable,
                    "-m",
                    "pyovn",
                    "northd",
                    f"--ovnnb-db=unix:{r}/nb.sock",
                    f"--ovnsb-db=unix:{r}/sb.sock",
                    f"--log-file={r}/pyovn-northd.log",
                ]
            )
            wait_for(lambda: (r / "pyovn-northd.log").exists(), 20, "pyovn northd log")
        self.run("bash", str(REALOVN / "topology.sh"), str(r), str(r / "out"))
        for chassis in ("hv1", "hv2"):
            self.run("ip", "netns", "add", self.ns(chassis))
        ul1, ul2 = self.ns("ul1"), self.ns("ul2")
        self.run(
            "ip",
            "-n",
            self.ns("hv1"),
            "link",
            "add",
            ul1,
            "type",
            "veth",
            "peer",
            "name",
            ul2,
            "netns",
            self.ns("hv2"),
        )
        for index, chassis in ((1, "hv1"), (2, "hv2")):
            self._chassis(chassis, index, self.ns(f"ul{index}"))
        for vm, chassis in self.placement.items():
            self._vm(VMS[vm], chassis)
        wait_for(self._all_installed, 90, "ovn-installed on every VM port")

    def warm_up(self, vm: str, address: str) -> None:
        """One packet across the tunnel: the userspace datapath drops the first
        one while it resolves the remote tunnel endpoint's MAC (an ARP on
        br-phy; `ovs-appctl tnl/neigh/show` lists the result)."""
        self.ping(vm, address, count=2)

    def _spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, env=self.env)
        self.procs.append(proc)
        return proc

    def _chassis(self, chassis: str, index: int, underlay: str) -> None:
        d = self.rundir / chassis
        switch = RealVswitchd(d, self.ns(chassis))
        self.switches[chassis] = switch
        switch.start()
        ip = f"{UNDERLAY}.{index}"
        self.vsctl(
            chassis,
            "set",
            "Open_vSwitch",
            ".",
            f"external_ids:system-id={chassis}",
            f"external_ids:hostname={chassis}",
            f"external_ids:ovn-remote=unix:{self.rundir}/sb.sock",
            "external_ids:ovn-encap-type=geneve",
            f"external_ids:ovn-encap-ip={ip}",
            "external_ids:ovn-bridge-datapath-type=netdev",
        )
        self.vsctl(
            chassis,
            "add-br",
            "br-int",
            "--",
            "set",
            "Bridge",
            "br-int",
            "datapath_type=netdev",
            "fail-mode=secure",
            "other-config:disable-in-band=true",
        )
        self.vsctl(
            chassis, "add-br", "br-phy", "--", "set", "Bridge", "br-phy", "datapath_type=netdev"
        )
        self.inns(chassis, "ethtool", "-K", underlay, "tx", "off")
        self.inns(chassis, "ip", "link", "set", underlay, "up")
        self.inns(chassis, "ip", "link", "set", "lo", "up")
        self.vsctl(chassis, "add-port", "br-phy", underlay)
        wait_for(lambda: self._has_link(chassis, "br-phy"), 20, f"{chassis} br-phy device")
        self.inns(chassis, "ip", "addr", "add", f"{ip}/24", "dev", "br-phy")
        self.inns(chassis, "ip", "link", "set", "br-phy", "up")
        self._spawn(
            [
                "ip",
                "netns",
                "exec",
                self.ns(chassis),
                "env",
                f"OVS_RUNDIR={d}/ovs",
                sys.executable,
                "-m",
                "pyovn",
                "controller",
                f"unix:{d}/ovs.sock",
                f"--pidfile={d}/controller.pid",
                f"--log-file={d}/controller.log",
            ]
        )

    def _has_link(self, chassis: str, name: str) -> bool:
        proc = subprocess.run(
            ["ip", "-n", self.ns(chassis), "link", "show", name], capture_output=True, check=False
        )
        return proc.returncode == 0

    def _vm(self, vm: Vm, chassis: str) -> None:
        ns, port = self.ns(vm.lsp), self.ns(vm.lsp)
        self.run("ip", "netns", "add", ns)
        self.run(
            "ip",
            "-n",
            self.ns(chassis),
            "link",
            "add",
            port,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            ns,
        )
        self.run("ip", "-n", ns, "link", "set", "lo", "up")
        self.run("ip", "-n", ns, "link", "set", "eth0", "address", vm.mac)
        self.run("ip", "-n", ns, "addr", "add", vm.cidr, "dev", "eth0")
        self.run("ip", "-n", ns, "link", "set", "eth0", "up")
        self.run("ip", "-n", ns, "route", "add", "default", "via", vm.gateway)
        self.run("ip", "netns", "exec", ns, "ethtool", "-K", "eth0", "tx", "off")
        self.inns(chassis, "ethtool", "-K", port, "tx", "off")
        self.inns(chassis, "ip", "link", "set", port, "up")
        self.vsctl(
            chassis,
            "add-port",
            "br-int",
            port,
            "--",
            "set",
            "Interface",
            port,
            f"external_ids:iface-id={vm.lsp}",
            f"external_ids:attached-mac={vm.mac}",
            "external_ids:iface-status=active",
        )

    def _all_installed(self) -> bool:
        for vm, chassis in self.placement.items():
            ids = self.vsctl(chassis, "get", "Interface", self.ns(vm), "external_ids")
            if 'ovn-installed="true"' not in ids:
                return False
        return True

    def ping(self, vm: str, address: str, count: int = 3) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", self.ns(vm), "ping", "-c", str(count), "-W", "1", address],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
        for switch in self.switches.values():
            switch.stop()
        subprocess.run(
            ["bash", str(REALOVN / "stop.sh"), str(self.rundir)],
            capture_output=True,
            timeout=60,
            check=False,
        )
        remove_namespaces(self.prefix)

"""A real ovs-vswitchd (userspace datapath) in a temporary directory, for tests.

Starts its own ovsdb-server and ovs-vswitchd (`--enable-dummy`) with
pidfiles, sockets and logs under the given directory, creates a netdev
bridge with `dummy` ports, and stops exactly those two processes by pid.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

BINARIES = (
    "ovsdb-server",
    "ovsdb-tool",
    "ovs-vswitchd",
    "ovs-vsctl",
    "ovs-ofctl",
    "ovs-appctl",
    "unshare",
)
SCHEMA = Path("/usr/share/openvswitch/vswitch.ovsschema")


def missing_reason() -> str | None:
    """Why a real ovs-vswitchd cannot be started here (None if it can)."""
    if os.geteuid() != 0:
        return "needs root (ovs-vswitchd in a private network namespace)"
    missing = [name for name in BINARIES if shutil.which(name) is None]
    if missing:
        return f"Open vSwitch binaries not installed: {', '.join(missing)}"
    if not SCHEMA.exists():
        return f"{SCHEMA} not found"
    return None


class RealOvs:
    """ovsdb-server + ovs-vswitchd with one netdev bridge of dummy ports."""

    def __init__(self, rundir: Path, bridge: str = "brx", n_ports: int = 4) -> None:
        self.rundir = rundir
        self.bridge = bridge
        self.n_ports = n_ports
        self.env = {
            **os.environ,
            "OVS_RUNDIR": str(rundir),
            "OVS_LOGDIR": str(rundir),
            "OVS_DBDIR": str(rundir),
        }
        self.db = f"unix:{rundir}/db.sock"

    def _run(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            args,
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self) -> None:
        rundir = self.rundir
        self._run("ovsdb-tool", "create", f"{rundir}/conf.db", str(SCHEMA))
        self._run(
            "ovsdb-server",
            f"{rundir}/conf.db",
            f"--remote=punix:{rundir}/db.sock",
            f"--unixctl={rundir}/db.ctl",
            f"--pidfile={rundir}/db.pid",
            f"--log-file={rundir}/db.log",
            "--detach",
            "--no-chdir",
            "-vconsole:off",
        )
        self._run("ovs-vsctl", f"--db={self.db}", "--no-wait", "init")
        # A private network namespace keeps the userspace datapath's tap devices
        # (`ovs-netdev`, the bridge's LOCAL port) away from any other vswitchd on
        # the machine; it disappears with the process.
        self._run(
            "unshare",
            "--net",
            "ovs-vswitchd",
            self.db,
            f"--unixctl={rundir}/vswitchd.ctl",
            f"--pidfile={rundir}/vswitchd.pid",
            f"--log-file={rundir}/vswitchd.log",
            "--detach",
            "--no-chdir",
            "-vconsole:off",
            "--enable-dummy",
        )
        commands = [
            "add-br",
            self.bridge,
            "--",
            "set",
            "bridge",
            self.bridge,
            "datapath_type=netdev",
            "fail-mode=secure",
            "protocols=OpenFlow10,OpenFlow13,OpenFlow15",
        ]
        for index in range(1, self.n_ports + 1):
            commands += [
                "--",
                "add-port",
                self.bridge,
                f"p{index}",
                "--",
                "set",
                "interface",
                f"p{index}",
                "type=dummy",
                f"ofport_request={index}",
            ]
        self._run("ovs-vsctl", f"--db={self.db}", "--timeout=30", *commands)

    def stop(self) -> None:
        """Stop the two daemons this object started (by their pidfiles)."""
        for name in ("vswitchd", "db"):
            pidfile = self.rundir / f"{name}.pid"
            if not pidfile.exists():
                continue
            pid = int(pidfile.read_text().strip())
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)

    def appctl(self, *args: str) -> str:
        return self._run("ovs-appctl", "-t", f"{self.rundir}/vswitchd.ctl", *args)

    def add_flows(self, text: str) -> None:
        self._run("ovs-ofctl", "add-flows", self.bridge, "-", stdin=text)

    def add_groups(self, text: str) -> None:
        self._run("ovs-ofctl", "-O", "OpenFlow15", "add-groups", self.bridge, "-", stdin=text)

    def del_flows(self) -> None:
        self._run("ovs-ofctl", "del-flows", self.bridge)
        self._run("ovs-ofctl", "-O", "OpenFlow15", "del-groups", self.bridge)

    def dump_flows(self) -> str:
        return self._run("ovs-ofctl", "dump-flows", self.bridge)

    def trace(self, flow: str) -> str:
        return self.appctl("ofproto/trace", self.bridge, flow)

    def datapath_ports(self, bridge: str | None = None) -> dict[int, int]:
        """OpenFlow port -> datapath port number of one bridge, from `dpif/show`."""
        bridge = bridge or self.bridge
        mapping: dict[int, int] = {}
        current = None
        for line in self.appctl("dpif/show").splitlines():
            header = re.match(r"  (\S+):$", line)
            if header:
                current = header.group(1)
                continue
            found = re.match(r"\s+(\S+) (\d+)/(\d+):", line)
            if found and current == bridge:
                ofport = 0xFFFE if found.group(1) == bridge else int(found.group(2))
                mapping[ofport] = int(found.group(3))
        return mapping

    def add_patch_bridge(self, name: str, peer_ofport: int) -> None:
        """A second netdev bridge joined to the first by patch ports px (ofport
        `peer_ofport`) and py (ofport 1), with one dummy port e1 (ofport 2)."""
        if name in self._run("ovs-vsctl", f"--db={self.db}", "list-br").split():
            return
        self._run(
            "ovs-vsctl",
            f"--db={self.db}",
            "--timeout=30",
            "add-br",
            name,
            "--",
            "set",
            "bridge",
            name,
            "datapath_type=netdev",
            "--",
            "add-port",
            self.bridge,
            "px",
            "--",
            "set",
            "interface",
            "px",
            "type=patch",
            "options:peer=py",
            f"ofport_request={peer_ofport}",
            "--",
            "add-port",
            name,
            "py",
            "--",
            "set",
            "interface",
            "py",
            "type=patch",
            "options:peer=px",
            "ofport_request=1",
            "--",
            "add-port",
            name,
            "e1",
            "--",
            "set",
            "interface",
            "e1",
            "type=dummy",
            "ofport_request=2",
        )


def capture_ports(ovs: RealOvs) -> dict[int, Path]:
    """Make every dummy port write what it transmits to a pcap file; return the files."""
    files = {}
    for index in range(1, ovs.n_ports + 1):
        path = ovs.rundir / f"p{index}-tx.pcap"
        ovs._run(
            "ovs-vsctl",
            f"--db={ovs.db}",
            "set",
            "interface",
            f"p{index}",
            f"options:tx_pcap={path}",
        )
        files[index] = path
    return files

"""A real ovsdb-server + ovs-vswitchd (userspace datapath) in a named network
namespace, with its run directory (and so its `<bridge>.mgmt` sockets) in a
test's temporary directory. `stop()` kills both daemons by pid; deleting the
namespace (the caller's job, by prefix) removes the devices."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers.daemons import wait_for

SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


def run(*args: str, timeout: float = 60) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {proc.stdout[-600:]} {proc.stderr[-600:]}")
    return proc.stdout


class RealVswitchd:
    def __init__(self, rundir: Path, netns: str) -> None:
        self.dir = rundir
        self.netns = netns

    @property
    def db(self) -> str:
        return f"unix:{self.dir}/ovs.sock"

    @property
    def ovs_rundir(self) -> Path:
        return self.dir / "ovs"

    def mgmt(self, bridge: str) -> Path:
        return self.ovs_rundir / f"{bridge}.mgmt"

    def inns(self, *args: str) -> str:
        return run("ip", "netns", "exec", self.netns, *args)

    def vsctl(self, *args: str) -> str:
        return run("ovs-vsctl", f"--db={self.db}", *args).strip()

    def start(self) -> None:
        d = self.dir
        self.ovs_rundir.mkdir(parents=True, exist_ok=True)
        run("ovsdb-tool", "create", str(d / "conf.db"), SCHEMA)
        self.inns(
            "ovsdb-server", str(d / "conf.db"), f"--remote=punix:{d}/ovs.sock",
            f"--unixctl={d}/ovs.ctl", f"--pidfile={d}/ovs.pid", f"--log-file={d}/ovs.log",
            "--detach", "--no-chdir", "-vconsole:off",
        )  # fmt: skip
        self.vsctl("--no-wait", "init")
        self.inns(
            "env", f"OVS_RUNDIR={self.ovs_rundir}", "ovs-vswitchd", self.db,
            f"--unixctl={d}/vswitchd.ctl", f"--pidfile={d}/vswitchd.pid",
            f"--log-file={d}/vswitchd.log", "--detach", "--no-chdir", "-vconsole:off",
        )  # fmt: skip

    def add_bridge(self, name: str, *settings: str) -> None:
        self.vsctl("add-br", name, "--", "set", "Bridge", name, "datapath_type=netdev", *settings)
        wait_for(lambda: self.mgmt(name).exists(), 20, f"{name}.mgmt")

    def stop(self) -> None:
        for name in ("vswitchd", "ovs"):
            kill_pidfile(self.dir / f"{name}.pid")


def kill_pidfile(pidfile: Path) -> None:
    """SIGTERM the daemon of `pidfile` (SIGKILL after 5 s)."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    subprocess.run(["kill", "-TERM", str(pid)], capture_output=True, check=False)
    try:
        wait_for(lambda: not Path(f"/proc/{pid}").exists(), 5, f"pid {pid} to exit")
    except TimeoutError:
        subprocess.run(["kill", "-KILL", str(pid)], capture_output=True, check=False)

"""The run directory of a local cloud: layout, daemons, pid files.

    RUNDIR/cloud.json                 what `pyovn up` started (chassis, addresses)
    RUNDIR/nb.{db,sock,log,pid}       Northbound OVSDB server
    RUNDIR/sb.{db,sock,log,pid}       Southbound OVSDB server
    RUNDIR/northd.{log,pid}
    RUNDIR/<chassis>/ovs.{db,sock,log,pid}      the chassis's Open_vSwitch DB
    RUNDIR/<chassis>/vswitchd.{log,pid}         simulated ovs-vswitchd + VMs,
    RUNDIR/<chassis>/br-int.mgmt                  its switch socket and
    RUNDIR/<chassis>/hypervisor.sock              its VM control socket
    RUNDIR/<chassis>/controller.{log,pid}       pyovn controller

Every daemon is a `python -m pyovn …` process in its own session with its
output in its log; `stop` signals exactly the pids in the pid files
(SIGTERM, then SIGKILL after a grace period).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyovn.cloud.errors import RunDirError

__all__ = ["ChassisInfo", "CloudInfo", "RunDir", "default_rundir", "underlay_address"]

#: Daemons this process started, by pid (reaped when stopped, so no zombies).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def default_rundir() -> Path:
    """$PYOVN_RUNDIR, else a per-user directory under the temp directory."""
    override = os.environ.get("PYOVN_RUNDIR")
    if override:
        return Path(override)
    return Path(tempfile.gettempdir()) / f"pyovn-{os.getuid()}"


def underlay_address(rundir: Path, index: int) -> str:
    """Chassis `index`'s tunnel address: a loopback address unique to the run
    directory, so several clouds (and tests) can run side by side."""
    digest = zlib.crc32(str(rundir.resolve()).encode())
    return f"127.{64 + digest % 128}.{(digest >> 8) % 256}.{10 + index}"


@dataclass
class ChassisInfo:
    """One chassis of a running cloud."""

    name: str
    underlay: str
    gateway: bool = False


@dataclass
class CloudInfo:
    """What `pyovn up` started (RUNDIR/cloud.json)."""

    nb: str
    sb: str
    chassis: list[ChassisInfo] = field(default_factory=list)

    def chassis_named(self, name: str) -> ChassisInfo:
        for chassis in self.chassis:
            if chassis.name == name:
                return chassis
        known = ", ".join(c.name for c in self.chassis)
        raise RunDirError(f"no chassis {name} in this cloud (chassis: {known})")


class RunDir:
    """Paths and processes of one run directory."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve() if path.exists() else path.absolute()

    def socket(self, name: str, chassis: str | None = None) -> Path:
        base = self.path / chassis if chassis else self.path
        return base / name

    def remote(self, name: str, chassis: str | None = None) -> str:
        return f"unix:{self.socket(name, chassis)}"

    def chassis_dir(self, chassis: str) -> Path:
        return self.path / chassis

    # ------------------------------------------------------------ cloud.json

    def write_info(self, info: CloudInfo) -> None:
        (self.path / "cloud.json").write_text(json.dumps(asdict(info), indent=2) + "\n")

    def read_info(self) -> CloudInfo:
        path = self.path / "cloud.json"
        if not path.exists():
            raise RunDirError(f"no cloud in {self.path} (run `pyovn up` first)")
        data = json.loads(path.read_text())
        return CloudInfo(data["nb"], data["sb"], [ChassisInfo(**c) for c in data["chassis"]])

    # ------------------------------------------------------------ daemons

    def start(self, name: str, args: list[str], chassis: str | None = None) -> int:
        """Start `python -m pyovn ARGS` as daemon `name`; returns its pid."""
        directory = self.chassis_dir(chassis) if chassis else self.path
        directory.mkdir(parents=True, exist_ok=True)
        log = directory / f"{name}.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with log.open("ab") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "pyovn", *args],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
                cwd=directory,
            )
        (directory / f"{name}.pid").write_text(f"{process.pid}\n")
        _CHILDREN[process.pid] = process
        return process.pid

    def pidfiles(self) -> list[Path]:
        """Every pid file, chassis daemons first (controllers before vswitchds)."""
        order = {"controller": 0, "vswitchd": 1, "ovs": 2, "northd": 3, "sb": 4, "nb": 5}
        files = list(self.path.glob("*.pid")) + list(self.path.glob("*/*.pid"))
        return sorted(files, key=lambda p: (order.get(p.stem, 9), str(p)))

    def running(self) -> dict[str, int]:
        """Daemons whose pid is alive, by relative name (`hv1/controller`)."""
        alive = {}
        for pidfile in self.pidfiles():
            pid = _read_pid(pidfile)
            if pid is not None and _alive(pid):
                alive[str(pidfile.relative_to(self.path).with_suffix(""))] = pid
        return alive

    def wait_for_socket(self, path: Path, pid: int, what: str, timeout: float = 30.0) -> None:
        """Wait until a daemon's socket exists (RunDirError if it died)."""
        deadline = time.monotonic() + timeout
        while not path.exists():
            if not _alive(pid):
                raise RunDirError(f"{what} exited during start-up; see {path.parent}/*.log")
            if time.monotonic() > deadline:
                raise RunDirError(f"{what} did not create {path} within {timeout:.0f} s")
            time.sleep(0.05)

    def stop(self, grace: float = 5.0) -> list[str]:
        """Stop every daemon of the run directory; returns what was stopped."""
        stopped = []
        pids = {}
        for pidfile in self.pidfiles():
            pid = _read_pid(pidfile)
            if pid is not None and _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
                pids[pidfile] = pid
        deadline = time.monotonic() + grace
        for pidfile, pid in pids.items():
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            stopped.append(str(pidfile.relative_to(self.path).with_suffix("")))
        for pidfile in self.pidfiles():
            pidfile.unlink(missing_ok=True)
        return stopped


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    """Is `pid` a live process (zombies of our own children count as dead)?"""
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _CHILDREN[pid]
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return _not_zombie(pid)
    return waited == 0


def _not_zombie(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return status.rsplit(")", 1)[-1].split()[0] != "Z"

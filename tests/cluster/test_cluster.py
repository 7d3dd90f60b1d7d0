"""pyovn on a Raft cluster of real ovsdb-servers (NB and SB, 3 members each).

pyovn northd and two chassis (Open_vSwitch DB, simulated vswitchd and
`pyovn controller` each, as processes) run on the clusters, a VM on each
chassis. A stream of 1,000 `pyovn nbctl` changes runs while the NB leader
is killed twice (and the SB leader once, under northd and the
controllers); every change nbctl acknowledged must be in the NB
afterwards, the SB that northd kept up to date across the failovers must
equal what a fresh full compute writes, both controllers must have caught
up (`--wait=hv`), and the VMs must still reach each other, and a VM booted
after the failovers, through the simulator's Geneve tunnels.
Two northds on the same SB: killing the active one hands the lock to the
standby within 5 s.
"""

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pyovn.cms.ctl.runner import run_tool
from pyovn.cms.errors import CmsError
from pyovn.cms.nbctl.verbs import NBCTL
from tests.helpers.chassis import Hypervisors
from tests.helpers.cluster import RaftCluster
from tests.helpers.daemons import Daemon, have, start_real_ovsdb, wait_for
from tests.helpers.ovn import log_has_traceback, sbctl
from tests.helpers.sbcompare import compare_sbs

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.oracle,
    pytest.mark.skipif(
        not (have("ovsdb-server") and have("ovsdb-tool") and have("ovn-sbctl")),
        reason="the real ovsdb-server/ovsdb-tool/ovn-sbctl (Debian packages) are not installed",
    ),
]

CHANGES = 1000
KILL_NB_AT = (300, 650)
KILL_SB_AT = 480


@dataclass
class Clusters:
    tmp: Path
    nb: RaftCluster
    sb: RaftCluster
    northds: list[Daemon] = field(default_factory=list)

    def start_northd(self, name: str, sb: str | None = None, *extra: str) -> Daemon:
        log = self.tmp / f"{name}.log"
        ctl = self.tmp / f"{name}.ctl"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pyovn",
                "northd",
                f"--ovnnb-db={self.nb.remotes}",
                f"--ovnsb-db={sb or self.sb.remotes}",
                f"--log-file={log}",
                f"--unixctl={ctl}",
                *extra,
            ],
            stdin=subprocess.DEVNULL,
        )
        daemon = Daemon(name, proc, ctl, log)
        self.northds.append(daemon)
        wait_for(ctl.exists, 20, f"{name} control socket")
        return daemon


def nbctl(remotes: str, *args: str, timeout: int = 60, process: bool = False) -> str:
    """`pyovn nbctl`: in this process (the command's code minus its start-up)
    or, with `process`, as the command itself."""
    argv = [f"--db={remotes}", f"--timeout={timeout}", *args]
    if process:
        proc = subprocess.run(
            [sys.executable, "-m", "pyovn", "nbctl", *argv],
            capture_output=True,
            text=True,
            timeout=timeout + 10,
        )
        if proc.returncode != 0:
            raise CmsError(proc.stderr.strip())
        return proc.stdout
    out = io.StringIO()
    status = run_tool(NBCTL, argv, out)
    assert status == 0
    return out.getvalue()


def northd_status(daemon: Daemon) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "pyovn", "northd", "status", "--unixctl", str(daemon.socket)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return proc.stdout.strip()


@pytest.fixture
def clusters(tmp_path: Path) -> Iterator[Clusters]:
    nb = RaftCluster.start(tmp_path, "nb", "ovn-nb")
    try:
        sb = RaftCluster.start(tmp_path, "sb", "ovn-sb")
    except BaseException:
        nb.stop()
        raise
    found = Clusters(tmp_path, nb, sb)
    try:
        nbctl(nb.remotes, "init")
        yield found
    finally:
        for daemon in found.northds:
            daemon.stop()
        sb.stop()
        nb.stop()


def _fresh_full_compute(clusters: Clusters) -> Daemon:
    """A standalone SB compiled from the same NB by a --full-recompute northd."""
    fresh = start_real_ovsdb(clusters.tmp, "fresh", "ovn-sb")
    northd = clusters.start_northd("northd-full", fresh.remote, "--full-recompute")
    nbctl(clusters.nb.remotes, "--no-wait", "sync")
    wanted = int(nbctl(clusters.nb.remotes, "get", "NB_Global", ".", "nb_cfg").strip())

    def caught_up() -> bool:
        out = sbctl(fresh.remote, "--bare", "--columns=nb_cfg", "list", "SB_Global")
        return bool(out.strip()) and int(out.split()[0]) >= wanted

    wait_for(caught_up, 120, "the full compute")
    northd.stop()
    return fresh


class Killer(threading.Thread):
    """Kills cluster leaders when the stream reaches given points, in parallel
    with it (so a kill can land in the middle of a transaction)."""

    def __init__(self, clusters: Clusters, progress: list[int]) -> None:
        super().__init__(daemon=True)
        self.clusters = clusters
        self.progress = progress
        self.events: list[str] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            plan = sorted(
                [(at, "nb") for at in KILL_NB_AT] + [(KILL_SB_AT, "sb")], key=lambda p: p[0]
            )
            for at, which in plan:
                while self.progress[0] < at:
                    time.sleep(0.005)
                cluster = self.clusters.nb if which == "nb" else self.clusters.sb
                victim = cluster.kill_leader()
                self.events.append(f"{which} leader {victim.name} killed at change {at}")
                # Bring the member back (as an operator or systemd would), so
                # the next kill still leaves a majority.
                time.sleep(1.0)
                cluster.restart(victim)
        except BaseException as exc:
            self.error = exc


VMS = {  # name -> (chassis, MAC, address)
    "vm-a": ("hv1", "50:54:00:00:09:0a", "192.168.9.10"),
    "vm-b": ("hv2", "50:54:00:00:09:0b", "192.168.9.11"),
    "vm-c": ("hv2", "50:54:00:00:09:0c", "192.168.9.12"),
}


def _plug(clusters: Clusters, hypervisors: Hypervisors, vm: str) -> None:
    """Create the VM's logical port on switch `net`, boot it, wait until it is up."""
    chassis, mac, address = VMS[vm]
    remotes = clusters.nb.remotes
    nbctl(remotes, "lsp-add", "net", vm, "--", "lsp-set-addresses", vm, f"{mac} {address}")
    hypervisors.vm("boot", chassis, vm, mac, iface_id=vm, cidr=f"{address}/24")
    nbctl(remotes, "wait-until", "Logical_Switch_Port", vm, "up=true")
    nbctl(remotes, "--wait=hv", "sync")  # every chassis has the port's flows


def _pings(hypervisors: Hypervisors, source: str, target: str) -> bool:
    reply = hypervisors.vm("ping", source, VMS[target][2], count=2, timeout=2.0)
    return len(reply["replies"]) == 2


@pytest.fixture
def hypervisors(clusters: Clusters) -> Iterator[Hypervisors]:
    chassis = Hypervisors.start(
        clusters.tmp / "chassis", clusters.nb.remotes, clusters.sb.remotes, ["hv1", "hv2"]
    )
    try:
        yield chassis
    finally:
        chassis.stop()


def test_nbctl_stream_survives_leader_kills(clusters: Clusters, hypervisors: Hypervisors) -> None:
    northd = clusters.start_northd("northd-a")
    remotes = clusters.nb.remotes
    nbctl(remotes, "ls-add", "net")
    for vm in ("vm-a", "vm-b"):
        _plug(clusters, hypervisors, vm)
    assert _pings(hypervisors, "vm-a", "vm-b")
    acked: dict[str, str] = {}  # port -> addresses nbctl acknowledged
    switches: list[str] = []
    failures: list[str] = []
    progress = [0]
    killer = Killer(clusters, progress)
    killer.start()
    longest = 0.0
    started = time.monotonic()
    for i in range(CHANGES):
        progress[0] = i
        t0 = time.monotonic()
        process = i % 40 == 7  # every 40th change runs as its own `pyovn nbctl` process
        try:
            if i % 5 == 0 or not switches:
                nbctl(remotes, "ls-add", f"sw{i}", process=process)
                switches.append(f"sw{i}")
            else:
                address = f"0a:00:00:00:{i >> 8:02x}:{i & 255:02x} 10.{i >> 8}.{i & 255}.9"
                port = f"p{i}"
                nbctl(
                    remotes,
                    "lsp-add",
                    switches[-1],
                    port,
                    "--",
                    "lsp-set-addresses",
                    port,
                    address,
                    process=process,
                )
                acked[port] = address
        except CmsError as exc:
            failures.append(f"change {i}: {exc}")
        longest = max(longest, time.monotonic() - t0)
    elapsed = time.monotonic() - started
    progress[0] = CHANGES
    killer.join(60)
    assert killer.error is None, killer.error
    assert len(killer.events) == 3, killer.events
    # Every change the tool acknowledged is there, once, with its addresses.
    names = nbctl(remotes, "--bare", "--columns=name", "list", "Logical_Switch")
    assert sorted(names.split()) == sorted([*switches, "net"])
    rows = nbctl(remotes, "--bare", "--columns=name,addresses", "list", "Logical_Switch_Port")
    found: dict[str, str] = {}
    for record in rows.strip().split("\n\n"):
        name, _, addresses = record.partition("\n")
        assert name not in found, f"port {name} exists twice"
        found[name] = addresses
    assert len(found) == len(acked) + 2  # and nothing else (the two VMs' ports)
    for port, address in acked.items():
        assert found.get(port) == address, port
    # The failovers cost at most a few seconds per change, never an error.
    assert not failures, failures
    # northd followed both leaders; its SB equals a fresh full compute.
    nbctl(remotes, "--wait=sb", "sync", timeout=120)
    # Both controllers followed the SB failover and caught up; traffic flows,
    # to a VM booted before the failovers and to one booted after them.
    nbctl(remotes, "--wait=hv", "sync", timeout=120)
    assert _pings(hypervisors, "vm-a", "vm-b")
    # Kill the SB member hv2's controller is on (whatever its role), then have
    # it bind a new VM: it must find another member and carry on.
    pid = int((hypervisors.run.chassis_dir("hv2") / "controller.pid").read_text())
    member = clusters.sb.connected_member(pid)
    assert member is not None, "hv2's controller has no SB connection"
    killed = time.monotonic()
    member.kill()
    _plug(clusters, hypervisors, "vm-c")
    controller_failover = time.monotonic() - killed
    assert _pings(hypervisors, "vm-a", "vm-c")
    clusters.sb.restart(member)
    assert not hypervisors.tracebacks()
    fresh = _fresh_full_compute(clusters)
    compare_sbs(clusters.sb.remotes, fresh.remote)
    fresh.stop()
    assert not log_has_traceback(northd)
    report = (
        f"\n{CHANGES} pyovn nbctl changes in {elapsed:.1f} s with {'; '.join(killer.events)};"
        f" longest pause {longest:.2f} s; after killing the SB member hv2's controller was"
        f" on, a VM booted on hv2 was bound and up {controller_failover:.2f} s after the kill\n"
    )
    sys.stderr.write(report)
    (clusters.tmp.parent / "cluster-figures.txt").write_text(report)


def test_standby_northd_takes_over_within_5s(clusters: Clusters) -> None:
    first = clusters.start_northd("northd-1")
    wait_for(lambda: northd_status(first) == "Status: active", 30, "northd-1 active")
    second = clusters.start_northd("northd-2")
    wait_for(lambda: northd_status(second) == "Status: standby", 30, "northd-2 standby")
    nbctl(clusters.nb.remotes, "ls-add", "sw0", "--", "lsp-add", "sw0", "a")
    nbctl(clusters.nb.remotes, "--wait=sb", "sync")
    killed = time.monotonic()
    assert first.proc is not None
    os.kill(first.proc.pid, signal.SIGKILL)
    wait_for(lambda: northd_status(second) == "Status: active", 5, "the standby to take over")
    takeover = time.monotonic() - killed
    # The new active northd compiles what changes next, on top of the SB
    # the old one left: it stays equal to a fresh full compute.
    nbctl(clusters.nb.remotes, "lsp-add", "sw0", "b", "--", "ls-add", "sw1")
    nbctl(clusters.nb.remotes, "--wait=sb", "sync", timeout=60)
    fresh = _fresh_full_compute(clusters)
    compare_sbs(clusters.sb.remotes, fresh.remote)
    fresh.stop()
    assert not log_has_traceback(second)
    sys.stderr.write(f"\nstandby northd took over {takeover:.2f} s after the active one died\n")

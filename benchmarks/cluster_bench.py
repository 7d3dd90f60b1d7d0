"""Cluster benchmark: pyovn's clients on a 3-member Raft cluster of real ovsdb-servers.

    .venv/bin/python benchmarks/cluster_bench.py              # 10,000 ports (200x25)
    .venv/bin/python benchmarks/cluster_bench.py --size 20x10 # quick run

Figures, side by side with the real tools where there is one:

  failover pause (nbctl)   NB leader SIGKILLed -> the next `nbctl ls-add` (started
                           right after the kill) has returned: pyovn nbctl and the
                           real ovn-nbctl, both with the 3 remotes, median of 3
  failover pause (client)  a connected pyovn client writing back to back: the gap
                           between the last write before the kill and the first after
  reconnect (10k ports)    a replica of the whole SB (as northd or a controller
                           keeps) loses its member; time from the kill until it is
                           in sync on another member, and the bytes that took,
                           with monitor_cond_since (resume) and with monitor_cond
                           (full download); 50 rows changed while it was cut off
  initial download         the same replica's first full download, for scale
  controller reconnect     `pyovn controller` (in this process, with its simulated
                           vswitchd) on the same SB: its member is frozen, 50 rows
                           change, the member is killed; time until the controller
                           has resumed on another member and finished a run, and
                           the bytes that took

The NB comes from shared/realovn/gen_nb.py (TENANTS x PORTS, 2 switches per
tenant: 200x25 = 10,000 VM ports); the real ovn-northd compiles it into the
SB cluster once.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.helpers.cluster import Member, RaftCluster  # noqa: E402

from pyovn.cloud.embedded import EmbeddedChassis  # noqa: E402
from pyovn.cloud.rundir import underlay_address  # noqa: E402
from pyovn.cms.api.backend import Backend  # noqa: E402
from pyovn.cms.nbctl.api import NbApi  # noqa: E402
from pyovn.ovsdb.client import OvsdbClient  # noqa: E402
from pyovn.ovsdb.replica import Replica  # noqa: E402

GEN_NB = HERE.parent.parent / "shared" / "realovn" / "gen_nb.py"
PYOVN = Path(sys.executable).parent / "pyovn"
NB, SB = "OVN_Northbound", "OVN_Southbound"


def tool_write(tool: str, remotes: str, name: str, started: float) -> tuple[float, int]:
    """(seconds, runs) until one `ls-add` by `tool` (pyovn or real) succeeded.

    The real ovn-nbctl makes one connection attempt (to a random remote) and
    fails if that member is down, so it is re-run, as a script would, until
    it succeeds; pyovn nbctl tries the other members itself.
    """
    argv = [str(PYOVN), "nbctl"] if tool == "pyovn" else ["ovn-nbctl"]
    runs = 0
    while time.monotonic() - started < 120:
        runs += 1
        proc = subprocess.run(
            [*argv, f"--db={remotes}", "--timeout=60", "--may-exist", "ls-add", name],
            capture_output=True,
        )
        if proc.returncode == 0:
            return time.monotonic() - started, runs
    raise SystemExit(f"{tool}: no successful write within 120 s")


def nbctl_failover(nb: RaftCluster, tool: str, rounds: int) -> list[tuple[float, int]]:
    pauses = []
    for index in range(rounds):
        victim = nb.wait_leader()
        killed = time.monotonic()
        victim.kill()
        pauses.append(tool_write(tool, nb.remotes, f"fo-{tool}-{index}", killed))
        nb.restart(victim)
        nb.wait_leader()
    return pauses


async def client_failover(nb: RaftCluster) -> float:
    """Longest gap between successful writes of a connected client across a kill."""
    backend = Backend(nb.remotes, NB, reconnect=True)
    await backend.connect()
    api = NbApi(backend)
    loop = asyncio.get_running_loop()
    done: list[float] = []
    killer: asyncio.Future[Member] | None = None
    settled = 0  # writes done when the kill was over
    try:
        while not settled or len(done) < settled + 20:
            await backend.execute([api.ls_add(f"cf{len(done)}")])
            done.append(loop.time())
            if len(done) == 20:
                # Kill in the background: the writes go on meanwhile.
                killer = loop.run_in_executor(None, nb.kill_leader)
            if killer is not None and killer.done() and not settled:
                settled = len(done)
    finally:
        await backend.close()
    if killer is not None:
        nb.restart(await killer)
    return max(b - a for a, b in itertools.pairwise(done))


async def sb_reconnect(sb: RaftCluster, resume: bool) -> tuple[float, int, float, int]:
    """(initial s, initial bytes, reconnect s, reconnect bytes) of a whole-SB replica."""
    client = OvsdbClient(",".join(m.remote for m in _followers_first(sb)), max_backoff=1.0)
    replica = Replica(client, SB, resume=resume)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await replica.start()
    initial = loop.time() - started
    initial_bytes = client.bytes_received
    member = next(m for m in sb.members if m.remote == str(client.remote))
    # Freeze the member first, so the 50 changes happen while the replica is
    # cut off from them; then kill it, as a crash would.
    assert member.pid is not None
    os.kill(member.pid, signal.SIGSTOP)
    await _change_sb(sb, 50, "since" if resume else "full", member)
    before, syncs = client.bytes_received, replica.syncs
    killed = loop.time()
    await loop.run_in_executor(None, member.kill)
    while replica.syncs == syncs:
        await asyncio.sleep(0.005)
    took = loop.time() - killed
    received = client.bytes_received - before
    await client.close()
    await loop.run_in_executor(None, sb.restart, member)
    return initial, initial_bytes, took, received


async def controller_reconnect(sb: RaftCluster, tmp: Path) -> tuple[float, int, float, int]:
    """(start s, start bytes, reconnect s, reconnect bytes) of a pyovn controller."""
    chassis = EmbeddedChassis("bench-hv", underlay_address(tmp, 1), tmp / "bench-hv", {})
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        await chassis.start(sb.remotes)
        controller = chassis.controller
        assert controller is not None

        def registered() -> bool:
            sb = controller.sb
            return (
                sb is not None
                and sb.synced.is_set()
                and any(r["name"] == "bench-hv" for r in sb.table("Chassis").values())
                and controller.converged.is_set()
            )

        while not registered():
            await asyncio.sleep(0.005)
        initial = loop.time() - started
        client, replica = controller.sb_client, controller.sb
        assert client is not None
        initial_bytes = client.bytes_received
        member = next(m for m in sb.members if m.remote == str(client.remote))
        assert member.pid is not None
        os.kill(member.pid, signal.SIGSTOP)
        await _change_sb(sb, 50, "controller", member)
        before, syncs = client.bytes_received, replica.syncs
        killed = loop.time()
        await loop.run_in_executor(None, member.kill)
        while replica.syncs == syncs:
            await asyncio.sleep(0.005)
        await controller.converged.wait()
        took = loop.time() - killed
        received = client.bytes_received - before
    finally:
        await chassis.close()
    await loop.run_in_executor(None, sb.restart, member)
    return initial, initial_bytes, took, received


def _followers_first(cluster: RaftCluster) -> list[Member]:
    leader = cluster.wait_leader()
    return [m for m in cluster.members if m is not leader] + [leader]


async def _change_sb(sb: RaftCluster, rows: int, tag: str, frozen: Member) -> None:
    """Insert `rows` MAC_Bindings (what controllers do while a member is down)
    through the members other than `frozen` (which would never answer)."""
    client = OvsdbClient(",".join(m.remote for m in sb.members if m is not frozen))
    await client.connect(timeout=60)
    try:
        result = await client.transact(
            SB,
            [{"op": "select", "table": "Datapath_Binding", "where": [], "columns": ["_uuid"]}],
            timeout=60,
        )
        datapath = result[0]["rows"][0]["_uuid"]
        ops = [
            {
                "op": "insert",
                "table": "MAC_Binding",
                "row": {
                    "logical_port": f"bench-{tag}-{i}",
                    "ip": f"192.0.2.{i}",
                    "mac": f"0a:00:00:00:00:{i:02x}",
                    "datapath": datapath,
                },
            }
            for i in range(rows)
        ]
        results = await client.transact(SB, ops, timeout=60)
        errors = [r for r in results if isinstance(r, dict) and "error" in r]
        if errors:
            raise SystemExit(f"SB changes failed: {errors[0]}")
    finally:
        await client.close()


def fill(nb: RaftCluster, sb: RaftCluster, tenants: int, ports: int, tmp: Path) -> float:
    """Load the NB and have the real ovn-northd compile it once; seconds taken."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(GEN_NB), "-N", str(tenants), "-P", str(ports), "--db", nb.remotes],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    pidfile = tmp / "northd.pid"
    subprocess.run(
        [
            "ovn-northd",
            f"--ovnnb-db={nb.remotes}",
            f"--ovnsb-db={sb.remotes}",
            f"--pidfile={pidfile}",
            f"--log-file={tmp / 'northd.log'}",
            f"--unixctl={tmp / 'northd.ctl'}",
            "--detach",
            "--no-chdir",
        ],
        check=True,
    )
    try:
        subprocess.run(
            ["ovn-nbctl", f"--db={nb.remotes}", "--timeout=900", "--wait=sb", "sync"], check=True
        )
    finally:
        subprocess.run(["kill", pidfile.read_text().strip()], check=False)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="200x25", help="TENANTSxPORTS (2 switches each)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    # SIGTERM (timeout, an impatient user) still stops the cluster members.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tenants, ports = (int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="cluster-bench-") as name:
        tmp = Path(name)
        nb = RaftCluster.start(tmp, "nb", "ovn-nb")
        sb = RaftCluster.start(tmp, "sb", "ovn-sb")
        try:
            subprocess.run(["ovn-nbctl", f"--db={nb.remotes}", "init"], check=True)
            pauses = {t: nbctl_failover(nb, t, args.rounds) for t in ("pyovn", "real")}
            client_gap = asyncio.run(client_failover(nb))
            filled = fill(nb, sb, tenants, ports, tmp)
            full = asyncio.run(sb_reconnect(sb, resume=False))
            resumed = asyncio.run(sb_reconnect(sb, resume=True))
            controller = asyncio.run(controller_reconnect(sb, tmp))
        finally:
            sb.stop()
            nb.stop()
    vm_ports = tenants * 2 * ports
    print(f"### cluster benchmark: 3-member NB and SB clusters, {vm_ports} VM ports")
    for tool, values in pauses.items():
        shown = ", ".join(f"{v:.2f} s/{n} run{'s' if n > 1 else ''}" for v, n in values)
        label = "pyovn nbctl" if tool == "pyovn" else "ovn-nbctl (real)"
        median = statistics.median(v for v, _ in values)
        print(f"failover pause, {label:17}: median {median:.2f} s  [{shown}]")
    print(f"failover pause, connected pyovn client: {client_gap:.2f} s (longest write gap)")
    print(f"NB load + real ovn-northd full compute: {filled:.1f} s")
    print(f"SB replica initial download: {full[0]:.2f} s, {full[1] / 1e6:.1f} MB")
    print(
        f"SB member lost, resync with monitor_cond_since: {resumed[2]:.2f} s,"
        f" {resumed[3] / 1e3:.1f} kB"
    )
    print(f"SB member lost, resync with monitor_cond: {full[2]:.2f} s, {full[3] / 1e6:.1f} MB")
    print(
        f"pyovn controller start (register, first run): {controller[0]:.2f} s,"
        f" {controller[1] / 1e6:.1f} MB"
    )
    print(
        f"pyovn controller, SB member lost: resumed and run again in {controller[2]:.2f} s,"
        f" {controller[3] / 1e3:.1f} kB"
    )


if __name__ == "__main__":
    main()

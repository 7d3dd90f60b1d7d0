"""A Raft cluster of real ovsdb-servers on 127.0.0.1, for tests and benchmarks.

`RaftCluster.start(tmp, "nb", "ovn-nb")` creates a 3-member cluster with
`ovsdb-tool create-cluster` / `join-cluster`, starts one ovsdb-server per
member (clients on `tcp:127.0.0.1:PORT`, raft between members on other
ports, both from the free-port allocator), and waits for a leader. Members
can be killed (SIGKILL, as a crash) and restarted from their files. `stop()`
kills every member by pid; fixtures call it on every exit.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.daemons import REAL_SCHEMAS, wait_for

__all__ = ["Member", "RaftCluster", "free_port"]

_DB_NAMES = {"ovn-nb": "OVN_Northbound", "ovn-sb": "OVN_Southbound"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Member:
    """One ovsdb-server of the cluster."""

    name: str
    db_file: Path
    raft_port: int
    client_port: int
    rundir: Path
    pid: int | None = None
    #: With SSL files (`--private-key=…` etc.), the member also listens on
    #: `pssl:` at `ssl_port`.
    ssl_options: tuple[str, ...] = ()
    ssl_port: int = 0

    @property
    def remote(self) -> str:
        return f"tcp:127.0.0.1:{self.client_port}"

    @property
    def ssl_remote(self) -> str:
        return f"ssl:127.0.0.1:{self.ssl_port}"

    @property
    def ctl(self) -> Path:
        return self.rundir / f"{self.name}.ctl"

    @property
    def log(self) -> Path:
        return self.rundir / f"{self.name}.log"

    def start(self, extra: tuple[str, ...] = ()) -> None:
        pidfile = self.rundir / f"{self.name}.pid"
        pidfile.unlink(missing_ok=True)
        subprocess.run(
            [
                "ovsdb-server",
                str(self.db_file),
                f"--remote=ptcp:{self.client_port}:127.0.0.1",
                *([f"--remote=pssl:{self.ssl_port}:127.0.0.1"] if self.ssl_options else []),
                *self.ssl_options,
                f"--pidfile={pidfile}",
                f"--log-file={self.log}",
                f"--unixctl={self.ctl}",
                "--detach",
                "--no-chdir",
                "-vconsole:off",
                *extra,
            ],
            check=True,
        )
        self.pid = int(pidfile.read_text().strip())

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _alive(self.pid):
            time.sleep(0.01)
        if _alive(self.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self.pid = None

    def status(self, db: str) -> str:
        """`ovs-appctl cluster/status DB` ('' when the member is down)."""
        if self.pid is None:
            return ""
        proc = subprocess.run(
            ["ovs-appctl", "-t", str(self.ctl), "cluster/status", db],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return proc.stdout if proc.returncode == 0 else ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A detached daemon's parent is init, which may reap it late: a zombie is dead.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@dataclass
class RaftCluster:
    """A clustered database served by `len(members)` real ovsdb-servers."""

    db: str
    members: list[Member] = field(default_factory=list)

    @classmethod
    def start(
        cls, tmp: Path, name: str, schema: str, size: int = 3, ssl_options: tuple[str, ...] = ()
    ) -> "RaftCluster":
        """Create and start the cluster (members also on `pssl:` with `ssl_options`)."""
        schema_file = REAL_SCHEMAS.get(schema, Path(schema))
        cluster = cls(_DB_NAMES.get(schema, name))
        try:
            for index in range(size):
                member = Member(
                    f"{name}{index + 1}",
                    tmp / f"{name}{index + 1}.db",
                    free_port(),
                    free_port(),
                    tmp,
                    ssl_options=ssl_options,
                    ssl_port=free_port() if ssl_options else 0,
                )
                raft = f"tcp:127.0.0.1:{member.raft_port}"
                if index == 0:
                    command = ["create-cluster", str(member.db_file), str(schema_file), raft]
                else:
                    first = f"tcp:127.0.0.1:{cluster.members[0].raft_port}"
                    command = ["join-cluster", str(member.db_file), cluster.db, raft, first]
                subprocess.run(["ovsdb-tool", *command], check=True)
                cluster.members.append(member)
                member.start()
            cluster.wait_leader()
            wait_for(cluster._all_joined, 30, f"{name} members to join")
        except BaseException:
            cluster.stop()
            raise
        return cluster

    @property
    def remotes(self) -> str:
        """The comma-separated remote list clients are given."""
        return ",".join(m.remote for m in self.members)

    @property
    def ssl_remotes(self) -> str:
        return ",".join(m.ssl_remote for m in self.members)

    def _all_joined(self) -> bool:
        return all("Status: cluster member" in m.status(self.db) for m in self.members if m.pid)

    def leader(self) -> Member | None:
        for member in self.members:
            if "Role: leader" in member.status(self.db):
                return member
        return None

    def wait_leader(self, timeout: float = 30) -> Member:
        wait_for(lambda: self.leader() is not None, timeout, f"a {self.db} leader")
        leader = self.leader()
        assert leader is not None
        return leader

    def kill_leader(self) -> Member:
        leader = self.wait_leader()
        leader.kill()
        return leader

    def connected_member(self, pid: int) -> Member | None:
        """The member process `pid` has an established client connection to."""
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                link = os.readlink(fd)
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        ports = {m.client_port: m for m in self.members if m.pid}
        for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            port, state, inode = int(fields[2].split(":")[1], 16), fields[3], fields[9]
            if state == "01" and inode in inodes and port in ports:  # 01: ESTABLISHED
                return ports[port]
        return None

    def restart(self, member: Member) -> None:
        member.start()
        wait_for(lambda: "Status: cluster member" in member.status(self.db), 30, "rejoin")

    def stop(self) -> None:
        for member in self.members:
            member.kill(signal.SIGTERM)

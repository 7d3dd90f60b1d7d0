"""pyovn's OVSDB client on a 3-member Raft cluster of real ovsdb-servers.

A writer (leader_only) always lands on the leader, whatever the order of its
remotes; a reader may stay on a follower. When the member a replica is on
dies, it moves on and resumes its monitor with monitor_cond_since: no second
full download, and nothing missed that changed meanwhile.
"""

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.replica import Replica
from tests.helpers.cluster import Member, RaftCluster
from tests.helpers.daemons import have

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(
        not (have("ovsdb-server") and have("ovsdb-tool")),
        reason="the real ovsdb-server/ovsdb-tool (Debian openvswitch) are not installed",
    ),
]

NB = "OVN_Northbound"


@pytest.fixture
def nb(tmp_path: Path) -> Iterator[RaftCluster]:
    cluster = RaftCluster.start(tmp_path, "nb", "ovn-nb")
    yield cluster
    cluster.stop()


def _followers_first(cluster: RaftCluster) -> tuple[list[Member], Member]:
    leader = cluster.wait_leader()
    return [m for m in cluster.members if m is not leader], leader


def _insert(name: str) -> dict[str, object]:
    return {"op": "insert", "table": "Logical_Switch", "row": {"name": name}}


def test_a_writer_finds_the_leader_and_a_reader_may_use_a_follower(nb: RaftCluster) -> None:
    followers, leader = _followers_first(nb)
    remotes = ",".join(m.remote for m in [*followers, leader])

    async def main() -> tuple[str, str]:
        writer, reader = OvsdbClient(remotes), OvsdbClient(remotes)
        await Replica(writer, NB, leader_only=True).start()
        await Replica(reader, NB).start()
        try:
            return str(writer.remote), str(reader.remote)
        finally:
            await writer.close()
            await reader.close()

    writer_on, reader_on = asyncio.run(main())
    assert writer_on == leader.remote
    assert reader_on == followers[0].remote


def test_a_replica_resumes_on_another_member_without_a_full_download(nb: RaftCluster) -> None:
    followers, leader = _followers_first(nb)
    frozen = followers[0]
    remotes = ",".join(m.remote for m in [frozen, followers[1], leader])

    async def main() -> tuple[list[str], str, tuple[int, int]]:
        client = OvsdbClient(remotes, max_backoff=1.0)
        replica = Replica(client, NB)
        await replica.start()
        assert str(client.remote) == frozen.remote
        writer = OvsdbClient(leader.remote)
        await writer.connect()
        await writer.transact(NB, [_insert("before")])
        while not replica.find("Logical_Switch", name="before"):
            await asyncio.sleep(0.01)
        # Cut the replica off (a frozen member), change things, then let it die.
        assert frozen.pid is not None
        os.kill(frozen.pid, signal.SIGSTOP)
        await writer.transact(NB, [_insert(f"during{i}") for i in range(20)])
        await writer.close()
        syncs = replica.syncs
        await asyncio.get_running_loop().run_in_executor(None, frozen.kill)
        while replica.syncs == syncs:
            await asyncio.sleep(0.01)
        names = sorted(row["name"] for _, row in replica.rows("Logical_Switch"))
        await client.close()
        return names, str(client.remote), (replica.full_syncs, replica.resumed_syncs)

    names, remote, syncs = asyncio.run(main())
    assert names == ["before", *sorted(f"during{i}" for i in range(20))]
    assert remote != frozen.remote
    assert syncs == (1, 1)  # one full download at start, then a resume

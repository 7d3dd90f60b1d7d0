"""pyovn's OVSDB client on a 3-member Raft cluster of real ovsdb-servers.

A writer (leader_only) always lands on the leader, whatever the order of its
remotes; a reader may stay on a follower. When the member a replica is on
dies, it moves on and resumes its monitor with monitor_cond_since: no second
full download, and nothing missed that changed meanwhile. The same holds for
`pyovn controller` on an SB cluster, over TCP or SSL: it picks up, on another
member, a chassis that registered while it was cut off, and makes the tunnel to it.
"""

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyovn.cloud.embedded import EmbeddedChassis
from pyovn.cloud.rundir import underlay_address
from pyovn.controller.encaps import CHASSIS_ID
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.replica import Replica
from pyovn.ovsdb.tls import TlsFiles
from tests.helpers.cluster import Member, RaftCluster
from tests.helpers.daemons import have
from tests.helpers.pki import Pki

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


@pytest.mark.parametrize("stream", ["tcp", "ssl"])
def test_a_controller_resumes_on_another_member_and_sees_what_changed(
    tmp_path: Path, stream: str
) -> None:
    tls, options = None, ()
    if stream == "ssl":
        if not have("ovs-pki"):
            pytest.skip("ovs-pki (Debian openvswitch-common) is not installed")
        pki = Pki.create(tmp_path / "pki")
        options = tuple(pki.sign("sb-server").options())
        cert = pki.sign("hv1")
        tls = TlsFiles(str(cert.key), str(cert.cert), str(cert.ca))
    sb = RaftCluster.start(tmp_path, "sb", "ovn-sb", ssl_options=options)
    remotes = sb.ssl_remotes if tls else sb.remotes
    try:
        asyncio.run(asyncio.wait_for(_controller_failover(sb, tmp_path, remotes, tls), 90))
    finally:
        sb.stop()


async def _controller_failover(
    sb: RaftCluster, tmp: Path, remotes: str, tls: TlsFiles | None
) -> None:
    chassis = EmbeddedChassis("hv1", underlay_address(tmp, 1), tmp / "hv1", {}, tls=tls)
    try:
        await chassis.start(remotes)
        controller = chassis.controller
        assert controller is not None
        while controller.sb is None or not controller.sb.find("Chassis", name="hv1"):
            await asyncio.sleep(0.02)
        client, replica = controller.sb_client, controller.sb
        assert client is not None
        on = str(client.remote)
        member = next(m for m in sb.members if on in (m.remote, m.ssl_remote))
        assert member.pid is not None
        os.kill(member.pid, signal.SIGSTOP)
        # Chassis hv2 registers through the other members meanwhile.
        writer = OvsdbClient(",".join(m.remote for m in sb.members if m is not member))
        await writer.connect(timeout=30)
        encap = {"type": "geneve", "ip": "127.0.0.2", "chassis_name": "hv2"}
        chassis_row = {"name": "hv2", "hostname": "hv2", "encaps": ["named-uuid", "e"]}
        ops = [
            {"op": "insert", "table": "Encap", "uuid-name": "e", "row": encap},
            {"op": "insert", "table": "Chassis", "row": chassis_row},
        ]
        result = await writer.transact("OVN_Southbound", ops, timeout=30)
        assert not [r for r in result if "error" in r], result
        await writer.close()
        await asyncio.get_running_loop().run_in_executor(None, member.kill)

        def tunnel_to_hv2() -> bool:
            interfaces = controller.ovs.table("Interface").values()
            return any(i["external_ids"].get(CHASSIS_ID) == "hv2" for i in interfaces)

        while not tunnel_to_hv2():
            await asyncio.sleep(0.02)
        assert str(client.remote) not in (member.remote, member.ssl_remote)
        assert (replica.full_syncs, replica.resumed_syncs) == (1, 1)
    finally:
        await chassis.close()

"""pyovn's asyncio client and replica (`OvsdbClient`, `Replica`) against
`pyovn db` and the real ovsdb-server: initial sync, change listeners,
resumption with monitor_cond_since after a dropped connection, full resync
after a server restart, condition changes, and errors."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyovn.ovsdb import Change, ClientError, ConnectionClosedError
from pyovn.ovsdb.client import OvsdbClient, RpcError
from pyovn.ovsdb.replica import Replica
from tests.helpers.daemons import Daemon, needs_real_ovsdb, start_pyovn_db, start_real_ovsdb

NB = "OVN_Northbound"
TABLES: dict[str, list[str] | None] = {"Logical_Switch": None, "Logical_Switch_Port": None}


@pytest.fixture
def nb(tmp_path: Path) -> Iterator[Daemon]:
    daemon = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.log.read_text()


def add_switch(name: str, ports: int = 2) -> list[Any]:
    ops: list[Any] = [
        {
            "op": "insert",
            "table": "Logical_Switch_Port",
            "uuid-name": f"p{i}",
            "row": {"name": f"{name}-p{i}", "addresses": ["set", [f"00:00:00:00:00:0{i}"]]},
        }
        for i in range(ports)
    ]
    ops.append(
        {
            "op": "insert",
            "table": "Logical_Switch",
            "row": {
                "name": name,
                "ports": ["set", [["named-uuid", f"p{i}"] for i in range(ports)]],
                "other_config": ["map", [["subnet", "10.0.0.0/24"]]],
            },
        }
    )
    return ops


async def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def switch_names(replica: Replica) -> set[str]:
    return {row["name"] for _, row in replica.rows("Logical_Switch")}


def test_replica_syncs_and_reports_changes(nb: Daemon) -> None:
    async def main() -> list[Change]:
        writer = await OvsdbClient(nb.remote, reconnect=False).connect()
        await writer.transact(NB, add_switch("before"))
        client = await OvsdbClient(nb.remote).connect()
        replica = Replica(client, NB, TABLES)
        seen: list[Change] = []
        replica.listeners.append(seen.extend)
        await replica.start()
        assert switch_names(replica) == {"before"}
        ((_, row),) = replica.find("Logical_Switch", name="before")
        assert row["other_config"] == {"subnet": "10.0.0.0/24"}
        assert len(row["ports"]) == 2 and isinstance(row["ports"], frozenset)
        seen.clear()

        await writer.transact(NB, add_switch("sw1", ports=1))
        await writer.transact(
            NB,
            [
                {
                    "op": "update",
                    "table": "Logical_Switch",
                    "where": [["name", "==", "sw1"]],
                    "row": {"name": "sw2"},
                }
            ],
        )
        await writer.transact(
            NB, [{"op": "delete", "table": "Logical_Switch", "where": [["name", "==", "before"]]}]
        )
        await wait_until(lambda: switch_names(replica) == {"sw2"})
        await wait_until(lambda: len(replica.table("Logical_Switch_Port")) == 1)
        await writer.close()
        await client.close()
        return seen

    seen = asyncio.run(main())
    kinds = [(c.table, c.old is None, c.new is None) for c in seen]
    assert kinds.count(("Logical_Switch", True, False)) == 1  # insert sw1
    assert kinds.count(("Logical_Switch", False, False)) == 1  # rename
    assert kinds.count(("Logical_Switch", False, True)) == 1  # delete before
    assert kinds.count(("Logical_Switch_Port", False, True)) == 2  # its ports, collected
    renamed = next(c for c in seen if c.old is not None and c.new is not None)
    assert (renamed.old["name"], renamed.new["name"]) == ("sw1", "sw2")  # type: ignore[index]


def test_replica_resumes_after_a_dropped_connection(nb: Daemon) -> None:
    async def main() -> tuple[int, int, set[str]]:
        client = await OvsdbClient(nb.remote, max_backoff=0.2).connect()
        replica = Replica(client, NB, TABLES)
        await replica.start()
        writer = await OvsdbClient(nb.remote, reconnect=False).connect()
        await writer.transact(NB, add_switch("a"))
        await wait_until(lambda: switch_names(replica) == {"a"})
        client.disconnect()
        await writer.transact(NB, add_switch("b"))  # while the replica is away
        await wait_until(lambda: switch_names(replica) == {"a", "b"})
        await writer.close()
        await client.close()
        return replica.full_syncs, replica.resumed_syncs, switch_names(replica)

    full, resumed, names = asyncio.run(main())
    assert (full, resumed, names) == (1, 1, {"a", "b"})


def test_replica_resyncs_after_a_server_restart(tmp_path: Path) -> None:
    server = start_pyovn_db(tmp_path, "nb", "ovn-nb")

    async def main() -> tuple[int, int, set[str]]:
        nonlocal server
        client = await OvsdbClient(server.remote, max_backoff=0.2).connect()
        replica = Replica(client, NB, TABLES)
        await replica.start()
        writer = await OvsdbClient(server.remote, reconnect=False).connect()
        await writer.transact(NB, add_switch("a"))
        await wait_until(lambda: switch_names(replica) == {"a"})
        await writer.close()
        server.stop()
        server = start_pyovn_db(tmp_path, "nb", "ovn-nb")  # history is gone
        writer = await OvsdbClient(server.remote, reconnect=False).connect()
        await writer.transact(NB, add_switch("b"))
        await wait_until(lambda: switch_names(replica) == {"a", "b"})
        await writer.close()
        await client.close()
        return replica.full_syncs, replica.resumed_syncs, switch_names(replica)

    try:
        assert asyncio.run(main()) == (2, 0, {"a", "b"})
    finally:
        server.stop()


def test_replica_condition_change(nb: Daemon) -> None:
    async def main() -> None:
        client = await OvsdbClient(nb.remote).connect()
        await client.transact(NB, add_switch("a"))
        await client.transact(NB, add_switch("b"))
        replica = Replica(
            client,
            NB,
            {"Logical_Switch": ["name"]},
            conditions={"Logical_Switch": [["name", "==", "a"]]},
        )
        await replica.start()
        assert switch_names(replica) == {"a"}
        await replica.set_conditions({"Logical_Switch": [["name", "==", "b"]]})
        await wait_until(lambda: switch_names(replica) == {"b"})
        await client.close()

    asyncio.run(main())


def test_client_errors(nb: Daemon, tmp_path: Path) -> None:
    async def main() -> None:
        client = await OvsdbClient(nb.remote, reconnect=False).connect()
        with pytest.raises(RpcError, match="unknown database"):
            await client.call("get_schema", ["Nope"])
        with pytest.raises(RpcError, match="unknown method"):
            await client.call("frobnicate", [])
        result = await client.transact(NB, [{"op": "insert", "table": "Nope", "row": {}}])
        assert result[0]["error"] == "syntax error"
        # A call in flight when the connection goes fails with ConnectionClosedError.
        wait = {
            "op": "wait",
            "table": "Logical_Switch",
            "where": [],
            "columns": ["name"],
            "until": "!=",
            "rows": [],
        }
        pending = client.send_request("transact", [NB, wait])
        client.disconnect()
        with pytest.raises(ConnectionClosedError):
            await pending
        await client.close()
        nobody = OvsdbClient(f"unix:{tmp_path / 'none.sock'}", reconnect=False)
        with pytest.raises(ClientError, match="cannot connect"):
            await nobody.connect(timeout=0.2)

    asyncio.run(main())


@needs_real_ovsdb
def test_replica_same_contents_from_real_server(tmp_path: Path) -> None:
    async def replicate(daemon: Daemon) -> dict[str, Any]:
        client = await OvsdbClient(daemon.remote).connect()
        for name in ("a", "b", "c"):
            await client.transact(NB, add_switch(name, ports=3))
        await client.transact(
            NB,
            [
                {
                    "op": "mutate",
                    "table": "Logical_Switch",
                    "where": [["name", "==", "b"]],
                    "mutations": [["other_config", "insert", ["map", [["x", "1"]]]]],
                }
            ],
        )
        replica = Replica(client, NB, TABLES)
        await replica.start()
        contents = {
            name: sorted(
                (sorted((k, repr(v)) for k, v in row.items() if k != "ports"))
                for _, row in replica.rows(name)
            )
            for name in TABLES
        }
        await client.close()
        return contents

    ours = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    real = start_real_ovsdb(tmp_path, "realnb", "ovn-nb")
    try:
        assert asyncio.run(replicate(ours)) == asyncio.run(replicate(real))
    finally:
        ours.stop()
        real.stop()


def test_transact_with_pre_encoded_operations(nb: Daemon) -> None:
    """`transact_encoded` (what northd sends its large SB transactions with)
    gives the same results as `transact`, including for no operations."""
    import orjson

    async def main() -> tuple[list[Any], list[Any], list[Any]]:
        client = OvsdbClient(nb.remote, reconnect=False)
        await client.connect()
        body = b",".join(orjson.dumps(op) for op in add_switch("enc", ports=3))
        encoded = await client.transact_encoded(NB, body)
        empty = await client.transact_encoded(NB, b"")
        rows = await client.transact(
            NB, [{"op": "select", "table": "Logical_Switch_Port", "where": []}]
        )
        await client.close()
        return encoded, empty, rows

    encoded, empty, rows = asyncio.run(main())
    assert len(encoded) == 4 and all("uuid" in r for r in encoded)
    assert empty == []
    assert sorted(r["name"] for r in rows[0]["rows"]) == ["enc-p0", "enc-p1", "enc-p2"]

"""The `ovs` Python IDL and ovsdbapp (OpenStack's OVSDB library) against
`pyovn db`: initial sync, monitor updates from other clients, transactions
with references, and ovsdbapp's ovn-nbctl-like API."""

import time
from collections.abc import Iterator
from pathlib import Path

import ovs.db.idl
import ovs.poller
import pytest

from pyovn.schemas import schema_path
from tests.helpers.daemons import Daemon, start_pyovn_db
from tests.helpers.rawrpc import RawRpc

NB = "OVN_Northbound"


@pytest.fixture
def nb(tmp_path: Path) -> Iterator[Daemon]:
    daemon = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.log.read_text()


def run_until(idl: ovs.db.idl.Idl, done: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, "IDL did not get there in time"
        idl.run()
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(50)
        poller.block()


def names(idl: ovs.db.idl.Idl, table: str) -> list[str]:
    return sorted(row.name for row in idl.tables[table].rows.values())


def test_ovs_idl_syncs_commits_and_follows_updates(nb: Daemon) -> None:
    with RawRpc(nb.socket) as rpc:
        rpc.transact(NB, {"op": "insert", "table": "Logical_Switch", "row": {"name": "before"}})
    helper = ovs.db.idl.SchemaHelper(location=str(schema_path("ovn-nb")))
    helper.register_all()
    idl = ovs.db.idl.Idl(nb.remote, helper, leader_only=False)
    try:
        run_until(idl, lambda: names(idl, "Logical_Switch") == ["before"])

        # A transaction with a reference between two new rows.
        txn = ovs.db.idl.Transaction(idl)
        port = txn.insert(idl.tables["Logical_Switch_Port"])
        port.name = "p1"
        port.addresses = ["00:00:00:00:00:01 10.0.0.1"]
        switch = txn.insert(idl.tables["Logical_Switch"])
        switch.name = "sw1"
        switch.ports = [port]
        status = txn.commit_block()
        assert status == ovs.db.idl.Transaction.SUCCESS, txn.get_error()
        run_until(idl, lambda: names(idl, "Logical_Switch") == ["before", "sw1"])
        (sw1,) = [r for r in idl.tables["Logical_Switch"].rows.values() if r.name == "sw1"]
        assert [p.name for p in sw1.ports] == ["p1"]

        # Another client's change reaches the IDL through its monitor.
        with RawRpc(nb.socket) as rpc:
            rpc.transact(
                NB,
                {
                    "op": "mutate",
                    "table": "Logical_Switch",
                    "where": [["name", "==", "sw1"]],
                    "mutations": [["other_config", "insert", ["map", [["subnet", "10.0.0.0/24"]]]]],
                },
            )
            run_until(idl, lambda: sw1.other_config == {"subnet": "10.0.0.0/24"})
            rpc.transact(NB, {"op": "delete", "table": "Logical_Switch", "where": []})
        run_until(idl, lambda: names(idl, "Logical_Switch") == [])
        # Garbage collection removed the port with its switch.
        assert names(idl, "Logical_Switch_Port") == []

        # A failing transaction reports the server's error: Port_Group names
        # are a unique index.
        txn = ovs.db.idl.Transaction(idl)
        for _ in range(2):
            txn.insert(idl.tables["Port_Group"]).name = "pg"
        assert txn.commit_block() == ovs.db.idl.Transaction.ERROR
        assert "constraint violation" in txn.get_error()
        assert names(idl, "Port_Group") == []
    finally:
        idl.close()


def test_ovsdbapp_nb_api(nb: Daemon) -> None:
    from ovsdbapp.backend.ovs_idl import connection
    from ovsdbapp.schema.ovn_northbound import impl_idl

    idl = connection.OvsdbIdl.from_server(nb.remote, NB)
    conn = connection.Connection(idl, timeout=10)
    api = impl_idl.OvnNbApiIdlImpl(conn)
    try:
        api.ls_add("sw1").execute(check_error=True)
        with api.transaction(check_error=True) as txn:
            txn.add(api.lsp_add("sw1", "vm1"))
            txn.add(api.lsp_set_addresses("vm1", ["50:54:00:00:01:11 10.0.0.11"]))
        api.lr_add("lr1").execute(check_error=True)
        with api.transaction(check_error=True) as txn:
            txn.add(api.lrp_add("lr1", "lr1-sw1", "00:00:00:00:ff:01", ["10.0.0.1/24"]))
            txn.add(api.lr_nat_add("lr1", "snat", "172.16.0.100", "10.0.0.0/24"))
        assert [ls.name for ls in api.ls_list().execute(check_error=True)] == ["sw1"]
        port = api.lsp_get("vm1").execute(check_error=True)
        assert port.addresses == ["50:54:00:00:01:11 10.0.0.11"]
        nats = api.lr_nat_list("lr1").execute(check_error=True)
        assert [(n.type, n.external_ip, n.logical_ip) for n in nats] == [
            ("snat", "172.16.0.100", "10.0.0.0/24")
        ]
        with pytest.raises(RuntimeError, match="exists"):
            api.ls_add("sw1").execute(check_error=True, log_errors=False)
        api.ls_del("sw1").execute(check_error=True)
        assert api.ls_list().execute(check_error=True) == []
    finally:
        conn.stop(timeout=5)
    with RawRpc(nb.socket) as rpc:
        rows = rpc.transact(NB, {"op": "select", "table": "Logical_Switch_Port", "where": []})
        assert rows[0]["rows"] == []  # vm1 went with its switch

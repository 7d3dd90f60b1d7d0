"""pyovn's own behaviour where it deliberately differs from the real
standalone ovsdb-server, and methods whose results are server-specific:

- monitor_cond_since: pyovn keeps transaction history, so a client that
  resumes from a transaction id gets only what changed since (the real
  standalone server always answers found=false with the zero UUID);
- cancel: pyovn answers the cancelled request with the RFC 7047 "canceled"
  error (the real server drops it silently);
- get_server_id, the _Server database and echo.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.daemons import Daemon, start_pyovn_db
from tests.helpers.rawrpc import RawRpc
from tests.ovsdb.conftest import Connect

ZERO = "00000000-0000-0000-0000-000000000000"
LS = "Logical_Switch"


@pytest.fixture
def nb(tmp_path: Path) -> Iterator[Daemon]:
    daemon = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.log.read_text()


def insert_switch(rpc: RawRpc, name: str) -> str:
    result = rpc.transact("OVN_Northbound", {"op": "insert", "table": LS, "row": {"name": name}})
    return str(result[0]["uuid"][1])


def since(rpc: RawRpc, mon_id: str, last: str) -> list[Any]:
    reply = rpc.call(
        "monitor_cond_since",
        ["OVN_Northbound", mon_id, {LS: [{"columns": ["name"]}]}, last],
    )
    assert reply["error"] is None, reply
    return reply["result"]  # type: ignore[no-any-return]


def test_monitor_cond_since_resumes_from_history(nb: Daemon, connect: Connect) -> None:
    writer = connect(nb.socket)
    first = insert_switch(writer, "sw0")
    watcher = connect(nb.socket)
    found, last, initial = since(watcher, "m", ZERO)
    assert found is False and last != ZERO
    assert initial == {LS: {first: {"initial": {"name": "sw0"}}}}

    # Changes after `last` arrive as update3 with fresh transaction ids.
    second = insert_switch(writer, "sw1")
    note = watcher.wait_notification()
    assert note["method"] == "update3"
    mon_id, txn1, updates = note["params"]
    assert mon_id == "m" and txn1 != last
    assert updates == {LS: {second: {"insert": {"name": "sw1"}}}}
    watcher.close()

    # While the watcher is away: one modify, one delete, one insert.
    writer.transact(
        "OVN_Northbound",
        {"op": "update", "table": LS, "where": [["name", "==", "sw0"]], "row": {"name": "a"}},
    )
    writer.transact(
        "OVN_Northbound", {"op": "delete", "table": LS, "where": [["name", "==", "sw1"]]}
    )
    third = insert_switch(writer, "sw2")

    again = connect(nb.socket)
    found, latest, changes = since(again, "m", txn1)
    assert found is True and latest not in (txn1, last)
    assert changes == {
        LS: {
            first: {"modify": {"name": "a"}},
            second: {"delete": None},
            third: {"insert": {"name": "sw2"}},
        }
    }
    # Resuming from the newest id: nothing to send, the same id back.
    other = connect(nb.socket)
    assert since(other, "m", latest) == [True, latest, {}]
    # An id the server never issued: everything, found=false.
    found, _, everything = since(connect(nb.socket), "m", "11111111-1111-4111-8111-111111111111")
    assert found is False and set(everything[LS]) == {first, third}


def test_monitor_cond_since_folds_insert_then_delete(nb: Daemon, connect: Connect) -> None:
    writer = connect(nb.socket)
    watcher = connect(nb.socket)
    _, last, _ = since(watcher, "m", ZERO)
    watcher.close()
    gone = insert_switch(writer, "tmp")
    writer.transact("OVN_Northbound", {"op": "delete", "table": LS, "where": []})
    found, _, changes = since(connect(nb.socket), "m", last)
    # A row born and gone while the client was away is not mentioned at all.
    assert found is True and gone not in changes.get(LS, {})


def test_cancel_answers_the_blocked_wait_with_canceled(nb: Daemon, connect: Connect) -> None:
    rpc = connect(nb.socket)
    wait = {"op": "wait", "table": LS, "where": [], "columns": ["name"], "until": "!=", "rows": []}
    rpc.send({"method": "transact", "params": ["OVN_Northbound", wait], "id": "w"})
    rpc.send({"method": "cancel", "params": ["w"], "id": None})
    assert rpc.read() == {"id": "w", "result": None, "error": "canceled"}
    # The session goes on working, and the cancelled wait never fires.
    insert_switch(connect(nb.socket), "sw0")
    assert rpc.call("echo", ["x"])["result"] == ["x"]


def test_server_id_and_server_database(nb: Daemon, connect: Connect) -> None:
    rpc = connect(nb.socket)
    server_id = rpc.call("get_server_id", [])["result"]
    assert server_id == connect(nb.socket).call("get_server_id", [])["result"]
    assert len(server_id) == 36
    assert rpc.call("list_dbs", [])["result"] == ["OVN_Northbound", "_Server"]
    rows = rpc.transact(
        "_Server",
        {"op": "select", "table": "Database", "where": [], "columns": ["name", "model", "leader"]},
    )[0]["rows"]
    assert {"name": "OVN_Northbound", "model": "standalone", "leader": True} in rows


def test_server_id_changes_on_restart(tmp_path: Path, connect: Connect) -> None:
    first = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    try:
        one = connect(first.socket).call("get_server_id", [])["result"]
    finally:
        first.stop()
    second = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    try:
        two = connect(second.socket).call("get_server_id", [])["result"]
    finally:
        second.stop()
    assert one != two


def test_update3_ids_chain(nb: Daemon, connect: Connect) -> None:
    """Each update3's id is the id a later monitor_cond_since can resume from."""
    watcher = connect(nb.socket)
    since(watcher, "m", ZERO)
    writer = connect(nb.socket)
    ids = []
    for n in range(3):
        insert_switch(writer, f"s{n}")
        ids.append(watcher.wait_notification()["params"][1])
    assert len(set(ids)) == 3
    found, last, changes = since(connect(nb.socket), "x", ids[0])
    assert found is True and last == ids[2]
    assert sorted(r["insert"]["name"] for r in changes[LS].values()) == ["s1", "s2"]

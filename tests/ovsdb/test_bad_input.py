"""Bad input: each malformed message closes that one connection (or gets the
RFC 7047 error when the JSON-RPC framing is intact); the server keeps serving
everyone else and loses nothing it acknowledged."""

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyovn.ovsdb.errors import ProtocolError
from pyovn.ovsdb.jsonrpc import JsonStreamSplitter
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.schemas import schema_path
from tests.helpers.daemons import Daemon, start_pyovn_db
from tests.helpers.inprocess import ThreadedServer
from tests.helpers.rawrpc import RawRpc
from tests.ovsdb.conftest import Connect

NB = "OVN_Northbound"
LS = "Logical_Switch"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = start_pyovn_db(tmp_path_factory.mktemp("bad"), "nb", "ovn-nb")
    yield daemon
    daemon.stop()
    log = daemon.log.read_text()
    assert "Traceback" not in log and "internal error" not in log, log


def names(rpc: RawRpc) -> set[str]:
    rows = rpc.transact(NB, {"op": "select", "table": LS, "where": [], "columns": ["name"]})
    return {r["name"] for r in rows[0]["rows"]}


def closed_by_server(rpc: RawRpc) -> bool:
    try:
        return rpc.read() is None
    except ConnectionResetError:
        return True


GARBAGE = [
    pytest.param(b'{"method": "echo", "params": [}', id="malformed-json"),
    pytest.param(b"hello", id="not-json"),
    pytest.param(b"42 ", id="bare-number"),
    pytest.param(b'{"method": "echo", "params": ["\xff\xfe"], "id": 1}', id="invalid-utf8"),
    pytest.param(b"[" * 5000 + b"]" * 5000, id="deep-nesting"),
    pytest.param(b'{"method": 5, "params": [], "id": 1}', id="method-not-string"),
    pytest.param(b'{"method": "echo", "params": {}, "id": 1}', id="params-not-array"),
    pytest.param(b'{"id": 1}', id="neither-request-nor-reply"),
    pytest.param(b'{"method": "transact", "params": ["OVN_Northbound", 1e999], "id": 1}', id="inf"),
    pytest.param(b"}", id="closing-bracket"),
]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_closes_only_that_connection(
    server: Daemon, connect: Connect, garbage: bytes
) -> None:
    bystander = connect(server.socket)
    monitor = bystander.call("monitor_cond", [NB, "m", {LS: [{"columns": ["name"]}]}])
    assert monitor["error"] is None
    name = f"sw-{abs(hash(garbage))}"
    bystander.transact(NB, {"op": "insert", "table": LS, "row": {"name": name}})
    bystander.wait_notification()

    victim = connect(server.socket)
    victim.send_bytes(garbage)
    assert closed_by_server(victim)

    # The bystander's session, monitor included, is untouched.
    assert bystander.call("echo", ["still here"])["result"] == ["still here"]
    bystander.transact(NB, {"op": "delete", "table": LS, "where": [["name", "==", name]]})
    note = bystander.wait_notification()
    assert list(note["params"][1][LS].values()) == [{"delete": None}]
    assert name not in names(connect(server.socket))


def test_rpc_level_errors_keep_the_connection(server: Daemon, connect: Connect) -> None:
    rpc = connect(server.socket)
    assert rpc.call("no_such_method", [])["error"] == "unknown method"
    reply = rpc.call("transact", [NB, {"op": "select", "table": "Nope", "where": []}])
    assert reply["result"][0]["error"] == "syntax error"
    reply = rpc.call("transact", [NB, {"op": "insert", "table": LS, "row": {"nope": 1}}])
    assert reply["result"][0]["error"] == "unknown column"
    reply = rpc.call("transact", [NB, {"op": "insert", "table": LS, "row": {"name": 5}}])
    assert reply["result"][0] == {
        "error": "syntax error",
        "details": "expected string",
        "syntax": "5",
    }
    reply = rpc.call("transact", ["Nope"])
    assert reply["error"]["error"] == "unknown database"
    assert rpc.call("echo", [1])["result"] == [1]


def test_disconnect_mid_message_applies_nothing(server: Daemon, connect: Connect) -> None:
    request = json.dumps(
        {
            "method": "transact",
            "params": [NB, {"op": "insert", "table": LS, "row": {"name": "half"}}],
            "id": 1,
        }
    ).encode()
    victim = connect(server.socket)
    victim.send_bytes(request[: len(request) // 2])
    time.sleep(0.1)
    victim.close()
    assert "half" not in names(connect(server.socket))


def test_disconnect_before_reading_the_reply_commits_all_of_it(
    server: Daemon, connect: Connect
) -> None:
    rows = [{"op": "insert", "table": LS, "row": {"name": f"gone-{n}"}} for n in range(50)]
    victim = connect(server.socket)
    victim.send({"method": "transact", "params": [NB, *rows], "id": 1})
    victim.sock.shutdown(socket.SHUT_RDWR)
    victim.close()
    checker = connect(server.socket)
    deadline = time.monotonic() + 5
    while not {f"gone-{n}" for n in range(50)} <= names(checker):
        assert time.monotonic() < deadline, "the transaction was not applied"
        time.sleep(0.05)
    checker.transact(NB, {"op": "delete", "table": LS, "where": [["name", "includes", "gone-0"]]})


def test_disconnect_releases_locks_and_waits(server: Daemon, connect: Connect) -> None:
    holder = connect(server.socket)
    assert holder.call("lock", ["L"])["result"] == {"locked": True}
    waiter = connect(server.socket)
    assert waiter.call("lock", ["L"])["result"] == {"locked": False}
    wait = {"op": "wait", "table": LS, "where": [], "columns": ["name"], "until": "==", "rows": []}
    holder.send({"method": "transact", "params": [NB, wait], "id": "w"})
    holder.close()
    assert waiter.wait_notification() == {"id": None, "method": "locked", "params": ["L"]}


def test_oversized_message_closes_the_connection(tmp_path: Path, connect: Connect) -> None:
    schema = DatabaseSchema.from_file(schema_path("ovn-nb"))
    sock = tmp_path / "small.sock"
    with ThreadedServer(sock, schema, max_message=4096):
        big = connect(sock)
        name = "x" * 10_000
        insert = {"op": "insert", "table": LS, "row": {"name": name}}
        big.send({"method": "transact", "params": [NB, insert], "id": 1})
        assert closed_by_server(big)
        small = connect(sock)
        small.transact(NB, {"op": "insert", "table": LS, "row": {"name": "fits"}})
        assert names(small) == {"fits"}
        # A message just under the limit is fine.
        ok = connect(sock)
        assert ok.call("echo", ["y" * 3000])["result"] == ["y" * 3000]


def test_splitter_limit_counts_an_unfinished_message() -> None:
    splitter = JsonStreamSplitter(max_size=100)
    assert splitter.feed(b'{"a": "' + b"x" * 50) == []
    with pytest.raises(ProtocolError, match="limit"):
        splitter.feed(b"x" * 100)

"""Southbound RBAC: pyovn db answers a chassis exactly as ovsdb-server does.

Both servers get the same SB: the "ovn-controller" role as northd writes it
(`RBAC_CONTROLLER`), a `pssl:` and a `ptcp:` Connection with that role, a
chassis "hv2" and a compiled datapath. Chassis "hv1" then connects with its
certificate (CN=hv1) and tries, one transaction each, what a controller may
do (register itself, claim a port, add a MAC_Binding) and what it may not
(touch hv2's rows, Logical_Flow, SB_Global, columns outside `update`). The
two servers' replies must be identical, errors included, and so must the
tables afterwards: a refused write changes nothing.
"""

import json
import re
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyovn.northd.sb.static import RBAC_CONTROLLER
from tests.helpers.cluster import free_port
from tests.helpers.daemons import (
    Daemon,
    needs_real_ovsdb,
    start_pyovn_db,
    start_real_ovsdb,
    wait_for,
)
from tests.helpers.pki import Cert, Pki, needs_ovs_pki
from tests.helpers.rawrpc import RawRpc

pytestmark = [needs_ovs_pki, needs_real_ovsdb, pytest.mark.oracle]

SB = "OVN_Southbound"
SOURCE = "db:OVN_Southbound,SB_Global,connections"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _named(name: str) -> list[str]:
    return ["named-uuid", name]


def _set(*items: Any) -> list[Any]:
    return ["set", list(items)]


def setup_ops(ssl_port: int, tcp_port: int) -> list[Any]:
    """The SB before the chassis arrives (what northd and an operator made)."""
    ops: list[Any] = []
    perms = []
    for table, (authorization, insert_delete, update) in sorted(RBAC_CONTROLLER.items()):
        ops.append(
            {
                "op": "insert",
                "table": "RBAC_Permission",
                "uuid-name": f"perm_{table}",
                "row": {
                    "table": table,
                    "authorization": _set(authorization),
                    "insert_delete": insert_delete,
                    "update": _set(*update),
                },
            }
        )
        perms.append([table, _named(f"perm_{table}")])
    ops += [
        {
            "op": "insert",
            "table": "RBAC_Role",
            "row": {"name": "ovn-controller", "permissions": ["map", perms]},
        },
        {
            "op": "insert",
            "table": "Connection",
            "uuid-name": "c1",
            "row": {"target": f"pssl:{ssl_port}:127.0.0.1", "role": "ovn-controller"},
        },
        {
            "op": "insert",
            "table": "Connection",
            "uuid-name": "c2",
            "row": {"target": f"ptcp:{tcp_port}:127.0.0.1", "role": "ovn-controller"},
        },
        {
            "op": "insert",
            "table": "SB_Global",
            "row": {"connections": _set(_named("c1"), _named("c2"))},
        },
        {
            "op": "insert",
            "table": "Encap",
            "uuid-name": "e2",
            "row": {"type": "geneve", "ip": "10.0.0.2", "chassis_name": "hv2"},
        },
        {
            "op": "insert",
            "table": "Chassis",
            "row": {"name": "hv2", "hostname": "hv2", "encaps": _named("e2")},
        },
        {
            "op": "insert",
            "table": "Datapath_Binding",
            "uuid-name": "dp",
            "row": {"tunnel_key": 1, "external_ids": ["map", [["name", "sw0"]]]},
        },
        {
            "op": "insert",
            "table": "Port_Binding",
            "row": {"logical_port": "p1", "datapath": _named("dp"), "tunnel_key": 1},
        },
        {
            "op": "insert",
            "table": "Logical_Flow",
            "row": {
                "logical_datapath": _named("dp"),
                "pipeline": "ingress",
                "table_id": 0,
                "priority": 10,
                "match": "1",
                "actions": "next;",
            },
        },
    ]  # fmt: skip
    return ops


def _where(column: str, value: Any) -> list[Any]:
    return [[column, "==", value]]


#: (what, ops) the chassis hv1 tries, in order, one transaction each.
ATTEMPTS: list[tuple[str, list[Any]]] = [
    ("register itself", [
        {"op": "insert", "table": "Encap", "uuid-name": "e1",
         "row": {"type": "geneve", "ip": "10.0.0.1", "chassis_name": "hv1"}},
        {"op": "insert", "table": "Chassis", "row": {"name": "hv1", "encaps": _named("e1")}},
    ]),
    ("its Chassis_Private", [
        {"op": "insert", "table": "Chassis_Private", "row": {"name": "hv1"}},
    ]),
    ("update its nb_cfg", [
        {"op": "update", "table": "Chassis", "where": _where("name", "hv1"), "row": {"nb_cfg": 7}},
    ]),
    ("mutate its other_config", [
        {"op": "mutate", "table": "Chassis", "where": _where("name", "hv1"),
         "mutations": [["other_config", "insert", ["map", [["a", "b"]]]]]},
    ]),
    ("its hostname (not updatable)", [
        {"op": "update", "table": "Chassis", "where": _where("name", "hv1"),
         "row": {"hostname": "x"}},
    ]),
    ("another chassis' row", [
        {"op": "update", "table": "Chassis", "where": _where("name", "hv2"), "row": {"nb_cfg": 9}},
    ]),
    ("mutate another chassis' row", [
        {"op": "mutate", "table": "Chassis", "where": _where("name", "hv2"),
         "mutations": [["external_ids", "insert", ["map", [["evil", "1"]]]]]},
    ]),
    ("delete another chassis", [
        {"op": "delete", "table": "Chassis", "where": _where("name", "hv2")},
    ]),
    ("another chassis' Chassis_Private", [
        {"op": "insert", "table": "Chassis_Private", "row": {"name": "hv2"}},
    ]),
    ("an Encap for another chassis", [
        {"op": "insert", "table": "Encap",
         "row": {"type": "geneve", "ip": "10.9.9.9", "chassis_name": "hv2"}},
    ]),
    ("claim a port", [
        {"op": "update", "table": "Port_Binding", "where": _where("logical_port", "p1"),
         "row": {"up": True}},
    ]),
    ("a port's tunnel key", [
        {"op": "update", "table": "Port_Binding", "where": _where("logical_port", "p1"),
         "row": {"tunnel_key": 99}},
    ]),
    ("a logical flow", [
        {"op": "update", "table": "Logical_Flow", "where": _where("priority", 10),
         "row": {"priority": 1}},
    ]),
    ("delete a logical flow", [
        {"op": "delete", "table": "Logical_Flow", "where": _where("priority", 10)},
    ]),
    ("insert a datapath", [
        {"op": "insert", "table": "Datapath_Binding", "row": {"tunnel_key": 2}},
    ]),
    ("SB_Global", [
        {"op": "mutate", "table": "SB_Global", "where": [],
         "mutations": [["options", "insert", ["map", [["x", "y"]]]]]},
    ]),
    ("a MAC_Binding", [
        {"op": "insert", "table": "MAC_Binding", "uuid-name": "mb",
         "row": {"logical_port": "p1", "ip": "10.0.0.5", "mac": "0a:00:00:00:00:05",
                 "datapath": ["uuid", "DP"]}},
    ]),
    ("a write that matches nothing", [
        {"op": "update", "table": "Chassis", "where": _where("name", "nobody"),
         "row": {"hostname": "x"}},
    ]),
]  # fmt: skip

#: Tables compared after the attempts, with the columns that matter.
DUMPED = {
    "Chassis": ["name", "hostname", "nb_cfg", "other_config", "external_ids"],
    "Chassis_Private": ["name"],
    "Encap": ["chassis_name", "ip"],
    "Port_Binding": ["logical_port", "tunnel_key", "up"],
    "Logical_Flow": ["priority", "match"],
    "Datapath_Binding": ["tunnel_key"],
    "MAC_Binding": ["ip", "mac"],
    "SB_Global": ["options"],
}


def _normalize(value: Any) -> Any:
    return _UUID.sub("<uuid>", json.dumps(value, sort_keys=True))


class Server:
    def __init__(self, daemon: Daemon, ssl_port: int, tcp_port: int) -> None:
        self.daemon = daemon
        self.ssl_port = ssl_port
        self.tcp_port = tcp_port

    def admin(self) -> RawRpc:
        return RawRpc(self.daemon.socket)

    def as_chassis(self, cert: Cert) -> RawRpc:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.load_verify_locations(str(cert.ca))
        context.load_cert_chain(str(cert.cert), str(cert.key))
        raw = socket.create_connection(("127.0.0.1", self.ssl_port), 5)
        return RawRpc("", sock=context.wrap_socket(raw))

    def anonymous(self) -> RawRpc:
        return RawRpc("", sock=socket.create_connection(("127.0.0.1", self.tcp_port), 5))

    def dump(self) -> dict[str, list[str]]:
        with self.admin() as rpc:
            ops = [
                {"op": "select", "table": t, "where": [], "columns": c} for t, c in DUMPED.items()
            ]
            results = rpc.transact(SB, *ops)
        return {
            table: sorted(_normalize(row) for row in result["rows"])
            for table, result in zip(DUMPED, results, strict=True)
        }


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki.create(tmp_path_factory.mktemp("rbac-pki"))


def _start(kind: str, tmp: Path, pki: Pki) -> Server:
    tmp.mkdir(parents=True, exist_ok=True)
    server_cert = pki.sign("sb-server")
    ssl_port, tcp_port = free_port(), free_port()
    args = ["--remote", SOURCE, *server_cert.options()]
    if kind == "real":
        daemon = start_real_ovsdb(
            tmp, "real-sb", "ovn-sb", extra_args=[f"--remote={SOURCE}", *server_cert.options()]
        )
    else:
        daemon = start_pyovn_db(tmp, "pyovn-sb", "ovn-sb", args)
    server = Server(daemon, ssl_port, tcp_port)
    try:
        with server.admin() as rpc:
            results = rpc.transact(SB, *setup_ops(ssl_port, tcp_port))
            assert not [r for r in results if isinstance(r, dict) and "error" in r], results
        wait_for(lambda: _listening(ssl_port) and _listening(tcp_port), 10, f"{kind} role remotes")
    except BaseException:
        daemon.stop()
        raise
    return server


@pytest.fixture
def servers(tmp_path: Path, pki: Pki) -> Iterator[dict[str, Server]]:
    started: dict[str, Server] = {}
    try:
        for kind in ("real", "pyovn"):
            started[kind] = _start(kind, tmp_path / kind, pki)
        yield started
    finally:
        for server in started.values():
            server.daemon.stop()


def _attempt(server: Server, rpc: RawRpc, ops: list[Any]) -> Any:
    with server.admin() as admin:
        dp = admin.transact(SB, {"op": "select", "table": "Datapath_Binding", "where": []})
    reply = rpc.call("transact", [SB, *_with_datapath(ops, dp[0]["rows"][0]["_uuid"][1])])
    return _normalize(reply.get("result", reply.get("error")))


def _with_datapath(value: Any, uuid: str) -> Any:
    """`value` with the placeholder "DP" replaced by the datapath's UUID."""
    if value == "DP":
        return uuid
    if isinstance(value, list):
        return [_with_datapath(v, uuid) for v in value]
    if isinstance(value, dict):
        return {k: _with_datapath(v, uuid) for k, v in value.items()}
    return value


def test_pyovn_db_enforces_rbac_exactly_as_ovsdb_server(
    servers: dict[str, Server], pki: Pki, tmp_path: Path
) -> None:
    hv1 = pki.sign("hv1")
    answers: dict[str, list[str]] = {}
    for kind, server in servers.items():
        with server.as_chassis(hv1) as rpc:
            answers[kind] = [f"{what}: {_attempt(server, rpc, ops)}" for what, ops in ATTEMPTS]
        with server.anonymous() as rpc:
            answers[kind].append(f"anonymous: {_attempt(server, rpc, ATTEMPTS[-2][1])}")
    assert answers["pyovn"] == answers["real"]
    refused = [a for a in answers["real"] if "permission error" in a]
    allowed = [a for a in answers["real"] if "permission error" not in a]
    # What the role allows and forbids, by name (so the oracle itself is checked).
    assert [a.split(":")[0] for a in allowed] == [
        "register itself",
        "its Chassis_Private",
        "update its nb_cfg",
        "mutate its other_config",
        "claim a port",
        "a MAC_Binding",
        "a write that matches nothing",
    ]
    assert answers["real"][-1].startswith("anonymous: ") and "(null)" in answers["real"][-1]
    assert len(refused) == len(ATTEMPTS) + 1 - len(allowed)
    # A refused write changed nothing; the allowed ones are the same everywhere.
    dumps = {kind: server.dump() for kind, server in servers.items()}
    assert dumps["pyovn"] == dumps["real"]
    pyovn_dump = dumps["pyovn"]
    assert pyovn_dump["Logical_Flow"] == ['{"match": "1", "priority": 10}']
    assert any('"hv2"' in row and "evil" not in row for row in pyovn_dump["Chassis"])


@pytest.mark.parametrize(
    "args",
    [
        ["set", "Chassis", "hv2", "external_ids:evil=1"],
        ["set", "Logical_Flow", "LF", "priority=1"],
        ["destroy", "Logical_Flow", "LF"],
    ],
)
def test_pyovn_sbctl_as_a_chassis_gets_a_permission_error(
    servers: dict[str, Server], pki: Pki, args: list[str]
) -> None:
    server = servers["pyovn"]
    before = server.dump()
    with server.admin() as rpc:
        flows = rpc.transact(SB, {"op": "select", "table": "Logical_Flow", "where": []})
    flow = flows[0]["rows"][0]["_uuid"][1]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyovn",
            "sbctl",
            f"--db=ssl:127.0.0.1:{server.ssl_port}",
            *pki.sign("hv1").options(),
            *[flow if a == "LF" else a for a in args],
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "permission error" in proc.stderr and "prohibit" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert server.dump() == before

"""The real OVS/OVN tools and Python libraries work against `pyovn db`:
ovn-nbctl (find, list, get, destroy, --may-exist), ovn-sbctl show, ovs-vsctl,
ovsdb-client dump/monitor/transact, the `ovs` Python IDL and ovsdbapp. Where
output can be compared, it is compared with the same commands run against the
real ovsdb-server. (ls-add, lsp-add, lsp-set-addresses, lr-add, lrp-add,
lr-nat-add, acl-add, pg-add, show and list run in the seed topology of
test_northd_oracle.py.)"""

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.daemons import Daemon, needs_real_ovn, start_pyovn_db, start_real_ovsdb
from tests.helpers.textdump import canonical_dump

pytestmark = [pytest.mark.oracle, needs_real_ovn]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def sh(*args: str) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"{args}: {proc.stderr}"
    return proc.stdout


def masked(text: str) -> str:
    return UUID.sub("<uuid>", text)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Daemon, Daemon]]:
    """pyovn and real NB servers side by side."""
    ours = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    real = start_real_ovsdb(tmp_path, "realnb", "ovn-nb")
    yield ours, real
    ours.stop()
    real.stop()
    assert "Traceback" not in ours.log.read_text()


NBCTL_SCRIPT = [
    ["init"],
    ["ls-add", "sw1", "--", "set", "Logical_Switch", "sw1", "other_config:subnet=10.0.0.0/24"],
    ["--may-exist", "ls-add", "sw1"],
    ["lsp-add", "sw1", "vm1", "--", "lsp-set-addresses", "vm1", "50:54:00:00:01:11 10.0.0.11"],
    ["lsp-add", "sw1", "vm2", "--", "lsp-set-addresses", "vm2", "50:54:00:00:01:12 10.0.0.12"],
    ["lsp-set-port-security", "vm2", "50:54:00:00:01:12 10.0.0.12"],
    ["lr-add", "lr1"],
    ["lrp-add", "lr1", "lr1-sw1", "00:00:00:00:ff:01", "10.0.0.1/24"],
    ["lr-nat-add", "lr1", "snat", "172.16.0.100", "10.0.0.0/24"],
    ["pg-add", "pg_web", "vm1", "vm2"],
    [
        "acl-add",
        "pg_web",
        "to-lport",
        "1002",
        "outport == @pg_web && tcp.dst == 80",
        "allow-related",
    ],
    ["lsp-del", "vm2"],
]
NBCTL_QUERIES = [
    ["--bare", "--columns=name", "find", "Logical_Switch_Port", "name=vm1"],
    ["--bare", "--columns=name", "find", "Logical_Switch", "other_config:subnet=10.0.0.0/24"],
    ["--format=json", "--columns=name,addresses,port_security", "list", "Logical_Switch_Port"],
    ["get", "Logical_Switch", "sw1", "other_config:subnet"],
    ["--columns=match,action,priority,direction", "list", "ACL"],
    ["lsp-list", "sw1"],
    ["lr-nat-list", "lr1"],
    ["--bare", "--columns=ports", "list", "Port_Group"],
    ["show"],
]


def test_ovn_nbctl_same_answers_as_real(pair: tuple[Daemon, Daemon]) -> None:
    outputs = []
    for daemon in pair:
        nbctl = ["ovn-nbctl", f"--db={daemon.remote}", "--timeout=20"]
        for command in NBCTL_SCRIPT:
            sh(*nbctl, *command)
        outputs.append([canonical_dump(sh(*nbctl, *query)) for query in NBCTL_QUERIES])
    ours, real = outputs
    for query, a, b in zip(NBCTL_QUERIES, ours, real, strict=True):
        assert a == b, query
    assert ours[0] == "vm1\n" and "vm2" not in ours[5]
    assert '"vm1"' in ours[2]


def test_ovn_nbctl_errors_as_real(pair: tuple[Daemon, Daemon]) -> None:
    errors = []
    for daemon in pair:
        nbctl = ["ovn-nbctl", f"--db={daemon.remote}", "--timeout=20"]
        sh(*nbctl, "ls-add", "sw1")
        proc = subprocess.run([*nbctl, "ls-add", "sw1"], capture_output=True, text=True)
        errors.append((proc.returncode, proc.stderr))
    assert errors[0] == errors[1] and errors[0][0] != 0
    assert "already exists" in errors[0][1]


def test_ovn_sbctl_show(tmp_path: Path) -> None:
    outputs = []
    for name, start in (("sb", start_pyovn_db), ("realsb", start_real_ovsdb)):
        daemon = start(tmp_path, name, "ovn-sb")
        try:
            sbctl = ["ovn-sbctl", f"--db={daemon.remote}", "--timeout=20"]
            sh(*sbctl, "chassis-add", "hv1", "geneve", "192.168.0.1")
            sh(*sbctl, "chassis-add", "hv2", "vxlan", "192.168.0.2")
            outputs.append(canonical_dump(sh(*sbctl, "show")))
        finally:
            daemon.stop()
    assert outputs[0] == outputs[1]
    assert "Chassis hv1" in outputs[0] and 'ip: "192.168.0.2"' in outputs[0]


def test_ovs_vsctl(tmp_path: Path) -> None:
    ours = start_pyovn_db(tmp_path, "conf", "vswitch")
    try:
        vsctl = ["ovs-vsctl", f"--db={ours.remote}", "--no-wait", "--timeout=20"]
        sh(*vsctl, "init")
        sh(*vsctl, "add-br", "br-int", "--", "set", "bridge", "br-int", "fail-mode=secure")
        sh(
            *vsctl,
            "add-port",
            "br-int",
            "vm1",
            "--",
            "set",
            "interface",
            "vm1",
            "type=internal",
            "external_ids:iface-id=lsp-vm1",
        )
        sh(*vsctl, "set", "interface", "vm1", "external_ids:attached-mac=50:54:00:00:01:11")
        assert sh(*vsctl, "get", "interface", "vm1", "external_ids:iface-id") == "lsp-vm1\n"
        assert sh(*vsctl, "list-br") == "br-int\n"
        assert sh(*vsctl, "list-ports", "br-int") == "vm1\n"
        assert sh(*vsctl, "get", "bridge", "br-int", "fail_mode") == "secure\n"
        sh(*vsctl, "del-port", "vm1")
        assert sh(*vsctl, "list-ports", "br-int") == ""
        # The Interface row went with its Port (garbage collection).
        assert sh(*vsctl, "--bare", "--columns=name", "list", "interface") == "br-int\n"
    finally:
        ours.stop()


def test_ovsdb_client_dump_same_as_real(pair: tuple[Daemon, Daemon]) -> None:
    dumps = []
    for daemon in pair:
        sh("ovn-nbctl", f"--db={daemon.remote}", "ls-add", "sw1", "--", "lsp-add", "sw1", "p1")
        out = sh("ovsdb-client", "dump", "--format=json", daemon.remote, "OVN_Northbound")
        dumps.append(masked(out))
    assert dumps[0] == dumps[1]
    tables = {}
    for line in dumps[0].splitlines():
        table = json.loads(line)
        tables[table["caption"].split()[0]] = table
    assert [
        row[tables["Logical_Switch"]["headings"].index("name")]
        for row in tables["Logical_Switch"]["data"]
    ] == ["sw1"]


def test_ovsdb_client_monitor(tmp_path: Path) -> None:
    ours = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    proc = subprocess.Popen(
        [
            "ovsdb-client",
            "monitor",
            "--format=csv",
            ours.remote,
            "OVN_Northbound",
            "Logical_Switch",
            "name",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)
        nbctl = ["ovn-nbctl", f"--db={ours.remote}"]
        sh(*nbctl, "ls-add", "sw1")
        sh(*nbctl, "set", "Logical_Switch", "sw1", "name=sw9")
        sh(*nbctl, "ls-del", "sw9")
        time.sleep(0.5)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
        ours.stop()
    rows = [line.split(",") for line in masked(out).splitlines() if line and "row" not in line]
    assert [r[1:] for r in rows] == [
        ["insert", "sw1"],
        ["old", "sw1"],
        ["new", "sw9"],
        ["delete", "sw9"],
    ], out


def test_ovsdb_client_transact_and_list(pair: tuple[Daemon, Daemon]) -> None:
    ours, _ = pair
    txn = json.dumps(
        ["OVN_Northbound", {"op": "insert", "table": "Logical_Router", "row": {"name": "lr"}}]
    )
    result = json.loads(sh("ovsdb-client", "transact", ours.remote, txn))
    assert result[0]["uuid"][0] == "uuid"
    assert sh("ovsdb-client", "list-dbs", ours.remote).split() == ["OVN_Northbound", "_Server"]
    tables = sh("ovsdb-client", "list-tables", ours.remote, "OVN_Northbound")
    assert "Logical_Switch_Port" in tables

"""`pyovn demo` end to end: the topology it prints, the databases it leaves,
and that no daemon outlives it (also when it fails or is interrupted)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pyovn.cloud import CloudError, DemoResult, run_demo
from pyovn.cloud import demo as demo_module
from pyovn.cloud.topology import DEMO, Acl, Topology
from tests.helpers.daemons import needs_real_ovn, start_pyovn_db


def processes_mentioning(path: Path) -> list[str]:
    """Command lines of live processes that name `path` (our daemons do)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(path) in cmdline:
            found.append(cmdline)
    return found


def assert_nothing_left(run: Path) -> None:
    assert processes_mentioning(run) == []
    left = sorted(p.name for p in run.iterdir() if not p.name.startswith("."))  # lock files
    assert left == ["nb.db", "nb.log", "sb.db", "sb.log"]


@pytest.mark.e2e
def test_pyovn_demo_prints_the_topology_and_stops(tmp_path: Path) -> None:
    run = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "pyovn", "demo", "--run-dir", str(run)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    lines = [line.strip("│├└─ ") for line in out.splitlines()]
    assert f"OVN Northbound at unix:{run.resolve()}/nb.sock" in lines[0]
    for expected in [
        "port vm1",
        'addresses: ["50:54:00:00:01:11 10.0.0.11"]',
        "port vm4",
        'addresses: ["50:54:00:00:02:14 10.0.1.14"]',
        "port sw1-lr1",
        "type: router",
        "router-port: lr1-sw1",
        'addresses: ["router"]',
        "port lr1-sw2",
        'mac: "00:00:00:00:ff:02"',
        'networks: ["10.0.1.1/24"]',
        "nat snat",
        'external ip: "172.16.0.100"',
        'logical ip: "10.0.0.0/24"',
        'acl to-lport 1002 (outport == "vm1" && tcp.dst == 22) allow-related',
    ]:
        assert expected in lines, expected
    assert sum(line.startswith("switch ") for line in lines) == 2
    assert sum(line.startswith("router ") for line in lines) == 1
    assert "switches 2, switch ports 6, routers 1, router ports 3, NAT rules 1, ACLs 1" in out
    assert "serves OVN_Southbound, _Server" in out
    assert_nothing_left(run)


@pytest.mark.e2e
@pytest.mark.oracle
@needs_real_ovn
def test_demo_database_is_a_valid_ovn_northbound(tmp_path: Path) -> None:
    """The real ovn-nbctl reads what the demo wrote."""
    run = tmp_path / "demo"
    run_demo(run)
    server = start_pyovn_db(tmp_path, "check", "ovn-nb", db_file=run / "nb.db")
    try:
        show = subprocess.run(
            ["ovn-nbctl", f"--db={server.remote}", "show"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        acls = subprocess.run(
            ["ovn-nbctl", f"--db={server.remote}", "acl-list", "sw1"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        server.stop()
    assert "(sw1)" in show and "(sw2)" in show and "(lr1)" in show
    assert "router-port: lr1-sw1" in show and '"50:54:00:00:02:13 10.0.1.13"' in show
    assert 'external ip: "172.16.0.100"' in show
    assert acls.split() == [
        "to-lport",
        "1002",
        "(outport",
        "==",
        '"vm1"',
        "&&",
        "tcp.dst",
        "==",
        "22)",
        "allow-related",
    ]


def test_demo_result(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo")
    assert isinstance(result, DemoResult)
    assert sorted(result.snapshot.switches) == ["sw1", "sw2"]
    _, ports, acls = result.snapshot.switches["sw2"]
    assert [p.name for p in ports] == ["sw2-lr1", "vm3", "vm4"]
    assert acls == []
    assert result.sb_databases == ["OVN_Southbound", "_Server"]
    assert_nothing_left(tmp_path / "demo")


def test_failed_load_stops_the_servers(tmp_path: Path) -> None:
    bad = Topology(**{**DEMO.__dict__, "acls": [Acl("sw1", "sideways", 1, "ip", "allow")]})
    with pytest.raises(CloudError, match=r"constraint violation.*sideways"):
        run_demo(tmp_path / "demo", bad)
    assert processes_mentioning(tmp_path / "demo") == []


def test_ctrl_c_stops_the_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(demo_module, "_load_and_read", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_demo(tmp_path / "demo")
    assert processes_mentioning(tmp_path / "demo") == []
    assert not (tmp_path / "demo" / "nb.pid").exists()


def test_run_dir_errors_are_one_line(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    proc = subprocess.run(
        [sys.executable, "-m", "pyovn", "demo", "--run-dir", str(not_a_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == f"pyovn: {not_a_dir}: exists and is not a directory\n"


def test_refuses_a_run_dir_in_use(tmp_path: Path) -> None:
    run = tmp_path / "demo"
    run.mkdir()
    (run / "nb.pid").write_text(f"{os.getpid()}\n")  # a live process
    with pytest.raises(CloudError, match="already running"):
        run_demo(run)
    assert processes_mentioning(run) == []

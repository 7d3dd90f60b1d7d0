"""Storage: pyovn's database files are ovsdb-server's standalone format.

`ovsdb-tool` and the real ovsdb-server read files pyovn wrote and pyovn reads
files the real server wrote, with the same rows; commits are fsynced before
they are acknowledged; compaction keeps the data; a torn last record is cut
off on open while damage followed by more records is refused.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pyovn.ovsdb.database import Change
from pyovn.ovsdb.errors import StorageError
from pyovn.ovsdb.storage import LogFile, read_records
from tests.helpers.daemons import needs_real_ovsdb, start_pyovn_db, start_real_ovsdb
from tests.helpers.rawrpc import RawRpc

NB = "OVN_Northbound"


def workload(rpc: RawRpc) -> None:
    """Inserts, references, maps, sets, updates, mutations, deletes, comments."""
    for n in range(3):
        ports = [
            {
                "op": "insert",
                "table": "Logical_Switch_Port",
                "uuid-name": f"p{p}",
                "row": {
                    "name": f"sw{n}-p{p}",
                    "addresses": ["set", [f"00:00:00:00:0{n}:0{p} 10.0.{n}.{p}"]],
                    "options": ["map", [["k", "v"], ["n", str(p)]]],
                },
            }
            for p in range(4)
        ]
        rpc.transact(
            NB,
            *ports,
            {
                "op": "insert",
                "table": "Logical_Switch",
                "row": {
                    "name": f"sw{n}",
                    "ports": ["set", [["named-uuid", f"p{p}"] for p in range(4)]],
                    "other_config": ["map", [["subnet", f"10.0.{n}.0/24"]]],
                },
            },
            {"op": "comment", "comment": f"add sw{n}"},
        )
    rpc.transact(
        NB,
        {
            "op": "update",
            "table": "Logical_Switch",
            "where": [["name", "==", "sw0"]],
            "row": {"other_config": ["map", [["subnet", "10.9.0.0/16"], ["mcast", "true"]]]},
        },
        {
            "op": "mutate",
            "table": "Logical_Switch_Port",
            "where": [["name", "==", "sw1-p1"]],
            "mutations": [["options", "delete", ["set", ["k"]]], ["tag_request", "insert", 7]],
        },
        {"op": "delete", "table": "Logical_Switch", "where": [["name", "==", "sw2"]]},
        {"op": "insert", "table": "NB_Global", "row": {"nb_cfg": 42}},
    )


def dump(rpc: RawRpc, db: str = NB) -> dict[str, Any]:
    """Every row of every table, without _version."""
    schema = rpc.call("get_schema", [db])["result"]
    out = {}
    for table, tschema in schema["tables"].items():
        cols = ["_uuid", *tschema["columns"]]
        rows = rpc.transact(db, {"op": "select", "table": table, "where": [], "columns": cols})
        out[table] = sorted(rows[0]["rows"], key=lambda r: r["_uuid"][1])
    return out


@needs_real_ovsdb
def test_ovsdb_tool_and_real_server_read_pyovn_files(tmp_path: Path) -> None:
    ours = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    try:
        with RawRpc(ours.socket) as rpc:
            workload(rpc)
            expected = dump(rpc)
    finally:
        ours.stop()
    db = tmp_path / "nb.db"
    log = subprocess.run(
        ["ovsdb-tool", "show-log", "-m", str(db)], capture_output=True, text=True, check=True
    ).stdout
    assert '"OVN_Northbound" schema, version="7.0.0"' in log
    assert "add sw2" in log and "table Logical_Switch insert row" in log
    assert log.count("record ") == len(read_records(db)) == 1 + 3 + 1
    name = subprocess.run(["ovsdb-tool", "db-name", str(db)], capture_output=True, text=True)
    assert name.stdout.strip() == NB

    real = start_real_ovsdb(tmp_path, "real", "ovn-nb", db_file=db)
    try:
        with RawRpc(real.socket) as rpc:
            assert dump(rpc) == expected
    finally:
        real.stop()
    assert sum(len(rows) for rows in expected.values()) == 2 + 8 + 1


@needs_real_ovsdb
def test_pyovn_reads_files_the_real_server_wrote(tmp_path: Path) -> None:
    real = start_real_ovsdb(tmp_path, "real", "ovn-nb")
    try:
        with RawRpc(real.socket) as rpc:
            workload(rpc)
            expected = dump(rpc)
    finally:
        real.stop()
    ours = start_pyovn_db(tmp_path, "nb", "ovn-nb", db_file=tmp_path / "real.db")
    try:
        with RawRpc(ours.socket) as rpc:
            assert dump(rpc) == expected
            # ... and keeps writing it in a form the real server still reads.
            rpc.transact(NB, {"op": "insert", "table": "Logical_Router", "row": {"name": "lr"}})
            expected = dump(rpc)
    finally:
        ours.stop()
    real = start_real_ovsdb(tmp_path, "real", "ovn-nb", db_file=tmp_path / "real.db")
    try:
        with RawRpc(real.socket) as rpc:
            assert dump(rpc) == expected
    finally:
        real.stop()


def _insert(log: LogFile, name: str) -> None:
    table = log.db.tables["Logical_Switch"]
    row = table.new_row()
    row.update(name=name, _version="v")
    changes = [Change("Logical_Switch", f"00000000-0000-4000-8000-{len(name):012d}", None, row)]
    log.db.apply(changes)
    log.append(changes, [])


def test_flush_fsyncs_once_per_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "nb.db"
    subprocess.run([sys.executable, "-m", "pyovn", "db", "create", str(db), "ovn-nb"], check=True)
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    log = LogFile(db)
    _insert(log, "a")
    _insert(log, "bb")
    assert synced == [] and log.has_pending
    log.flush()
    assert len(synced) == 1 and not log.has_pending
    log.close()
    assert len(read_records(db)) == 3
    nosync = LogFile(db, fsync=False)
    _insert(nosync, "ccc")
    nosync.flush()
    nosync.close()
    assert len(synced) == 1 and len(read_records(db)) == 4


def test_compaction_keeps_the_rows(tmp_path: Path) -> None:
    ours = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    try:
        with RawRpc(ours.socket) as rpc:
            workload(rpc)
            for n in range(30):
                rpc.transact(
                    NB, {"op": "update", "table": "NB_Global", "where": [], "row": {"nb_cfg": n}}
                )
            expected = dump(rpc)
    finally:
        ours.stop()
    db = tmp_path / "nb.db"
    before = db.stat().st_size
    out = subprocess.run(
        [sys.executable, "-m", "pyovn", "db", "compact", str(db)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == f"{db}: {before} -> {db.stat().st_size} bytes"
    assert db.stat().st_size < before and len(read_records(db)) == 2
    ours = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    try:
        with RawRpc(ours.socket) as rpc:
            assert dump(rpc) == expected
    finally:
        ours.stop()
    if subprocess.run(["which", "ovsdb-tool"], capture_output=True).returncode == 0:
        log = subprocess.run(["ovsdb-tool", "show-log", str(db)], capture_output=True, text=True)
        assert log.returncode == 0 and "record 1:" in log.stdout and "record 2" not in log.stdout


def test_torn_last_record_is_cut_off(tmp_path: Path) -> None:
    ours = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    try:
        with RawRpc(ours.socket) as rpc:
            workload(rpc)
            expected = dump(rpc)
    finally:
        ours.stop()
    db = tmp_path / "nb.db"
    good_size = db.stat().st_size
    with open(db, "ab") as f:
        f.write(b'OVSDB JSON 500 0123456789abcdef0123456789abcdef01234567\n{"Logical_Sw')
    ours = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    try:
        with RawRpc(ours.socket) as rpc:
            assert dump(rpc) == expected
    finally:
        ours.stop()
    assert db.stat().st_size == good_size
    assert "truncating" in (tmp_path / "nb.log").read_text()


def test_damage_followed_by_records_is_refused(tmp_path: Path) -> None:
    ours = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    try:
        with RawRpc(ours.socket) as rpc:
            workload(rpc)
    finally:
        ours.stop()
    db = tmp_path / "nb.db"
    data = bytearray(db.read_bytes())
    records = [i for i in range(len(data)) if data.startswith(b"OVSDB JSON", i)]
    damaged_at = records[2]
    data[damaged_at + 40 : damaged_at + 44] = b"XXXX"  # inside record 2's header digest
    db.write_bytes(bytes(data))
    with pytest.raises(StorageError, match="refusing to drop them"):
        LogFile(db)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyovn",
            "db",
            "serve",
            "--db",
            str(db),
            "--remote",
            f"punix:{tmp_path / 'x.sock'}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert f"offset {damaged_at}, followed by more records" in proc.stderr
    assert db.read_bytes() == bytes(data)  # nothing was cut


@needs_real_ovsdb
def test_clustered_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    subprocess.run(
        [
            "ovsdb-tool",
            "create-cluster",
            str(db),
            "/usr/share/ovn/ovn-nb.ovsschema",
            "unix:" + str(tmp_path / "raft.sock"),
        ],
        check=True,
    )
    with pytest.raises(StorageError, match="clustered database files"):
        LogFile(db)


def test_a_database_file_is_locked(tmp_path: Path) -> None:
    ours = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    try:
        with pytest.raises(StorageError, match="locked by another process"):
            LogFile(tmp_path / "nb.db")
    finally:
        ours.stop()

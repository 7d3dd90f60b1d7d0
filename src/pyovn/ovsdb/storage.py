"""The on-disk database: ovsdb-server's standalone log format.

A file is a sequence of records, each a header line
`OVSDB JSON <length> <sha1>` followed by <length> bytes of JSON and a newline
(the newline counts in the length and the SHA-1). The first record is the
schema; each later one is a transaction `{"Table": {"uuid": row-or-null},
"_date": ms, "_comment": text, "_is_diff": true}`, where a row is the full
non-default contents of a new row, or the update2-style difference of a
changed one. `ovsdb-tool` and the real `ovsdb-server` read files pyovn writes
and the other way round.

Writes are appended to a buffer and made durable by `flush()` (write + fsync);
the server calls it once per batch of commits (group commit). A torn last
record, left by a crash mid-write, is cut off on open; damage followed by
more valid records is an error, because cutting there would lose data.
"""

import fcntl
import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from pyovn.ovsdb.database import Change, Database, Row, Table
from pyovn.ovsdb.datum import new_uuid
from pyovn.ovsdb.errors import StorageError
from pyovn.ovsdb.schema import DatabaseSchema

__all__ = ["LogFile", "read_records", "write_new_database"]

log = logging.getLogger(__name__)

_MAGIC = b"OVSDB JSON "
_CLUSTER_MAGIC = b"OVSDB CLUSTER "


def _record(obj: Any) -> bytes:
    body = orjson.dumps(obj) + b"\n"
    return b"%s%d %s\n%s" % (_MAGIC, len(body), hashlib.sha1(body).hexdigest().encode(), body)


@dataclass(slots=True)
class _Scan:
    records: list[Any]
    good_end: int  # offset just past the last valid record
    damaged: str | None  # why reading stopped early, if it did


def _scan(data: bytes) -> _Scan:
    records: list[Any] = []
    pos = 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        header = data[pos:nl] if nl >= 0 else data[pos:]
        if not header.startswith(_MAGIC) or nl < 0:
            return _Scan(records, pos, "bad or incomplete record header")
        try:
            _, _, length_text, digest = header.split(b" ")
            length = int(length_text)
        except ValueError:
            return _Scan(records, pos, "malformed record header")
        body = data[nl + 1 : nl + 1 + length]
        if len(body) < length:
            return _Scan(records, pos, "record is shorter than its header says")
        if hashlib.sha1(body).hexdigest().encode() != digest:
            return _Scan(records, pos, "record checksum mismatch")
        try:
            records.append(orjson.loads(body))
        except ValueError:
            return _Scan(records, pos, "record is not valid JSON")
        pos = nl + 1 + length
    return _Scan(records, pos, None)


def read_records(path: str | Path) -> list[Any]:
    """Every valid record of a file (schema first), for tools and tests."""
    return _scan(Path(path).read_bytes()).records


def write_new_database(path: str | Path, schema: DatabaseSchema) -> None:
    """Create a database file holding only `schema` (like `ovsdb-tool create`)."""
    target = Path(path)
    if target.exists():
        raise StorageError(f"{path}: file already exists")
    with open(target, "wb") as f:
        f.write(_record(schema.to_json()))
        f.flush()
        os.fsync(f.fileno())


class LogFile:
    """An open database file: replays it into a Database, then appends commits."""

    def __init__(self, path: str | Path, fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync_enabled = fsync
        self._lock_fd = self._lock()
        try:
            self._load()
        except BaseException:
            # A file that cannot be opened must not stay locked by this process.
            os.close(self._lock_fd)
            raise

    def _load(self) -> None:
        path = self.path
        data = self._read()
        if data.startswith(_CLUSTER_MAGIC):
            raise StorageError(
                f"{path}: clustered database files are served by the real ovsdb-server "
                "(pyovn db serves standalone files)"
            )
        scan = _scan(data)
        if scan.damaged is not None:
            self._repair(data, scan)
        if not scan.records:
            raise StorageError(f"{path}: no schema record")
        try:
            self.schema = DatabaseSchema.from_json(scan.records[0])
        except StorageError:
            raise
        except Exception as exc:
            raise StorageError(f"{path}: invalid schema record: {exc}") from exc
        self.db = Database(self.schema)
        for index, record in enumerate(scan.records[1:], start=1):
            self._replay(record, index)
        self.snapshot_size = len(_record(self.schema.to_json()))
        self.size = scan.good_end
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self._pending: list[bytes] = []
        self.records_since_snapshot = len(scan.records) - 1

    def _lock(self) -> int:
        lock_path = self.path.parent / f".{self.path.name}.~lock~"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise StorageError(f"{self.path}: database is locked by another process") from None
        return fd

    def _read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot read: {exc.strerror}") from exc

    def _repair(self, data: bytes, scan: _Scan) -> None:
        if data.find(_MAGIC, scan.good_end + 1) >= 0:
            raise StorageError(
                f"{self.path}: {scan.damaged} at offset {scan.good_end}, followed by more "
                "records; refusing to drop them (restore from backup or compact by hand)"
            )
        log.warning(
            "%s: %s at offset %d: truncating %d trailing bytes (torn last write)",
            self.path,
            scan.damaged,
            scan.good_end,
            len(data) - scan.good_end,
        )
        with open(self.path, "r+b") as f:
            f.truncate(scan.good_end)
            f.flush()
            os.fsync(f.fileno())

    # -- replay ----------------------------------------------------------------
    def _replay(self, record: Any, index: int) -> None:
        if not isinstance(record, dict):
            raise StorageError(f"{self.path}: record {index} is not a JSON object")
        is_diff = record.get("_is_diff") is True
        db = self.db
        changes: list[Change] = []
        try:
            for table_name, rows in record.items():
                if table_name.startswith("_"):
                    continue
                table = db.tables.get(table_name)
                if table is None or not isinstance(rows, dict):
                    raise StorageError(f"record {index}: unknown table {table_name}")
                for uuid, value in rows.items():
                    changes.append(self._replay_row(table, uuid, value, is_diff))
        except StorageError as exc:
            raise StorageError(f"{self.path}: {exc}") from exc
        except Exception as exc:
            raise StorageError(f"{self.path}: record {index} cannot be applied: {exc}") from exc
        db.apply(changes)

    def _replay_row(self, table: Table, uuid: str, value: Any, is_diff: bool) -> Change:
        old = table.rows.get(uuid)
        if value is None:
            if old is None:
                raise StorageError(f"delete of missing row {uuid} in {table.name}")
            return Change(table.name, uuid, old, None)
        if not isinstance(value, dict):
            raise StorageError(f"row {uuid} in {table.name} is not an object")
        new: Row = table.new_row() if old is None else dict(old)
        for column, datum in value.items():
            codec = table.codecs.get(column)
            if codec is None:
                raise StorageError(f"unknown column {column} in table {table.name}")
            if is_diff and old is not None:
                new[column] = codec.apply_diff(old[column], datum)
            else:
                new[column] = codec.from_json(datum)
        new["_version"] = _fresh_version(uuid, value)
        return Change(table.name, uuid, old, new)

    # -- appends -------------------------------------------------------------
    def append(self, changes: list[Change], comments: list[str]) -> None:
        """Queue one committed transaction; `flush()` writes it."""
        record: dict[str, Any] = {}
        db = self.db
        for ch in changes:
            table = db.tables[ch.table]
            record.setdefault(ch.table, {})[ch.uuid] = _row_record(table, ch.old, ch.new)
        record["_date"] = int(time.time() * 1000)
        if comments:
            record["_comment"] = "\n".join(comments)
        record["_is_diff"] = True
        self._pending.append(_record(record))
        self.records_since_snapshot += 1

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def flush(self) -> None:
        """Write queued records and fsync (one fsync for the whole batch)."""
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        try:
            os.write(self._fd, data)
            if self.fsync_enabled:
                os.fsync(self._fd)
        except OSError as exc:
            raise StorageError(f"{self.path}: write failed: {exc.strerror}") from exc
        self.size += len(data)

    # -- compaction ---------------------------------------------------------------
    def should_compact(self) -> bool:
        """ovsdb-server's rule of thumb: the log is big and mostly history."""
        return self.records_since_snapshot >= 100 and self.size > max(
            10 * 1024 * 1024, 4 * self.snapshot_size
        )

    def compact(self) -> None:
        """Rewrite the file as schema + one snapshot record, atomically."""
        self.flush()
        snapshot: dict[str, Any] = {}
        for name, table in self.db.tables.items():
            rows = {uuid: _row_record(table, None, row) for uuid, row in table.rows.items()}
            if rows:
                snapshot[name] = rows
        snapshot["_date"] = int(time.time() * 1000)
        snapshot["_comment"] = "compacting database online"
        data = _record(self.schema.to_json()) + _record(snapshot)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        os.close(self._fd)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self.size = self.snapshot_size = len(data)
        self.records_since_snapshot = 1

    def close(self) -> None:
        self.flush()
        os.close(self._fd)
        os.close(self._lock_fd)


def _row_record(table: Table, old: Row | None, new: Row | None) -> Any:
    if new is None:
        return None
    codecs = table.codecs
    if old is None:
        return {c: codec.to_json(new[c]) for c, codec in codecs.items() if new[c] != codec.default}
    return {c: codec.diff(old[c], new[c]) for c, codec in codecs.items() if old[c] != new[c]}


def _fresh_version(uuid: str, value: Any) -> str:
    # _version is not stored in the log; any fresh UUID will do on replay.
    del uuid, value
    return new_uuid()

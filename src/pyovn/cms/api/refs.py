"""Naming tables, columns and records on the command line.

Table and column names are case-insensitive, `-` and `_` are the same, and a
unique prefix is enough. A record is named by its UUID (or a unique prefix of
4+ hex digits), by `.` when the table holds exactly one row, or by the
name-like columns a tool declares for that table (`RowId`): a string column
(`Logical_Switch.name`), a key of a map column (`external_ids:name`), possibly
following a reference from the named row (`Bridge.controller`).
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import NotFoundError, UsageError
from pyovn.ovsdb.datum import is_uuid
from pyovn.ovsdb.schema import ColumnSchema, DatabaseSchema, TableSchema

__all__ = ["RowId", "RowIds", "find_record", "get_record", "resolve_column", "resolve_table"]

_UUID_PREFIX = re.compile(r"[0-9a-fA-F]{4}[0-9a-fA-F-]*")


@dataclass(frozen=True)
class RowId:
    """One way to name a record: match `column` (or its `key`) of `table`'s rows,
    then (with `follow`) take the row that the matched row's `follow` column names."""

    table: str
    column: str
    key: str | None = None
    follow: str | None = None


#: table name -> the ways to name its records, tried in order.
RowIds = Mapping[str, Sequence[RowId]]


def _norm(name: str) -> str:
    return name.lower().replace("-", "_")


def _match_name(kind: str, name: str, candidates: Sequence[str]) -> str | None:
    want = _norm(name)
    exact = [c for c in candidates if _norm(c) == want]
    if exact:
        return exact[0]
    prefixed = sorted(c for c in candidates if _norm(c).startswith(want))
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        raise UsageError(f'"{name}" matches multiple {kind} names: {", ".join(prefixed)}')
    return None


def resolve_table(schema: DatabaseSchema, name: str) -> TableSchema:
    """The table `name` designates (exact, case-insensitive, or a unique prefix)."""
    found = _match_name("table", name, list(schema.tables))
    if found is None:
        raise UsageError(f'unknown table "{name}"')
    return schema.tables[found]


def resolve_column(table: TableSchema, name: str) -> ColumnSchema:
    """The column `name` designates in `table`."""
    want = _norm(name)
    columns = list(table.columns)
    exact = [c for c in columns if _norm(c) == want]
    if exact:
        return table.columns[exact[0]]
    prefixed = sorted(c for c in columns if _norm(c).startswith(want))
    if len(prefixed) > 1:
        raise UsageError(
            f'{table.name} contains more than one column whose name matches "{name}": '
            + ", ".join(prefixed)
        )
    if not prefixed:
        raise UsageError(f'{table.name} does not contain a column whose name matches "{name}"')
    return table.columns[prefixed[0]]


def find_record(ctx: TxnContext, table: str, record: str, row_ids: RowIds) -> Row | None:
    """The row `record` names in `table`, or None; several matches are an error."""
    if is_uuid(record):
        found = ctx.get(table, record.lower())
        if found is not None:
            return found
    for row_id in row_ids.get(table, ()):
        matches = _by_row_id(ctx, row_id, record)
        if len(matches) > 1:
            raise NotFoundError(f'multiple rows in {table} match "{record}"')
        if matches:
            return matches[0]
    if record == ".":
        rows = list(ctx.rows(table))
        if len(rows) == 1:
            return rows[0]
    if _UUID_PREFIX.fullmatch(record) and len(record) < 36:
        prefix = record.lower()
        matches = [row for row in ctx.rows(table) if row.uuid.startswith(prefix)]
        if len(matches) == 1:
            return matches[0]
    return None


def get_record(ctx: TxnContext, table: str, record: str, row_ids: RowIds) -> Row:
    """Like `find_record`, but a missing record is an error."""
    found = find_record(ctx, table, record, row_ids)
    if found is None:
        raise NotFoundError(f'no row "{record}" in table {table}')
    return found


def _by_row_id(ctx: TxnContext, row_id: RowId, record: str) -> list[Row]:
    column = ctx.table(row_id.table).columns[row_id.column]
    if row_id.key is not None:
        matches = [r for r in ctx.rows(row_id.table) if r[row_id.column].get(row_id.key) == record]
    elif column.type.is_scalar:
        matches = ctx.find(row_id.table, row_id.column, record)
    else:
        matches = [r for r in ctx.rows(row_id.table) if record in r[row_id.column]]
    if row_id.follow is None:
        return matches
    out: list[Row] = []
    for match in matches:
        target_table = ctx.table(row_id.table).columns[row_id.follow].type.key.ref_table
        assert target_table is not None
        value = match[row_id.follow]
        refs = [value] if isinstance(value, str) else sorted(value)
        for uuid in refs:
            target = ctx.get(target_table, uuid)
            if target is not None:
                out.append(target)
    return out

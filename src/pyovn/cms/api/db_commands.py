"""The generic database commands every ctl tool has (ovs-vsctl(8) "Database
Commands"): list, find, get, set, add, remove, clear, create, destroy,
wait-until. They take the user's text and parse it against the schema when
they run, so a bad value fails before anything is sent.
"""

from dataclasses import dataclass, field
from typing import Any

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.conditions import (
    Condition,
    parse_column_arg,
    parse_condition,
    parse_set_value,
    relaxed,
)
from pyovn.cms.api.refs import find_record, resolve_column, resolve_table
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.api.values import parse_value
from pyovn.cms.errors import NotFoundError, UsageError, ValueSyntaxError
from pyovn.ovsdb.datum import codec_for
from pyovn.ovsdb.schema import ColumnSchema, ColumnType, TableSchema

__all__ = [
    "AddCommand",
    "ClearCommand",
    "CreateCommand",
    "DbTable",
    "DestroyCommand",
    "FindCommand",
    "GetCommand",
    "ListCommand",
    "NotReady",
    "RemoveCommand",
    "SetCommand",
    "WaitUntilCommand",
]


class NotReady(Exception):
    """Raised by a command that must wait for the database to change."""


@dataclass
class DbTable:
    """Rows to print: one heading and one column type per column."""

    headings: list[str]
    types: list[ColumnType]
    rows: list[list[Any]] = field(default_factory=list)


def _columns(table: TableSchema, names: list[str] | None) -> list[ColumnSchema]:
    if names is None:
        return [table.columns["_uuid"]] + [
            table.user_columns[n] for n in sorted(table.user_columns)
        ]
    return [resolve_column(table, n) for n in names]


def _table_of(rows: list[Row], columns: list[ColumnSchema]) -> DbTable:
    out = DbTable([c.name for c in columns], [c.type for c in columns])
    out.rows = [[row[c.name] for c in columns] for row in rows]
    return out


class ListCommand(ReadCommand):
    """`list TABLE [RECORD]...`: whole records (all of the table by default)."""

    def __init__(
        self,
        table: str,
        records: list[str] | None = None,
        columns: list[str] | None = None,
        if_exists: bool = False,
    ) -> None:
        self.table, self.records, self.columns, self.if_exists = table, records, columns, if_exists

    def run(self, ctx: TxnContext) -> None:
        table = resolve_table(ctx.schema, self.table)
        columns = _columns(table, self.columns)
        if not self.records:
            rows = list(ctx.rows(table.name))
        else:
            rows = []
            for record in self.records:
                row = find_record(ctx, table.name, record, ctx.row_ids)
                if row is None:
                    if self.if_exists:
                        continue
                    raise NotFoundError(f'no row "{record}" in table {table.name}')
                rows.append(row)
        self.result = _table_of(rows, columns)


class FindCommand(ReadCommand):
    """`find TABLE [COLUMN[:KEY]OP VALUE]...`: the records that match every test."""

    def __init__(self, table: str, conditions: list[str], columns: list[str] | None = None):
        self.table, self.conditions, self.columns = table, conditions, columns

    def run(self, ctx: TxnContext) -> None:
        table = resolve_table(ctx.schema, self.table)
        tests = [parse_condition(table, c, ctx.symbol) for c in self.conditions]
        rows = [r for r in ctx.rows(table.name) if all(t.matches(r) for t in tests)]
        self.result = _table_of(rows, _columns(table, self.columns))


class GetCommand(ReadCommand):
    """`get TABLE RECORD [COLUMN[:KEY]]...`: (value, type) per column, None for a
    missing key under --if-exists."""

    def __init__(
        self,
        table: str,
        record: str,
        columns: list[str],
        if_exists: bool = False,
        id: str | None = None,
    ) -> None:
        self.table, self.record, self.columns = table, record, columns
        self.if_exists, self.id = if_exists, id
        if if_exists and id is not None:
            raise UsageError("--if-exists and --id may not be specified together")

    def run(self, ctx: TxnContext) -> None:
        table = resolve_table(ctx.schema, self.table)
        row = find_record(ctx, table.name, self.record, ctx.row_ids)
        self.result = []
        if row is None:
            if self.if_exists:
                return
            raise NotFoundError(f'no row "{self.record}" in table {table.name}')
        if self.id is not None:
            ctx.define_symbol(self.id, row.uuid)
        for text in self.columns:
            arg = parse_column_arg(table, text, (), ctx.symbol)
            value = row[arg.column.name]
            if arg.key is None:
                self.result.append((value, arg.column.type))
            elif arg.key in value:
                assert arg.column.type.value is not None
                self.result.append((value[arg.key], ColumnType(arg.column.type.value)))
            elif self.if_exists:
                self.result.append(None)
            else:
                raise NotFoundError(
                    f'no key "{arg.key}" in {table.name} record "{self.record}" column '
                    f"{arg.column.name}"
                )


class _RecordCommand(Command):
    """A command on one record that --if-exists may skip."""

    def __init__(self, table: str, record: str, args: list[str], if_exists: bool = False):
        self.table, self.record, self.args, self.if_exists = table, record, args, if_exists

    def run(self, ctx: TxnContext) -> None:
        table = resolve_table(ctx.schema, self.table)
        row = find_record(ctx, table.name, self.record, ctx.row_ids)
        if row is None:
            if self.if_exists:
                return
            raise NotFoundError(f'no row "{self.record}" in table {table.name}')
        self.apply(ctx, table, row)

    def apply(self, ctx: TxnContext, table: TableSchema, row: Row) -> None:
        raise NotImplementedError


def _assign(ctx: TxnContext, table: TableSchema, row: Row, texts: list[str]) -> None:
    for text in texts:
        arg = parse_column_arg(table, text, ("=",), ctx.symbol)
        if arg.op is None:
            raise UsageError(f'{text}: argument does not end in "=" followed by a value.')
        if arg.column.name in ("_uuid", "_version"):
            raise UsageError(f"cannot modify read-only column {arg.column.name}")
        value = parse_set_value(arg, ctx.symbol)
        if arg.key is not None:
            row.setkey(arg.column.name, arg.key, value)
        else:
            row[arg.column.name] = value


class SetCommand(_RecordCommand):
    """`set TABLE RECORD COLUMN[:KEY]=VALUE...`."""

    def apply(self, ctx: TxnContext, table: TableSchema, row: Row) -> None:
        _assign(ctx, table, row, self.args)


class AddCommand(_RecordCommand):
    """`add TABLE RECORD COLUMN [KEY=]VALUE...`: add to a set or map (keeping old keys)."""

    def apply(self, ctx: TxnContext, table: TableSchema, row: Row) -> None:
        column = resolve_column(table, self.args[0])
        ctype = relaxed(column.type)
        for text in self.args[1:]:
            value = parse_value(text, ctype, ctx.symbol)
            if column.type.is_map:
                for key, item in value.items():
                    if key not in row[column.name]:
                        row.setkey(column.name, key, item)
            elif column.type.is_scalar:
                if len(value) != 1:
                    raise ValueSyntaxError(f"{text}: scalar column takes exactly one value")
                row[column.name] = next(iter(value))
            else:
                row.add(column.name, *value)


class RemoveCommand(_RecordCommand):
    """`remove TABLE RECORD COLUMN VALUE|KEY|KEY=VALUE...`."""

    def apply(self, ctx: TxnContext, table: TableSchema, row: Row) -> None:
        column = resolve_column(table, self.args[0])
        for text in self.args[1:]:
            if column.type.is_map:
                self._remove_from_map(ctx, row, column, text)
                continue
            atoms = parse_value(text, relaxed(column.type), ctx.symbol)
            if len(row[column.name] - atoms) < column.type.min:
                raise UsageError(
                    f'"remove" operation would put {len(row[column.name] - atoms)} values in '
                    f"column {column.name} of table {table.name} but the minimum number is "
                    f"{column.type.min}"
                )
            row.discard(column.name, *atoms)

    @staticmethod
    def _remove_from_map(ctx: TxnContext, row: Row, column: ColumnSchema, text: str) -> None:
        ctype = relaxed(column.type)
        try:
            pairs = parse_value(text, ctype, ctx.symbol)
        except ValueSyntaxError:
            keys = parse_value(text, ColumnType(column.type.key, None, 0, ctype.max), ctx.symbol)
            for key in keys:
                row.delkey(column.name, key)
            return
        for key, value in pairs.items():
            row.delkey(column.name, key, value)


class ClearCommand(_RecordCommand):
    """`clear TABLE RECORD COLUMN...`: empty sets and maps."""

    def apply(self, ctx: TxnContext, table: TableSchema, row: Row) -> None:
        for name in self.args:
            column = resolve_column(table, name)
            if column.type.min > 0:
                raise UsageError(
                    f'"clear" operation cannot be applied to column {column.name} of table '
                    f"{table.name}, which is not allowed to be empty"
                )
            row[column.name] = codec_for(column.type).default


class CreateCommand(Command):
    """`create TABLE COLUMN[:KEY]=VALUE...`: a new record; the result is its UUID."""

    def __init__(self, table: str, args: list[str], id: str | None = None) -> None:
        self.table, self.args, self.id = table, args, id

    def run(self, ctx: TxnContext) -> None:
        table = resolve_table(ctx.schema, self.table)
        uuid = None
        if self.id is not None:
            uuid = self.id.lower() if not self.id.startswith("@") else ctx.define_symbol(self.id)
        elif not table.is_root:
            ctx.warnings.append(
                f'applying "create" command to table {table.name} without --id option will '
                "have no effect"
            )
        row = ctx.insert(table.name, uuid)
        _assign(ctx, table, row, self.args)
        self.result = row.uuid


class DestroyCommand(Command):
    """`destroy TABLE RECORD...` (or every record with `all`)."""

    def __init__(
        self, table: str, records: list[str], if_exists: bool = False, all: bool = False
    ) -> None:
        self.table, self.records, self.if_exists, self.all = table, records, if_exists, all
        if all and records:
            raise UsageError("--all and records argument should not be specified together")
        if not all and not records:
            raise UsageError("either --all or records argument should be specified")

    def run(self, ctx: TxnContext) -> None:
        table = resolve_table(ctx.schema, self.table)
        # Rows of non-root tables live while referenced; like the real tools,
        # destroy leaves them to garbage collection instead of failing.
        if not table.is_root:
            for record in self.records:
                if find_record(ctx, table.name, record, ctx.row_ids) is None and not self.if_exists:
                    raise NotFoundError(f'no row "{record}" in table {table.name}')
            return
        if self.all:
            for each in list(ctx.rows(table.name)):
                each.delete()
            return
        for record in self.records:
            row = find_record(ctx, table.name, record, ctx.row_ids)
            if row is None:
                if self.if_exists:
                    continue
                raise NotFoundError(f'no row "{record}" in table {table.name}')
            row.delete()


class WaitUntilCommand(ReadCommand):
    """`wait-until TABLE RECORD [COLUMN[:KEY]OP VALUE]...`: raises NotReady until true."""

    def __init__(self, table: str, record: str, conditions: list[str]) -> None:
        self.table, self.record, self.conditions = table, record, conditions

    def run(self, ctx: TxnContext) -> None:
        table = resolve_table(ctx.schema, self.table)
        tests: list[Condition] = [parse_condition(table, c, ctx.symbol) for c in self.conditions]
        found = find_record(ctx, table.name, self.record, ctx.row_ids)
        if found is None or not all(t.matches(found) for t in tests):
            raise NotReady(f"{table.name} {self.record}")

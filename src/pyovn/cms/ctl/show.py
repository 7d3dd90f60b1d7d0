"""The generic `show` of ovn-sbctl and ovs-vsctl: a tree of records.

A `ShowTable` says how one table prints: the column whose value labels a
record (none: the record's UUID alone, as the Open_vSwitch root), the
columns to print in order (a reference to another shown table prints that
record nested one level deeper; other columns print as `column: value` when
not at their default), and records of another table that point back at it
(Port_Binding rows under their Chassis).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from pyovn.cms.api.command import ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.api.values import format_value
from pyovn.ovsdb.datum import codec_for
from pyovn.ovsdb.schema import ColumnType

__all__ = ["ShowCommand", "ShowTable"]


@dataclass(frozen=True)
class ShowTable:
    """How one table appears in `show`."""

    table: str
    name_column: str | None
    columns: tuple[str, ...]
    #: (table, its name column, its column referring to this table)
    back_refs: tuple[str, str, str] | None = None


class ShowCommand(ReadCommand):
    """`show`: the result is the text; `root_order` sorts the top-level records."""

    def __init__(self, tables: Sequence[ShowTable]) -> None:
        self.tables = {t.table: t for t in tables}
        self.root = tables[0]

    def run(self, ctx: TxnContext) -> None:
        lines: list[str] = []
        roots = list(ctx.rows(self.root.table))
        if self.root.name_column is not None:
            name = self.root.name_column
            roots.sort(key=lambda r: (format_value(r[name], _ctype(r, name)), r.uuid))
        for row in roots:
            self._row(ctx, row, 0, lines, set())
        self.result = "".join(line + "\n" for line in lines)

    def _row(self, ctx: TxnContext, row: Row, level: int, out: list[str], seen: set[str]) -> None:
        spec = self.tables[row.table.name]
        pad = "    " * level
        if spec.name_column is None:
            out.append(f"{pad}{row.uuid}")
        else:
            label = format_value(row[spec.name_column], _ctype(row, spec.name_column))
            out.append(f"{pad}{row.table.name} {label}")
        seen = seen | {row.uuid}
        for column in spec.columns:
            self._column(ctx, row, column, level, out, seen)
        if spec.back_refs is not None:
            table, name_column, ref_column = spec.back_refs
            # ovn-sbctl prints these in hash order; pyovn sorts them by name.
            names = sorted(
                format_value(r[name_column], _ctype(r, name_column))
                for r in ctx.rows(table)
                if row.uuid in _atoms(r[ref_column])
            )
            out.extend(f"{pad}    {table} {name}" for name in names)

    def _column(
        self, ctx: TxnContext, row: Row, column: str, level: int, out: list[str], seen: set[str]
    ) -> None:
        ctype = _ctype(row, column)
        value = row[column]
        target = ctype.key.ref_table
        if target is not None and target in self.tables and not ctype.is_map:
            for uuid in sorted(_atoms(value)):
                child = ctx.get(target, uuid)
                if child is not None and uuid not in seen:
                    self._row(ctx, child, level + 1, out, seen)
            return
        if value == codec_for(ctype).default:
            return
        out.append(f"{'    ' * (level + 1)}{column}: {format_value(value, ctype)}")


def _ctype(row: Row, column: str) -> ColumnType:
    return row.table.columns[column].type


def _atoms(value: object) -> frozenset[str]:
    if isinstance(value, frozenset):
        return value
    if isinstance(value, str):
        return frozenset((value,))
    return frozenset()

"""Commit-time checks of a transaction (the part of RFC 7047 that spans rows).

In order, as ovsdb-server does them:
1. strong references must point at rows that exist after the transaction,
   and a deleted row must not be left strongly referenced;
2. garbage collection: rows of non-root tables that nothing strongly
   references any more are deleted, cascading;
3. weak references to rows that are gone are removed, and a column that
   drops below its minimum count fails the transaction;
4. `maxRows` limits and unique `indexes`.
Then the surviving changes, minus no-op modifications, become `Change`s and
are applied to the database.
"""

from collections import Counter
from typing import Any

from pyovn.ovsdb.database import Change, Row, index_key
from pyovn.ovsdb.datum import format_atom, new_uuid
from pyovn.ovsdb.errors import TransactionError
from pyovn.ovsdb.txn import Transaction

__all__ = ["commit"]


def commit(txn: Transaction) -> list[Change]:
    """Check and apply `txn`; returns its changes or raises TransactionError."""
    db = txn.db
    delta = _strong_ref_delta(txn)
    _check_strong_targets(txn)
    _collect_garbage(txn, delta)
    _check_deleted_unreferenced(txn, delta)
    _drop_weak_references(txn)
    _check_max_rows(txn)
    _check_indexes(txn)
    changes = _finalize(txn)
    if changes:
        db.apply(changes)
    return changes


def _strong_ref_delta(txn: Transaction) -> Counter[str]:
    """Change in the number of strong references to each UUID."""
    delta: Counter[str] = Counter()
    for table_name, _, old, new in txn.changed_rows():
        table = txn.db.tables[table_name]
        if not table.ref_columns:
            continue
        for _, target, strong in table.refs(old):
            if strong:
                delta[target] -= 1
        for _, target, strong in table.refs(new):
            if strong:
                delta[target] += 1
    return delta


def _check_strong_targets(txn: Transaction) -> None:
    for table_name, uuid, old, new in txn.changed_rows():
        if new is None:
            continue
        table = txn.db.tables[table_name]
        for rc in table.ref_columns:
            value = new[rc.name]
            if not value or (old is not None and old[rc.name] == value):
                continue
            for ref_table, target, strong in rc.targets(value):
                if strong and not txn.exists(ref_table, target):
                    raise TransactionError(
                        "referential integrity violation",
                        f"Table {table_name} column {rc.name} row {uuid} references "
                        f"nonexistent row {target} in table {ref_table}.",
                    )


def _collect_garbage(txn: Transaction, delta: Counter[str]) -> None:
    db = txn.db
    pending = [
        (table, uuid)
        for table, uuid, _, new in txn.changed_rows()
        if new is not None and not db.tables[table].schema.is_root
    ]
    pending.extend(
        (db.row_table[target], target)
        for target, change in delta.items()
        if change < 0 and target in db.row_table
    )
    while pending:
        table_name, uuid = pending.pop()
        table = db.tables[table_name]
        if table.schema.is_root:
            continue
        row = txn.get(table_name, uuid)
        if row is None or db.strong_refs.get(uuid, 0) + delta[uuid] > 0:
            continue
        txn.delete(table_name, uuid)
        for ref_table, target, strong in table.refs(row):
            if strong:
                delta[target] -= 1
                pending.append((ref_table, target))


def _check_deleted_unreferenced(txn: Transaction, delta: Counter[str]) -> None:
    db = txn.db
    for table_name, uuid, old, new in txn.changed_rows():
        if new is None and old is not None:
            remaining = db.strong_refs.get(uuid, 0) + delta[uuid]
            if remaining > 0:
                raise TransactionError(
                    "referential integrity violation",
                    f"cannot delete {table_name} row {uuid} because of {remaining} "
                    "remaining reference(s)",
                )


def _drop_weak_references(txn: Transaction) -> None:
    db = txn.db
    # Rows outside the transaction that weakly reference a row deleted here.
    referrers: set[tuple[str, str]] = set()
    for _, uuid, old, new in list(txn.changed_rows()):
        if new is None and old is not None:
            referrers |= db.weak_referrers.get(uuid, set())
    for table_name, uuid, _, new in list(txn.changed_rows()):
        if new is not None and db.tables[table_name].weak_ref_columns:
            referrers.add((table_name, uuid))
    for table_name, uuid in referrers:
        row = txn.get(table_name, uuid)
        if row is not None:
            _drop_dangling_weak(txn, table_name, uuid, row)


def _drop_dangling_weak(txn: Transaction, table_name: str, uuid: str, row: Row) -> None:
    table = txn.db.tables[table_name]
    for rc in table.weak_ref_columns:
        value = row[rc.name]
        if not value:
            continue
        kept = _without_dangling(txn, rc.codec.is_map, rc.codec.scalar, rc, value)
        if kept is value:
            continue
        n = len(kept)
        if n < rc.codec.min:
            dropped = 1 if rc.codec.scalar else len(value) - n
            entry = txn.changes.get(table_name, {}).get(uuid)
            inserted = " (inserted within this transaction)" if entry and entry[0] is None else ""
            raise TransactionError(
                "constraint violation",
                f"Deletion of {dropped} weak reference(s) to deleted (or never-existing) rows "
                f'from column "{rc.name}" in "{table_name}" row {uuid}{inserted} caused this '
                "column to become empty, but constraints on this column disallow an empty column.",
            )
        txn.writable(table_name, uuid)[rc.name] = kept


def _without_dangling(txn: Transaction, is_map: bool, scalar: bool, rc: Any, value: Any) -> Any:
    """`value` without weak references to missing rows (the same object if none)."""
    if scalar:
        if not rc.key_strong and not txn.exists(rc.key_table, value):
            return frozenset()
        return value
    if is_map:

        def alive(k: Any, v: Any) -> bool:
            if rc.key_table is not None and not rc.key_strong and not txn.exists(rc.key_table, k):
                return False
            return not (
                rc.value_table is not None
                and not rc.value_strong
                and not txn.exists(rc.value_table, v)
            )

        kept_map = {k: v for k, v in value.items() if alive(k, v)}
        return value if len(kept_map) == len(value) else kept_map
    kept = frozenset(a for a in value if txn.exists(rc.key_table, a))
    return value if len(kept) == len(value) else kept


def _check_max_rows(txn: Transaction) -> None:
    for table_name in txn.changes:
        limit = txn.db.tables[table_name].schema.max_rows
        if limit is None:
            continue
        n = txn.row_count(table_name)
        if n > limit:
            raise TransactionError(
                "constraint violation",
                f'transaction causes "{table_name}" table to contain {n} rows, greater than '
                f"the schema-defined limit of {limit} row(s)",
            )


def _check_indexes(txn: Transaction) -> None:
    db = txn.db
    for table_name, pending in txn.changes.items():
        table = db.tables[table_name]
        for index in table.indexes:
            seen: dict[tuple[Any, ...], str] = {}
            for uuid, (_, new) in pending.items():
                if new is None:
                    continue
                key = index_key(new, index.columns)
                other = seen.get(key)
                if other is None:
                    holder = index.rows.get(key)
                    if holder is not None and holder != uuid:
                        held = txn.get(table_name, holder)
                        if held is not None and index_key(held, index.columns) == key:
                            other = holder
                if other is not None:
                    raise _index_error(txn, table_name, index.columns, key, new, other, uuid)
                seen[key] = uuid


def _index_error(
    txn: Transaction,
    table: str,
    columns: tuple[str, ...],
    key: tuple[Any, ...],
    row: Row,
    first: str,
    second: str,
) -> TransactionError:
    codecs = txn.db.tables[table].codecs
    pending = txn.changes.get(table, {})

    def values(r: Row) -> str:
        return _english([_datum_text(codecs[c].to_json(r[c])) for c in columns])

    def origin(u: str) -> str:
        entry = pending.get(u)
        if entry is None:
            return (
                "existed in the database before this transaction and was not modified by the "
                "transaction"
            )
        old, _ = entry
        if old is None:
            return "was inserted by this transaction"
        return f"had the following index values before the transaction: {values(old)}"

    plural = "s" if len(columns) > 1 else ""
    names = _english([f'"{c}"' for c in columns])
    return TransactionError(
        "constraint violation",
        f'Transaction causes multiple rows in "{table}" table to have identical values '
        f"({values(row)}) for index on column{plural} {names}.  First row, with UUID {first}, "
        f"{origin(first)}.  Second row, with UUID {second}, {origin(second)}.",
    )


def _english(items: list[str]) -> str:
    """ "a", "a and b", "a, b, and c"."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _datum_text(value: Any) -> str:
    """A datum in wire form as ovsdb-server writes it in messages."""
    if isinstance(value, list) and len(value) == 2 and value[0] == "uuid":
        return str(value[1])
    if isinstance(value, list) and len(value) == 2 and value[0] == "set":
        return "[" + ", ".join(_datum_text(v) for v in value[1]) + "]"
    if isinstance(value, list) and len(value) == 2 and value[0] == "map":
        pairs = (f"{_datum_text(k)}={_datum_text(v)}" for k, v in value[1])
        return "{" + ", ".join(pairs) + "}"
    return format_atom(value)


def _finalize(txn: Transaction) -> list[Change]:
    changes: list[Change] = []
    for table_name, uuid, old, new in txn.changed_rows():
        if old is not None and new is not None:
            if all(old[c] == new[c] for c in new if c != "_version"):
                continue
            new["_version"] = new_uuid()
        changes.append(Change(table_name, uuid, old, new))
    return changes

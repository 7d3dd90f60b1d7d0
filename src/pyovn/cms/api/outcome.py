"""A transaction whose reply was lost: did it commit, and may it run again?

When the connection drops after a transaction was sent (a cluster leader
killed, a server restarted), its outcome is unknown. Sending the same
operations again could apply them twice; giving up could lose a change the
user asked for. The tools decide from what they can see once they have
reconnected and their replica is current again, and only retry when that
is safe:

- A transaction that inserts rows names their UUIDs itself (`TxnContext`).
  Transactions are atomic, so if any of those rows exists it committed; if
  none does, it has not committed yet. Every later attempt then carries a
  `wait` that those UUIDs are still absent, so the lost attempt and the
  retry can never both commit (if a new leader still commits the old entry
  first, the retry fails its wait and the next check finds the rows).
- A transaction that only deletes rows has had its effect if they are gone.
- Otherwise it only updates and mutates rows that exist. Its updates write
  absolute values and its set/map mutations add or remove elements, so
  running the commands again on the fresh state converges to the same
  result instead of doubling it. The one exception is arithmetic (`+=`) on
  a column other than the `--wait` counter, which would be counted twice:
  such an outcome is reported as unknown instead.
"""

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

__all__ = ["Verdict", "judge_lost", "lost_insert_guards"]

_ARITHMETIC = {"+=", "-=", "*=", "/=", "%="}


class Verdict(Enum):
    COMMITTED = "committed"
    RETRY = "retry"
    UNKNOWN = "unknown"


def _inserted(ops: Iterable[Any]) -> list[tuple[str, str]]:
    return [
        (op["table"], op["uuid"])
        for op in ops
        if op.get("op") == "insert" and isinstance(op.get("uuid"), str)
    ]


def _deleted(ops: Iterable[Any]) -> list[tuple[str, str]]:
    out = []
    for op in ops:
        where = op.get("where")
        if op.get("op") == "delete" and isinstance(where, list) and len(where) == 1:
            column, function, value = where[0]
            if column == "_uuid" and function == "==":
                out.append((op["table"], value[1]))
    return out


def judge_lost(
    ops: list[Any], tables: Mapping[str, Mapping[str, Any]], counter_column: str | None
) -> Verdict:
    """What the lost attempt `ops` did, judged on current replica `tables` (name -> rows)."""
    inserted = _inserted(ops)
    if inserted:
        present = any(uuid in tables[table] for table, uuid in inserted)
        return Verdict.COMMITTED if present else Verdict.RETRY
    writes = [op for op in ops if op.get("op") in ("update", "mutate", "delete")]
    deleted = _deleted(ops)
    if deleted and len(deleted) == len(writes):
        gone = all(uuid not in tables[table] for table, uuid in deleted)
        return Verdict.COMMITTED if gone else Verdict.RETRY
    for op in writes:
        for column, mutator, _ in op.get("mutations", ()):
            if mutator in _ARITHMETIC and column != counter_column:
                return Verdict.UNKNOWN
    return Verdict.RETRY


def lost_insert_guards(lost: list[list[Any]]) -> list[Any]:
    """`wait` ops that fail if any row inserted by a lost attempt exists."""
    return [
        {
            "op": "wait",
            "timeout": 0,
            "table": table,
            "where": [["_uuid", "==", ["uuid", uuid]]],
            "columns": ["_uuid"],
            "until": "==",
            "rows": [],
        }
        for ops in lost
        for table, uuid in _inserted(ops)
    ]

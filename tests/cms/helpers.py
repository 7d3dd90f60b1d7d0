"""Running the real ctl tools and pyovn's side by side, and comparing databases.

`real()` runs ovn-nbctl/ovn-sbctl/ovs-vsctl as a process; `ours()` runs the
same command line through pyovn's `run_tool` in this process (no interpreter
start-up per command). Both return an `Outcome`: status, stdout, and the
error message without the program-name prefix.

`canonical_db()` reads a whole database and rewrites every row with its
references replaced by the referenced row's own canonical form (named rows
by their name), so two databases built by different tools, whose UUIDs all
differ, compare equal exactly when they hold the same content.
"""

import asyncio
import io
import json
import re
import subprocess
from collections import Counter
from contextlib import redirect_stderr
from dataclasses import dataclass
from typing import Any

from pyovn.cms.ctl.runner import Tool, run_tool
from pyovn.errors import PyovnError
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.replica import Replica

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SKIP_COLUMNS = {"nb_cfg", "sb_cfg", "hv_cfg", "nb_cfg_timestamp", "sb_cfg_timestamp"}
SKIP_COLUMNS |= {"hv_cfg_timestamp", "next_cfg", "cur_cfg"}


@dataclass
class Outcome:
    status: int
    out: str
    error: str

    def same_as(self, other: "Outcome", uuids: bool = True, ordered: bool = True) -> bool:
        def norm(text: str) -> Any:
            text = UUID_RE.sub("<uuid>", text) if not uuids else text
            return text if ordered else sorted(text.splitlines())

        return (self.status == 0) == (other.status == 0) and (
            norm(self.out),
            norm(self.error),
        ) == (norm(other.out), norm(other.error))


def real(binary: str, remote: str, args: list[str], timeout: float = 20) -> Outcome:
    proc = subprocess.run(
        [binary, f"--db={remote}", "--timeout=15", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    errors = [
        line.split(": ", 1)[1]
        for line in proc.stderr.splitlines()
        if line.startswith(f"{binary}: ")
    ]
    return Outcome(proc.returncode, proc.stdout, "\n".join(errors))


def ours(tool: Tool, remote: str, args: list[str]) -> Outcome:
    out = io.StringIO()
    err = io.StringIO()
    try:
        with redirect_stderr(err):
            status = run_tool(tool, [f"--db={remote}", "--timeout=15", *args], out)
    except PyovnError as exc:
        return Outcome(1, out.getvalue(), str(exc))
    warnings = [line.split(": ", 1)[1] for line in err.getvalue().splitlines() if ": " in line]
    return Outcome(status, out.getvalue(), "\n".join(warnings) if status else "")


# -- databases --------------------------------------------------------------------
async def _dump(remote: str, db: str) -> tuple[dict[str, dict[str, dict[str, Any]]], Any]:
    client = OvsdbClient(remote, reconnect=False)
    await client.connect()
    try:
        replica = Replica(client, db)
        await replica.start()
        assert replica.schema is not None
        return {name: dict(t.rows) for name, t in replica.tables.items()}, replica.schema
    finally:
        await client.close()


def dump(remote: str, db: str) -> dict[str, dict[str, dict[str, Any]]]:
    return asyncio.run(_dump(remote, db))[0]


def canonical_db(remote: str, db: str) -> dict[str, Counter[str]]:
    """table -> multiset of canonical rows (JSON text), UUIDs replaced by content."""
    tables, schema = asyncio.run(_dump(remote, db))
    owner = {uuid: name for name, rows in tables.items() for uuid in rows}
    memo: dict[str, str] = {}

    def canon_ref(uuid: str, depth: int) -> Any:
        table = owner.get(uuid)
        if table is None:
            return "<dangling>"
        row = tables[table][uuid]
        name = row.get("name")
        if isinstance(name, str) and name:
            return f"{table}:{name}"
        if depth > 4:
            return f"{table}:<deep>"
        if uuid not in memo:
            memo[uuid] = json.dumps(canon_row(table, row, depth + 1), sort_keys=True)
        return memo[uuid]

    def canon_value(value: Any, refs: bool, depth: int) -> Any:
        if isinstance(value, dict):
            return sorted(
                (canon_value(k, refs, depth), canon_value(v, refs, depth)) for k, v in value.items()
            )
        if isinstance(value, frozenset):
            return sorted(json.dumps(canon_value(v, refs, depth)) for v in value)
        if refs and isinstance(value, str) and value in owner:
            return canon_ref(value, depth)
        return value

    def canon_row(table: str, row: dict[str, Any], depth: int) -> dict[str, Any]:
        columns = schema.tables[table].user_columns
        out = {}
        for column, value in row.items():
            if column in SKIP_COLUMNS:
                continue
            ctype = columns[column].type
            refs = ctype.key.ref_table is not None or (
                ctype.value is not None and ctype.value.ref_table is not None
            )
            out[column] = canon_value(value, refs, depth)
        return out

    return {
        table: Counter(
            json.dumps(canon_row(table, row, 0), sort_keys=True) for row in rows.values()
        )
        for table, rows in tables.items()
    }


def diff_dbs(a: dict[str, Counter[str]], b: dict[str, Counter[str]]) -> list[str]:
    out = []
    for table in sorted(set(a) | set(b)):
        only_a = a.get(table, Counter()) - b.get(table, Counter())
        only_b = b.get(table, Counter()) - a.get(table, Counter())
        out.extend(f"{table} only in first: {row}" for row in only_a)
        out.extend(f"{table} only in second: {row}" for row in only_b)
    return out


def blocks(text: str, separator: str = "show") -> list[str]:
    """Top-level records of `show` (unindented lines) or `list` (blank-line separated)."""
    if separator == "list":
        return sorted(b.strip("\n") for b in text.split("\n\n") if b.strip())
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        if not line.startswith(" ") or not out:
            out.append(line)
        else:
            out[-1] += line
    return sorted(out)

"""The generic database verbs (list, find, get, set, add, remove, clear,
create, destroy, wait-until, comment) as every ctl tool spells them, and the
printers of results that are rows."""

from typing import Any

from pyovn.cms.api import db_commands as db
from pyovn.cms.api.command import ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.api.values import format_value
from pyovn.cms.ctl.argv import UNLIMITED, Invocation, ParsedCommand, Verb
from pyovn.cms.ctl.formats import format_table

__all__ = ["DB_VERBS", "CommentCommand", "lines", "uuid_and_name"]


class CommentCommand(ReadCommand):
    """`comment [ARG]...`: does nothing (the arguments go into the log)."""

    def run(self, ctx: TxnContext) -> None:
        self.result = None


def lines(items: Any) -> str:
    """One line per item."""
    return "".join(f"{item}\n" for item in items)


def uuid_and_name(rows: list[Row]) -> str:
    """`UUID (NAME)` lines, as the *-list verbs print."""
    return lines(f"{r.uuid} ({r.name})" for r in rows)


def _columns(p: ParsedCommand) -> list[str] | None:
    text = p.value("--columns")
    return text.split(",") if text else None


def _show_table(command: Any, inv: Invocation) -> str:
    return format_table(command.result, inv.formatting)


def _show_get(command: Any, inv: Invocation) -> str:
    out = []
    for cell in command.result:
        out.append("" if cell is None else format_value(cell[0], cell[1]))
    return lines(out)


def _show_result(command: Any, inv: Invocation) -> str:
    return f"{command.result}\n" if command.result is not None else ""


DB_VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in (
        Verb(
            "list",
            1,
            UNLIMITED,
            ("--if-exists", "--columns="),
            lambda p, api: db.ListCommand(p.args[0], p.args[1:], _columns(p), p.has("--if-exists")),
            _show_table,
        ),
        Verb(
            "find",
            1,
            UNLIMITED,
            ("--columns=",),
            lambda p, api: db.FindCommand(p.args[0], p.args[1:], _columns(p)),
            _show_table,
        ),
        Verb(
            "get",
            2,
            UNLIMITED,
            ("--if-exists", "--id="),
            lambda p, api: db.GetCommand(
                p.args[0], p.args[1], p.args[2:], p.has("--if-exists"), p.value("--id")
            ),
            _show_get,
        ),
        Verb(
            "set",
            3,
            UNLIMITED,
            ("--if-exists",),
            lambda p, api: db.SetCommand(p.args[0], p.args[1], p.args[2:], p.has("--if-exists")),
        ),
        Verb(
            "add",
            4,
            UNLIMITED,
            ("--if-exists",),
            lambda p, api: db.AddCommand(p.args[0], p.args[1], p.args[2:], p.has("--if-exists")),
        ),
        Verb(
            "remove",
            4,
            UNLIMITED,
            ("--if-exists",),
            lambda p, api: db.RemoveCommand(p.args[0], p.args[1], p.args[2:], p.has("--if-exists")),
        ),
        Verb(
            "clear",
            3,
            UNLIMITED,
            ("--if-exists",),
            lambda p, api: db.ClearCommand(p.args[0], p.args[1], p.args[2:], p.has("--if-exists")),
        ),
        Verb(
            "create",
            2,
            UNLIMITED,
            ("--id=",),
            lambda p, api: db.CreateCommand(p.args[0], p.args[1:], p.value("--id")),
            _show_result,
        ),
        Verb(
            "destroy",
            1,
            UNLIMITED,
            ("--if-exists", "--all"),
            lambda p, api: db.DestroyCommand(
                p.args[0], p.args[1:], p.has("--if-exists"), p.has("--all")
            ),
        ),
        Verb(
            "wait-until",
            2,
            UNLIMITED,
            (),
            lambda p, api: db.WaitUntilCommand(p.args[0], p.args[1], p.args[2:]),
        ),
        Verb("comment", 0, UNLIMITED, (), lambda p, api: CommentCommand()),
    )
}

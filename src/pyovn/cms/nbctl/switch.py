"""Logical switches and their ports: ls-add/del/list, lsp-add/del/list, and
the database-wide init and sync."""

from typing import Any

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import DuplicateError, UsageError, ValueSyntaxError
from pyovn.cms.nbctl import lookup

__all__ = [
    "InitCommand",
    "LsAddCommand",
    "LsDelCommand",
    "LsListCommand",
    "LspAddCommand",
    "LspDelCommand",
    "LspListCommand",
    "SyncCommand",
]


class InitCommand(Command):
    """`init`: create the NB_Global row if the database has none."""

    def __init__(self, table: str = "NB_Global") -> None:
        self.table = table

    def run(self, ctx: TxnContext) -> None:
        if not any(True for _ in ctx.rows(self.table)):
            ctx.insert(self.table)


class SyncCommand(ReadCommand):
    """`sync`: nothing to change; makes --wait wait for earlier changes too."""

    forces_cfg_bump = True

    def run(self, ctx: TxnContext) -> None:
        self.result = None


class LsAddCommand(Command):
    """`ls-add [SWITCH]`: a new logical switch (no name: refer to it by UUID)."""

    def __init__(
        self, switch: str | None = None, may_exist: bool = False, add_duplicate: bool = False
    ) -> None:
        if may_exist and add_duplicate:
            raise UsageError("--may-exist and --add-duplicate may not be used together")
        self.switch, self.may_exist, self.add_duplicate = switch, may_exist, add_duplicate

    def run(self, ctx: TxnContext) -> None:
        if (
            self.switch is not None
            and not self.add_duplicate
            and ctx.find("Logical_Switch", "name", self.switch)
        ):
            if self.may_exist:
                return
            raise DuplicateError(f"{self.switch}: a switch with this name already exists")
        self.result = ctx.insert("Logical_Switch", name=self.switch or "").uuid


class LsDelCommand(Command):
    """`ls-del SWITCH`: delete a switch (its ports go with it)."""

    def __init__(self, switch: str, if_exists: bool = False) -> None:
        self.switch, self.if_exists = switch, if_exists

    def run(self, ctx: TxnContext) -> None:
        found = lookup.find_ls(ctx, self.switch) if self.if_exists else lookup.ls(ctx, self.switch)
        if found is not None:
            for uuid in found["ports"]:
                port = ctx.get("Logical_Switch_Port", uuid)
                if port is not None:
                    port.delete()
            found.delete()


class LsListCommand(ReadCommand):
    """`ls-list`: every switch, by name."""

    def run(self, ctx: TxnContext) -> None:
        self.result = sorted(ctx.rows("Logical_Switch"), key=lambda r: (r.name, r.uuid))


def _parse_tag(text: str) -> int:
    try:
        tag = int(text, 10)
    except ValueError:
        tag = -1
    if not 0 <= tag <= 4095:
        raise ValueSyntaxError(f"{text}: invalid tag (must be in range 0 to 4095)")
    return tag


class LspAddCommand(Command):
    """`lsp-add SWITCH PORT [PARENT TAG_REQUEST]`."""

    def __init__(
        self,
        switch: str,
        port: str,
        parent: str | None = None,
        tag_request: str | int | None = None,
        may_exist: bool = False,
        **columns: object,
    ) -> None:
        if (parent is None) != (tag_request is None):
            raise UsageError("lsp-add requires both PARENT and TAG_REQUEST, or neither")
        self.switch, self.port, self.parent, self.may_exist = switch, port, parent, may_exist
        self.tag: int | None = None
        if tag_request is not None:
            self.tag = _parse_tag(str(tag_request))
        self.columns = columns

    def run(self, ctx: TxnContext) -> None:
        switch = lookup.ls(ctx, self.switch)
        existing = lookup.find_lsp(ctx, self.port)
        if existing is not None:
            if not self.may_exist:
                raise DuplicateError(f"{self.port}: a port with this name already exists")
            self._check_existing(ctx, switch, existing)
            self.result = existing.uuid
            return
        values: dict[str, Any] = {"name": self.port, **self.columns}
        if self.parent is not None:
            values["parent_name"] = frozenset((self.parent,))
            values["tag_request"] = frozenset((self.tag,))
        port = ctx.insert("Logical_Switch_Port", **values)
        switch.add("ports", port.uuid)
        self.result = port.uuid

    def _check_existing(self, ctx: TxnContext, switch: Row, port: Row) -> None:
        owner = lookup.lsp_switch(ctx, port)
        if owner.uuid != switch.uuid:
            raise DuplicateError(f"{self.port}: port already exists but in switch {owner.name}")
        parent = port.get("parent_name")
        if self.parent is None:
            if parent:
                raise DuplicateError(f"{self.port}: port already exists but has a parent")
            return
        if not parent:
            raise DuplicateError(f"{self.port}: port already exists but has no parent")
        (old_parent,) = parent
        if old_parent != self.parent:
            raise DuplicateError(
                f"{self.port}: port already exists with different parent {old_parent}"
            )
        old_tag = port.get("tag_request")
        if not old_tag or next(iter(old_tag)) != self.tag:
            shown = next(iter(old_tag)) if old_tag else "(none)"
            raise DuplicateError(
                f"{self.port}: port already exists with different tag_request {shown}"
            )


class LspDelCommand(Command):
    """`lsp-del PORT`."""

    def __init__(self, port: str, if_exists: bool = False) -> None:
        self.port, self.if_exists = port, if_exists

    def run(self, ctx: TxnContext) -> None:
        port = lookup.find_lsp(ctx, self.port) if self.if_exists else lookup.lsp(ctx, self.port)
        if port is None:
            return
        lookup.lsp_switch(ctx, port).discard("ports", port.uuid)
        port.delete()


class LspListCommand(ReadCommand):
    """`lsp-list SWITCH`: its ports, by name."""

    def __init__(self, switch: str) -> None:
        self.switch = switch

    def run(self, ctx: TxnContext) -> None:
        switch = lookup.ls(ctx, self.switch)
        ports = [ctx.get("Logical_Switch_Port", u) for u in switch["ports"]]
        self.result = sorted((p for p in ports if p is not None), key=lambda r: (r.name, r.uuid))

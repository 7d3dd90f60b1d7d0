"""ACLs on switches and port groups (acl-add/del/list) and port groups
themselves (pg-add, pg-set-ports, pg-del)."""

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import DuplicateError, NotFoundError, UsageError, ValueSyntaxError
from pyovn.cms.nbctl import lookup
from pyovn.cms.nbctl.addresses import parse_priority

__all__ = [
    "ACL_ACTIONS",
    "AclAddCommand",
    "AclDelCommand",
    "AclListCommand",
    "PgAddCommand",
    "PgDelCommand",
    "PgSetPortsCommand",
]

ACL_ACTIONS = ("allow", "allow-related", "allow-stateless", "drop", "reject")
DIRECTIONS = ("from-lport", "to-lport")
SEVERITIES = ("alert", "warning", "notice", "info", "debug")


def _direction(text: str) -> str:
    if text not in DIRECTIONS:
        raise ValueSyntaxError(f'{text}: direction must be "to-lport" or "from-lport"')
    return text


def _entity_type(text: str | None) -> str | None:
    if text is not None and text not in ("switch", "port-group"):
        raise UsageError(f"Invalid value '{text}' for option --type")
    return text


def acl_entity(ctx: TxnContext, ident: str, kind: str | None) -> tuple[Row, str]:
    """The switch or port group an ACL command names: (row, "ls"|"pg")."""
    if kind == "switch":
        return lookup.ls(ctx, ident), "ls"
    if kind == "port-group":
        return lookup.port_group(ctx, ident), "pg"
    group = lookup.find_port_group(ctx, ident)
    switch = lookup.find_ls(ctx, ident)
    if group is not None and switch is not None:
        raise UsageError(
            f"Same name '{ident}' exists in both port-groups and logical switches. Specify "
            "--type=port-group or switch, or use a UUID."
        )
    if group is not None:
        return group, "pg"
    if switch is not None:
        return switch, "ls"
    raise NotFoundError(f"'{ident}' is not found for port-group or switch.")


def _acls(ctx: TxnContext, entity: Row) -> list[Row]:
    rows = [ctx.get("ACL", u) for u in sorted(entity["acls"])]
    return [r for r in rows if r is not None]


class AclAddCommand(Command):
    """`acl-add ENTITY DIRECTION PRIORITY MATCH VERDICT`."""

    def __init__(
        self,
        entity: str,
        direction: str,
        priority: str | int,
        match: str,
        action: str,
        *,
        type: str | None = None,
        log: bool = False,
        meter: str | None = None,
        severity: str | None = None,
        name: str | None = None,
        label: str | int | None = None,
        may_exist: bool = False,
        apply_after_lb: bool = False,
    ) -> None:
        self.entity, self.type = entity, _entity_type(type)
        self.direction = _direction(direction)
        self.priority = parse_priority(str(priority))
        if action not in ACL_ACTIONS:
            raise ValueSyntaxError(
                f'{action}: action must be one of "allow", "allow-related", "allow-stateless", '
                '"drop", and "reject"'
            )
        if severity is not None and severity not in SEVERITIES:
            raise ValueSyntaxError(f"bad severity: {severity}")
        self.label = 0
        if label is not None:
            if action not in ("allow", "allow-related"):
                raise UsageError('label can only be set with actions "allow" or "allow-related"')
            text = str(label)
            if not text.isdigit() or int(text) > 4294967295:
                raise ValueSyntaxError(f"{text}: label must in range 0...4294967295")
            self.label = int(text)
        self.match, self.action = match, action
        self.log = log or severity is not None or name is not None or meter is not None
        self.meter, self.severity, self.name = meter, severity, name
        self.may_exist, self.apply_after_lb = may_exist, apply_after_lb

    def run(self, ctx: TxnContext) -> None:
        entity, kind = acl_entity(ctx, self.entity, self.type)
        for acl in _acls(ctx, entity):
            if (acl["direction"], acl["priority"], acl["match"], acl["action"]) == (
                self.direction,
                self.priority,
                self.match,
                self.action,
            ):
                if self.may_exist:
                    return
                raise DuplicateError(f"Same ACL already existed on the {kind} {self.entity}.")
        acl = ctx.insert(
            "ACL",
            direction=self.direction,
            priority=self.priority,
            match=self.match,
            action=self.action,
        )
        if self.log:
            acl["log"] = True
        for column, value in (("meter", self.meter), ("severity", self.severity)):
            if value is not None:
                acl[column] = frozenset((value,))
        if self.name is not None:
            acl["name"] = frozenset((self.name,))
        if self.label:
            acl["label"] = self.label
        if self.apply_after_lb and self.direction == "from-lport":
            acl["options"] = {"apply-after-lb": "true"}
        entity.add("acls", acl.uuid)
        self.result = acl.uuid


class AclDelCommand(Command):
    """`acl-del ENTITY [DIRECTION [PRIORITY MATCH]]`."""

    def __init__(
        self,
        entity: str,
        direction: str | None = None,
        priority: str | int | None = None,
        match: str | None = None,
        type: str | None = None,
    ) -> None:
        self.entity, self.type = entity, _entity_type(type)
        self.direction = _direction(direction) if direction is not None else None
        if priority is not None and match is None:
            raise UsageError("cannot specify priority without match")
        self.priority = parse_priority(str(priority)) if priority is not None else None
        self.match = match

    def run(self, ctx: TxnContext) -> None:
        entity, _ = acl_entity(ctx, self.entity, self.type)
        for acl in _acls(ctx, entity):
            if self.direction is not None and acl["direction"] != self.direction:
                continue
            if self.priority is not None and (
                acl["priority"] != self.priority or acl["match"] != self.match
            ):
                continue
            entity.discard("acls", acl.uuid)
            acl.delete()


class AclListCommand(ReadCommand):
    """`acl-list ENTITY`: from-lport first, ACLs applied after LB last, then by
    priority (highest first) and match."""

    def __init__(self, entity: str, type: str | None = None) -> None:
        self.entity, self.type = entity, _entity_type(type)

    def run(self, ctx: TxnContext) -> None:
        entity, _ = acl_entity(ctx, self.entity, self.type)
        self.result = sorted(
            _acls(ctx, entity),
            key=lambda a: (
                a["direction"],
                a["options"].get("apply-after-lb") == "true",
                -a["priority"],
                a["match"],
            ),
        )


def _ports(ctx: TxnContext, names: list[str]) -> frozenset[str]:
    return frozenset(lookup.lsp(ctx, name).uuid for name in names)


class PgAddCommand(Command):
    """`pg-add GROUP [PORT]...`."""

    def __init__(self, group: str, ports: list[str] | None = None) -> None:
        self.group, self.ports = group, list(ports or [])

    def run(self, ctx: TxnContext) -> None:
        ports = _ports(ctx, self.ports)
        if ctx.find("Port_Group", "name", self.group):
            raise DuplicateError(f"{self.group}: a port group with this name already exists")
        self.result = ctx.insert("Port_Group", name=self.group, ports=ports).uuid


class PgSetPortsCommand(Command):
    """`pg-set-ports GROUP PORT...`: replaces the group's ports."""

    def __init__(self, group: str, ports: list[str]) -> None:
        self.group, self.ports = group, list(ports)

    def run(self, ctx: TxnContext) -> None:
        group = lookup.port_group(ctx, self.group)
        group["ports"] = _ports(ctx, self.ports)


class PgDelCommand(Command):
    """`pg-del GROUP`."""

    def __init__(self, group: str) -> None:
        self.group = group

    def run(self, ctx: TxnContext) -> None:
        group = lookup.port_group(ctx, self.group)
        for uuid in group["acls"]:
            acl = ctx.get("ACL", uuid)
            if acl is not None:
                acl.delete()
        group.delete()

"""Security groups and their rules (see port_groups.py for the NB shape)."""

import json
from typing import Any

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.neutron import records as rec
from pyovn.cms.neutron.auth import Principal
from pyovn.cms.neutron.bodies import (
    SecurityGroupCreate,
    SecurityGroupRuleCreate,
    SecurityGroupUpdate,
)
from pyovn.cms.neutron.errors import Conflict, not_found
from pyovn.cms.neutron.naming import Key
from pyovn.cms.neutron.port_groups import add_rule, create_group
from pyovn.cms.neutron.views import rule_view, security_group_view

__all__ = [
    "CreateRule",
    "CreateSecurityGroup",
    "DeleteRule",
    "DeleteSecurityGroup",
    "ListRules",
    "ListSecurityGroups",
    "ShowRule",
    "ShowSecurityGroup",
    "UpdateSecurityGroup",
]


def neutron_groups(ctx: TxnContext, who: Principal) -> list[Row]:
    return [
        g
        for g in ctx.rows("Port_Group")
        if Key.SECURITY_GROUP_ID in g["external_ids"] and who.can_see(rec.project_of(g))
    ]


class CreateSecurityGroup(Command):
    def __init__(self, who: Principal, body: SecurityGroupCreate) -> None:
        self.who, self.body = who, body
        self.id = rec.new_id()
        self.rule_ids = [rec.new_id() for _ in range(2)]

    def run(self, ctx: TxnContext) -> None:
        body = self.body
        project = self.who.owner_for(body.project_id or body.tenant_id)
        if body.name == "default":
            raise Conflict(
                "Default security group already exists or is created with the project's "
                "first port.",
                "SecurityGroupDefaultAlreadyExists",
            )
        group = create_group(ctx, self.id, project, body.name, body.description, self.rule_ids)
        self.result = security_group_view(ctx, group)


class ShowSecurityGroup(ReadCommand):
    def __init__(self, who: Principal, sg_id: str) -> None:
        self.who, self.sg_id = who, sg_id

    def run(self, ctx: TxnContext) -> None:
        group = rec.find_security_group(ctx, self.who, self.sg_id)
        self.result = security_group_view(ctx, group)


class ListSecurityGroups(ReadCommand):
    def __init__(self, who: Principal) -> None:
        self.who = who

    def run(self, ctx: TxnContext) -> None:
        self.result = [security_group_view(ctx, g) for g in neutron_groups(ctx, self.who)]


class UpdateSecurityGroup(Command):
    def __init__(self, who: Principal, sg_id: str, body: SecurityGroupUpdate) -> None:
        self.who, self.sg_id, self.body = who, sg_id, body

    def run(self, ctx: TxnContext) -> None:
        group = rec.find_security_group(ctx, self.who, self.sg_id)
        if self.body.name is not None:
            if group["external_ids"].get(Key.NAME) == "default" and self.body.name != "default":
                raise Conflict("Updating default security group name not allowed.")
            group.setkey("external_ids", Key.NAME, self.body.name)
        if self.body.description is not None:
            group.setkey("external_ids", Key.DESCRIPTION, self.body.description)
        rec.bump_revision(group)
        self.result = security_group_view(ctx, group)


def _referring_rules(ctx: TxnContext, sg_id: str) -> list[tuple[Row, Row]]:
    """(group, ACL) of every rule naming `sg_id` as its remote group."""
    out = []
    for group in ctx.rows("Port_Group"):
        for acl in rec.rows_of(ctx, "ACL", group["acls"]):
            stored = acl["external_ids"].get(Key.RULE)
            if stored and json.loads(stored).get("remote_group_id") == sg_id:
                out.append((group, acl))
    return out


class DeleteSecurityGroup(Command):
    def __init__(self, who: Principal, sg_id: str) -> None:
        self.who, self.sg_id = who, sg_id

    def run(self, ctx: TxnContext) -> None:
        group = rec.find_security_group(ctx, self.who, self.sg_id)
        if group["ports"]:
            raise Conflict(f"Security Group {self.sg_id} in use.", "SecurityGroupInUse")
        for owner, acl in _referring_rules(ctx, self.sg_id):
            owner.discard("acls", acl.uuid)
            acl.delete()
        group.delete()


def _rule_body(body: SecurityGroupRuleCreate) -> dict[str, Any]:
    protocol = body.protocol
    return {
        "direction": body.direction,
        "ethertype": body.ethertype,
        "protocol": str(protocol) if protocol is not None else None,
        "port_range_min": body.port_range_min,
        "port_range_max": body.port_range_max,
        "remote_ip_prefix": body.remote_ip_prefix,
        "remote_group_id": body.remote_group_id,
    }


class CreateRule(Command):
    def __init__(self, who: Principal, body: SecurityGroupRuleCreate) -> None:
        self.who, self.body = who, body
        self.id = rec.new_id()

    def run(self, ctx: TxnContext) -> None:
        body = self.body
        group = rec.find_security_group(ctx, self.who, body.security_group_id)
        project = self.who.owner_for(body.project_id or body.tenant_id)
        if body.remote_group_id is not None:
            rec.find_security_group(ctx, self.who, body.remote_group_id)
        acl = add_rule(ctx, group, _rule_body(body), self.id, project, body.description)
        self.result = rule_view(acl)


def find_rule(ctx: TxnContext, who: Principal, rule_id: str) -> tuple[Row, Row]:
    for group in ctx.rows("Port_Group"):
        if Key.SECURITY_GROUP_ID not in group["external_ids"]:
            continue
        for acl in rec.rows_of(ctx, "ACL", group["acls"]):
            found = acl["external_ids"].get(Key.SECURITY_GROUP_RULE_ID) == rule_id
            if found and who.can_see(rec.project_of(acl)):
                return group, acl
    raise not_found("SecurityGroupRule", rule_id)


class ShowRule(ReadCommand):
    def __init__(self, who: Principal, rule_id: str) -> None:
        self.who, self.rule_id = who, rule_id

    def run(self, ctx: TxnContext) -> None:
        self.result = rule_view(find_rule(ctx, self.who, self.rule_id)[1])


class ListRules(ReadCommand):
    def __init__(self, who: Principal) -> None:
        self.who = who

    def run(self, ctx: TxnContext) -> None:
        self.result = [
            rule_view(acl)
            for group in neutron_groups(ctx, self.who)
            for acl in rec.rows_of(ctx, "ACL", group["acls"])
            if Key.SECURITY_GROUP_RULE_ID in acl["external_ids"]
        ]


class DeleteRule(Command):
    def __init__(self, who: Principal, rule_id: str) -> None:
        self.who, self.rule_id = who, rule_id

    def run(self, ctx: TxnContext) -> None:
        group, acl = find_rule(ctx, self.who, self.rule_id)
        group.discard("acls", acl.uuid)
        acl.delete()

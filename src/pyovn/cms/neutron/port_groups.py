"""Security groups in the NB: Port_Groups, their ACLs, and which ports are in them.

A security group is a Port_Group `pg_<id>` whose ACLs are its rules (1002,
allow-related). Every port with port security is also in `neutron_pg_drop`,
whose two ACLs drop all other IP at 1001, so a port allows exactly what its
groups' rules allow. A remote group in a rule is matched through the address
sets `pg_<id>_ip4` / `pg_<id>_ip6` that northd derives from the group's
ports, so they follow port changes without the API touching them.
"""

import json
import uuid as uuidlib
from typing import Any

from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.neutron import records as rec
from pyovn.cms.neutron.errors import Conflict
from pyovn.cms.neutron.naming import (
    ACL_PRIORITY_ALLOW,
    ACL_PRIORITY_DROP,
    DROP_PORT_GROUP,
    Key,
    port_group_name,
)
from pyovn.cms.neutron.rule_match import acl_direction, check_rule, rule_match

__all__ = [
    "add_rule",
    "create_group",
    "default_group_id",
    "ensure_default_group",
    "ensure_drop_group",
    "set_port_groups",
]

_DEFAULT_NAMESPACE = uuidlib.UUID("0b8f3c1e-7a52-4f0e-8d36-2f4c9e7a1d55")


def default_group_id(project_id: str) -> str:
    """The id of a project's "default" group: derived from the project, so two
    API servers creating it at once create the same row and one retries."""
    return str(uuidlib.uuid5(_DEFAULT_NAMESPACE, project_id))


def _find(ctx: TxnContext, name: str) -> Row | None:
    found = ctx.find("Port_Group", "name", name)
    return found[0] if found else None


def ensure_drop_group(ctx: TxnContext) -> Row:
    group = _find(ctx, DROP_PORT_GROUP)
    if group is not None:
        return group
    group = ctx.insert("Port_Group", name=DROP_PORT_GROUP)
    for direction, side in (("from-lport", "inport"), ("to-lport", "outport")):
        acl = ctx.insert(
            "ACL",
            direction=direction,
            priority=ACL_PRIORITY_DROP,
            match=f"{side} == @{DROP_PORT_GROUP} && ip",
            action="drop",
        )
        group.add("acls", acl.uuid)
    return group


def rule_key(rule: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two rules the same rule (Neutron refuses duplicates)."""
    return tuple(
        rule[k]
        for k in (
            "direction",
            "ethertype",
            "protocol",
            "port_range_min",
            "port_range_max",
            "remote_ip_prefix",
            "remote_group_id",
        )
    )


def add_rule(
    ctx: TxnContext,
    group: Row,
    rule: dict[str, Any],
    rule_id: str,
    project: str,
    description: str = "",
) -> Row:
    """An ACL for `rule` (direction, ethertype, protocol, port_range_min/max,
    remote_ip_prefix, remote_group_id) on the group."""
    rule = check_rule(rule)
    for acl in rec.rows_of(ctx, "ACL", group["acls"]):
        stored = acl["external_ids"].get(Key.RULE)
        if stored and rule_key(json.loads(stored)) == rule_key(rule):
            raise Conflict(
                "Security group rule already exists. Rule id is "
                f"{acl['external_ids'][Key.SECURITY_GROUP_RULE_ID]}.",
                "SecurityGroupRuleExists",
            )
    sg_id = rec.security_group_id(group)
    acl = ctx.insert(
        "ACL",
        direction=acl_direction(rule),
        priority=ACL_PRIORITY_ALLOW,
        match=rule_match(group.name, rule),
        action="allow-related",
        external_ids={
            Key.SECURITY_GROUP_RULE_ID: rule_id,
            Key.PROJECT_ID: project,
            Key.DESCRIPTION: description,
            Key.REVISION: "1",
            Key.RULE: json.dumps({**rule, "security_group_id": sg_id}, sort_keys=True),
        },
    )
    group.add("acls", acl.uuid)
    return acl


def _rule(direction: str, ethertype: str, remote_group: str | None = None) -> dict[str, Any]:
    return {
        "direction": direction,
        "ethertype": ethertype,
        "protocol": None,
        "port_range_min": None,
        "port_range_max": None,
        "remote_ip_prefix": None,
        "remote_group_id": remote_group,
    }


def create_group(
    ctx: TxnContext, sg_id: str, project: str, name: str, description: str, rule_ids: list[str]
) -> Row:
    """A new group with Neutron's default rules: all egress; the "default"
    group also admits ingress from its own members."""
    group = ctx.insert(
        "Port_Group",
        name=port_group_name(sg_id),
        external_ids={
            Key.SECURITY_GROUP_ID: sg_id,
            Key.PROJECT_ID: project,
            Key.NAME: name,
            Key.DESCRIPTION: description,
            Key.REVISION: "1",
        },
    )
    rules = [_rule("egress", "IPv4"), _rule("egress", "IPv6")]
    if name == "default":
        rules += [_rule("ingress", "IPv4", sg_id), _rule("ingress", "IPv6", sg_id)]
    for rule, rule_id in zip(rules, rule_ids, strict=False):
        add_rule(ctx, group, rule, rule_id, project)
    return group


def ensure_default_group(ctx: TxnContext, project: str) -> str:
    sg_id = default_group_id(project)
    if _find(ctx, port_group_name(sg_id)) is None:
        ids = [str(uuidlib.uuid5(_DEFAULT_NAMESPACE, f"{sg_id}/{n}")) for n in range(4)]
        create_group(ctx, sg_id, project, "default", "Default security group", ids)
    return sg_id


def set_port_groups(ctx: TxnContext, port: Row, wanted: list[str], secured: bool) -> None:
    """Make the port a member of exactly the groups `wanted` (security group
    ids), plus the drop group when it has port security."""
    old = str(port["external_ids"].get(Key.SECURITY_GROUP_IDS, "")).split()
    names = {port_group_name(sg) for sg in old} | {DROP_PORT_GROUP}
    keep = {port_group_name(sg) for sg in wanted}
    if secured:
        keep.add(DROP_PORT_GROUP)
    for name in sorted(names - keep):
        group = _find(ctx, name)
        if group is not None:
            group.discard("ports", port.uuid)
    for name in sorted(keep):
        group = ensure_drop_group(ctx) if name == DROP_PORT_GROUP else _find(ctx, name)
        if group is not None:
            group.add("ports", port.uuid)
    port.setkey("external_ids", Key.SECURITY_GROUP_IDS, " ".join(wanted))

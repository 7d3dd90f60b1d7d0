"""/v2.0/security-groups and /v2.0/security-group-rules."""

from typing import Any

from fastapi import APIRouter, Request, Response

from pyovn.cms.neutron import security_groups as sg
from pyovn.cms.neutron.bodies import (
    SecurityGroupCreateBody,
    SecurityGroupRuleCreateBody,
    SecurityGroupUpdateBody,
)
from pyovn.cms.neutron.deps import ERRORS, Caller, Service
from pyovn.cms.neutron.listing import select

__all__ = ["router"]

router = APIRouter(prefix="/v2.0", responses=ERRORS)
Json = dict[str, Any]


@router.get("/security-groups", tags=["security-groups"])
async def list_security_groups(request: Request, who: Caller, svc: Service) -> Json:
    groups = await svc.read(sg.ListSecurityGroups(who))
    return {"security_groups": select(groups, request.query_params)}


@router.post("/security-groups", status_code=201, tags=["security-groups"])
async def create_security_group(body: SecurityGroupCreateBody, who: Caller, svc: Service) -> Json:
    """Create a group: a Port_Group `pg_<id>` with the default egress rules."""
    return {"security_group": await svc.write(sg.CreateSecurityGroup(who, body.security_group))}


@router.get("/security-groups/{sg_id}", tags=["security-groups"])
async def show_security_group(sg_id: str, who: Caller, svc: Service) -> Json:
    return {"security_group": await svc.read(sg.ShowSecurityGroup(who, sg_id))}


@router.put("/security-groups/{sg_id}", tags=["security-groups"])
async def update_security_group(
    sg_id: str, body: SecurityGroupUpdateBody, who: Caller, svc: Service
) -> Json:
    command = sg.UpdateSecurityGroup(who, sg_id, body.security_group)
    return {"security_group": await svc.write(command)}


@router.delete("/security-groups/{sg_id}", status_code=204, tags=["security-groups"])
async def delete_security_group(sg_id: str, who: Caller, svc: Service) -> Response:
    await svc.write(sg.DeleteSecurityGroup(who, sg_id))
    return Response(status_code=204)


@router.get("/security-group-rules", tags=["security-group-rules"])
async def list_security_group_rules(request: Request, who: Caller, svc: Service) -> Json:
    rules = await svc.read(sg.ListRules(who))
    return {"security_group_rules": select(rules, request.query_params)}


@router.post("/security-group-rules", status_code=201, tags=["security-group-rules"])
async def create_security_group_rule(
    body: SecurityGroupRuleCreateBody, who: Caller, svc: Service
) -> Json:
    """Add a rule: an allow-related ACL (priority 1002) on the group's Port_Group."""
    return {"security_group_rule": await svc.write(sg.CreateRule(who, body.security_group_rule))}


@router.get("/security-group-rules/{rule_id}", tags=["security-group-rules"])
async def show_security_group_rule(rule_id: str, who: Caller, svc: Service) -> Json:
    return {"security_group_rule": await svc.read(sg.ShowRule(who, rule_id))}


@router.delete("/security-group-rules/{rule_id}", status_code=204, tags=["security-group-rules"])
async def delete_security_group_rule(rule_id: str, who: Caller, svc: Service) -> Response:
    await svc.write(sg.DeleteRule(who, rule_id))
    return Response(status_code=204)

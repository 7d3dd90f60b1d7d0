"""ACL stages of the logical switch (ingress from-lport, egress to-lport).

ls_*_acl_hint: without ACLs everything passes (65535); with a stateful ACL,
priorities 7..1 set the reg0[7..10] hints from the conntrack state, so the
ACL stage knows whether a packet may need committing (new), is part of an
allowed session, or of a blocked one.
ls_*_acl: each NB ACL becomes flows at its priority + 1000. On a stateful
switch, allow/allow-related match new (reg0[7]) and established (reg0[8])
traffic and hint a commit (reg0[1]); drop/reject block new traffic and mark
established sessions blocked. Replies and related traffic of allowed
sessions pass (65532), invalid or blocked replies drop (65532), and IP not
yet established is committed by default (1). ND/MLD always pass (65532).
ls_in_acl_after_lb: replies marked in ls_in_acl pass (65532).
ls_*_stateful: commit hinted packets, with the ACL label when set (100).
"""

from collections.abc import Iterator

from pyovn.northd.flow import Lflow, builder
from pyovn.northd.model import Acl
from pyovn.northd.stages import (
    LS_IN_ACL,
    LS_IN_ACL_AFTER_LB,
    LS_IN_ACL_HINT,
    LS_IN_L2_LKUP,
    LS_IN_STATEFUL,
    LS_OUT_ACL,
    LS_OUT_ACL_HINT,
    LS_OUT_QOS_MARK,
    LS_OUT_STATEFUL,
    Stage,
)
from pyovn.northd.views import SwitchView

__all__ = ["acl_flows", "acl_hint_flows", "stateful_flows"]

ND_MLD = "nd || nd_ra || nd_rs || mldv1 || mldv2"
BLOCK = "ct_commit { ct_mark.blocked = 1; }; "

_HINTS = (
    (7, "ct.new && !ct.est", "reg0[7] = 1; reg0[9] = 1; next;"),
    (6, "!ct.new && ct.est && !ct.rpl && ct_mark.blocked == 1", "reg0[7] = 1; reg0[9] = 1; next;"),
    (5, "!ct.trk", "reg0[8] = 1; reg0[9] = 1; next;"),
    (4, "!ct.new && ct.est && !ct.rpl && ct_mark.blocked == 0", "reg0[8] = 1; reg0[10] = 1; next;"),
    (3, "!ct.est", "reg0[9] = 1; next;"),
    (2, "ct.est && ct_mark.blocked == 1", "reg0[9] = 1; next;"),
    (1, "ct.est && ct_mark.blocked == 0", "reg0[10] = 1; next;"),
)


@builder
def acl_hint_flows(view: SwitchView) -> Iterator[Lflow]:
    """ls_in_acl_hint / ls_out_acl_hint."""
    dp = view.uuid
    for stage in (LS_IN_ACL_HINT, LS_OUT_ACL_HINT):
        if not view.has_acls and not view.has_lb_vip:
            yield Lflow(dp, stage, 65535, "1", "next;")
            continue
        if view.is_stateful:
            for priority, match, actions in _HINTS:
                yield Lflow(dp, stage, priority, match, actions)
        yield Lflow(dp, stage, 0, "1", "next;")


@builder
def acl_flows(view: SwitchView) -> Iterator[Lflow]:
    """ls_in_acl / ls_out_acl / ls_in_acl_after_lb: the NB ACLs and defaults."""
    dp = view.uuid
    stateful = view.is_stateful
    for stage, ingress in ((LS_IN_ACL, True), (LS_OUT_ACL, False)):
        yield Lflow(dp, stage, 65532, ND_MLD, "next;")
        if not view.has_acls and not view.has_lb_vip:
            yield Lflow(dp, stage, 65535, "1", "next;")
            continue
        svc = "eth.dst == $svc_monitor_mac" if ingress else "eth.src == $svc_monitor_mac"
        yield Lflow(dp, stage, 34000, svc, "next;")
        if stateful:
            yield from _stateful_defaults(dp, stage, ingress)
        default = "drop;" if view.nb_option("default_acl_drop") == "true" else "next;"
        yield Lflow(dp, stage, 0, "1", default)
    for entry in view.acls:
        yield from _acl_entry_flows(dp, entry.acl, stateful)
    yield Lflow(dp, LS_IN_ACL_AFTER_LB, 65532, ND_MLD, "next;")
    if stateful:
        yield Lflow(dp, LS_IN_ACL_AFTER_LB, 65532, "reg0[17] == 1", "next;")
    yield Lflow(dp, LS_IN_ACL_AFTER_LB, 0, "1", "next;")


def _stateful_defaults(dp: str, stage: Stage, ingress: bool) -> Iterator[Lflow]:
    related = "reg0[17] = 1; ct_commit_nat;" if ingress else "ct_commit_nat;"
    reply = "reg0[9] = 0; reg0[10] = 0; reg0[17] = 1; next;" if ingress else "next;"
    yield Lflow(
        dp, stage, 65532, "!ct.est && ct.rel && !ct.new && !ct.inv && ct_mark.blocked == 0", related
    )
    yield Lflow(
        dp,
        stage,
        65532,
        "ct.est && !ct.rel && !ct.new && !ct.inv && ct.rpl && ct_mark.blocked == 0",
        reply,
    )
    yield Lflow(dp, stage, 65532, "ct.inv || (ct.est && ct.rpl && ct_mark.blocked == 1)", "drop;")
    yield Lflow(dp, stage, 1, "ip && !ct.est", "reg0[1] = 1; next;")
    yield Lflow(dp, stage, 1, "ip && ct.est && ct_mark.blocked == 1", "reg0[1] = 1; next;")


def _log(acl: Acl) -> str:
    if not acl.log:
        return ""
    verdict = {"allow-related": "allow", "allow-stateless": "allow", "allow": "allow"}.get(
        acl.action, acl.action
    )
    parts = []
    if acl.name:
        parts.append(f'name="{acl.name}"')
    parts.append(f"severity={acl.severity or 'info'}")
    parts.append(f"verdict={verdict}")
    return f"log({', '.join(parts)}); "


def _reject(ingress: bool) -> str:
    # A rejected packet turns around: from-lport replies leave through the
    # egress pipeline after its ACLs, to-lport replies re-enter L2 lookup.
    if ingress:
        resume = f"next(pipeline=egress,table={LS_OUT_QOS_MARK.table})"
    else:
        resume = f"next(pipeline=ingress,table={LS_IN_L2_LKUP.table})"
    return (
        "reg0 = 0; reject { /* eth.dst <-> eth.src; ip.dst <-> ip.src; is implicit. */ "
        f"outport <-> inport; {resume}; }};"
    )


def _acl_entry_flows(dp: str, acl: Acl, stateful: bool) -> Iterator[Lflow]:
    ingress = acl.direction == "from-lport"
    stage = LS_IN_ACL if ingress else LS_OUT_ACL
    priority = acl.priority + 1000
    log = _log(acl)
    hint = acl.uuid
    if acl.action == "allow-stateless":
        yield Lflow(dp, stage, priority, acl.match, f"{log}next;", hint=hint)
        return
    if acl.action in ("allow", "allow-related"):
        if not stateful:
            yield Lflow(dp, stage, priority, acl.match, f"{log}next;", hint=hint)
            return
        label = f"reg0[1] = 1; reg0[13] = 1; reg3 = {acl.label}; " if acl.label else ""
        new = label or "reg0[1] = 1; "
        yield Lflow(
            dp, stage, priority, f"reg0[7] == 1 && ({acl.match})", f"{new}{log}next;", hint=hint
        )
        yield Lflow(
            dp, stage, priority, f"reg0[8] == 1 && ({acl.match})", f"{label}{log}next;", hint=hint
        )
        return
    if acl.action == "reject":
        verdict = f"{log}{_reject(ingress)}"
        if not stateful:
            yield Lflow(dp, stage, priority, acl.match, verdict, hint=hint)
            return
        yield Lflow(
            dp, stage, priority, f"(reg0[10] == 1) && {acl.match}", f"{BLOCK} {verdict}", hint=hint
        )
        yield Lflow(dp, stage, priority, f"(reg0[9] == 1) && {acl.match}", verdict, hint=hint)
        return
    # drop
    if not stateful:
        yield Lflow(dp, stage, priority, acl.match, f"{log}/* drop */", hint=hint)
        return
    yield Lflow(
        dp, stage, priority, f"reg0[10] == 1 && ({acl.match})", f"{BLOCK}{log}/* drop */", hint=hint
    )
    yield Lflow(
        dp, stage, priority, f"reg0[9] == 1 && ({acl.match})", f"{log}/* drop */", hint=hint
    )


@builder
def stateful_flows(view: SwitchView) -> Iterator[Lflow]:
    """ls_in_stateful / ls_out_stateful: commit what the ACL stage hinted."""
    dp = view.uuid
    for stage in (LS_IN_STATEFUL, LS_OUT_STATEFUL):
        yield Lflow(
            dp,
            stage,
            100,
            "reg0[1] == 1 && reg0[13] == 0",
            "ct_commit { ct_mark.blocked = 0; }; next;",
        )
        yield Lflow(
            dp,
            stage,
            100,
            "reg0[1] == 1 && reg0[13] == 1",
            "ct_commit { ct_mark.blocked = 0; ct_label.label = reg3; }; next;",
        )
        yield Lflow(dp, stage, 0, "1", "next;")

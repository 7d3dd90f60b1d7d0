"""`lflow-list [DATAPATH] [LFLOW...]`: logical flows as ovn-sbctl prints them.

Flows are grouped by datapath (by name, then UUID) and pipeline (ingress
first), then ordered by table, priority (highest first), match and actions.
A flow on a datapath group is listed under every datapath of the group.
"""

import re
from dataclasses import dataclass
from typing import Any

from pyovn.cms.api.command import ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import NotFoundError, ValueSyntaxError
from pyovn.ovsdb.datum import is_uuid

__all__ = ["LflowListCommand", "datapath_name", "format_lflows"]

_HEX = re.compile(r"(0x)?[0-9a-fA-F-]+")


def datapath_name(datapath: Row) -> str:
    ids = datapath["external_ids"]
    return str(ids.get("name") or ids.get("name2") or "")


@dataclass(frozen=True)
class LflowGroup:
    datapath: Row
    pipeline: str
    flows: list[Row]


def _find_datapath(ctx: TxnContext, ident: str) -> Row | None:
    if is_uuid(ident):
        found = ctx.get("Datapath_Binding", ident.lower())
        if found is not None:
            return found
    named = [d for d in ctx.rows("Datapath_Binding") if datapath_name(d) == ident]
    if len(named) > 1:
        raise NotFoundError(f"{ident}: multiple datapaths with this name")
    return named[0] if named else None


def _lflow_prefix(ident: str) -> str:
    if not _HEX.fullmatch(ident):
        raise ValueSyntaxError(f"{ident} is not a UUID or the beginning of a UUID")
    text = ident[2:] if ident.lower().startswith("0x") else ident
    return text.lower()


def _datapaths_of(ctx: TxnContext, flow: Row) -> list[Row]:
    uuids = set(flow["logical_datapath"])
    for group_uuid in flow["logical_dp_group"]:
        group = ctx.get("Logical_DP_Group", group_uuid)
        if group is not None:
            uuids |= group["datapaths"]
    rows = [ctx.get("Datapath_Binding", u) for u in uuids]
    return [r for r in rows if r is not None]


def _matches_prefix(uuid: str, prefix: str) -> bool:
    compact = uuid.replace("-", "")
    return uuid.startswith(prefix) or compact.startswith(prefix.replace("-", ""))


class LflowListCommand(ReadCommand):
    """The result is a list of LflowGroup in print order."""

    def __init__(self, args: list[str], with_uuid: bool = False) -> None:
        self.args = list(args)
        self.with_uuid = with_uuid

    def run(self, ctx: TxnContext) -> None:
        args = list(self.args)
        datapath = _find_datapath(ctx, args[0]) if args else None
        if datapath is not None:
            args.pop(0)
        prefixes = [_lflow_prefix(a) for a in args]
        groups: dict[tuple[str, str], list[Row]] = {}
        for flow in ctx.rows("Logical_Flow"):
            if prefixes and not any(_matches_prefix(flow.uuid, p) for p in prefixes):
                continue
            for dp in _datapaths_of(ctx, flow):
                if datapath is None or dp.uuid == datapath.uuid:
                    groups.setdefault((dp.uuid, flow["pipeline"]), []).append(flow)
        order: list[tuple[Any, ...]] = []
        for (dp_uuid, pipeline), flows in groups.items():
            row = ctx.get("Datapath_Binding", dp_uuid)
            assert row is not None
            key = (datapath_name(row), dp_uuid, pipeline != "ingress", pipeline)
            flows.sort(key=lambda f: (f["table_id"], -f["priority"], f["match"], f["actions"]))
            order.append((key, LflowGroup(row, pipeline, flows)))
        self.result = [group for _, group in sorted(order, key=lambda item: item[0])]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_lflows(groups: list[LflowGroup], with_uuid: bool = False) -> str:
    """ovn-sbctl lflow-list's text."""
    out: list[str] = []
    for group in groups:
        dp = group.datapath
        out.append(f"Datapath: {_quote(datapath_name(dp))} ({dp.uuid})  Pipeline: {group.pipeline}")
        for flow in group.flows:
            stage = flow["external_ids"].get("stage-name", "")
            prefix = f"uuid=0x{flow.uuid[:8]}, " if with_uuid else ""
            out.append(
                f"  {prefix}table={flow['table_id']:<2}({stage:<19}), "
                f"priority={flow['priority']:<5}, match=({flow['match']}), "
                f"action=({flow['actions']})"
            )
    return "".join(line + "\n" for line in out)

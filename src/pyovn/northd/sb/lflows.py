"""Keep SB Logical_Flow rows equal to the flows the builders produce.

Flows with the same content on several datapaths become one row with a
Logical_DP_Group, as OVN does. The index is incremental: the engine reports
which flows appeared and disappeared, and only the contents those touch are
rewritten. Logical_DP_Group is a non-root table, so groups no flow uses any
more are garbage-collected by the database itself.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pyovn.northd.flow import Lflow
from pyovn.northd.sb.txn import NamedUuid, SbTxn

__all__ = ["FlowKey", "LflowIndex", "flow_key"]

Row = dict[str, Any]
#: (pipeline, table_id, priority, match, actions, external_ids, tags) of a SB row;
#: the two maps as sorted item tuples.
FlowKey = tuple[str, int, int, str, str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


def flow_key(flow: Lflow) -> FlowKey:
    stage = flow.stage
    ids: tuple[tuple[str, str], ...]
    if flow.source and flow.hint:
        ids = (("source", flow.source), ("stage-hint", flow.hint[:8]), ("stage-name", stage.name))
    elif flow.source:
        ids = (("source", flow.source), ("stage-name", stage.name))
    elif flow.hint:
        ids = (("stage-hint", flow.hint[:8]), ("stage-name", stage.name))
    else:
        ids = (("stage-name", stage.name),)
    tags = (("in_out_port", flow.io_port),) if flow.io_port else ()
    return (stage.direction, stage.table, flow.priority, flow.match, flow.actions, ids, tags)


def _row_key(row: Row) -> FlowKey:
    return (
        row["pipeline"],
        row["table_id"],
        row["priority"],
        row["match"],
        row["actions"],
        tuple(sorted(row["external_ids"].items())),
        tuple(sorted(row["tags"].items())),
    )


def _uuid_json(uuid: str) -> list[str]:
    return ["named-uuid", str(uuid)] if isinstance(uuid, NamedUuid) else ["uuid", uuid]


class LflowIndex:
    """Desired flows (key -> datapath -> count) and the SB rows that carry them."""

    def __init__(self) -> None:
        self.wanted: dict[FlowKey, dict[str, int]] = defaultdict(dict)
        #: key -> {frozenset of NB datapath UUIDs: SB row UUID}
        self.rows: dict[FlowKey, dict[frozenset[str], str]] = defaultdict(dict)
        self.dirty: set[FlowKey] = set()
        #: frozenset of SB datapath UUIDs -> SB Logical_DP_Group UUID
        self.groups: dict[frozenset[str], str] = {}

    # -- loading what the SB has ------------------------------------------------
    def load(
        self, flows: Mapping[str, Row], groups: Mapping[str, Row], sb_to_nb: dict[str, str]
    ) -> None:
        """Index existing SB rows; rows on unknown datapaths are marked for deletion."""
        self.rows.clear()
        self.load_groups(groups)
        for uuid, row in flows.items():
            dps = self._row_datapaths(row, groups)
            nb = frozenset(sb_to_nb.get(dp, "") for dp in dps)
            key = _row_key(row)
            if "" in nb or not nb or nb in self.rows[key]:
                self.rows[key][frozenset({f"!dead:{uuid}"})] = uuid
            else:
                self.rows[key][nb] = uuid
            self.dirty.add(key)

    def load_groups(self, groups: Mapping[str, Row]) -> None:
        self.groups = {}
        for uuid, row in groups.items():
            self.groups.setdefault(frozenset(row["datapaths"]), uuid)

    @staticmethod
    def _row_datapaths(row: Row, groups: Mapping[str, Row]) -> frozenset[str]:
        if row["logical_datapath"]:
            return frozenset(row["logical_datapath"])
        group = next(iter(row["logical_dp_group"]), None)
        if group is None or group not in groups:
            return frozenset()
        return frozenset(groups[group]["datapaths"])

    # -- desired changes ---------------------------------------------------------
    def add(self, flows: Iterable[Lflow]) -> None:
        for flow in flows:
            key = flow_key(flow)
            dps = self.wanted[key]
            dps[flow.datapath] = dps.get(flow.datapath, 0) + 1
            self.dirty.add(key)

    def remove(self, flows: Iterable[Lflow]) -> None:
        for flow in flows:
            key = flow_key(flow)
            dps = self.wanted.get(key)
            if dps is None or flow.datapath not in dps:
                continue
            if dps[flow.datapath] <= 1:
                del dps[flow.datapath]
                if not dps:
                    del self.wanted[key]
            else:
                dps[flow.datapath] -= 1
            self.dirty.add(key)

    # -- writing -----------------------------------------------------------------
    def write(
        self, txn: SbTxn, dp_refs: Callable[[str], str]
    ) -> list[tuple[FlowKey, frozenset[str], NamedUuid]]:
        """Emit ops for every dirty key; returns the inserted rows to confirm."""
        inserted: list[tuple[FlowKey, frozenset[str], NamedUuid]] = []
        new_groups: dict[frozenset[str], str] = {}
        for key in self.dirty:
            dps = self.wanted.get(key)
            target = frozenset(dps) if dps else frozenset()
            rows = self.rows.get(key, {})
            for dpset, uuid in list(rows.items()):
                if dpset != target:
                    txn.delete("Logical_Flow", uuid)
                    del rows[dpset]
            if target and target not in rows:
                name = self._insert(txn, key, target, dp_refs, new_groups)
                inserted.append((key, target, name))
            if not rows:
                self.rows.pop(key, None)
        self.dirty.clear()
        return inserted

    def _insert(
        self,
        txn: SbTxn,
        key: FlowKey,
        target: frozenset[str],
        dp_refs: Callable[[str], str],
        new_groups: dict[frozenset[str], str],
    ) -> NamedUuid:
        pipeline, table, priority, match, actions, ids, tags = key
        # Built in wire form directly: this runs once per flow on a full compute.
        row: Row = {
            "pipeline": pipeline,
            "table_id": table,
            "priority": priority,
            "match": match,
            "actions": actions,
            "external_ids": ["map", [list(i) for i in ids]],
            "tags": ["map", [list(t) for t in tags]],
        }
        sb_dps = frozenset(dp_refs(dp) for dp in target)
        if len(sb_dps) == 1:
            row["logical_datapath"] = _uuid_json(next(iter(sb_dps)))
        else:
            group = self.groups.get(sb_dps) or new_groups.get(sb_dps)
            if group is None:
                group = txn.insert("Logical_DP_Group", {"datapaths": sb_dps})
                new_groups[sb_dps] = group
            row["logical_dp_group"] = _uuid_json(group)
        return txn.insert_json("Logical_Flow", row)

    def confirm(
        self, inserted: list[tuple[FlowKey, frozenset[str], NamedUuid]], uuids: Mapping[str, str]
    ) -> None:
        """Record the real UUIDs of rows inserted by a committed transaction."""
        for key, dpset, name in inserted:
            self.rows[key][dpset] = uuids[name]

    def row_count(self) -> int:
        return sum(len(r) for r in self.rows.values())

"""The SB Load_Balancer table: the load balancers of logical switches.

ovn-controller (and ovn-trace) read it for the hairpin checks
(chk_lb_hairpin). One row per NB load balancer used by at least one switch,
directly or through a group: its name, VIPs and protocol as in the NB, the
NB options plus hairpin_orig_tuple=true, external_ids:lb_id (the NB UUID)
and a datapath group of those switches. Load balancers only on routers
have no row.
"""

from collections.abc import Mapping
from typing import Any

from pyovn.northd.load_balancer import LoadBalancer
from pyovn.northd.sb.reconcile import DatapathRefs
from pyovn.northd.sb.txn import SbTxn
from pyovn.northd.topology import Topology

__all__ = ["sync_load_balancers"]

Row = dict[str, Any]


def _wanted(topo: Topology) -> dict[str, tuple[LoadBalancer, set[str]]]:
    wanted: dict[str, tuple[LoadBalancer, set[str]]] = {}
    for switch in topo.switches.values():
        for lb in switch.lbs:
            wanted.setdefault(lb.uuid, (lb, set()))[1].add(switch.uuid)
    return wanted


def _columns(lb: LoadBalancer) -> Row:
    return {
        "name": lb.name,
        "vips": dict(lb.raw_vips),
        "protocol": frozenset() if lb.raw_protocol is None else frozenset({lb.raw_protocol}),
        "options": {**dict(lb.options), "hairpin_orig_tuple": "true"},
        "external_ids": {"lb_id": lb.uuid},
    }


def sync_load_balancers(
    topo: Topology, sb: Mapping[str, Mapping[str, Row]], refs: DatapathRefs, txn: SbTxn
) -> None:
    """Make SB Load_Balancer match the switches' load balancers."""
    wanted = _wanted(topo)
    groups = sb.get("Logical_DP_Group", {})
    seen: set[str] = set()
    for uuid, row in sb.get("Load_Balancer", {}).items():
        lb_id = row["external_ids"].get("lb_id")
        if lb_id not in wanted or lb_id in seen:
            txn.delete("Load_Balancer", uuid)
            continue
        seen.add(lb_id)
        lb, switches = wanted[lb_id]
        columns = _columns(lb)
        update = {c: v for c, v in columns.items() if row[c] != v}
        datapaths = _datapaths(switches, refs)
        group = next(iter(row["datapath_group"]), None)
        if group is None or group not in groups or groups[group]["datapaths"] != datapaths:
            update["datapath_group"] = frozenset(
                {txn.insert("Logical_DP_Group", {"datapaths": datapaths})}
            )
        if row["datapaths"]:
            update["datapaths"] = frozenset()
        txn.update("Load_Balancer", uuid, update)
    for lb_id, (lb, switches) in sorted(wanted.items()):
        if lb_id in seen:
            continue
        group = txn.insert("Logical_DP_Group", {"datapaths": _datapaths(switches, refs)})
        txn.insert("Load_Balancer", {**_columns(lb), "datapath_group": frozenset({group})})


def _datapaths(switches: set[str], refs: DatapathRefs) -> frozenset[str]:
    return frozenset(ref for ref in (refs.get(s) for s in switches) if ref is not None)

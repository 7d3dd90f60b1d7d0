"""Comparing two Southbound databases compiled from the same Northbound.

An incrementally maintained SB must equal what a fresh `--full-recompute`
northd writes: same logical flows, port bindings, port groups, multicast
groups, address sets, HA groups and load balancers. Tunnel keys are left
out where they depend on the order in which datapaths appeared.
"""

import re

from tests.helpers.ovn import lflow_lines, sbctl

__all__ = ["compare_sbs", "keyless", "load_balancers", "normalized_lflows"]


def _bindings(sb: str) -> list[str]:
    out = sbctl(
        sb,
        "--format=csv",
        "--no-headings",
        "--columns=logical_port,type,options,mac,port_security,nat_addresses,external_ids",
        "list",
        "Port_Binding",
    )
    return sorted(out.splitlines())


def _names(sb: str, table: str, columns: str) -> list[str]:
    out = sbctl(sb, "--format=csv", "--no-headings", f"--columns={columns}", "list", table)
    return sorted(out.splitlines())


def _datapath_names(sb: str) -> dict[str, str]:
    """Datapath tunnel key -> datapath name."""
    names = {}
    out = sbctl(
        sb,
        "--format=csv",
        "--no-headings",
        "--columns=tunnel_key,external_ids",
        "list",
        "Datapath_Binding",
    )
    for line in out.splitlines():
        key, _, ids = line.partition(",")
        names[key] = ids.split("name=")[-1].strip('}"')
    return names


def _port_groups(sb: str) -> list[str]:
    """Port groups with the datapath key prefix replaced by the datapath's name
    (keys legitimately differ: they depend on the order datapaths appeared)."""
    names = _datapath_names(sb)
    groups = []
    for line in _names(sb, "Port_Group", "name,ports"):
        key, _, rest = line.strip('"').partition("_")
        groups.append(f"{names.get(key, key)}_{rest}")
    return sorted(groups)


_RTR_LB_SET = re.compile(r"_rtr_lb_(\d+)_ip4")


def keyless(sb: str, lines: list[str]) -> list[str]:
    """Lines with router load-balancer address set names (`_rtr_lb_<key>_ip4`)
    naming the router instead of its tunnel key."""
    names = _datapath_names(sb)
    return sorted(
        _RTR_LB_SET.sub(lambda m: f"_rtr_lb_{names.get(m.group(1), m.group(1))}_ip4", line)
        for line in lines
    )


def normalized_lflows(sb: str) -> list[str]:
    return keyless(sb, lflow_lines(sb))


def compare_sbs(incremental: str, full: str) -> None:
    """Assert two SBs hold the same compiled state (keys that depend on history aside)."""
    assert normalized_lflows(incremental) == normalized_lflows(full)
    assert _bindings(incremental) == _bindings(full)
    assert _port_groups(incremental) == _port_groups(full)
    for table, columns in (
        ("Multicast_Group", "name,tunnel_key"),
        ("Address_Set", "name,addresses"),
        ("HA_Chassis_Group", "name"),
    ):
        ours, theirs = _names(incremental, table, columns), _names(full, table, columns)
        assert keyless(incremental, ours) == keyless(full, theirs), table
    assert load_balancers(incremental) == load_balancers(full)


def load_balancers(sb: str) -> list[str]:
    """SB Load_Balancer rows as text, with the names of their datapaths."""
    names = {}
    for line in _names(sb, "Datapath_Binding", "_uuid,external_ids"):
        uuid, _, ids = line.partition(",")
        names[uuid] = ids.split("name=")[-1].strip('}"')
    groups = {}
    for line in _names(sb, "Logical_DP_Group", "_uuid,datapaths"):
        uuid, _, dps = line.partition(",")
        groups[uuid] = sorted(names.get(d, d) for d in dps.strip('"[]').split(", ") if d)
    rows = []
    for line in _names(sb, "Load_Balancer", "datapath_group,name,vips,protocol,options"):
        group, _, rest = line.partition(",")
        rows.append(f"{rest} on {groups.get(group, [])}")
    return sorted(rows)

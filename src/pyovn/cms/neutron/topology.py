"""The logical network as the web page draws it: switches, routers, their
ports, the VMs on them and the routers' NAT, read live from the NB replica,
with each port's chassis binding from the SB when the server has one.

Works on any NB, not only on what the API created: names fall back from
Neutron's (external_ids) to the rows' own. A project that is not an admin
sees its own networks and routers, and the shared and external networks.
"""

from collections.abc import Mapping
from typing import Any

from pyovn.cms.neutron.auth import Principal
from pyovn.cms.neutron.naming import Key, Owner

__all__ = ["topology"]

Tables = Mapping[str, Mapping[str, Mapping[str, Any]]]


def _label(row: Mapping[str, Any], key: str) -> str:
    return str(row["external_ids"].get(key) or row["name"])


def _visible(row: Mapping[str, Any], who: Principal, network: bool) -> bool:
    ids = row["external_ids"]
    if who.is_admin or ids.get(Key.PROJECT_ID) == who.project_id:
        return True
    return network and "true" in (ids.get(Key.SHARED), ids.get(Key.ROUTER_EXTERNAL))


def _port_kind(port: Mapping[str, Any]) -> str:
    owner = port["external_ids"].get(Key.DEVICE_OWNER, "")
    if owner == Owner.FLOATINGIP:
        return "fip"
    if port["type"] in ("router", "localnet"):
        return str(port["type"])
    return "vm" if port["type"] == "" else "other"


def _words(entries: Any) -> tuple[list[str], list[str]]:
    macs, ips = [], []
    for entry in sorted(entries):
        words = entry.split()
        if words and words[0] not in ("router", "unknown", "dynamic"):
            macs.append(words[0])
            ips.extend(words[1:])
    return macs, ips


def _bindings(sb: Tables | None) -> dict[str, dict[str, Any]]:
    if sb is None:
        return {}
    chassis = {uuid: row["name"] for uuid, row in sb.get("Chassis", {}).items()}
    out = {}
    for row in sb.get("Port_Binding", {}).values():
        bound = [chassis.get(u, "?") for u in row["chassis"]]
        up = row.get("up")
        out[row["logical_port"]] = {
            "chassis": bound[0] if bound else None,
            "up": bool(up and next(iter(up))),
        }
    return out


def _port(port: Mapping[str, Any], switch: str, bound: dict[str, Any]) -> dict[str, Any]:
    macs, ips = _words(port["addresses"])
    ids = port["external_ids"]
    return {
        "name": port["name"],
        "label": str(ids.get(Key.PORT_NAME) or port["name"]),
        "kind": _port_kind(port),
        "switch": switch,
        "peer": port["options"].get("router-port"),
        "macs": macs,
        "ips": ips or str(ids.get(Key.CIDRS, "")).replace("/", " /").split()[::2],
        "device": str(ids.get(Key.DEVICE_ID, "")),
        "chassis": bound.get("chassis"),
        "up": bound.get("up", False),
    }


def _switches(
    nb: Tables, who: Principal, bindings: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The switches the caller may see, and their ports by name."""
    lsps = nb["Logical_Switch_Port"]
    switches, ports = [], {}
    for row in sorted(nb["Logical_Switch"].values(), key=lambda r: r["name"]):
        if not _visible(row, who, network=True):
            continue
        names = []
        for uuid in sorted(row["ports"]):
            lsp = lsps.get(uuid)
            if lsp is None:
                continue
            owner = lsp["external_ids"].get(Key.PROJECT_ID)
            if not who.is_admin and owner not in (None, "", who.project_id):
                continue
            ports[lsp["name"]] = _port(lsp, row["name"], bindings.get(lsp["name"], {}))
            names.append(lsp["name"])
        other = row["other_config"]
        switches.append(
            {
                "name": row["name"],
                "label": _label(row, Key.NETWORK_NAME),
                "external": row["external_ids"].get(Key.ROUTER_EXTERNAL) == "true"
                or any(ports[n]["kind"] == "localnet" for n in names),
                "subnets": [other["subnet"]] if "subnet" in other else [],
                "ports": names,
            }
        )
    return switches, ports


def _nat(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": row["type"],
        "external_ip": row["external_ip"],
        "logical_ip": row["logical_ip"],
        "logical_port": next(iter(row["logical_port"]), None),
    }


def _routers(nb: Tables, who: Principal) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The routers the caller may see, and their ports by name."""
    lrps = nb["Logical_Router_Port"]
    routers, router_ports = [], {}
    for row in sorted(nb["Logical_Router"].values(), key=lambda r: r["name"]):
        if not _visible(row, who, network=False):
            continue
        names = []
        for uuid in sorted(row["ports"]):
            lrp = lrps.get(uuid)
            if lrp is None:
                continue
            router_ports[lrp["name"]] = {
                "name": lrp["name"],
                "router": row["name"],
                "mac": lrp["mac"],
                "networks": sorted(lrp["networks"]),
                "gateway": bool(lrp["gateway_chassis"] or lrp["ha_chassis_group"]),
            }
            names.append(lrp["name"])
        routers.append(
            {
                "name": row["name"],
                "label": _label(row, Key.ROUTER_NAME),
                "ports": names,
                "nat": [_nat(nb["NAT"][u]) for u in sorted(row["nat"]) if u in nb["NAT"]],
            }
        )
    return routers, router_ports


def topology(nb: Tables, sb: Tables | None, who: Principal) -> dict[str, Any]:
    """What the page draws (see the module's docstring)."""
    switches, ports = _switches(nb, who, _bindings(sb))
    routers, router_ports = _routers(nb, who)
    return {
        "switches": switches,
        "routers": routers,
        "ports": ports,
        "router_ports": router_ports,
        "southbound": sb is not None,
    }

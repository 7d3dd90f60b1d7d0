"""The demo's logical topology: written to the Northbound database with OVSDB
transactions and read back through a monitor, the way a CMS and northd do.

    sw1 10.0.0.0/24: vm1 10.0.0.11, vm2 10.0.0.12     lr1: lr1-sw1 10.0.0.1/24
    sw2 10.0.1.0/24: vm3 10.0.1.13, vm4 10.0.1.14          lr1-sw2 10.0.1.1/24
    SNAT 10.0.0.0/24 -> 172.16.0.100                       lr1-ext 172.16.0.1/24
    ACL on sw1: to-lport 1002 'outport == "vm1" && tcp.dst == 22' allow-related
"""

from dataclasses import dataclass, field
from typing import Any

from pyovn.cloud.errors import CloudError
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.replica import Replica

__all__ = [
    "DEMO",
    "Nat",
    "RouterPort",
    "Snapshot",
    "SwitchPort",
    "Topology",
    "Vm",
    "load",
    "read",
]

NB = "OVN_Northbound"


@dataclass(frozen=True)
class Vm:
    name: str
    switch: str
    mac: str
    ip: str


@dataclass(frozen=True)
class RouterPort:
    name: str
    mac: str
    network: str
    switch: str | None  # the switch it is linked to, if any


@dataclass(frozen=True)
class Nat:
    type: str
    external_ip: str
    logical_ip: str


@dataclass(frozen=True)
class Acl:
    switch: str
    direction: str
    priority: int
    match: str
    action: str


@dataclass(frozen=True)
class Topology:
    switches: dict[str, str]  # name -> subnet
    vms: list[Vm]
    router: str
    router_ports: list[RouterPort]
    nats: list[Nat]
    acls: list[Acl]


DEMO = Topology(
    switches={"sw1": "10.0.0.0/24", "sw2": "10.0.1.0/24"},
    vms=[
        Vm("vm1", "sw1", "50:54:00:00:01:11", "10.0.0.11"),
        Vm("vm2", "sw1", "50:54:00:00:01:12", "10.0.0.12"),
        Vm("vm3", "sw2", "50:54:00:00:02:13", "10.0.1.13"),
        Vm("vm4", "sw2", "50:54:00:00:02:14", "10.0.1.14"),
    ],
    router="lr1",
    router_ports=[
        RouterPort("lr1-sw1", "00:00:00:00:ff:01", "10.0.0.1/24", "sw1"),
        RouterPort("lr1-sw2", "00:00:00:00:ff:02", "10.0.1.1/24", "sw2"),
        RouterPort("lr1-ext", "00:00:00:00:ff:03", "172.16.0.1/24", None),
    ],
    nats=[Nat("snat", "172.16.0.100", "10.0.0.0/24")],
    acls=[Acl("sw1", "to-lport", 1002, 'outport == "vm1" && tcp.dst == 22', "allow-related")],
)


def _named(name: str) -> list[str]:
    return ["named-uuid", name.replace("-", "_")]


def _set(values: list[Any]) -> list[Any]:
    return ["set", values]


def _map(pairs: dict[str, str]) -> list[Any]:
    return ["map", [[k, v] for k, v in sorted(pairs.items())]]


def transactions(topo: Topology) -> list[list[dict[str, Any]]]:
    """The topology as OVSDB operations: the router first, then each switch
    with its ports (VMs and the router link) and ACLs."""
    router_ops: list[dict[str, Any]] = [
        {
            "op": "insert",
            "table": "Logical_Router_Port",
            "uuid-name": _named(p.name)[1],
            "row": {"name": p.name, "mac": p.mac, "networks": _set([p.network])},
        }
        for p in topo.router_ports
    ]
    router_ops += [
        {
            "op": "insert",
            "table": "NAT",
            "uuid-name": f"nat{i}",
            "row": {"type": n.type, "external_ip": n.external_ip, "logical_ip": n.logical_ip},
        }
        for i, n in enumerate(topo.nats)
    ]
    router_ops.append(
        {
            "op": "insert",
            "table": "Logical_Router",
            "row": {
                "name": topo.router,
                "ports": _set([_named(p.name) for p in topo.router_ports]),
                "nat": _set([["named-uuid", f"nat{i}"] for i in range(len(topo.nats))]),
            },
        }
    )
    txns = [router_ops]
    for switch, subnet in topo.switches.items():
        ops: list[dict[str, Any]] = []
        ports = []
        for vm in (v for v in topo.vms if v.switch == switch):
            ops.append(
                {
                    "op": "insert",
                    "table": "Logical_Switch_Port",
                    "uuid-name": vm.name,
                    "row": {"name": vm.name, "addresses": _set([f"{vm.mac} {vm.ip}"])},
                }
            )
            ports.append(["named-uuid", vm.name])
        links = [p for p in topo.router_ports if p.switch == switch]
        for i, rp in enumerate(links):
            link = f"{switch}-{topo.router}" if len(links) == 1 else f"{switch}-{rp.name}"
            ops.append(
                {
                    "op": "insert",
                    "table": "Logical_Switch_Port",
                    "uuid-name": f"link{i}",
                    "row": {
                        "name": link,
                        "type": "router",
                        "addresses": "router",
                        "options": _map({"router-port": rp.name}),
                    },
                }
            )
            ports.append(["named-uuid", f"link{i}"])
        acls = []
        for i, acl in enumerate(a for a in topo.acls if a.switch == switch):
            ops.append(
                {
                    "op": "insert",
                    "table": "ACL",
                    "uuid-name": f"acl{i}",
                    "row": {
                        "direction": acl.direction,
                        "priority": acl.priority,
                        "match": acl.match,
                        "action": acl.action,
                    },
                }
            )
            acls.append(["named-uuid", f"acl{i}"])
        ops.append(
            {
                "op": "insert",
                "table": "Logical_Switch",
                "row": {
                    "name": switch,
                    "ports": _set(ports),
                    "acls": _set(acls),
                    "other_config": _map({"subnet": subnet}),
                },
            }
        )
        txns.append(ops)
    return txns


async def load(client: OvsdbClient, topo: Topology = DEMO) -> None:
    """Write `topo` to the NB database behind `client` (after NB_Global, as
    `ovn-nbctl init` would). Raises CloudError with the server's error."""
    existing = await client.transact(NB, [{"op": "select", "table": "NB_Global", "where": []}])
    if not existing[0]["rows"]:
        await _checked(client, [{"op": "insert", "table": "NB_Global", "row": {}}])
    for ops in transactions(topo):
        await _checked(client, ops)


async def _checked(client: OvsdbClient, ops: list[dict[str, Any]]) -> None:
    result = await client.transact(NB, ops)
    for item in result:
        if isinstance(item, dict) and "error" in item:
            details = f": {item['details']}" if item.get("details") else ""
            raise CloudError(f"loading the topology failed: {item['error']}{details}")


@dataclass
class SwitchPort:
    name: str
    type: str
    addresses: list[str]
    router_port: str | None


@dataclass
class Snapshot:
    """What the NB database holds, as `ovn-nbctl show` groups it."""

    switches: dict[str, tuple[str, list[SwitchPort], list[Acl]]] = field(default_factory=dict)
    routers: dict[str, tuple[str, list[RouterPort], list[Nat]]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "switches": len(self.switches),
            "switch ports": sum(len(p) for _, p, _ in self.switches.values()),
            "routers": len(self.routers),
            "router ports": sum(len(p) for _, p, _ in self.routers.values()),
            "NAT rules": sum(len(n) for _, _, n in self.routers.values()),
            "ACLs": sum(len(a) for _, _, a in self.switches.values()),
        }


_TABLES: dict[str, list[str] | None] = {
    "Logical_Switch": ["name", "ports", "acls"],
    "Logical_Switch_Port": ["name", "type", "addresses", "options"],
    "ACL": ["direction", "priority", "match", "action"],
    "Logical_Router": ["name", "ports", "nat"],
    "Logical_Router_Port": ["name", "mac", "networks"],
    "NAT": ["type", "external_ip", "logical_ip"],
}


async def read(client: OvsdbClient) -> Snapshot:
    """Read the NB database back through a monitor (a local replica)."""
    replica = Replica(client, NB, _TABLES)
    await replica.start()
    lsp, acl = replica.table("Logical_Switch_Port"), replica.table("ACL")
    lrp, nat = replica.table("Logical_Router_Port"), replica.table("NAT")
    snap = Snapshot()
    for uuid, row in replica.rows("Logical_Switch"):
        ports = [
            SwitchPort(
                p["name"], p["type"], sorted(p["addresses"]), p["options"].get("router-port")
            )
            for p in (lsp[u] for u in row["ports"])
        ]
        acls = [
            Acl(row["name"], a["direction"], a["priority"], a["match"], a["action"])
            for a in (acl[u] for u in row["acls"])
        ]
        snap.switches[row["name"]] = (uuid, sorted(ports, key=lambda p: p.name), acls)
    for uuid, row in replica.rows("Logical_Router"):
        rports = [
            RouterPort(p["name"], p["mac"], ", ".join(sorted(p["networks"])), None)
            for p in (lrp[u] for u in row["ports"])
        ]
        nats = [
            Nat(n["type"], n["external_ip"], n["logical_ip"]) for n in (nat[u] for u in row["nat"])
        ]
        snap.routers[row["name"]] = (uuid, sorted(rports, key=lambda p: p.name), nats)
    return snap

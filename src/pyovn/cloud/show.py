"""The Northbound topology as a rich tree, laid out like `ovn-nbctl show`."""

import json

from rich.tree import Tree

from pyovn.cloud.topology import Snapshot

__all__ = ["topology_tree"]


def _quoted(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def topology_tree(snap: Snapshot, title: str) -> Tree:
    """Switches with their ports and ACLs, then routers with ports and NAT."""
    root = Tree(title)
    for name in sorted(snap.switches):
        uuid, ports, acls = snap.switches[name]
        switch = root.add(f"[bold]switch[/] {uuid} ({name})")
        for port in ports:
            node = switch.add(f"port {port.name}")
            if port.type:
                node.add(f"type: {port.type}")
            if port.router_port:
                node.add(f"router-port: {port.router_port}")
            if port.addresses:
                node.add(f"addresses: {_quoted(port.addresses)}")
        for acl in sorted(acls, key=lambda a: (a.direction, -a.priority, a.match)):
            switch.add(f"acl {acl.direction} {acl.priority} ({acl.match}) {acl.action}")
    for name in sorted(snap.routers):
        uuid, rports, nats = snap.routers[name]
        router = root.add(f"[bold]router[/] {uuid} ({name})")
        for rport in rports:
            node = router.add(f"port {rport.name}")
            node.add(f"mac: {json.dumps(rport.mac)}")
            node.add(f"networks: {_quoted(rport.network.split(', '))}")
        for nat in sorted(nats, key=lambda n: (n.type, n.external_ip, n.logical_ip)):
            node = router.add(f"nat {nat.type}")
            node.add(f"external ip: {json.dumps(nat.external_ip)}")
            node.add(f"logical ip: {json.dumps(nat.logical_ip)}")
    return root

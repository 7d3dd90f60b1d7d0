"""Physical flows: between OpenFlow ports and the logical pipelines.

The tables of ovn-architecture(7), as ovn-controller 23.03 fills them:

* 0  physical → logical: a VIF's or localnet port's packets get the
  datapath key (metadata), the logical inport (reg14) and the conntrack
  zones (reg13 port, reg11 DNAT, reg12 SNAT), then go to table 8; a
  tunnel's packets get datapath, inport and outport from the Geneve VNI and
  option and go straight to local output (table 40).
* 37/38 large-packet detection (pass-through here), 39 remote output
  (Geneve to the chassis of a remote port: VNI = datapath key, option =
  inport << 16 | outport), 40 local output (zones for the egress pipeline;
  a resident chassisredirect port becomes its distributed port; multicast
  groups fan out), 41 loopback check (a packet does not go back out its
  inport unless flags.loopback), then egress (42+).
* 64 save inport (`flags.loopback`: pretend the packet came from nowhere so
  OpenFlow lets it out its in_port), 65 logical → physical: output to the
  VIF or the localnet patch port, or, for a logical patch port, clone into
  the peer datapath's ingress pipeline.

Port security (73-75) is in `port_sec.py`, MAC bindings (66/67) in
`neighbor.py`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pyovn.controller.ct_zone import CtZones
from pyovn.controller.index import Datapath, MulticastGroup, Port, SbView
from pyovn.lflow import OpenFlowFlow

__all__ = ["PhysicalInput", "cookie_of", "physical_flows"]

PHY_TO_LOG, LOG_INGRESS, LARGE_DETECT, LARGE_PROCESS = 0, 8, 37, 38
REMOTE_OUTPUT, LOCAL_OUTPUT, CHECK_LOOPBACK, LOG_EGRESS = 39, 40, 41, 42
SAVE_INPORT, LOG_TO_PHY = 64, 65

_ZERO_REGS = ",".join(f"load:0->NXM_NX_REG{i}[]" for i in range(10))
_TUNNEL_IN = (
    "move:NXM_NX_TUN_ID[0..23]->OXM_OF_METADATA[0..23],"
    "move:NXM_NX_TUN_METADATA0[16..30]->NXM_NX_REG14[0..14],"
    "move:NXM_NX_TUN_METADATA0[0..15]->NXM_NX_REG15[0..15],"
    f"resubmit(,{LOCAL_OUTPUT})"
)


def cookie_of(uuid: str) -> int:
    """ovn-controller's cookie for a flow from an SB row: its UUID's first 32 bits."""
    return int(uuid[:8], 16)


@dataclass
class PhysicalInput:
    """What the physical tables depend on."""

    view: SbView
    local: set[str]
    resident: set[str]
    vif_ofports: Mapping[str, int]
    localnet_ofports: Mapping[str, int]
    tunnels: Mapping[str, int]
    zones: CtZones

    def dp_zones(self, datapath: Datapath) -> tuple[int, int]:
        """(DNAT zone, SNAT zone) of a datapath."""
        return (
            self.zones.zone(f"{datapath.nb_uuid}_dnat"),
            self.zones.zone(f"{datapath.nb_uuid}_snat"),
        )

    def local_port_ofport(self, port: Port) -> int | None:
        """The OpenFlow port of a VIF or localnet port implemented here."""
        if port.type in ("", "localport"):
            return self.vif_ofports.get(port.name) if port.name in self.resident else None
        if port.type == "localnet":
            return self.localnet_ofports.get(port.name)
        return None

    def remote_tunnel(self, port: Port) -> int | None:
        """The tunnel port towards the chassis a remote port is bound to."""
        if port.name in self.resident or port.type not in ("", "chassisredirect", "l3gateway"):
            return None
        chassis = self.view.port_chassis_name(port)
        return self.tunnels.get(chassis) if chassis else None


def _flow(table: int, priority: int, match: str, actions: str, cookie: int = 0) -> OpenFlowFlow:
    return OpenFlowFlow(table, priority, match, actions, cookie)


def _load(value: int, field: str) -> str:
    return f"load:{value:#x}->{field}" if value else f"load:0->{field}"


def physical_flows(data: PhysicalInput) -> Iterator[OpenFlowFlow]:
    """Every flow of tables 0, 37-41, 64 and 65."""
    yield from _defaults()
    for ofport in sorted(data.tunnels.values()):
        yield _flow(PHY_TO_LOG, 100, f"in_port={ofport}", _TUNNEL_IN)
    for dp_uuid in sorted(data.local):
        datapath = data.view.datapaths[dp_uuid]
        for port in data.view.ports_of(dp_uuid):
            yield from _port_flows(data, datapath, port)
        for group in data.view.groups_of(dp_uuid):
            yield from _group_flows(data, datapath, group)


def _defaults() -> Iterator[OpenFlowFlow]:
    yield _flow(PHY_TO_LOG, 0, "", "drop")
    yield _flow(LARGE_DETECT, 0, "", f"resubmit(,{REMOTE_OUTPUT})")
    yield _flow(LARGE_PROCESS, 10, "reg10=0x1/0x1", f"resubmit(,{LOCAL_OUTPUT})")
    yield _flow(LARGE_PROCESS, 0, "", f"resubmit(,{REMOTE_OUTPUT})")
    yield _flow(REMOTE_OUTPUT, 150, "reg10=0x2/0x3", f"resubmit(,{LOCAL_OUTPUT})")
    yield _flow(REMOTE_OUTPUT, 150, "reg10=0x10/0x10", f"resubmit(,{LOCAL_OUTPUT})")
    yield _flow(REMOTE_OUTPUT, 0, "", f"resubmit(,{LOCAL_OUTPUT})")
    yield _flow(LOCAL_OUTPUT, 0, "", "drop")
    yield _flow(CHECK_LOOPBACK, 0, "", f"{_ZERO_REGS},resubmit(,{LOG_EGRESS})")
    yield _flow(SAVE_INPORT, 0, "", f"resubmit(,{LOG_TO_PHY})")
    yield _flow(LOG_TO_PHY, 0, "", "drop")


def _port_flows(data: PhysicalInput, datapath: Datapath, port: Port) -> Iterator[OpenFlowFlow]:
    key, dp = port.key, datapath.key
    where = f"reg15={key:#x},metadata={dp:#x}"
    cookie = cookie_of(port.uuid)
    dnat, snat = data.dp_zones(datapath)
    dp_zone_loads = f"{_load(dnat, 'NXM_NX_REG11[]')},{_load(snat, 'NXM_NX_REG12[]')}"
    ofport = data.local_port_ofport(port)
    if ofport is not None:
        zone = data.zones.zone(port.name)
        into = (
            f"{_load(zone, 'NXM_NX_REG13[]')},{dp_zone_loads},"
            f"{_load(dp, 'OXM_OF_METADATA[]')},{_load(key, 'NXM_NX_REG14[]')},"
            f"resubmit(,{LOG_INGRESS})"
        )
        yield from _ingress(data, datapath, port, ofport, into, cookie)
        local = f"{_load(zone, 'NXM_NX_REG13[]')},{dp_zone_loads},resubmit(,{CHECK_LOOPBACK})"
        yield _flow(LOCAL_OUTPUT, 100, where, local, cookie)
        yield from _loopback_and_save(port, dp, cookie)
        out = f"output:{ofport}"
        if port.type == "localnet" and port.tag is not None:
            out = f"mod_vlan_vid:{port.tag},{out}"
        yield _flow(LOG_TO_PHY, 100, where, out, cookie)
        return
    if port.type == "patch" or (port.type == "l3gateway" and port.name in data.resident):
        yield _flow(
            LOCAL_OUTPUT, 100, where, f"{dp_zone_loads},resubmit(,{CHECK_LOOPBACK})", cookie
        )
        yield from _loopback_and_save(port, dp, cookie)
        clone = _patch_clone(data, port)
        if clone:
            yield _flow(LOG_TO_PHY, 100, where, clone, cookie)
        return
    if port.type == "chassisredirect" and port.name in data.resident:
        distributed = data.view.ports.get(port.options.get("distributed-port", ""))
        if distributed is not None:
            actions = (
                f"{_load(distributed.key, 'NXM_NX_REG15[]')},{dp_zone_loads},"
                f"resubmit(,{CHECK_LOOPBACK})"
            )
            yield _flow(LOCAL_OUTPUT, 100, where, actions, cookie)
        return
    tunnel = data.remote_tunnel(port)
    if tunnel is not None:
        yield _flow(REMOTE_OUTPUT, 100, where, f"{_encap(dp, key)},output:{tunnel}", cookie)


def _ingress(
    data: PhysicalInput, datapath: Datapath, port: Port, ofport: int, into: str, cookie: int
) -> Iterator[OpenFlowFlow]:
    if port.type != "localnet":
        yield _flow(PHY_TO_LOG, 100, f"in_port={ofport}", into, cookie)
        return
    if port.tag is not None:
        yield _flow(
            PHY_TO_LOG, 100, f"in_port={ofport},dl_vlan={port.tag}", f"strip_vlan,{into}", cookie
        )
        return
    untagged = "vlan_tci=0x0000/0x1000"
    yield _flow(PHY_TO_LOG, 100, f"in_port={ofport},{untagged}", into, cookie)
    yield _flow(PHY_TO_LOG, 100, f"in_port={ofport},dl_vlan=0", f"strip_vlan,{into}", cookie)
    # Traffic from other chassis's MACs (ovn-chassis-mac-mappings) on a network
    # with a distributed gateway port: rewritten to the router port's MAC. With
    # no chassis MACs configured the conjunction never completes, as in OVN.
    for router_port in _gateway_router_ports(data.view, datapath):
        mac = next(iter(sorted(router_port.mac)), "").split(" ")[0]
        if not mac:
            continue
        conj = 100
        yield _flow(PHY_TO_LOG, 180, untagged, f"conjunction({conj},2/2)", cookie)
        rewrite = into.replace(
            f"resubmit(,{LOG_INGRESS})", f"mod_dl_src:{mac},resubmit(,{LOG_INGRESS})"
        )
        yield _flow(PHY_TO_LOG, 180, f"conj_id={conj},in_port={ofport},{untagged}", rewrite, cookie)


def _gateway_router_ports(view: SbView, datapath: Datapath) -> Iterator[Port]:
    """Distributed gateway ports whose peers sit on `datapath`."""
    for port in view.ports_of(datapath.uuid):
        if port.type == "patch":
            peer = view.peer(port)
            if peer is not None and peer.options.get("chassis-redirect-port"):
                yield peer


def _loopback_and_save(port: Port, dp: int, cookie: int) -> Iterator[OpenFlowFlow]:
    key = port.key
    if port.type == "localnet":
        for flag in ("0x10/0x10", "0x400/0x400"):
            match = f"reg10={flag},reg15={key:#x},metadata={dp:#x}"
            yield _flow(CHECK_LOOPBACK, 160, match, "drop", cookie)
    match = f"reg10=0/0x1,reg14={key:#x},reg15={key:#x},metadata={dp:#x}"
    yield _flow(CHECK_LOOPBACK, 100, match, "drop", cookie)
    save = (
        "push:NXM_OF_IN_PORT[],load:0xffff->NXM_OF_IN_PORT[],"
        f"resubmit(,{LOG_TO_PHY}),pop:NXM_OF_IN_PORT[]"
    )
    yield _flow(SAVE_INPORT, 100, f"reg10=0x1/0x1,reg15={key:#x},metadata={dp:#x}", save, cookie)


def _patch_clone(data: PhysicalInput, port: Port) -> str | None:
    peer = data.view.peer(port)
    if peer is None or peer.datapath not in data.local:
        return None
    peer_dp = data.view.datapaths[peer.datapath]
    dnat, snat = data.dp_zones(peer_dp)
    return (
        "clone(ct_clear,load:0->NXM_NX_REG11[],load:0->NXM_NX_REG12[],load:0->NXM_NX_REG13[],"
        f"{_load(dnat, 'NXM_NX_REG11[]')},{_load(snat, 'NXM_NX_REG12[]')},"
        f"{_load(peer_dp.key, 'OXM_OF_METADATA[]')},{_load(peer.key, 'NXM_NX_REG14[]')},"
        f"load:0->NXM_NX_REG10[],load:0->NXM_NX_REG15[],{_ZERO_REGS},resubmit(,{LOG_INGRESS}))"
    )


def _encap(dp: int, key: int) -> str:
    return (
        f"load:{dp:#x}->NXM_NX_TUN_ID[0..23],set_field:{key:#x}->tun_metadata0,"
        "move:NXM_NX_REG14[0..14]->NXM_NX_TUN_METADATA0[16..30]"
    )


def _group_flows(
    data: PhysicalInput, datapath: Datapath, group: MulticastGroup
) -> Iterator[OpenFlowFlow]:
    """Multicast group fan-out: patch ports and remote chassis in table 39,
    local VIFs and localnet ports in table 40."""
    dp, key = datapath.key, group.key
    where = f"reg15={key:#x},metadata={dp:#x}"
    cookie = cookie_of(group.uuid)
    local: list[str] = []
    patches: list[str] = []
    remote: set[int] = set()
    members = [data.view.port_by_uuid[u] for u in group.ports if u in data.view.port_by_uuid]
    for port in sorted(members, key=lambda p: p.key):
        if data.local_port_ofport(port) is not None:
            zone = data.zones.zone(port.name)
            local.append(
                f"{_load(zone, 'NXM_NX_REG13[]')},{_load(port.key, 'NXM_NX_REG15[]')},"
                f"resubmit(,{CHECK_LOOPBACK})"
            )
        elif port.type == "patch":
            patches.append(f"{_load(port.key, 'NXM_NX_REG15[]')},resubmit(,{CHECK_LOOPBACK})")
        else:
            tunnel = data.remote_tunnel(port)
            if tunnel is not None:
                remote.add(tunnel)
    if local:
        actions = ",".join([*local, _load(key, "NXM_NX_REG15[]")])
        yield _flow(LOCAL_OUTPUT, 100, where, actions, cookie)
    if patches or remote:
        parts = list(patches)
        if remote:
            if patches:
                parts.append(_load(key, "NXM_NX_REG15[]"))
            parts.append(_encap(dp, key))
            parts.extend(f"output:{t}" for t in sorted(remote))
        parts += [_load(key, "NXM_NX_REG15[]"), f"resubmit(,{LOCAL_OUTPUT})"]
        yield _flow(REMOTE_OUTPUT, 100, where, ",".join(parts), cookie)

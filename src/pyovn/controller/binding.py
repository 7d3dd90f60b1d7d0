"""Which logical ports live on this chassis: claims, releases, residency.

A VIF is an Interface on the integration bridge whose
`external_ids:iface-id` names a logical port. The chassis claims the
Port_Binding (sets `chassis`) once the interface has an OpenFlow port, and
marks it `up` (and the Interface `external_ids:ovn-installed`) after the
port's flows are installed (`daemon.py`). When the interface goes, the
binding is released (`chassis` cleared, `up` false).

A port moving between chassis: the chassis that gets the interface claims
the binding even if another chassis holds it ("Changing chassis for lport
… from hv1 to hv2"); the old chassis then notices it lost the port and does
not claim it back while its interface stays the same (no flapping).

Gateway ports: a `chassisredirect` port is claimed by the highest-priority
chassis of its HA_Chassis_Group (or Gateway_Chassis rows) that exists in
the Southbound DB; an `l3gateway` port by the chassis its
`options:l3gateway-chassis` names.

An iface-id that matches no logical port is logged once and left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pyovn.controller.index import Port, SbView, optional

__all__ = ["Binding", "BindingResult", "LocalInterface", "local_interfaces"]

log = logging.getLogger("pyovn.controller.binding")

Tables = Mapping[str, Mapping[str, Mapping[str, Any]]]


@dataclass(frozen=True, slots=True)
class LocalInterface:
    """An Interface row on the integration bridge."""

    uuid: str
    name: str
    type: str
    ofport: int
    external_ids: Mapping[str, str]
    options: Mapping[str, str]

    @property
    def iface_id(self) -> str | None:
        return self.external_ids.get("iface-id") or None


def local_interfaces(ovs: Tables, bridge_name: str) -> list[LocalInterface]:
    """The interfaces of one bridge (ofport 0 until the switch assigns one)."""
    bridge = next((r for r in ovs["Bridge"].values() if r["name"] == bridge_name), None)
    if bridge is None:
        return []
    result = []
    ports, interfaces = ovs["Port"], ovs["Interface"]
    for port_uuid in bridge["ports"]:
        port = ports.get(port_uuid)
        if port is None:
            continue
        for iface_uuid in port["interfaces"]:
            row = interfaces.get(iface_uuid)
            if row is None:
                continue
            ofport = optional(row["ofport"]) or 0
            result.append(
                LocalInterface(
                    iface_uuid,
                    row["name"],
                    row["type"],
                    ofport if ofport > 0 else 0,
                    row["external_ids"],
                    row["options"],
                )
            )
    return result


@dataclass
class BindingResult:
    """The outcome of one binding run."""

    claims: dict[str, str] = field(default_factory=dict)  # PB uuid -> port name
    releases: dict[str, str] = field(default_factory=dict)  # PB uuid -> port name
    vifs: dict[str, LocalInterface] = field(default_factory=dict)  # port name -> interface
    resident: set[str] = field(default_factory=set)  # port names resident here


@dataclass
class Binding:
    """Binding state kept across runs (what was lost, what was reported)."""

    chassis_name: str
    owned: set[str] = field(default_factory=set)
    lost: dict[str, str] = field(default_factory=dict)  # port name -> interface uuid
    reported: set[tuple[str, str]] = field(default_factory=set)
    gateway_candidates: dict[str, list[str]] = field(default_factory=dict)

    def run(self, view: SbView, interfaces: list[LocalInterface]) -> BindingResult:
        """Decide claims and releases for this chassis given the SB and OVS state."""
        me = view.chassis_uuid.get(self.chassis_name)
        result = BindingResult()
        by_id: dict[str, LocalInterface] = {}
        for iface in interfaces:
            if iface.iface_id and iface.ofport:
                by_id.setdefault(iface.iface_id, iface)
        for iface_id, iface in by_id.items():
            port = view.ports.get(iface_id)
            if port is None:
                self._report_once(iface, f"no logical port named {iface_id!r}; not binding it")
                continue
            if port.type not in ("", "localport"):
                self._report_once(iface, f"logical port {iface_id} has type {port.type}; not a VIF")
                continue
            self._consider_vif(port, iface, me, view, result)
        for port in view.gateways.values():
            if port.type == "chassisredirect":
                self._consider_gateway(port, me, self._elected(port, view), result)
            else:
                chosen = port.options.get("l3gateway-chassis") == self.chassis_name
                self._consider_gateway(port, me, chosen, result)
        for name in view.bound_to.get(me, set()) if me else ():
            port = view.ports[name]
            if port.type == "":
                self._release_if_gone(port, result)
        self.owned = set(result.resident)
        self.lost = {
            name: uuid
            for name, uuid in self.lost.items()
            if name in by_id and by_id[name].uuid == uuid
        }
        return result

    @staticmethod
    def _release_if_gone(port: Port, result: BindingResult) -> None:
        if port.name not in result.vifs:
            result.releases[port.uuid] = port.name

    def _consider_vif(
        self,
        port: Port,
        iface: LocalInterface,
        me: str | None,
        view: SbView,
        result: BindingResult,
    ) -> None:
        if port.type == "localport":
            result.vifs[port.name] = iface
            result.resident.add(port.name)
            return
        requested = port.options.get("requested-chassis") or None
        if requested and requested != self.chassis_name:
            self._report_once(iface, f"{port.name} is requested on chassis {requested}")
            return
        if me is not None and port.chassis == me:
            result.vifs[port.name] = iface
            result.resident.add(port.name)
            return
        holder = view.port_chassis_name(port)
        if holder is not None:
            if port.name in self.owned:
                log.info("lost lport %s to chassis %s", port.name, holder)
                self.lost[port.name] = iface.uuid
            if self.lost.get(port.name) == iface.uuid:
                return
            log.info(
                "Changing chassis for lport %s from %s to %s", port.name, holder, self.chassis_name
            )
        else:
            log.info("Claiming lport %s for this chassis", port.name)
        result.claims[port.uuid] = port.name
        result.vifs[port.name] = iface
        result.resident.add(port.name)

    def _consider_gateway(
        self, port: Port, me: str | None, chosen: bool, result: BindingResult
    ) -> None:
        if me is None:
            return
        if chosen:
            if port.chassis != me:
                log.info("Claiming lport %s for this chassis", port.name)
                result.claims[port.uuid] = port.name
            result.resident.add(port.name)
        elif port.chassis == me:
            log.info("Releasing lport %s from this chassis", port.name)
            result.releases[port.uuid] = port.name

    def _elected(self, port: Port, view: SbView) -> bool:
        """Whether this chassis is the active gateway of a chassisredirect port."""
        candidates = self.gateway_candidates.get(port.uuid, [])
        alive = [name for name in candidates if name in view.chassis_uuid]
        return bool(alive) and alive[0] == self.chassis_name

    def _report_once(self, iface: LocalInterface, message: str) -> None:
        key = (iface.uuid, message)
        if key not in self.reported:
            self.reported.add(key)
            log.warning("interface %s: %s", iface.name, message)

    def load_gateways(self, sb: Tables, view: SbView) -> None:
        """Per chassisredirect port, the gateway chassis names by priority."""
        groups, members = sb["HA_Chassis_Group"], sb["HA_Chassis"]
        gateways = sb["Gateway_Chassis"]
        candidates: dict[str, list[str]] = {}
        for port in view.gateways.values():
            if port.type != "chassisredirect":
                continue
            ranked: list[tuple[int, str]] = []
            group = groups.get(port.ha_chassis_group or "")
            if group is not None:
                for uuid in group["ha_chassis"]:
                    row = members.get(uuid)
                    if row is not None:
                        name = _member_name(row, view)
                        if name:
                            ranked.append((row["priority"], name))
            for uuid in port.gateway_chassis:
                row = gateways.get(uuid)
                if row is not None:
                    name = _member_name(row, view)
                    if name:
                        ranked.append((row["priority"], name))
            candidates[port.uuid] = [
                name for _, name in sorted(ranked, key=lambda p: (-p[0], p[1]))
            ]
        self.gateway_candidates = candidates


def _member_name(row: Mapping[str, Any], view: SbView) -> str | None:
    chassis = optional(row["chassis"])
    if chassis and chassis in view.chassis_name:
        return view.chassis_name[chassis]
    name = row["external_ids"].get("chassis-name")
    return str(name) if name else None

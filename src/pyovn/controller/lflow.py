"""Logical flows of the local datapaths → OpenFlow (tables 8-41+, 42-63).

Each Logical_Flow is translated with `pyovn.lflow.compile_flow` once per
local datapath it applies to (its `logical_datapath`, or every local member
of its `logical_dp_group`), in a `CompileContext` holding the datapath's
port and multicast-group keys, its port groups (the SB rows named
`<datapath key>_<name>`), the address sets (plus `$svc_monitor_mac` from
SB_Global) and the ports resident on this chassis. Flows tagged
`in_out_port` with a VIF that is not resident here are skipped, as are
flows naming address sets or port groups that do not exist (yet).

The translation is incremental, like ovn-controller's lflow engine node:
results are cached per (logical flow, datapath) and a flow is recompiled
only when it changes, when a datapath becomes local, or when a name it
mentions (a port or multicast group in double quotes, a `$address_set`, a
`@port_group`, a port whose residency changed) changes. `changed()` is the
replica listener that records what is dirty; `translate()` does the work.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pyovn.controller.index import Datapath, SbView
from pyovn.controller.physical import cookie_of
from pyovn.lflow import (
    CompileContext,
    LflowError,
    OpenFlowFlow,
    UnresolvedNameError,
    compile_flow,
    parse_actions,
    parse_match,
)
from pyovn.lflow.actions import ActionList
from pyovn.lflow.expr import Expr
from pyovn.lflow.to_openflow import IdAllocator
from pyovn.ovsdb.database import Change

__all__ = ["LflowTranslator"]

log = logging.getLogger("pyovn.controller.lflow")

_QUOTED = re.compile(r'"([^"\\]*)"')
_ADDRESS_SET = re.compile(r"\$([A-Za-z_][\w.]*)")
_PORT_GROUP = re.compile(r"@([A-Za-z_][\w.]*)")
Row = Mapping[str, Any]
#: Columns of Port_Binding / Multicast_Group that translations depend on.
_NAME_COLUMNS = ("logical_port", "name", "tunnel_key", "datapath", "type")


@dataclass(slots=True)
class _Parsed:
    """A logical flow's row; its match and actions are parsed the first time
    the flow is translated (`parsed` False until then; None when unparsable)."""

    pipeline: str
    table_id: int
    priority: int
    match_text: str
    actions_text: str
    io_port: str | None
    datapath: str | None
    group: str | None
    refs: tuple[tuple[str, str], ...]
    parsed: bool = False
    match: Expr | None = None
    actions: ActionList | None = None


def _refs(row: Row) -> tuple[tuple[str, str], ...]:
    text = f"{row['match']} {row['actions']}"
    names = {("port", name) for name in _QUOTED.findall(text)}
    names |= {("as", name) for name in _ADDRESS_SET.findall(row["match"])}
    names |= {("pg", name) for name in _PORT_GROUP.findall(row["match"])}
    io_port = row["tags"].get("in_out_port")
    if io_port:
        names.add(("port", io_port))
    return tuple(sorted(names))


class LflowTranslator:
    """The OpenFlow of every logical flow of the local datapaths, kept current."""

    def __init__(self, *, dp_meters: bool = True) -> None:
        self.dp_meters = dp_meters
        self.groups = IdAllocator()
        self.meters = IdAllocator()
        self.parsed: dict[str, _Parsed] = {}
        self.compiled: dict[str, dict[str, tuple[OpenFlowFlow, ...]]] = {}
        self.by_datapath: dict[str, set[str]] = defaultdict(set)
        self.by_group: dict[str, set[str]] = defaultdict(set)
        self.by_ref: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.dirty: set[str] = set()
        self.dirty_refs: set[tuple[str, str]] = set()
        self.dirty_groups: set[str] = set()
        self.local: set[str] = set()
        self.resident: set[str] = set()
        self.next_conj = 1
        self.reported: set[str] = set()
        self.compiles = 0
        self._port_maps: dict[str, dict[str, int]] = {}

    # ------------------------------------------------------------ change tracking

    def changed(self, changes: list[Change]) -> None:
        """Replica listener: remember which flows and names changed."""
        for change in changes:
            handler = _HANDLERS.get(change.table)
            if handler is not None:
                handler(self, change)

    def _lflow_changed(self, change: Change) -> None:
        uuid = change.uuid
        old = self.parsed.pop(uuid, None)
        if old is not None:
            self._unindex(uuid, old)
        self.dirty.add(uuid)
        if change.new is not None:
            parsed = self._parse(uuid, change.new)
            self.parsed[uuid] = parsed
            if parsed.datapath:
                self.by_datapath[parsed.datapath].add(uuid)
            if parsed.group:
                self.by_group[parsed.group].add(uuid)
            for ref in parsed.refs:
                self.by_ref[ref].add(uuid)

    def _unindex(self, uuid: str, parsed: _Parsed) -> None:
        if parsed.datapath:
            self.by_datapath[parsed.datapath].discard(uuid)
        if parsed.group:
            self.by_group[parsed.group].discard(uuid)
        for ref in parsed.refs:
            self.by_ref[ref].discard(uuid)

    def _parse(self, uuid: str, row: Row) -> _Parsed:
        return _Parsed(
            row["pipeline"],
            row["table_id"],
            row["priority"],
            row["match"],
            row["actions"],
            row["tags"].get("in_out_port"),
            next(iter(row["logical_datapath"]), None),
            next(iter(row["logical_dp_group"]), None),
            _refs(row),
        )

    def _ensure_parsed(self, uuid: str, parsed: _Parsed) -> bool:
        """Parse match and actions once; False if they do not parse."""
        if not parsed.parsed:
            parsed.parsed = True
            try:
                parsed.match = parse_match(parsed.match_text)
                parsed.actions = parse_actions(parsed.actions_text)
            except LflowError as error:
                self._report(uuid, f"logical flow {uuid} does not parse: {error}")
                parsed.match = parsed.actions = None
        return parsed.match is not None and parsed.actions is not None

    def _name_changed(self, change: Change) -> None:
        old, new = change.old, change.new
        if (
            old is not None
            and new is not None
            and all(old.get(c) == new.get(c) for c in _NAME_COLUMNS)
        ):
            return
        for row in (old, new):
            if row is not None:
                self.dirty_refs.add(("port", str(row.get("logical_port") or row.get("name"))))
        self._port_maps.clear()

    def _address_set_changed(self, change: Change) -> None:
        for row in (change.old, change.new):
            if row is not None:
                self.dirty_refs.add(("as", row["name"]))

    def _port_group_changed(self, change: Change) -> None:
        for row in (change.old, change.new):
            if row is not None:
                self.dirty_refs.add(("pg", row["name"].partition("_")[2]))

    def _global_changed(self, change: Change) -> None:
        self.dirty_refs.add(("as", "svc_monitor_mac"))

    def _dp_group_changed(self, change: Change) -> None:
        self.dirty_groups.add(change.uuid)

    def _datapath_changed(self, change: Change) -> None:
        old, new = change.old, change.new
        if old is not None and new is not None and old["tunnel_key"] == new["tunnel_key"]:
            return
        self.dirty.update(self.parsed)

    # ------------------------------------------------------------ translation

    def translate(
        self, sb: Mapping[str, Mapping[str, Row]], view: SbView, local: set[str], resident: set[str]
    ) -> int:
        """Bring the cache up to date; returns how many (flow, datapath) pairs were compiled."""
        self._port_maps.clear()
        dirty = set(self.dirty)
        for ref in self.dirty_refs:
            dirty |= self.by_ref.get(ref, set())
        for name in resident ^ self.resident:
            dirty |= self.by_ref.get(("port", name), set())
        groups = sb["Logical_DP_Group"]
        for group in self.dirty_groups:
            dirty |= self.by_group.get(group, set())
        added = local - self.local
        for datapath in self.local - local:
            for per_dp in self.compiled.values():
                per_dp.pop(datapath, None)
        if added:
            for datapath in added:
                dirty |= self.by_datapath.get(datapath, set())
            for uuid, row in groups.items():
                if row["datapaths"] & added:
                    dirty |= self.by_group.get(uuid, set())
        self.dirty.clear()
        self.dirty_refs.clear()
        self.dirty_groups.clear()
        self.local, self.resident = set(local), set(resident)
        context = _Context(sb, view, resident)
        before = self.compiles
        for uuid in dirty:
            self._translate_one(uuid, groups, view, context)
        return self.compiles - before

    def _translate_one(
        self, uuid: str, groups: Mapping[str, Row], view: SbView, context: _Context
    ) -> None:
        parsed = self.parsed.get(uuid)
        if parsed is None:
            self.compiled.pop(uuid, None)
            return
        if parsed.io_port and not context.related(parsed.io_port):
            self.compiled.pop(uuid, None)
            return
        members: Iterable[str] = ()
        if parsed.datapath:
            members = (parsed.datapath,)
        elif parsed.group and parsed.group in groups:
            members = groups[parsed.group]["datapaths"]
        per_dp: dict[str, tuple[OpenFlowFlow, ...]] = {}
        for dp_uuid in members:
            datapath = view.datapaths.get(dp_uuid)
            if dp_uuid in self.local and datapath is not None:
                if not self._ensure_parsed(uuid, parsed):
                    break
                flows = self._compile(uuid, parsed, datapath, context)
                if flows:
                    per_dp[dp_uuid] = flows
        if per_dp:
            self.compiled[uuid] = per_dp
        else:
            self.compiled.pop(uuid, None)

    def _compile(
        self, uuid: str, parsed: _Parsed, datapath: Datapath, context: _Context
    ) -> tuple[OpenFlowFlow, ...]:
        assert parsed.match is not None and parsed.actions is not None
        ctx = CompileContext(
            datapath_key=datapath.key,
            pipeline=parsed.pipeline,
            table_id=parsed.table_id,
            ports=self._ports(datapath, context.view),
            address_sets=context.address_sets,
            port_groups=context.port_groups.get(datapath.key, {}),
            resident_ports=context.resident,
            is_switch=datapath.is_switch,
            dp_meters=self.dp_meters,
            conj_id_base=self.next_conj,
            groups=self.groups,
            meters=self.meters,
        )
        self.compiles += 1
        try:
            compiled = compile_flow(
                parsed.match,
                parsed.actions,
                priority=parsed.priority,
                ctx=ctx,
                cookie=cookie_of(uuid),
            )
        except UnresolvedNameError:
            return ()
        except LflowError as error:
            self._report(uuid, f"logical flow {uuid} cannot be translated: {error}")
            return ()
        self.next_conj += compiled.conj_ids_used
        return compiled.flows

    def _ports(self, datapath: Datapath, view: SbView) -> dict[str, int]:
        ports = self._port_maps.get(datapath.uuid)
        if ports is None:
            ports = {p.name: p.key for p in view.ports_of(datapath.uuid)}
            for group in view.groups_of(datapath.uuid):
                ports[group.name] = group.key
            self._port_maps[datapath.uuid] = ports
        return ports

    def _report(self, uuid: str, message: str) -> None:
        if uuid not in self.reported:
            self.reported.add(uuid)
            log.warning("%s", message)

    # ------------------------------------------------------------ results

    def flows(self) -> Iterator[OpenFlowFlow]:
        """Every OpenFlow flow of the cached translations."""
        for per_dp in self.compiled.values():
            for flows in per_dp.values():
                yield from flows

    def group_specs(self) -> dict[int, str]:
        """Every group the translations use (`ovs-ofctl add-group` specs by id)."""
        return {gid: spec for spec, gid in self.groups.specs.items()}


class _Context:
    """The per-run names a translation reads (built only if something compiles)."""

    def __init__(self, sb: Mapping[str, Mapping[str, Row]], view: SbView, resident: set[str]):
        self.sb = sb
        self.view = view
        self.resident = resident

    @functools.cached_property
    def address_sets(self) -> dict[str, list[str]]:
        sets = {row["name"]: sorted(row["addresses"]) for row in self.sb["Address_Set"].values()}
        for row in self.sb["SB_Global"].values():
            mac = row["options"].get("svc_monitor_mac")
            if mac:
                sets["svc_monitor_mac"] = [mac]
        return sets

    @functools.cached_property
    def port_groups(self) -> dict[int, dict[str, list[str]]]:
        groups: dict[int, dict[str, list[str]]] = defaultdict(dict)
        for row in self.sb["Port_Group"].values():
            prefix, _, name = row["name"].partition("_")
            if prefix.isdigit():
                groups[int(prefix)][name] = sorted(row["ports"])
        return groups

    def related(self, name: str) -> bool:
        """Is the port of an `in_out_port` tag implemented on this chassis?"""
        port = self.view.ports.get(name)
        if port is None:
            return False
        return port.type not in ("", "chassisredirect", "l3gateway") or name in self.resident


_HANDLERS = {
    "Logical_Flow": LflowTranslator._lflow_changed,
    "Port_Binding": LflowTranslator._name_changed,
    "Multicast_Group": LflowTranslator._name_changed,
    "Address_Set": LflowTranslator._address_set_changed,
    "Port_Group": LflowTranslator._port_group_changed,
    "SB_Global": LflowTranslator._global_changed,
    "Logical_DP_Group": LflowTranslator._dp_group_changed,
    "Datapath_Binding": LflowTranslator._datapath_changed,
}

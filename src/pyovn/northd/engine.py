"""The incremental engine: recompute only the datapaths whose inputs changed.

Each datapath's flows are a pure function of its view (`views.py`). After
the topology builder reports what it rebuilt, the engine derives the
datapaths whose views may differ — the changed switches and routers and
their neighbours across patch links (a router's ARP table lists the ports of
its switches, and the ports of other routers on those switches) — rebuilds
only those views, and reruns the builders only where a view really differs.
The result is the exact flow difference. `incremental=False` recomputes
everything on every change, for checking that both give the same SB.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from pyovn.northd.flow import Lflow
from pyovn.northd.router import router_flows
from pyovn.northd.router.arp_resolve import arp_resolve_flows
from pyovn.northd.switch import switch_flows
from pyovn.northd.topology import Changed, Topology
from pyovn.northd.views import NeighborCache, RouterView, SwitchView, router_view, switch_view

__all__ = ["Engine", "FlowDelta"]

View = SwitchView | RouterView


@dataclass
class FlowDelta:
    removed: list[Lflow] = field(default_factory=list)
    added: list[Lflow] = field(default_factory=list)
    #: datapaths whose views were rebuilt / whose flows were rebuilt
    examined: set[str] = field(default_factory=set)
    recomputed: set[str] = field(default_factory=set)


class Engine:
    def __init__(self, incremental: bool = True) -> None:
        self.incremental = incremental
        self.views: dict[str, View] = {}
        self.flows: dict[str, list[Lflow]] = {}
        self.neighbors = NeighborCache()
        #: SB datapath tunnel keys by NB UUID (router load-balancer address sets)
        self.tunnel_keys: Mapping[str, int] = {}

    def dirty_datapaths(self, topo: Topology, changed: Changed) -> set[str] | None:
        """Datapaths whose views may have changed; None means all of them."""
        if changed.everything or not self.incremental or not self.views:
            return None
        dirty = set(changed.switches) | set(changed.routers) | changed.port_group_switches
        for switch in changed.switches:
            dirty |= topo.routers_on(switch) | self._old_routers_on(switch)
        for router in changed.routers:
            switches = topo.switches_on(router) | self._old_switches_on(router)
            dirty |= switches
            for switch in switches:
                dirty |= topo.routers_on(switch) | self._old_routers_on(switch)
        return dirty

    def _old_routers_on(self, switch: str) -> set[str]:
        view = self.views.get(switch)
        if isinstance(view, SwitchView):
            return {link.router.uuid for link in view.router_links}
        return set()

    def _old_switches_on(self, router: str) -> set[str]:
        view = self.views.get(router)
        if isinstance(view, RouterView):
            return {switch for _, switch in view.peer_switches}
        return set()

    def compute(self, topo: Topology, dirty: Iterable[str] | None = None) -> FlowDelta:
        """Bring the flows up to date; `dirty` None examines every datapath."""
        delta = FlowDelta()
        if dirty is None:
            self.neighbors.clear()  # drops the entries of ports that are gone
        candidates = (
            set(self.views) | set(topo.switches) | set(topo.routers)
            if dirty is None
            else set(dirty)
        )
        for uuid in candidates:
            view = self._view(topo, uuid)
            delta.examined.add(uuid)
            if view is None:
                delta.removed.extend(self.flows.pop(uuid, []))
                self.views.pop(uuid, None)
                continue
            if self.incremental and self.views.get(uuid) == view:
                continue
            self._rebuild(uuid, view, delta)
        return delta

    def _view(self, topo: Topology, uuid: str) -> View | None:
        switch = topo.switches.get(uuid)
        if switch is not None:
            return switch_view(topo, switch)
        router = topo.routers.get(uuid)
        if router is not None and router.enabled:
            return router_view(topo, router, self.neighbors, self.tunnel_keys.get(uuid))
        return None

    def _rebuild(self, uuid: str, view: View, delta: FlowDelta) -> None:
        old = self.flows.get(uuid)
        old_view = self.views.get(uuid)
        delta.recomputed.add(uuid)
        self.views[uuid] = view
        if (
            old is not None
            and self.incremental
            and isinstance(view, RouterView)
            and isinstance(old_view, RouterView)
            and replace(old_view, neighbors=view.neighbors) == view
        ):
            # Only the neighbours changed (a VM came or went on a connected
            # switch): only lr_in_arp_resolve depends on them.
            kept = [f for f in old if f.source != _ARP_RESOLVE]
            old_part = [f for f in old if f.source == _ARP_RESOLVE]
            new_part = list(arp_resolve_flows(view))
            _diff(old_part, new_part, delta)
            self.flows[uuid] = kept + new_part
            return
        new = switch_flows(view) if isinstance(view, SwitchView) else router_flows(view)
        if old is None:
            delta.added.extend(new)
        else:
            _diff(old, new, delta)
        self.flows[uuid] = new

    def all_flows(self) -> list[Lflow]:
        return [flow for flows in self.flows.values() for flow in flows]


_ARP_RESOLVE = arp_resolve_flows.__name__


def _diff(old: list[Lflow], new: list[Lflow], delta: FlowDelta) -> None:
    old_count, new_count = Counter(old), Counter(new)
    delta.removed.extend((old_count - new_count).elements())
    delta.added.extend((new_count - old_count).elements())

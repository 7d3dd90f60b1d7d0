"""Checks of NB content that builders skip silently; each problem becomes one
log line (the daemon reports every distinct message once)."""

from pyovn.northd.router.routing import resolve_routes
from pyovn.northd.topology import Topology
from pyovn.northd.views import router_view

__all__ = ["validate"]


def validate(topo: Topology) -> list[str]:
    """Problem descriptions, each naming the NB row concerned."""
    problems: list[str] = []
    for router in topo.routers.values():
        if router.enabled:
            _, route_problems = resolve_routes(router_view(topo, router))
            problems.extend(route_problems)
    return problems

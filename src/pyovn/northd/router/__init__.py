"""The logical router pipeline: its flow builders, in pipeline order."""

from collections.abc import Callable, Iterator

from pyovn.northd.flow import Lflow
from pyovn.northd.router.admission import admission_flows, neighbor_flows
from pyovn.northd.router.arp_resolve import arp_resolve_flows
from pyovn.northd.router.delivery import delivery_flows, router_passthrough_flows
from pyovn.northd.router.ip_input import ip_input_flows
from pyovn.northd.router.load_balancer import router_lb_flows
from pyovn.northd.router.nat import nat_flows
from pyovn.northd.router.nd_ra import nd_ra_flows
from pyovn.northd.router.routing import routing_flows
from pyovn.northd.views import RouterView

__all__ = ["BUILDERS", "router_flows"]

RouterBuilder = Callable[[RouterView], Iterator[Lflow]]

BUILDERS: tuple[RouterBuilder, ...] = (
    admission_flows,
    neighbor_flows,
    ip_input_flows,
    nat_flows,
    router_lb_flows,
    router_passthrough_flows,
    nd_ra_flows,
    routing_flows,
    arp_resolve_flows,
    delivery_flows,
)


def router_flows(view: RouterView) -> list[Lflow]:
    """Every flow of one router."""
    return [flow for build in BUILDERS for flow in build(view)]

"""The logical switch pipeline: its flow builders, in pipeline order.

Every builder takes one `SwitchView` and yields the flows of its stages for
that switch; `BUILDERS` is the list the engine runs for each switch.
"""

from collections.abc import Callable, Iterator

from pyovn.northd.flow import Lflow
from pyovn.northd.switch.acl import acl_flows, acl_hint_flows, stateful_flows
from pyovn.northd.switch.arp_nd import arp_responder_flows
from pyovn.northd.switch.dhcp import dhcp_flows
from pyovn.northd.switch.dhcpv6 import dhcpv6_flows
from pyovn.northd.switch.fdb import fdb_flows
from pyovn.northd.switch.l2_lookup import l2_lookup_flows
from pyovn.northd.switch.load_balancer import lb_arp_flows, switch_lb_flows
from pyovn.northd.switch.passthrough import passthrough_flows
from pyovn.northd.switch.port_security import port_security_flows
from pyovn.northd.switch.pre_stateful import pre_acl_flows, pre_lb_flows, pre_stateful_flows
from pyovn.northd.views import SwitchView

__all__ = ["BUILDERS", "switch_flows"]

SwitchBuilder = Callable[[SwitchView], Iterator[Lflow]]

BUILDERS: tuple[SwitchBuilder, ...] = (
    port_security_flows,
    fdb_flows,
    pre_acl_flows,
    pre_lb_flows,
    pre_stateful_flows,
    acl_hint_flows,
    acl_flows,
    passthrough_flows,
    stateful_flows,
    switch_lb_flows,
    arp_responder_flows,
    dhcp_flows,
    dhcpv6_flows,
    l2_lookup_flows,
    lb_arp_flows,
)


def switch_flows(view: SwitchView) -> list[Lflow]:
    """Every flow of one switch."""
    return [flow for build in BUILDERS for flow in build(view)]

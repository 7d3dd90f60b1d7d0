"""Switch stages pyovn does not configure yet (QoS, load balancing, hairpin,
DNS, external ports): each just advances every packet (priority 0), exactly
as OVN 23.03 does when none of those features is set on the switch."""

from collections.abc import Iterator

from pyovn.northd.flow import Lflow, builder
from pyovn.northd.stages import (
    LS_IN_DNS_LOOKUP,
    LS_IN_DNS_RESPONSE,
    LS_IN_EXTERNAL_PORT,
    LS_IN_HAIRPIN,
    LS_IN_LB,
    LS_IN_LB_AFF_CHECK,
    LS_IN_LB_AFF_LEARN,
    LS_IN_NAT_HAIRPIN,
    LS_IN_PRE_HAIRPIN,
    LS_IN_QOS_MARK,
    LS_IN_QOS_METER,
    LS_OUT_QOS_MARK,
    LS_OUT_QOS_METER,
)
from pyovn.northd.views import SwitchView

__all__ = ["passthrough_flows"]

_PASSTHROUGH = (
    LS_IN_QOS_MARK,
    LS_IN_QOS_METER,
    LS_IN_LB_AFF_CHECK,
    LS_IN_LB,
    LS_IN_LB_AFF_LEARN,
    LS_IN_PRE_HAIRPIN,
    LS_IN_NAT_HAIRPIN,
    LS_IN_HAIRPIN,
    LS_IN_DNS_LOOKUP,
    LS_IN_DNS_RESPONSE,
    LS_IN_EXTERNAL_PORT,
    LS_OUT_QOS_MARK,
    LS_OUT_QOS_METER,
)


@builder
def passthrough_flows(view: SwitchView) -> Iterator[Lflow]:
    """The default `next;` of every feature stage that has nothing configured."""
    for stage in _PASSTHROUGH:
        yield Lflow(view.uuid, stage, 0, "1", "next;")

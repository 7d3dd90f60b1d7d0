"""Port security stages of the logical switch.

ls_in_check_port_sec (0): drop multicast-source and VLAN-tagged frames
(100); mark disabled ports' traffic for dropping (100, `inport == P`);
everything else runs `check_in_port_sec()` (50), which the controller
implements from Port_Binding.port_security.
ls_in_apply_port_sec (1): drop what was marked (50), else next (0).
ls_out_check_port_sec (8): multicast skips the check (100), else
`check_out_port_sec()` (0). ls_out_apply_port_sec (9): drop marked (50),
else output (0).
"""

from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.stages import (
    LS_IN_APPLY_PORT_SEC,
    LS_IN_CHECK_PORT_SEC,
    LS_OUT_APPLY_PORT_SEC,
    LS_OUT_CHECK_PORT_SEC,
)
from pyovn.northd.views import SwitchView

__all__ = ["port_security_flows"]

PORT_SEC_DROP = "reg0[15]"


@builder
def port_security_flows(view: SwitchView) -> Iterator[Lflow]:
    """Ingress and egress port-security check/apply stages."""
    dp = view.uuid
    yield Lflow(dp, LS_IN_CHECK_PORT_SEC, 100, "eth.src[40]", "drop;")
    if view.switch.other_config and dict(view.switch.other_config).get("vlan-passthru") == "true":
        pass
    else:
        yield Lflow(dp, LS_IN_CHECK_PORT_SEC, 100, "vlan.present", "drop;")
    for port in view.ports:
        if not port.enabled:
            yield Lflow(
                dp,
                LS_IN_CHECK_PORT_SEC,
                100,
                text.inport(port.name),
                f"{PORT_SEC_DROP} = 1; next;",
                hint=port.uuid,
            )
        queue = port.option("qdisc_queue_id")
        if port.enabled and queue and port.type != "localnet":
            yield Lflow(
                dp,
                LS_IN_CHECK_PORT_SEC,
                70,
                text.inport(port.name),
                f"set_queue({queue}); {PORT_SEC_DROP} = check_in_port_sec(); next;",
                hint=port.uuid,
            )
    yield Lflow(dp, LS_IN_CHECK_PORT_SEC, 50, "1", f"{PORT_SEC_DROP} = check_in_port_sec(); next;")
    yield Lflow(dp, LS_IN_APPLY_PORT_SEC, 50, f"{PORT_SEC_DROP} == 1", "drop;")
    yield Lflow(dp, LS_IN_APPLY_PORT_SEC, 0, "1", "next;")
    yield Lflow(dp, LS_OUT_CHECK_PORT_SEC, 100, "eth.mcast", f"{PORT_SEC_DROP} = 0; next;")
    yield Lflow(dp, LS_OUT_CHECK_PORT_SEC, 0, "1", f"{PORT_SEC_DROP} = check_out_port_sec(); next;")
    for port in view.ports:
        queue = port.option("qdisc_queue_id")
        if port.type == "localnet" and queue:
            yield Lflow(
                dp,
                LS_OUT_APPLY_PORT_SEC,
                100,
                text.outport(port.name),
                f"set_queue({queue}); output;",
                hint=port.uuid,
            )
    yield Lflow(dp, LS_OUT_APPLY_PORT_SEC, 50, f"{PORT_SEC_DROP} == 1", "drop;")
    yield Lflow(dp, LS_OUT_APPLY_PORT_SEC, 0, "1", "output;")

"""MAC learning for ports with 'unknown' addresses and no port security.

ls_in_lookup_fdb (2): per such VIF port P, `inport == P` looks the source
MAC up (100). ls_in_put_fdb (3): `inport == P && reg0[11] == 0` learns it
(100). Both stages pass everything else on (0).
"""

from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.stages import LS_IN_LOOKUP_FDB, LS_IN_PUT_FDB
from pyovn.northd.views import SwitchView

__all__ = ["fdb_flows"]


@builder
def fdb_flows(view: SwitchView) -> Iterator[Lflow]:
    """ls_in_lookup_fdb / ls_in_put_fdb: learn MACs behind 'unknown' ports."""
    dp = view.uuid
    for port in view.ports:
        if port.has_unknown and port.is_vif and not port.port_security:
            match = text.inport(port.name)
            yield Lflow(
                dp,
                LS_IN_LOOKUP_FDB,
                100,
                match,
                "reg0[11] = lookup_fdb(inport, eth.src); next;",
                hint=port.uuid,
            )
            yield Lflow(
                dp,
                LS_IN_PUT_FDB,
                100,
                f"{match} && reg0[11] == 0",
                "put_fdb(inport, eth.src); next;",
                hint=port.uuid,
            )
    yield Lflow(dp, LS_IN_LOOKUP_FDB, 0, "1", "next;")
    yield Lflow(dp, LS_IN_PUT_FDB, 0, "1", "next;")

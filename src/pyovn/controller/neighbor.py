"""MAC binding tables: 66 (`get_arp`: IP → MAC) and 67 (`lookup_arp`: is
this IP/MAC pair known?).

Rows come from the Southbound MAC_Binding table (learned by `put_arp`,
priority 100) and Static_MAC_Binding (priority 50, or 150 with
`override_dynamic_mac`), for the local datapaths. The IP to look up is in
reg0 (IPv6, from `put_nd`/`lookup_nd`: xxreg0, matched as reg0..reg3) and
the logical port in reg15 (66) or reg14 (67); a hit sets flags[6]
(reg10[6]) and, in 66, the destination MAC.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from pyovn.controller.index import SbView
from pyovn.controller.physical import cookie_of
from pyovn.lflow import OpenFlowFlow

__all__ = ["MAC_BINDING", "MAC_LOOKUP", "neighbor_flows"]

MAC_BINDING, MAC_LOOKUP = 66, 67
FOUND = "load:0x1->NXM_NX_REG10[6]"


def neighbor_flows(
    view: SbView,
    local: set[str],
    dynamic: Mapping[str, Mapping[str, Any]],
    static: Mapping[str, Mapping[str, Any]],
) -> Iterator[OpenFlowFlow]:
    """Flows of tables 66 and 67 for MAC bindings on local datapaths."""
    for uuid, row in dynamic.items():
        yield from _binding(view, local, uuid, row, 100)
    for uuid, row in static.items():
        priority = 150 if row["override_dynamic_mac"] else 50
        yield from _binding(view, local, uuid, row, priority)


def _binding(
    view: SbView, local: set[str], uuid: str, row: Mapping[str, Any], priority: int
) -> Iterator[OpenFlowFlow]:
    if row["datapath"] not in local:
        return
    port = view.ports.get(row["logical_port"])
    datapath = view.datapaths.get(row["datapath"])
    if port is None or datapath is None:
        return
    try:
        address = ipaddress.ip_address(row["ip"])
    except ValueError:
        return
    mac = row["mac"].lower()
    cookie = cookie_of(uuid)
    if address.version == 4:
        reg0, kind, tail = f"reg0={int(address):#x}", "arp", ""
    else:
        value = int(address)
        reg0 = ",".join(f"reg{i}={value >> (96 - 32 * i) & 0xFFFFFFFF:#x}" for i in range(4))
        kind, tail = "icmp6", ",icmp_code=0"  # lookup_nd sees NS/NA (ovn-controller's match)
    dp = f"metadata={datapath.key:#x}"
    yield OpenFlowFlow(
        MAC_BINDING,
        priority,
        f"{reg0},reg15={port.key:#x},{dp}",
        f"mod_dl_dst:{mac},{FOUND}",
        cookie,
    )
    yield OpenFlowFlow(
        MAC_LOOKUP,
        priority,
        f"{kind},{reg0},reg14={port.key:#x},{dp},dl_src={mac}{tail}",
        FOUND,
        cookie,
    )

"""Local datapaths: the logical switches and routers this chassis must implement.

A datapath is local when a port resident on this chassis is in it (a VIF,
an active chassisredirect or l3gateway port), or when it is reachable from
a local datapath through patch ports. As in ovn-controller, the walk does
not cross a distributed gateway port (one with
`options:chassis-redirect-port`) unless its chassisredirect port is resident
here: a chassis that is not the gateway has no business with the external
network behind it.
"""

from __future__ import annotations

from collections import deque

from pyovn.controller.index import Port, SbView

__all__ = ["local_datapaths"]


def local_datapaths(view: SbView, resident: set[str]) -> set[str]:
    """UUIDs of the local datapaths."""
    roots = {view.ports[name].datapath for name in resident if name in view.ports}
    local: set[str] = set()
    queue = deque(roots)
    while queue:
        datapath = queue.popleft()
        if datapath in local or datapath not in view.datapaths:
            continue
        local.add(datapath)
        for port in view.ports_of(datapath):
            if port.type not in ("patch", "l3gateway"):
                continue
            peer = view.peer(port)
            if peer is not None and peer.datapath not in local and _crosses(port, view, resident):
                queue.append(peer.datapath)
    return local


def _crosses(port: Port, view: SbView, resident: set[str]) -> bool:
    """May the walk continue from `port` to its peer?"""
    redirect = port.options.get("chassis-redirect-port")
    if not redirect:
        return True
    return redirect in resident and redirect in view.ports

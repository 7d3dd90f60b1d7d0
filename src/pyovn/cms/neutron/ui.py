"""The web view: /ui/ draws the logical network live from the NB (and SB),
and traces a packet on it.

    GET  /ui/                 the page (static HTML, CSS and JavaScript, no CDN)
    GET  /ui/api/topology     switches, routers, ports, VMs, NAT (see topology.py)
    POST /ui/api/trace        trace a packet; the answer lists the path (tracing.py)

The JSON endpoints take the same X-Auth-Token as the API; a project that is
not an admin sees only its own part of the network.
"""

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response

from pyovn.cms.neutron.deps import Caller, Service
from pyovn.cms.neutron.errors import Forbidden, ServiceUnavailable
from pyovn.cms.neutron.topology import topology
from pyovn.cms.neutron.tracing import TraceRequest, build_microflow, run_trace

__all__ = ["router"]

WEB = Path(__file__).parent / "web"
STATIC = {"app.js": "text/javascript", "style.css": "text/css"}

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("")
async def ui_root() -> Response:
    return RedirectResponse("/ui/")


@router.get("/")
async def page() -> Response:
    return FileResponse(WEB / "index.html", media_type="text/html")


@router.get("/static/{name}")
async def static(name: str) -> Response:
    if name not in STATIC:
        return Response(status_code=404)
    return FileResponse(WEB / name, media_type=STATIC[name])


def _tables(svc: Service) -> dict[str, Any]:
    replica = svc.nb.backend.replica
    return {name: table.rows for name, table in replica.tables.items()}


@router.get("/api/topology")
async def topology_json(who: Caller, svc: Service) -> dict[str, Any]:
    sb = {n: t.rows for n, t in svc.sb.tables.items()} if svc.sb is not None else None
    return topology(_tables(svc), sb, who)


@router.post("/api/trace")
async def trace_packet(body: TraceRequest, who: Caller, svc: Service) -> dict[str, Any]:
    if svc.sb is None:
        raise ServiceUnavailable("tracing needs the Southbound DB: start pyovn api with --sb-db")
    nb = _tables(svc)
    if not who.is_admin:
        view = topology(nb, None, who)
        if body.microflow or body.port not in view["ports"]:
            raise Forbidden("a project traces from its own ports, with the form's fields")
    microflow = build_microflow(nb, body)
    return await run_trace({n: t.rows for n, t in svc.sb.tables.items()}, microflow)

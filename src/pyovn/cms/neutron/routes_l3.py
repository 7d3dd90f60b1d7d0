"""/v2.0/routers (with add/remove_router_interface) and /v2.0/floatingips."""

from typing import Any

from fastapi import APIRouter, Request, Response

from pyovn.cms.neutron import floatingips as fip
from pyovn.cms.neutron import routers as rtr
from pyovn.cms.neutron.bodies import (
    FloatingIpCreateBody,
    FloatingIpUpdateBody,
    RouterCreateBody,
    RouterInterface,
    RouterUpdateBody,
)
from pyovn.cms.neutron.deps import ERRORS, Caller, Service
from pyovn.cms.neutron.listing import select

__all__ = ["router"]

router = APIRouter(prefix="/v2.0", responses=ERRORS)
Json = dict[str, Any]


@router.get("/routers", tags=["routers"])
async def list_routers(request: Request, who: Caller, svc: Service) -> Json:
    return {"routers": select(await svc.read(rtr.ListRouters(who)), request.query_params)}


@router.post("/routers", status_code=201, tags=["routers"])
async def create_router(body: RouterCreateBody, who: Caller, svc: Service) -> Json:
    """Create a router: a Logical_Router `neutron-<id>` (with a gateway, if given)."""
    command = rtr.CreateRouter(who, body.router, svc.gateway_chassis())
    return {"router": await svc.write(command)}


@router.get("/routers/{router_id}", tags=["routers"])
async def show_router(router_id: str, who: Caller, svc: Service) -> Json:
    return {"router": await svc.read(rtr.ShowRouter(who, router_id))}


@router.put("/routers/{router_id}", tags=["routers"])
async def update_router(router_id: str, body: RouterUpdateBody, who: Caller, svc: Service) -> Json:
    """Rename, or set (null: clear) external_gateway_info."""
    command = rtr.UpdateRouter(who, router_id, body.router, svc.gateway_chassis())
    return {"router": await svc.write(command)}


@router.delete("/routers/{router_id}", status_code=204, tags=["routers"])
async def delete_router(router_id: str, who: Caller, svc: Service) -> Response:
    await svc.write(rtr.DeleteRouter(who, router_id))
    return Response(status_code=204)


@router.put("/routers/{router_id}/add_router_interface", tags=["routers"])
async def add_router_interface(
    router_id: str, body: RouterInterface, who: Caller, svc: Service
) -> Json:
    """Connect the router to a subnet (at its gateway IP) or to a port."""
    result: Json = await svc.write(rtr.AddInterface(who, router_id, body))
    return result


@router.put("/routers/{router_id}/remove_router_interface", tags=["routers"])
async def remove_router_interface(
    router_id: str, body: RouterInterface, who: Caller, svc: Service
) -> Json:
    result: Json = await svc.write(rtr.RemoveInterface(who, router_id, body))
    return result


@router.get("/floatingips", tags=["floatingips"])
async def list_floatingips(request: Request, who: Caller, svc: Service) -> Json:
    return {"floatingips": select(await svc.read(fip.ListFloatingIps(who)), request.query_params)}


@router.post("/floatingips", status_code=201, tags=["floatingips"])
async def create_floatingip(body: FloatingIpCreateBody, who: Caller, svc: Service) -> Json:
    """Allocate a floating IP (and associate it, with port_id)."""
    return {"floatingip": await svc.write(fip.CreateFloatingIp(who, body.floatingip))}


@router.get("/floatingips/{fip_id}", tags=["floatingips"])
async def show_floatingip(fip_id: str, who: Caller, svc: Service) -> Json:
    return {"floatingip": await svc.read(fip.ShowFloatingIp(who, fip_id))}


@router.put("/floatingips/{fip_id}", tags=["floatingips"])
async def update_floatingip(
    fip_id: str, body: FloatingIpUpdateBody, who: Caller, svc: Service
) -> Json:
    """Associate (port_id) or disassociate (port_id null) a floating IP."""
    return {"floatingip": await svc.write(fip.UpdateFloatingIp(who, fip_id, body.floatingip))}


@router.delete("/floatingips/{fip_id}", status_code=204, tags=["floatingips"])
async def delete_floatingip(fip_id: str, who: Caller, svc: Service) -> Response:
    await svc.write(fip.DeleteFloatingIp(who, fip_id))
    return Response(status_code=204)

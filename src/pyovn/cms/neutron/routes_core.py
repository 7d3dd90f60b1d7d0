"""/v2.0/networks, /v2.0/subnets and /v2.0/ports."""

from typing import Any

from fastapi import APIRouter, Request, Response

from pyovn.cms.neutron import networks as net
from pyovn.cms.neutron import ports as prt
from pyovn.cms.neutron import subnets as sub
from pyovn.cms.neutron.bodies import (
    NetworkCreateBody,
    NetworkUpdateBody,
    PortCreateBody,
    PortUpdateBody,
    SubnetCreateBody,
    SubnetUpdateBody,
)
from pyovn.cms.neutron.deps import ERRORS, Caller, Service
from pyovn.cms.neutron.listing import select

__all__ = ["router"]

router = APIRouter(prefix="/v2.0", responses=ERRORS)
Json = dict[str, Any]


@router.get("/networks", tags=["networks"])
async def list_networks(request: Request, who: Caller, svc: Service) -> Json:
    """Networks the project owns, and shared and external ones."""
    return {"networks": select(await svc.read(net.ListNetworks(who)), request.query_params)}


@router.post("/networks", status_code=201, tags=["networks"])
async def create_network(body: NetworkCreateBody, who: Caller, svc: Service) -> Json:
    """Create a network: a Logical_Switch `neutron-<id>`."""
    return {"network": await svc.write(net.CreateNetwork(who, body.network))}


@router.get("/networks/{network_id}", tags=["networks"])
async def show_network(network_id: str, who: Caller, svc: Service) -> Json:
    return {"network": await svc.read(net.ShowNetwork(who, network_id))}


@router.put("/networks/{network_id}", tags=["networks"])
async def update_network(
    network_id: str, body: NetworkUpdateBody, who: Caller, svc: Service
) -> Json:
    return {"network": await svc.write(net.UpdateNetwork(who, network_id, body.network))}


@router.delete("/networks/{network_id}", status_code=204, tags=["networks"])
async def delete_network(network_id: str, who: Caller, svc: Service) -> Response:
    """Delete a network with its subnets (409 while it has ports)."""
    await svc.write(net.DeleteNetwork(who, network_id))
    return Response(status_code=204)


@router.get("/subnets", tags=["subnets"])
async def list_subnets(request: Request, who: Caller, svc: Service) -> Json:
    return {"subnets": select(await svc.read(sub.ListSubnets(who)), request.query_params)}


@router.post("/subnets", status_code=201, tags=["subnets"])
async def create_subnet(body: SubnetCreateBody, who: Caller, svc: Service) -> Json:
    """Create a subnet: a DHCP_Options row holding its record and DHCP options."""
    return {"subnet": await svc.write(sub.CreateSubnet(who, body.subnet))}


@router.get("/subnets/{subnet_id}", tags=["subnets"])
async def show_subnet(subnet_id: str, who: Caller, svc: Service) -> Json:
    return {"subnet": await svc.read(sub.ShowSubnet(who, subnet_id))}


@router.put("/subnets/{subnet_id}", tags=["subnets"])
async def update_subnet(subnet_id: str, body: SubnetUpdateBody, who: Caller, svc: Service) -> Json:
    return {"subnet": await svc.write(sub.UpdateSubnet(who, subnet_id, body.subnet))}


@router.delete("/subnets/{subnet_id}", status_code=204, tags=["subnets"])
async def delete_subnet(subnet_id: str, who: Caller, svc: Service) -> Response:
    await svc.write(sub.DeleteSubnet(who, subnet_id))
    return Response(status_code=204)


@router.get("/ports", tags=["ports"])
async def list_ports(request: Request, who: Caller, svc: Service) -> Json:
    return {"ports": select(await svc.read(prt.ListPorts(who)), request.query_params)}


@router.post("/ports", status_code=201, tags=["ports"])
async def create_port(body: PortCreateBody, who: Caller, svc: Service) -> Json:
    """Create a port: a Logical_Switch_Port named by the port's id."""
    return {"port": await svc.write(prt.CreatePort(who, body.port))}


@router.get("/ports/{port_id}", tags=["ports"])
async def show_port(port_id: str, who: Caller, svc: Service) -> Json:
    return {"port": await svc.read(prt.ShowPort(who, port_id))}


@router.put("/ports/{port_id}", tags=["ports"])
async def update_port(port_id: str, body: PortUpdateBody, who: Caller, svc: Service) -> Json:
    return {"port": await svc.write(prt.UpdatePort(who, port_id, body.port))}


@router.delete("/ports/{port_id}", status_code=204, tags=["ports"])
async def delete_port(port_id: str, who: Caller, svc: Service) -> Response:
    await svc.write(prt.DeletePort(who, port_id))
    return Response(status_code=204)

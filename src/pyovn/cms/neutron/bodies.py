"""Request bodies of the Neutron v2.0 API, as pydantic models.

Each request wraps its resource in a one-key object (`{"network": {...}}`),
as Neutron's does. Unknown attributes are refused (Neutron answers 400
"Unrecognized attribute(s)"), so a typo never passes silently. Values that
need the database to check (a CIDR, an IP in a subnet) are plain strings
here and checked by the commands, which name the problem.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AddressPair",
    "AllocationPool",
    "FixedIp",
    "FloatingIpCreate",
    "FloatingIpCreateBody",
    "FloatingIpUpdate",
    "FloatingIpUpdateBody",
    "GatewayInfo",
    "HostRoute",
    "NetworkCreate",
    "NetworkCreateBody",
    "NetworkUpdate",
    "NetworkUpdateBody",
    "PortCreate",
    "PortCreateBody",
    "PortUpdate",
    "PortUpdateBody",
    "RouterCreate",
    "RouterCreateBody",
    "RouterInterface",
    "RouterUpdate",
    "RouterUpdateBody",
    "SecurityGroupCreate",
    "SecurityGroupCreateBody",
    "SecurityGroupRuleCreate",
    "SecurityGroupRuleCreateBody",
    "SecurityGroupUpdate",
    "SecurityGroupUpdateBody",
    "SubnetCreate",
    "SubnetCreateBody",
    "SubnetUpdate",
    "SubnetUpdateBody",
]

Name = Annotated[str, Field(max_length=255)]
Description = Annotated[str, Field(max_length=255)]
ProjectId = Annotated[str, Field(min_length=1, max_length=255)]
Ident = Annotated[str, Field(min_length=1, max_length=255)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- networks -----------------------------------------------------------------------
class NetworkCreate(Strict):
    name: Name = ""
    description: Description = ""
    admin_state_up: bool = True
    shared: bool = False
    tenant_id: ProjectId | None = None
    project_id: ProjectId | None = None
    mtu: Annotated[int, Field(ge=68, le=9000)] | None = None
    port_security_enabled: bool = True
    router_external: bool = Field(False, alias="router:external")
    provider_network_type: Literal["geneve", "flat"] | None = Field(
        None, alias="provider:network_type"
    )
    provider_physical_network: Name | None = Field(None, alias="provider:physical_network")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class NetworkCreateBody(Strict):
    network: NetworkCreate


class NetworkUpdate(Strict):
    name: Name | None = None
    description: Description | None = None
    admin_state_up: bool | None = None
    shared: bool | None = None
    mtu: Annotated[int, Field(ge=68, le=9000)] | None = None
    router_external: bool | None = Field(None, alias="router:external")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class NetworkUpdateBody(Strict):
    network: NetworkUpdate


# -- subnets ------------------------------------------------------------------------
class AllocationPool(Strict):
    start: Annotated[str, Field(max_length=64)]
    end: Annotated[str, Field(max_length=64)]


class HostRoute(Strict):
    destination: Annotated[str, Field(max_length=64)]
    nexthop: Annotated[str, Field(max_length=64)]


class SubnetCreate(Strict):
    network_id: Ident
    cidr: Annotated[str, Field(max_length=64)]
    ip_version: Literal[4, 6] | None = None
    name: Name = ""
    description: Description = ""
    tenant_id: ProjectId | None = None
    project_id: ProjectId | None = None
    gateway_ip: Annotated[str, Field(max_length=64)] | None = None
    allocation_pools: Annotated[list[AllocationPool], Field(max_length=64)] | None = None
    enable_dhcp: bool = True
    dns_nameservers: Annotated[
        list[Annotated[str, Field(max_length=64)]], Field(max_length=16)
    ] = []
    host_routes: Annotated[list[HostRoute], Field(max_length=64)] = []


class SubnetCreateBody(Strict):
    subnet: SubnetCreate


class SubnetUpdate(Strict):
    name: Name | None = None
    description: Description | None = None
    gateway_ip: Annotated[str, Field(max_length=64)] | None = None
    allocation_pools: Annotated[list[AllocationPool], Field(max_length=64)] | None = None
    enable_dhcp: bool | None = None
    dns_nameservers: (
        Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=16)] | None
    ) = None
    host_routes: Annotated[list[HostRoute], Field(max_length=64)] | None = None


class SubnetUpdateBody(Strict):
    subnet: SubnetUpdate


# -- ports --------------------------------------------------------------------------
class FixedIp(Strict):
    subnet_id: Ident | None = None
    ip_address: Annotated[str, Field(max_length=64)] | None = None


class AddressPair(Strict):
    ip_address: Annotated[str, Field(max_length=64)]
    mac_address: Annotated[str, Field(max_length=32)] | None = None


class PortCreate(Strict):
    network_id: Ident
    name: Name = ""
    description: Description = ""
    tenant_id: ProjectId | None = None
    project_id: ProjectId | None = None
    admin_state_up: bool = True
    mac_address: Annotated[str, Field(max_length=32)] | None = None
    fixed_ips: Annotated[list[FixedIp], Field(max_length=16)] | None = None
    device_id: Name = ""
    device_owner: Name = ""
    security_groups: Annotated[list[Ident], Field(max_length=16)] | None = None
    allowed_address_pairs: Annotated[list[AddressPair], Field(max_length=16)] = []
    port_security_enabled: bool | None = None


class PortCreateBody(Strict):
    port: PortCreate


class PortUpdate(Strict):
    name: Name | None = None
    description: Description | None = None
    admin_state_up: bool | None = None
    mac_address: Annotated[str, Field(max_length=32)] | None = None
    fixed_ips: Annotated[list[FixedIp], Field(max_length=16)] | None = None
    device_id: Name | None = None
    device_owner: Name | None = None
    security_groups: Annotated[list[Ident], Field(max_length=16)] | None = None
    allowed_address_pairs: Annotated[list[AddressPair], Field(max_length=16)] | None = None
    port_security_enabled: bool | None = None


class PortUpdateBody(Strict):
    port: PortUpdate


# -- routers ------------------------------------------------------------------------
class ExternalFixedIp(Strict):
    subnet_id: Ident | None = None
    ip_address: Annotated[str, Field(max_length=64)] | None = None


class GatewayInfo(Strict):
    network_id: Ident
    enable_snat: bool = True
    external_fixed_ips: Annotated[list[ExternalFixedIp], Field(max_length=4)] | None = None


class RouterCreate(Strict):
    name: Name = ""
    description: Description = ""
    tenant_id: ProjectId | None = None
    project_id: ProjectId | None = None
    admin_state_up: bool = True
    external_gateway_info: GatewayInfo | None = None


class RouterCreateBody(Strict):
    router: RouterCreate


class RouterUpdate(Strict):
    name: Name | None = None
    description: Description | None = None
    admin_state_up: bool | None = None
    external_gateway_info: GatewayInfo | None = None


class RouterUpdateBody(Strict):
    router: RouterUpdate


class RouterInterface(Strict):
    """The body of add_router_interface / remove_router_interface (one of the two)."""

    subnet_id: Ident | None = None
    port_id: Ident | None = None


# -- floating IPs -------------------------------------------------------------------
class FloatingIpCreate(Strict):
    floating_network_id: Ident
    floating_ip_address: Annotated[str, Field(max_length=64)] | None = None
    subnet_id: Ident | None = None
    port_id: Ident | None = None
    fixed_ip_address: Annotated[str, Field(max_length=64)] | None = None
    description: Description = ""
    tenant_id: ProjectId | None = None
    project_id: ProjectId | None = None


class FloatingIpCreateBody(Strict):
    floatingip: FloatingIpCreate


class FloatingIpUpdate(Strict):
    port_id: Ident | None = None
    fixed_ip_address: Annotated[str, Field(max_length=64)] | None = None
    description: Description | None = None


class FloatingIpUpdateBody(Strict):
    floatingip: FloatingIpUpdate


# -- security groups ---------------------------------------------------------------
class SecurityGroupCreate(Strict):
    name: Name = ""
    description: Description = ""
    tenant_id: ProjectId | None = None
    project_id: ProjectId | None = None


class SecurityGroupCreateBody(Strict):
    security_group: SecurityGroupCreate


class SecurityGroupUpdate(Strict):
    name: Name | None = None
    description: Description | None = None


class SecurityGroupUpdateBody(Strict):
    security_group: SecurityGroupUpdate


class SecurityGroupRuleCreate(Strict):
    security_group_id: Ident
    direction: Literal["ingress", "egress"]
    ethertype: Literal["IPv4", "IPv6"] = "IPv4"
    protocol: Annotated[str, Field(max_length=16)] | int | None = None
    port_range_min: Annotated[int, Field(ge=0, le=65535)] | None = None
    port_range_max: Annotated[int, Field(ge=0, le=65535)] | None = None
    remote_ip_prefix: Annotated[str, Field(max_length=64)] | None = None
    remote_group_id: Ident | None = None
    description: Description = ""
    tenant_id: ProjectId | None = None
    project_id: ProjectId | None = None


class SecurityGroupRuleCreateBody(Strict):
    security_group_rule: SecurityGroupRuleCreate

"""How Neutron resources are named in the Northbound DB, and the external_ids
keys that carry their attributes.

The names and the `neutron:` keys are the ones Neutron's ML2/OVN driver
writes, so an NB built through `pyovn api` reads like one built by Neutron.
What Neutron keeps in its own SQL database, pyovn has to keep in the NB too
(the API server is stateless): those keys carry a `pyovn:` prefix, so they
are never mistaken for Neutron's.
"""

__all__ = [
    "ACL_PRIORITY_ALLOW",
    "ACL_PRIORITY_DROP",
    "DROP_PORT_GROUP",
    "Key",
    "Owner",
    "address_set_name",
    "gateway_chassis_name",
    "localnet_name",
    "port_group_name",
    "router_name",
    "router_port_name",
    "switch_name",
]

#: Every port with port security is in this group; its ACLs drop all IP at 1001.
DROP_PORT_GROUP = "neutron_pg_drop"
#: Priorities of the ACLs: a rule allows at 1002, the drop group drops at 1001.
ACL_PRIORITY_ALLOW = 1002
ACL_PRIORITY_DROP = 1001


def switch_name(network_id: str) -> str:
    """The Logical_Switch of a network."""
    return f"neutron-{network_id}"


def router_name(router_id: str) -> str:
    """The Logical_Router of a router."""
    return f"neutron-{router_id}"


def router_port_name(port_id: str) -> str:
    """The Logical_Router_Port behind a router interface or gateway port."""
    return f"lrp-{port_id}"


def localnet_name(network_id: str) -> str:
    """The localnet port of a flat provider network."""
    return f"provnet-{network_id}"


def port_group_name(security_group_id: str) -> str:
    """The Port_Group of a security group (a name may not contain '-')."""
    return "pg_" + security_group_id.replace("-", "_")


def address_set_name(security_group_id: str, ip_version: int) -> str:
    """The address set northd derives from the group's port addresses."""
    return f"{port_group_name(security_group_id)}_ip{ip_version}"


def gateway_chassis_name(lrp: str, chassis: str) -> str:
    """A Gateway_Chassis row of a router's gateway port."""
    return f"{lrp}_{chassis}"


class Owner:
    """`neutron:device_owner` values."""

    ROUTER_INTERFACE = "network:router_interface"
    ROUTER_GATEWAY = "network:router_gateway"
    FLOATINGIP = "network:floatingip"


class Key:
    """external_ids keys."""

    # Neutron's own.
    NETWORK_NAME = "neutron:network_name"
    MTU = "neutron:mtu"
    PORT_NAME = "neutron:port_name"
    DEVICE_ID = "neutron:device_id"
    DEVICE_OWNER = "neutron:device_owner"
    PROJECT_ID = "neutron:project_id"
    CIDRS = "neutron:cidrs"
    SECURITY_GROUP_IDS = "neutron:security_group_ids"
    REVISION = "neutron:revision_number"
    ROUTER_NAME = "neutron:router_name"
    GW_PORT_ID = "neutron:gw_port_id"
    IS_EXT_GW = "neutron:is_ext_gw"
    SUBNET_ID = "subnet_id"
    SUBNET_IDS = "neutron:subnet_ids"
    SECURITY_GROUP_ID = "neutron:security_group_id"
    SECURITY_GROUP_RULE_ID = "neutron:security_group_rule_id"
    FIP_ID = "neutron:fip_id"
    FIP_PORT_ID = "neutron:fip_port_id"
    FIP_NETWORK_ID = "neutron:fip_network_id"
    PHYSICAL_NETWORK = "neutron:provnet-physical-network"
    NETWORK_TYPE = "neutron:provnet-network-type"

    # What Neutron keeps in its SQL database.
    DESCRIPTION = "pyovn:description"
    NAME = "pyovn:name"
    NETWORK_ID = "pyovn:network_id"
    SHARED = "pyovn:shared"
    ROUTER_EXTERNAL = "pyovn:router_external"
    IP_VERSION = "pyovn:ip_version"
    GATEWAY_IP = "pyovn:gateway_ip"
    ALLOCATION_POOLS = "pyovn:allocation_pools"
    ENABLE_DHCP = "pyovn:enable_dhcp"
    DNS_NAMESERVERS = "pyovn:dns_nameservers"
    HOST_ROUTES = "pyovn:host_routes"
    ALLOWED_ADDRESS_PAIRS = "pyovn:allowed_address_pairs"
    PORT_SECURITY = "pyovn:port_security_enabled"
    ENABLE_SNAT = "pyovn:enable_snat"
    RULE = "pyovn:rule"
    ADMIN_STATE_UP = "pyovn:admin_state_up"
    ADDRESS_SERIAL = "pyovn:address_serial"
    #: The MAC of a router-owned port, whose addresses say only "router".
    MAC = "pyovn:mac"

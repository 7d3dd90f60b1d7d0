"""The scenario of issue 9, built through the API only: two tenant networks,
an external network, a router with SNAT between them, two VMs' ports, a
security group and a floating IP. `build()` returns what the traces need."""

from dataclasses import dataclass
from typing import Any

from tests.api.conftest import Api

EXT_GATEWAY = "172.16.0.1"
EXT_GATEWAY_MAC = "0a:00:00:00:00:fe"
ICMP = "ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0"


@dataclass
class Cloud:
    router: dict[str, Any]
    ext: dict[str, Any]
    vm1: dict[str, Any]
    vm2: dict[str, Any]
    fip: dict[str, Any]
    router_macs: dict[str, str]  # network id -> MAC of the router's port on it
    gateway_port: dict[str, Any]

    @property
    def gateway_ip(self) -> str:
        return str(self.gateway_port["fixed_ips"][0]["ip_address"])

    @property
    def localnet(self) -> str:
        return f"provnet-{self.ext['id']}"

    def ip(self, vm: dict[str, Any]) -> str:
        return str(vm["fixed_ips"][0]["ip_address"])

    def flow(self, vm: dict[str, Any], dst: str, tail: str = ICMP) -> str:
        """A microflow from `vm` to `dst` through the router."""
        mac = self.router_macs[vm["network_id"]]
        return (
            f'inport == "{vm["id"]}" && eth.src == {vm["mac_address"]} && eth.dst == {mac} && '
            f"ip4.src == {self.ip(vm)} && ip4.dst == {dst} && {tail}"
        )

    def inbound(self, dst: str, tail: str = ICMP) -> str:
        """A microflow from the physical network to `dst` (a floating IP)."""
        mac = self.gateway_port["mac_address"]
        return (
            f'inport == "{self.localnet}" && eth.src == {EXT_GATEWAY_MAC} && eth.dst == {mac} && '
            f"ip4.src == 8.8.8.8 && ip4.dst == {dst} && {tail}"
        )


def build(api: Api) -> Cloud:
    ext, _ = api.external()
    net1, sub1 = api.network("red", "10.0.1.0/24")
    net2, sub2 = api.network("blue", "10.0.2.0/24")
    info = {"network_id": ext["id"], "enable_snat": True}
    router = api.create("router", name="r1", external_gateway_info=info)
    macs = {}
    for net, subnet in ((net1, sub1), (net2, sub2)):
        path = f"/v2.0/routers/{router['id']}/add_router_interface"
        reply = api.call("PUT", path, {"subnet_id": subnet["id"]}, expect=200)
        port = api.call("GET", f"/v2.0/ports/{reply['port_id']}", token="admin-token")
        macs[net["id"]] = port["port"]["mac_address"]
    web = api.create("security_group", name="web")
    for attrs in (
        {"protocol": "icmp"},
        {"protocol": "tcp", "port_range_min": 22, "port_range_max": 22},
    ):
        api.create("security_group_rule", security_group_id=web["id"], direction="ingress", **attrs)
    vm1 = api.create("port", network_id=net1["id"], name="vm1", security_groups=[web["id"]])
    vm2 = api.create("port", network_id=net2["id"], name="vm2", security_groups=[web["id"]])
    fip = api.create("floatingip", floating_network_id=ext["id"], port_id=vm1["id"])
    router = api.call("GET", f"/v2.0/routers/{router['id']}")["router"]
    gw_ports = api.call(
        "GET",
        f"/v2.0/ports?device_owner=network:router_gateway&device_id={router['id']}",
        token="admin-token",
    )["ports"]
    return Cloud(router, ext, vm1, vm2, fip, macs, gw_ports[0])

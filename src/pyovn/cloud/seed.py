"""The seed scenario's logical network, as CMS steps.

The same Northbound content as shared/realovn/topology.sh (and
tests/northd/topologies/seed.sh): two tenant switches joined by router lr1,
whose distributed gateway port leads to the external network "ext"
(localnet `physnet1`) on the gateway chassis, with SNAT for sw1, a floating
IP for vm2, static routes, a static MAC binding for the upstream gateway,
a security group (port group pg_web with stateful ACLs and the address set
as_admins) and DHCPv4 for sw1's VMs.

`build_network` creates everything but the VM ports; `add_vm_port` is the
seed's per-VM `lsp-add` / `lsp-set-addresses` / `lsp-set-port-security`
(and DHCP options on sw1); `build_security` and `build_dhcp` need the VM
ports to exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyovn.cloud.nb import Northbound

__all__ = [
    "SEED_VMS",
    "SeedVm",
    "add_vm_port",
    "build_dhcp",
    "build_network",
    "build_security",
    "build_seed",
]


@dataclass(frozen=True)
class SeedVm:
    """A VM of the seed scenario: its switch, MAC, address and gateway."""

    name: str
    switch: str
    mac: str
    ip: str
    gateway: str
    dhcp: bool

    @property
    def cidr(self) -> str:
        return f"{self.ip}/24"


SEED_VMS = (
    SeedVm("vm1", "sw1", "50:54:00:00:01:11", "10.0.0.11", "10.0.0.1", True),
    SeedVm("vm2", "sw1", "50:54:00:00:01:12", "10.0.0.12", "10.0.0.1", True),
    SeedVm("vm3", "sw2", "50:54:00:00:02:13", "10.0.1.13", "10.0.1.1", False),
    SeedVm("vm4", "sw2", "50:54:00:00:02:14", "10.0.1.14", "10.0.1.1", False),
)
DHCP_OPTIONS = {
    "lease_time": "3600",
    "router": "10.0.0.1",
    "server_id": "10.0.0.1",
    "server_mac": "00:00:00:00:ff:01",
    "dns_server": "{8.8.8.8}",
    "mtu": "1442",
}
EXTERNAL_GATEWAY = ("172.16.0.254", "0a:00:00:00:00:fe")


async def build_seed(nb: Northbound, gateway_chassis: str = "hv1") -> None:
    """The whole seed topology in topology.sh's order (so tunnel keys match
    the reference: VM ports first, then the localnet and router ports)."""
    await _switches(nb)
    for vm in SEED_VMS:
        await add_vm_port(nb, vm)
    await _router(nb, gateway_chassis)
    await build_security(nb)
    await build_dhcp(nb)


async def build_network(nb: Northbound, gateway_chassis: str = "hv1") -> None:
    """Switches, router, gateway port, NAT, routes (everything but VM ports)."""
    await _switches(nb)
    await _router(nb, gateway_chassis)


async def _switches(nb: Northbound) -> None:
    await nb.ls_add("sw1", {"subnet": "10.0.0.0/24"})
    await nb.ls_add("sw2", {"subnet": "10.0.1.0/24"})
    await nb.ls_add("ext")


async def _router(nb: Northbound, gateway_chassis: str) -> None:
    await nb.lsp_add(
        "ext",
        "ln-ext",
        type="localnet",
        addresses=["unknown"],
        options={"network_name": "physnet1"},
    )
    await nb.lr_add("lr1")
    await nb.lrp_add("lr1", "lr1-sw1", "00:00:00:00:ff:01", "10.0.0.1/24")
    await nb.lrp_add("lr1", "lr1-sw2", "00:00:00:00:ff:02", "10.0.1.1/24")
    await nb.lrp_add("lr1", "lr1-ext", "00:00:00:00:ff:03", "172.16.0.1/24")
    await nb.lrp_set_gateway_chassis("lr1-ext", gateway_chassis, 20)
    for switch, lsp, lrp in (
        ("sw1", "sw1-lr1", "lr1-sw1"),
        ("sw2", "sw2-lr1", "lr1-sw2"),
        ("ext", "ext-lr1", "lr1-ext"),
    ):
        await nb.lsp_add(
            switch, lsp, type="router", addresses=["router"], options={"router-port": lrp}
        )
    await nb.lr_nat_add("lr1", "snat", "172.16.0.100", "10.0.0.0/24")
    await nb.lr_nat_add("lr1", "dnat_and_snat", "172.16.0.110", "10.0.0.12")
    await nb.lr_route_add("lr1", "0.0.0.0/0", EXTERNAL_GATEWAY[0])
    await nb.lr_route_add("lr1", "192.168.50.0/24", "10.0.1.14")
    await nb.static_mac_binding_add("lr1-ext", *EXTERNAL_GATEWAY)


async def add_vm_port(nb: Northbound, vm: SeedVm, iface_id: str | None = None) -> None:
    """The seed's lsp-add + lsp-set-addresses (+ port security) for one VM."""
    address = f"{vm.mac} {vm.ip}"
    await nb.lsp_add(vm.switch, iface_id or vm.name, addresses=[address], port_security=[address])


async def build_security(nb: Northbound) -> None:
    """Address set as_admins, port group pg_web = {vm1, vm3} and its ACLs."""
    await nb.address_set_create("as_admins", "10.0.1.14", "10.0.0.12")
    await nb.pg_add("pg_web", "vm1", "vm3")
    acls = (
        ("from-lport", 1002, "inport == @pg_web && ip4", "allow-related"),
        (
            "to-lport",
            1002,
            "outport == @pg_web && ip4 && ip4.src == $as_admins && tcp.dst == 22",
            "allow-related",
        ),
        ("to-lport", 1002, "outport == @pg_web && ip4 && tcp.dst == 80", "allow-related"),
        ("to-lport", 1002, "outport == @pg_web && ip4 && icmp4", "allow-related"),
        ("to-lport", 1001, "outport == @pg_web && ip", "drop"),
        ("from-lport", 1001, "inport == @pg_web && ip", "drop"),
    )
    for direction, priority, match, action in acls:
        await nb.acl_add("pg_web", direction, priority, match, action)


async def build_dhcp(nb: Northbound, ports: tuple[str, ...] = ("vm1", "vm2")) -> None:
    """DHCPv4 options for sw1 and its VMs."""
    options = await nb.dhcp_options_create("10.0.0.0/24", DHCP_OPTIONS)
    for port in ports:
        await nb.lsp_set_dhcpv4_options(port, options)

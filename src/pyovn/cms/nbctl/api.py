"""`NbApi`: one method per ovn-nbctl verb, each returning a command object.

    async with await NbApi.connect("unix:/run/ovn/ovnnb_db.sock") as nb:
        async with nb.transaction(wait="sb") as txn:
            txn.add(nb.ls_add("sw1", may_exist=True))
            txn.add(nb.lsp_add("sw1", "vm1"))
            txn.add(nb.lsp_set_addresses("vm1", ["52:54:00:00:00:01 10.0.0.11"]))
        ports = await nb.execute(nb.lsp_list("sw1"))

Commands check their arguments when built (a bad MAC raises at once) and the
database when they run inside the transaction; nothing is written unless
every command of the transaction succeeds. The CLI (`pyovn nbctl`), the
libvirt agent and the REST API all go through this class.
"""

import contextlib
import ssl
from collections.abc import AsyncIterator
from typing import Any

from pyovn.cms.api import db_commands as db
from pyovn.cms.api.backend import Backend, CfgCounter, Transaction
from pyovn.cms.api.command import Command
from pyovn.cms.api.refs import RowId, RowIds
from pyovn.cms.nbctl import acl, dhcp, nat, port, router, routes, show, switch
from pyovn.cms.nbctl import load_balancer as lbs

__all__ = ["NB_CFG", "NB_ROW_IDS", "NB_WAITS", "NbApi"]

#: How ovn-nbctl's database commands name NB records besides UUIDs.
NB_ROW_IDS: RowIds = {
    table: (RowId(table, column),)
    for table, column in (
        ("Logical_Switch", "name"),
        ("Logical_Switch_Port", "name"),
        ("Logical_Router", "name"),
        ("Logical_Router_Port", "name"),
        ("Address_Set", "name"),
        ("Port_Group", "name"),
        ("Load_Balancer", "name"),
        ("Load_Balancer_Group", "name"),
        ("Meter", "name"),
        ("HA_Chassis_Group", "name"),
        ("HA_Chassis", "chassis_name"),
    )
}

#: `--wait=sb|hv`: NB_Global.nb_cfg, echoed by northd in sb_cfg and by the chassis in hv_cfg.
NB_CFG = CfgCounter("NB_Global", "nb_cfg", ("sb_cfg", "hv_cfg"))
NB_WAITS = {"none": (), "sb": ("sb_cfg",), "hv": ("sb_cfg", "hv_cfg")}


class NbApi:
    """The Northbound database, verb by verb."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @classmethod
    async def connect(
        cls, remote: str, reconnect: bool = False, ssl_context: ssl.SSLContext | None = None
    ) -> "NbApi":
        """Connect to the NB at `remote` (a remote or comma-separated cluster
        list, ssl: with `ssl_context`); with `reconnect`, follow the server
        (or the cluster leader) across restarts."""
        backend = Backend(remote, "OVN_Northbound", NB_ROW_IDS, reconnect, ssl_context=ssl_context)
        return cls(await backend.connect())

    async def close(self) -> None:
        await self.backend.close()

    async def __aenter__(self) -> "NbApi":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @contextlib.asynccontextmanager
    async def transaction(
        self, wait: str = "none", dry_run: bool = False, comment: str | None = None
    ) -> AsyncIterator[Transaction]:
        """Commands added in the block commit as one transaction when it ends;
        `wait="sb"|"hv"` then waits for northd (and the chassis)."""
        async with self.backend.transaction(
            dry_run=dry_run,
            counter=NB_CFG if wait != "none" else None,
            wait_for=NB_WAITS[wait],
            comment=comment,
        ) as txn:
            yield txn

    async def execute(self, command: Command, wait: str = "none") -> Any:
        """Run one command in its own transaction; return its result."""
        async with self.transaction(wait=wait) as txn:
            txn.add(command)
        return command.result

    # -- general ------------------------------------------------------------------
    def init(self) -> switch.InitCommand:
        """Create NB_Global if the database is empty."""
        return switch.InitCommand()

    def sync(self) -> switch.SyncCommand:
        """Change nothing; with wait="sb"/"hv", wait for all earlier changes."""
        return switch.SyncCommand()

    def show(self, name: str | None = None) -> show.ShowCommand:
        """The overview text of every switch and router (or of one)."""
        return show.ShowCommand(name)

    # -- switches and their ports -------------------------------------------------------
    def ls_add(
        self, switch_: str | None = None, may_exist: bool = False, add_duplicate: bool = False
    ) -> switch.LsAddCommand:
        """Create a logical switch (an error if the name exists, unless may_exist)."""
        return switch.LsAddCommand(switch_, may_exist, add_duplicate)

    def ls_del(self, switch_: str, if_exists: bool = False) -> switch.LsDelCommand:
        """Delete a logical switch and its ports."""
        return switch.LsDelCommand(switch_, if_exists)

    def ls_list(self) -> switch.LsListCommand:
        """Every logical switch, sorted by name."""
        return switch.LsListCommand()

    def lsp_add(
        self,
        switch_: str,
        port_: str,
        parent: str | None = None,
        tag_request: int | str | None = None,
        may_exist: bool = False,
        **columns: Any,
    ) -> switch.LspAddCommand:
        """Add a port named `port_` to a switch (a container port with parent+tag)."""
        return switch.LspAddCommand(switch_, port_, parent, tag_request, may_exist, **columns)

    def lsp_del(self, port_: str, if_exists: bool = False) -> switch.LspDelCommand:
        """Delete a logical switch port."""
        return switch.LspDelCommand(port_, if_exists)

    def lsp_list(self, switch_: str) -> switch.LspListCommand:
        """A switch's ports, sorted by name."""
        return switch.LspListCommand(switch_)

    def lsp_set_addresses(self, port_: str, addresses: list[str]) -> port.LspSetAddressesCommand:
        """Set a port's addresses ("MAC [IP...]", "unknown", "router", "dynamic")."""
        return port.LspSetAddressesCommand(port_, addresses)

    def lsp_set_port_security(
        self, port_: str, addresses: list[str]
    ) -> port.LspSetPortSecurityCommand:
        """Set a port's port-security entries ("MAC [IP[/PLEN]...]")."""
        return port.LspSetPortSecurityCommand(port_, addresses)

    def lsp_set_type(self, port_: str, type_: str) -> port.LspSetTypeCommand:
        """Set a port's type ("", router, localnet, localport, ...)."""
        return port.LspSetTypeCommand(port_, type_)

    def lsp_set_options(
        self, port_: str, options: list[str] | dict[str, str]
    ) -> port.LspSetOptionsCommand:
        """Replace a port's options."""
        return port.LspSetOptionsCommand(port_, options)

    def lsp_set_enabled(self, port_: str, state: str) -> port.LspSetEnabledCommand:
        """Administratively enable or disable a port ("enabled"/"disabled")."""
        return port.LspSetEnabledCommand(port_, state)

    def lsp_set_dhcpv4_options(
        self, port_: str, dhcp_options: str | None = None
    ) -> port.LspSetDhcpOptionsCommand:
        """Point a port at a DHCP_Options row (None clears)."""
        return port.LspSetDhcpOptionsCommand(port_, dhcp_options, "dhcpv4_options")

    def lsp_set_dhcpv6_options(
        self, port_: str, dhcp_options: str | None = None
    ) -> port.LspSetDhcpOptionsCommand:
        """Point a port at a DHCPv6 DHCP_Options row (None clears)."""
        return port.LspSetDhcpOptionsCommand(port_, dhcp_options, "dhcpv6_options")

    def lsp_get(self, port_: str, what: str = "") -> port.LspGetCommand:
        """A port (and its switch with what="ls", its DHCP row with "dhcpv4_options")."""
        return port.LspGetCommand(port_, what)

    # -- routers --------------------------------------------------------------------
    def lr_add(
        self, router_: str | None = None, may_exist: bool = False, add_duplicate: bool = False
    ) -> router.LrAddCommand:
        """Create a logical router."""
        return router.LrAddCommand(router_, may_exist, add_duplicate)

    def lr_del(self, router_: str, if_exists: bool = False) -> router.LrDelCommand:
        """Delete a logical router."""
        return router.LrDelCommand(router_, if_exists)

    def lr_list(self) -> router.LrListCommand:
        """Every logical router, sorted by name."""
        return router.LrListCommand()

    def lrp_add(
        self,
        router_: str,
        port_: str,
        mac: str,
        networks: list[str],
        peer: str | None = None,
        may_exist: bool = False,
    ) -> router.LrpAddCommand:
        """Add a router port with a MAC and one or more networks (ADDRESS/PLEN)."""
        return router.LrpAddCommand(router_, port_, mac, networks, peer, may_exist)

    def lrp_del(self, port_: str, if_exists: bool = False) -> router.LrpDelCommand:
        """Delete a router port."""
        return router.LrpDelCommand(port_, if_exists)

    def lrp_list(self, router_: str) -> router.LrpListCommand:
        """A router's ports, sorted by name."""
        return router.LrpListCommand(router_)

    def lrp_set_enabled(self, port_: str, state: str) -> router.LrpSetEnabledCommand:
        """Enable or disable a router port."""
        return router.LrpSetEnabledCommand(port_, state)

    def lrp_get(self, port_: str) -> router.LrpGetCommand:
        """A router port and its gateway chassis."""
        return router.LrpGetCommand(port_)

    def lrp_set_gateway_chassis(
        self, port_: str, chassis: str, priority: int | str = 0
    ) -> router.LrpSetGatewayChassisCommand:
        """Make `chassis` a gateway for the port (or change its priority)."""
        return router.LrpSetGatewayChassisCommand(port_, chassis, priority)

    def lrp_del_gateway_chassis(
        self, port_: str, chassis: str
    ) -> router.LrpDelGatewayChassisCommand:
        """Remove a gateway chassis from the port."""
        return router.LrpDelGatewayChassisCommand(port_, chassis)

    def lr_route_add(
        self, router_: str, prefix: str, nexthop: str, port_: str | None = None, **options: Any
    ) -> routes.LrRouteAddCommand:
        """Add a static route (options: policy, ecmp, ecmp_symmetric_reply, may_exist,
        bfd, route_table)."""
        return routes.LrRouteAddCommand(router_, prefix, nexthop, port_, **options)

    def lr_route_del(
        self,
        router_: str,
        prefix: str | None = None,
        nexthop: str | None = None,
        port_: str | None = None,
        **options: Any,
    ) -> routes.LrRouteDelCommand:
        """Delete the matching static routes (all of them with no filter)."""
        return routes.LrRouteDelCommand(router_, prefix, nexthop, port_, **options)

    def lr_route_list(
        self, router_: str, route_table: str | None = None
    ) -> routes.LrRouteListCommand:
        """A router's static routes, by family and route table."""
        return routes.LrRouteListCommand(router_, route_table)

    def lr_nat_add(
        self,
        router_: str,
        type_: str,
        external_ip: str,
        logical_ip: str,
        logical_port: str | None = None,
        external_mac: str | None = None,
        **options: Any,
    ) -> nat.LrNatAddCommand:
        """Add a NAT rule (snat, dnat or dnat_and_snat)."""
        return nat.LrNatAddCommand(
            router_, type_, external_ip, logical_ip, logical_port, external_mac, **options
        )

    def lr_nat_del(
        self,
        router_: str,
        type_: str | None = None,
        ip: str | None = None,
        gateway_port: str | None = None,
        if_exists: bool = False,
    ) -> nat.LrNatDelCommand:
        """Delete the matching NAT rules."""
        return nat.LrNatDelCommand(router_, type_, ip, gateway_port, if_exists)

    def lr_nat_list(self, router_: str) -> nat.LrNatListCommand:
        """A router's NAT rules."""
        return nat.LrNatListCommand(router_)

    # -- load balancers ------------------------------------------------------------------
    def lb_add(
        self, name: str, vip: str, ips: str, protocol: str | None = None, **kw: Any
    ) -> lbs.LbAddCommand:
        """Create a load balancer, or add a VIP to an existing one."""
        return lbs.LbAddCommand(name, vip, ips, protocol, **kw)

    def lb_del(
        self, name: str, vip: str | None = None, if_exists: bool = False
    ) -> lbs.LbDelCommand:
        """Delete a load balancer, or one of its VIPs."""
        return lbs.LbDelCommand(name, vip, if_exists=if_exists)

    def ls_lb_add(self, switch_: str, lb: str, may_exist: bool = False) -> lbs.LsLbAddCommand:
        """Attach a load balancer to a switch."""
        return lbs.LsLbAddCommand(switch_, lb, may_exist=may_exist)

    def ls_lb_del(
        self, switch_: str, lb: str | None = None, if_exists: bool = False
    ) -> lbs.LsLbDelCommand:
        """Detach one (or every) load balancer from a switch."""
        return lbs.LsLbDelCommand(switch_, lb, if_exists=if_exists)

    def lr_lb_add(self, router_: str, lb: str, may_exist: bool = False) -> lbs.LrLbAddCommand:
        """Attach a load balancer to a router."""
        return lbs.LrLbAddCommand(router_, lb, may_exist=may_exist)

    def lr_lb_del(
        self, router_: str, lb: str | None = None, if_exists: bool = False
    ) -> lbs.LrLbDelCommand:
        """Detach one (or every) load balancer from a router."""
        return lbs.LrLbDelCommand(router_, lb, if_exists=if_exists)

    # -- ACLs and port groups ----------------------------------------------------------
    def acl_add(
        self, entity: str, direction: str, priority: int | str, match: str, action: str, **kw: Any
    ) -> acl.AclAddCommand:
        """Add an ACL to a switch or port group."""
        return acl.AclAddCommand(entity, direction, priority, match, action, **kw)

    def acl_del(
        self,
        entity: str,
        direction: str | None = None,
        priority: int | str | None = None,
        match: str | None = None,
        type_: str | None = None,
    ) -> acl.AclDelCommand:
        """Delete an entity's ACLs (all, one direction, or one)."""
        return acl.AclDelCommand(entity, direction, priority, match, type_)

    def acl_list(self, entity: str, type_: str | None = None) -> acl.AclListCommand:
        """An entity's ACLs in ovn-nbctl's order."""
        return acl.AclListCommand(entity, type_)

    def pg_add(self, group: str, ports: list[str] | None = None) -> acl.PgAddCommand:
        """Create a port group (optionally with ports)."""
        return acl.PgAddCommand(group, ports)

    def pg_set_ports(self, group: str, ports: list[str]) -> acl.PgSetPortsCommand:
        """Replace a port group's ports."""
        return acl.PgSetPortsCommand(group, ports)

    def pg_del(self, group: str) -> acl.PgDelCommand:
        """Delete a port group."""
        return acl.PgDelCommand(group)

    # -- DHCP and MAC bindings -----------------------------------------------------------
    def dhcp_options_create(
        self, cidr: str, external_ids: list[str] | dict[str, str] | None = None
    ) -> dhcp.DhcpOptionsCreateCommand:
        """Create a DHCP_Options row for a subnet; the result is its UUID."""
        return dhcp.DhcpOptionsCreateCommand(cidr, external_ids)

    def dhcp_options_set_options(
        self, uuid: str, options: list[str] | dict[str, str]
    ) -> dhcp.DhcpOptionsSetOptionsCommand:
        """Replace a DHCP_Options row's options."""
        return dhcp.DhcpOptionsSetOptionsCommand(uuid, options)

    def dhcp_options_del(self, uuid: str) -> dhcp.DhcpOptionsDelCommand:
        """Delete a DHCP_Options row."""
        return dhcp.DhcpOptionsDelCommand(uuid)

    def dhcp_options_list(self) -> dhcp.DhcpOptionsListCommand:
        """Every DHCP_Options row."""
        return dhcp.DhcpOptionsListCommand()

    def dhcp_options_get(self, uuid: str) -> dhcp.DhcpOptionsGetCommand:
        """One DHCP_Options row."""
        return dhcp.DhcpOptionsGetCommand(uuid)

    def static_mac_binding_add(
        self, port_: str, ip: str, mac: str, may_exist: bool = False
    ) -> dhcp.StaticMacBindingAddCommand:
        """Pin IP -> MAC on a router port."""
        return dhcp.StaticMacBindingAddCommand(port_, ip, mac, may_exist)

    def static_mac_binding_del(
        self, port_: str, ip: str, if_exists: bool = False
    ) -> dhcp.StaticMacBindingDelCommand:
        """Remove a static MAC binding."""
        return dhcp.StaticMacBindingDelCommand(port_, ip, if_exists)

    def static_mac_binding_list(self) -> dhcp.StaticMacBindingListCommand:
        """Every static MAC binding."""
        return dhcp.StaticMacBindingListCommand()

    # -- the generic database commands ----------------------------------------------------
    def db_list(
        self, table: str, records: list[str] | None = None, columns: list[str] | None = None
    ) -> db.ListCommand:
        """`list`: whole records."""
        return db.ListCommand(table, records, columns)

    def db_find(
        self, table: str, conditions: list[str], columns: list[str] | None = None
    ) -> db.FindCommand:
        """`find`: records matching COLUMN[:KEY]OP VALUE tests."""
        return db.FindCommand(table, conditions, columns)

    def db_get(self, table: str, record: str, columns: list[str]) -> db.GetCommand:
        """`get`: column values of one record."""
        return db.GetCommand(table, record, columns)

    def db_set(self, table: str, record: str, assignments: list[str]) -> db.SetCommand:
        """`set`: COLUMN[:KEY]=VALUE on one record."""
        return db.SetCommand(table, record, assignments)

    def db_create(self, table: str, assignments: list[str]) -> db.CreateCommand:
        """`create`: a new record; the result is its UUID."""
        return db.CreateCommand(table, assignments)

    def db_destroy(self, table: str, records: list[str]) -> db.DestroyCommand:
        """`destroy`: delete records."""
        return db.DestroyCommand(table, records)

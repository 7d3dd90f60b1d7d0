"""The cloud's CMS stand-in: Northbound transactions named like ovn-nbctl verbs.

Each method is one OVSDB transaction on the Northbound DB (through a
`Replica`, so names resolve to rows) and records the `ovn-nbctl` command it
stands for in `history`, which `pyovn demo` prints. Only what the seed
scenario needs is here; `pyovn.cms` (the real nbctl) can replace it.
`sync("hv")` is `ovn-nbctl --wait=hv sync`: bump NB_Global.nb_cfg and wait
until every chassis has caught up (hv_cfg).
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Mapping
from typing import Any

from pyovn.cloud.errors import CloudError
from pyovn.controller.txn import Named, Txn, first_error
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.replica import Replica

__all__ = ["Northbound"]

NB = "OVN_Northbound"


class Northbound:
    """A connection to the Northbound DB with ovn-nbctl-like verbs."""

    def __init__(self, remote: str) -> None:
        self.client = OvsdbClient(remote)
        self.replica = Replica(self.client, NB)
        self.history: list[str] = []

    async def start(self) -> None:
        await self.replica.start()
        if not self.replica.table("NB_Global"):
            await self._commit(lambda txn: txn.insert("NB_Global", {}), "init")

    async def close(self) -> None:
        await self.client.close()

    # ------------------------------------------------------------ helpers

    def _row(self, table: str, name: str) -> tuple[str, dict[str, Any]]:
        for uuid, row in self.replica.table(table).items():
            if row.get("name") == name:
                return uuid, row
        raise CloudError(f"{table} {name!r} not found")

    async def _commit(self, build: Any, *command: str) -> Any:
        txn = Txn(self.replica)
        value = build(txn)
        results = await txn.commit()
        error = first_error(results)
        if error:
            raise CloudError(f"ovn-nbctl {shlex.join(command)}: {error}")
        self.history.append("ovn-nbctl " + shlex.join(command))
        await self._settle()
        return value

    async def _settle(self) -> None:
        """Let the replica see our own transaction before the next verb reads it."""
        await asyncio.sleep(0)
        await self.client.call("echo", [])

    async def set_global_options(self, **options: str) -> None:
        """`ovn-nbctl set NB_Global . options:KEY=VALUE …`."""
        uuid, row = next(iter(self.replica.table("NB_Global").items()))
        merged = {**row["options"], **options}
        pairs = [f"options:{k}={v}" for k, v in options.items()]
        await self._commit(
            lambda txn: txn.update("NB_Global", uuid, {"options": merged}),
            "set",
            "NB_Global",
            ".",
            *pairs,
        )

    # ------------------------------------------------------------ switches

    async def ls_add(self, name: str, other_config: Mapping[str, str] | None = None) -> None:
        row = {"name": name, "other_config": dict(other_config or {})}
        extra = [f"other_config:{k}={v}" for k, v in (other_config or {}).items()]
        command = ["ls-add", name] + (
            ["--", "set", "Logical_Switch", name, *extra] if extra else []
        )
        await self._commit(lambda txn: txn.insert("Logical_Switch", row), *command)

    async def lsp_add(
        self,
        switch: str,
        name: str,
        *,
        addresses: list[str] | None = None,
        port_security: list[str] | None = None,
        type: str = "",
        options: Mapping[str, str] | None = None,
    ) -> None:
        """lsp-add, with the lsp-set-* of the same command line."""
        uuid, _ = self._row("Logical_Switch", switch)
        row: dict[str, Any] = {
            "name": name,
            "addresses": frozenset(addresses or ()),
            "port_security": frozenset(port_security or ()),
            "type": type,
            "options": dict(options or {}),
        }

        def build(txn: Txn) -> None:
            port = txn.insert("Logical_Switch_Port", row)
            txn.add_refs("Logical_Switch", uuid, "ports", [port])

        command = ["lsp-add", switch, name]
        if type:
            command += ["--", "lsp-set-type", name, type]
        if addresses:
            command += ["--", "lsp-set-addresses", name, *addresses]
        if port_security:
            command += ["--", "lsp-set-port-security", name, *port_security]
        if options:
            command += ["--", "lsp-set-options", name, *(f"{k}={v}" for k, v in options.items())]
        await self._commit(build, *command)

    async def lsp_set_addresses(self, name: str, *addresses: str) -> None:
        uuid, _ = self._row("Logical_Switch_Port", name)
        await self._commit(
            lambda txn: txn.update(
                "Logical_Switch_Port", uuid, {"addresses": frozenset(addresses)}
            ),
            "lsp-set-addresses",
            name,
            *addresses,
        )

    async def lsp_set_port_security(self, name: str, *addresses: str) -> None:
        uuid, _ = self._row("Logical_Switch_Port", name)
        await self._commit(
            lambda txn: txn.update(
                "Logical_Switch_Port", uuid, {"port_security": frozenset(addresses)}
            ),
            "lsp-set-port-security",
            name,
            *addresses,
        )

    async def lsp_del(self, name: str) -> None:
        uuid, _ = self._row("Logical_Switch_Port", name)
        switch = next(
            u for u, r in self.replica.table("Logical_Switch").items() if uuid in r["ports"]
        )
        await self._commit(
            lambda txn: txn.remove_refs("Logical_Switch", switch, "ports", [uuid]), "lsp-del", name
        )

    async def dhcp_options_create(self, cidr: str, options: Mapping[str, str]) -> str:
        results = await self._commit(
            lambda txn: txn.insert("DHCP_Options", {"cidr": cidr, "options": dict(options)}),
            "dhcp-options-create",
            cidr,
            *(f"{k}={v}" for k, v in options.items()),
        )
        del results
        return next(u for u, r in self.replica.table("DHCP_Options").items() if r["cidr"] == cidr)

    async def lsp_set_dhcpv4_options(self, name: str, options_uuid: str) -> None:
        uuid, _ = self._row("Logical_Switch_Port", name)
        await self._commit(
            lambda txn: txn.update(
                "Logical_Switch_Port", uuid, {"dhcpv4_options": frozenset({options_uuid})}
            ),
            "lsp-set-dhcpv4-options",
            name,
            options_uuid,
        )

    # ------------------------------------------------------------ routers

    async def lr_add(self, name: str) -> None:
        await self._commit(lambda txn: txn.insert("Logical_Router", {"name": name}), "lr-add", name)

    async def lrp_add(self, router: str, name: str, mac: str, *networks: str) -> None:
        uuid, _ = self._row("Logical_Router", router)
        row = {"name": name, "mac": mac, "networks": frozenset(networks)}

        def build(txn: Txn) -> None:
            port = txn.insert("Logical_Router_Port", row)
            txn.add_refs("Logical_Router", uuid, "ports", [port])

        await self._commit(build, "lrp-add", router, name, mac, *networks)

    async def lrp_set_gateway_chassis(self, port: str, chassis: str, priority: int) -> None:
        uuid, _ = self._row("Logical_Router_Port", port)
        row = {"name": f"{port}-{chassis}", "chassis_name": chassis, "priority": priority}

        def build(txn: Txn) -> None:
            gateway = txn.insert("Gateway_Chassis", row)
            txn.add_refs("Logical_Router_Port", uuid, "gateway_chassis", [gateway])

        await self._commit(build, "lrp-set-gateway-chassis", port, chassis, str(priority))

    async def lr_nat_add(
        self, router: str, nat_type: str, external_ip: str, logical_ip: str
    ) -> None:
        uuid, _ = self._row("Logical_Router", router)
        row = {"type": nat_type, "external_ip": external_ip, "logical_ip": logical_ip}

        def build(txn: Txn) -> None:
            nat = txn.insert("NAT", row)
            txn.add_refs("Logical_Router", uuid, "nat", [nat])

        await self._commit(build, "lr-nat-add", router, nat_type, external_ip, logical_ip)

    async def lr_route_add(self, router: str, prefix: str, nexthop: str) -> None:
        uuid, _ = self._row("Logical_Router", router)
        row = {"ip_prefix": prefix, "nexthop": nexthop}

        def build(txn: Txn) -> None:
            route = txn.insert("Logical_Router_Static_Route", row)
            txn.add_refs("Logical_Router", uuid, "static_routes", [route])

        await self._commit(build, "lr-route-add", router, prefix, nexthop)

    async def static_mac_binding_add(self, port: str, ip: str, mac: str) -> None:
        row = {"logical_port": port, "ip": ip, "mac": mac}
        await self._commit(
            lambda txn: txn.insert("Static_MAC_Binding", row),
            "static-mac-binding-add",
            port,
            ip,
            mac,
        )

    # ------------------------------------------------------------ security groups

    async def address_set_create(self, name: str, *addresses: str) -> None:
        row = {"name": name, "addresses": frozenset(addresses)}
        quoted = ",".join(f'"{a}"' for a in addresses)
        await self._commit(
            lambda txn: txn.insert("Address_Set", row),
            "create",
            "Address_Set",
            f"name={name}",
            f"addresses={quoted}",
        )

    async def pg_add(self, name: str, *ports: str) -> None:
        uuids = frozenset(self._row("Logical_Switch_Port", p)[0] for p in ports)
        await self._commit(
            lambda txn: txn.insert("Port_Group", {"name": name, "ports": uuids}),
            "pg-add",
            name,
            *ports,
        )

    async def acl_add(
        self, group: str, direction: str, priority: int, match: str, action: str
    ) -> None:
        uuid, _ = self._row("Port_Group", group)
        row = {"direction": direction, "priority": priority, "match": match, "action": action}

        def build(txn: Txn) -> Named:
            acl = txn.insert("ACL", row)
            txn.add_refs("Port_Group", uuid, "acls", [acl])
            return acl

        await self._commit(build, "acl-add", group, direction, str(priority), match, action)

    # ------------------------------------------------------------ waiting

    async def wait_port_up(self, name: str, timeout: float = 30.0) -> float:
        """Wait until Logical_Switch_Port `name` is up (bound and its flows
        installed on a chassis); returns how long that took."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            found = [
                r for r in self.replica.table("Logical_Switch_Port").values() if r["name"] == name
            ]
            if found and True in found[0]["up"]:
                return loop.time() - started
            if loop.time() - started > timeout:
                raise CloudError(f"port {name} did not come up within {timeout:.0f} s")
            await asyncio.sleep(0.02)

    async def sync(self, wait: str = "hv", timeout: float = 30.0) -> None:
        """`ovn-nbctl --wait=sb|hv sync`: returns once northd (and the chassis) caught up."""
        uuid, row = next(iter(self.replica.table("NB_Global").items()))
        target = row["nb_cfg"] + 1
        await self._commit(
            lambda txn: txn.update("NB_Global", uuid, {"nb_cfg": target}), f"--wait={wait}", "sync"
        )
        column = "hv_cfg" if wait == "hv" else "sb_cfg"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.replica.table("NB_Global")[uuid][column] < target:
            if loop.time() > deadline:
                raise CloudError(f"--wait={wait} sync: timed out after {timeout:.0f} s")
            await asyncio.sleep(0.02)

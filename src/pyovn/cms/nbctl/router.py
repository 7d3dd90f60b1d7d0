"""Logical routers and their ports: lr-add/del/list, lrp-add/del/list,
lrp-set/get-enabled and the gateway chassis of a distributed gateway port."""

from typing import Any

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import DuplicateError, NotFoundError, UsageError, ValueSyntaxError
from pyovn.cms.nbctl import lookup
from pyovn.cms.nbctl.addresses import parse_mac, parse_network, parse_priority

__all__ = [
    "LrAddCommand",
    "LrDelCommand",
    "LrListCommand",
    "LrpAddCommand",
    "LrpDelCommand",
    "LrpDelGatewayChassisCommand",
    "LrpGetCommand",
    "LrpListCommand",
    "LrpSetEnabledCommand",
    "LrpSetGatewayChassisCommand",
]


class LrAddCommand(Command):
    """`lr-add [ROUTER]`: a new logical router."""

    def __init__(
        self, router: str | None = None, may_exist: bool = False, add_duplicate: bool = False
    ) -> None:
        if may_exist and add_duplicate:
            raise UsageError("--may-exist and --add-duplicate may not be used together")
        self.router, self.may_exist, self.add_duplicate = router, may_exist, add_duplicate

    def run(self, ctx: TxnContext) -> None:
        if (
            self.router is not None
            and not self.add_duplicate
            and ctx.find("Logical_Router", "name", self.router)
        ):
            if self.may_exist:
                return
            raise DuplicateError(f"{self.router}: a router with this name already exists")
        self.result = ctx.insert("Logical_Router", name=self.router or "").uuid


class LrDelCommand(Command):
    """`lr-del ROUTER`: the router and everything only it holds."""

    def __init__(self, router: str, if_exists: bool = False) -> None:
        self.router, self.if_exists = router, if_exists

    def run(self, ctx: TxnContext) -> None:
        router = lookup.find_lr(ctx, self.router) if self.if_exists else lookup.lr(ctx, self.router)
        if router is None:
            return
        for uuid in router["ports"]:
            port = ctx.get("Logical_Router_Port", uuid)
            if port is not None:
                port.delete()
        router.delete()


class LrListCommand(ReadCommand):
    """`lr-list`: every router, by name."""

    def run(self, ctx: TxnContext) -> None:
        self.result = sorted(ctx.rows("Logical_Router"), key=lambda r: (r.name, r.uuid))


def _networks(port: str, networks: list[str]) -> frozenset[str]:
    for network in networks:
        try:
            parse_network(network)
        except ValueSyntaxError:
            raise ValueSyntaxError(f"{port}: invalid network address: {network}") from None
    return frozenset(networks)


def _same_networks(a: frozenset[str], b: frozenset[str]) -> bool:
    try:
        return {parse_network(n).network for n in a} == {parse_network(n).network for n in b}
    except ValueSyntaxError:
        return a == b


class LrpAddCommand(Command):
    """`lrp-add ROUTER PORT MAC NETWORK... [peer=PEER]`."""

    def __init__(
        self,
        router: str,
        port: str,
        mac: str,
        networks: list[str],
        peer: str | None = None,
        may_exist: bool = False,
    ) -> None:
        self.router, self.port, self.may_exist = router, port, may_exist
        rest = list(networks)
        if rest and rest[-1].startswith("peer="):
            peer = rest.pop()[len("peer=") :]
        if not rest:
            raise UsageError("'lrp-add' command requires at least 4 arguments")
        try:
            parse_mac(mac)
        except ValueSyntaxError:
            raise ValueSyntaxError(f"{port}: invalid mac address {mac}") from None
        self.mac, self.networks, self.peer = mac, _networks(port, rest), peer

    def run(self, ctx: TxnContext) -> None:
        router = lookup.lr(ctx, self.router)
        existing = lookup.find_lrp(ctx, self.port)
        if existing is not None:
            if not self.may_exist:
                raise DuplicateError(f"{self.port}: a port with this name already exists")
            self._check_existing(ctx, router, existing)
            return
        values: dict[str, Any] = {"name": self.port, "mac": self.mac}
        values["networks"] = self.networks
        if self.peer is not None:
            values["peer"] = frozenset((self.peer,))
        port = ctx.insert("Logical_Router_Port", **values)
        router.add("ports", port.uuid)
        self.result = port.uuid

    def _check_existing(self, ctx: TxnContext, router: Row, port: Row) -> None:
        owner = lookup.lrp_router(ctx, port)
        if owner.uuid != router.uuid:
            raise DuplicateError(f"{self.port}: port already exists but in router {owner.name}")
        if port["mac"] != self.mac:
            raise DuplicateError(f"{self.port}: port already exists with mac {port['mac']}")
        if not _same_networks(port["networks"], self.networks):
            raise DuplicateError(f"{self.port}: port already exists with different network")
        old_peer = next(iter(port["peer"]), None)
        if old_peer != self.peer:
            raise DuplicateError(f"{self.port}: port already exists with mismatching peer")


class LrpDelCommand(Command):
    """`lrp-del PORT`."""

    def __init__(self, port: str, if_exists: bool = False) -> None:
        self.port, self.if_exists = port, if_exists

    def run(self, ctx: TxnContext) -> None:
        port = lookup.find_lrp(ctx, self.port) if self.if_exists else lookup.lrp(ctx, self.port)
        if port is None:
            return
        lookup.lrp_router(ctx, port).discard("ports", port.uuid)
        port.delete()


class LrpListCommand(ReadCommand):
    """`lrp-list ROUTER`: its ports, by name."""

    def __init__(self, router: str) -> None:
        self.router = router

    def run(self, ctx: TxnContext) -> None:
        router = lookup.lr(ctx, self.router)
        ports = [ctx.get("Logical_Router_Port", u) for u in router["ports"]]
        self.result = sorted((p for p in ports if p is not None), key=lambda r: (r.name, r.uuid))


class LrpSetEnabledCommand(Command):
    """`lrp-set-enabled PORT enabled|disabled`."""

    def __init__(self, port: str, state: str) -> None:
        if state not in ("enabled", "disabled"):
            raise ValueSyntaxError(f'{state}: state must be "enabled" or "disabled"')
        self.port, self.state = port, state

    def run(self, ctx: TxnContext) -> None:
        lookup.lrp(ctx, self.port)["enabled"] = frozenset((self.state == "enabled",))


class LrpGetCommand(ReadCommand):
    """`lrp-get-enabled` / `lrp-get-gateway-chassis`: the port and its gateway chassis
    (highest priority first)."""

    def __init__(self, port: str) -> None:
        self.port = port

    def run(self, ctx: TxnContext) -> None:
        port = lookup.lrp(ctx, self.port)
        chassis = [ctx.get("Gateway_Chassis", u) for u in port["gateway_chassis"]]
        ordered = sorted((c for c in chassis if c is not None), key=lambda c: -c["priority"])
        self.result = (port, ordered)


def _gateway_chassis(ctx: TxnContext, port: Row, chassis: str) -> Row | None:
    for uuid in sorted(port["gateway_chassis"]):
        row = ctx.get("Gateway_Chassis", uuid)
        if row is not None and row["chassis_name"] == chassis:
            return row
    return None


class LrpSetGatewayChassisCommand(Command):
    """`lrp-set-gateway-chassis PORT CHASSIS [PRIORITY]`."""

    def __init__(self, port: str, chassis: str, priority: str | int = 0) -> None:
        self.port, self.chassis = port, chassis
        self.priority = parse_priority(str(priority))

    def run(self, ctx: TxnContext) -> None:
        port = lookup.lrp(ctx, self.port)
        existing = _gateway_chassis(ctx, port, self.chassis)
        if existing is not None:
            existing["priority"] = self.priority
            return
        row = ctx.insert(
            "Gateway_Chassis",
            name=f"{port.name}-{self.chassis}",
            chassis_name=self.chassis,
            priority=self.priority,
        )
        port.add("gateway_chassis", row.uuid)


class LrpDelGatewayChassisCommand(Command):
    """`lrp-del-gateway-chassis PORT CHASSIS`."""

    def __init__(self, port: str, chassis: str) -> None:
        self.port, self.chassis = port, chassis

    def run(self, ctx: TxnContext) -> None:
        port = lookup.lrp(ctx, self.port)
        existing = _gateway_chassis(ctx, port, self.chassis)
        if existing is None:
            raise NotFoundError(f"chassis {self.chassis} is not added to logical port {self.port}")
        port.discard("gateway_chassis", existing.uuid)
        existing.delete()

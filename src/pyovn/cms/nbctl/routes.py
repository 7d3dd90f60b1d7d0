"""Static routes: lr-route-add, lr-route-del, lr-route-list."""

import ipaddress
from dataclasses import dataclass
from typing import Any

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import DuplicateError, NotFoundError, UsageError, ValueSyntaxError
from pyovn.cms.nbctl import lookup

__all__ = ["LrRouteAddCommand", "LrRouteDelCommand", "LrRouteListCommand", "RouteLine"]

POLICIES = ("dst-ip", "src-ip")


def _prefix(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_interface(text).network
    except ValueError:
        raise ValueSyntaxError(f"bad prefix argument: {text}") from None


def normalize_prefix(text: str) -> str:
    """A route prefix as ovn-nbctl stores it (host bits cleared, no /32 or /128)."""
    network = _prefix(text)
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def _nexthop(text: str, version: int) -> str:
    if text == "discard":
        return text
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        address = None
    if address is None or address.version != version:
        raise ValueSyntaxError(f"bad IPv{version} nexthop argument: {text}")
    return str(address)


def _policy(text: str | None) -> str | None:
    if text is not None and text not in POLICIES:
        raise ValueSyntaxError(f"bad policy: {text}")
    return text


def _route_policy(route: Row) -> str:
    return next(iter(route["policy"]), "dst-ip")


def _routes(ctx: TxnContext, router: Row) -> list[Row]:
    rows = [ctx.get("Logical_Router_Static_Route", u) for u in sorted(router["static_routes"])]
    return [r for r in rows if r is not None]


class LrRouteAddCommand(Command):
    """`lr-route-add ROUTER PREFIX NEXTHOP [PORT]`."""

    def __init__(
        self,
        router: str,
        prefix: str,
        nexthop: str,
        port: str | None = None,
        *,
        policy: str | None = None,
        ecmp: bool = False,
        ecmp_symmetric_reply: bool = False,
        may_exist: bool = False,
        bfd: str | bool | None = None,
        route_table: str | None = None,
    ) -> None:
        self.router, self.port, self.may_exist = router, port, may_exist
        self.policy = _policy(policy)
        self.prefix = normalize_prefix(prefix)
        self.nexthop = _nexthop(nexthop, _prefix(prefix).version)
        self.ecmp_symmetric_reply = ecmp_symmetric_reply
        self.ecmp = ecmp or ecmp_symmetric_reply
        if self.ecmp and self.nexthop == "discard":
            raise UsageError("ecmp is not valid for discard routes.")
        if bfd and self.nexthop == "discard":
            raise UsageError("bfd dst_ip cannot be discard.")
        self.bfd, self.route_table = bfd, route_table or ""

    def run(self, ctx: TxnContext) -> None:
        router = lookup.lr(ctx, self.router)
        if self.port is not None:
            lookup.lrp(ctx, self.port)
        policy = self.policy or "dst-ip"
        same = [
            r
            for r in _routes(ctx, router)
            if r["ip_prefix"] == self.prefix
            and _route_policy(r) == policy
            and r["route_table"] == self.route_table
        ]
        if same and not self.ecmp:
            if not self.may_exist:
                raise DuplicateError(
                    f"duplicate prefix: {self.prefix} (policy: {policy}). Use option --ecmp to "
                    "allow this for ECMP routing."
                )
            self._fill(ctx, same[0])
            return
        for route in same:
            if route["nexthop"] == self.nexthop and set(route["output_port"]) == self._port_set():
                if self.may_exist:
                    return
                raise DuplicateError("duplicate nexthop for the same ECMP route")
        route = ctx.insert("Logical_Router_Static_Route", ip_prefix=self.prefix)
        if self.policy is not None:
            route["policy"] = frozenset((self.policy,))
        if self.route_table:
            route["route_table"] = self.route_table
        if self.ecmp_symmetric_reply:
            route["options"] = {"ecmp_symmetric_reply": "true"}
        self._fill(ctx, route)
        router.add("static_routes", route.uuid)
        self.result = route.uuid

    def _port_set(self) -> set[str]:
        return {self.port} if self.port is not None else set()

    def _fill(self, ctx: TxnContext, route: Row) -> None:
        route["nexthop"] = self.nexthop
        if self.port is not None:
            route["output_port"] = frozenset((self.port,))
        if self.bfd:
            route["bfd"] = frozenset((self._bfd(ctx),))

    def _bfd(self, ctx: TxnContext) -> str:
        if isinstance(self.bfd, str):
            row = ctx.get("BFD", self.bfd.lower())
            if row is None:
                raise NotFoundError(f"BFD {self.bfd} not found")
            return row.uuid
        for row in ctx.rows("BFD"):
            if row["dst_ip"] == self.nexthop:
                return row.uuid
        if self.port is None:
            raise NotFoundError(f"no BFD session for nexthop {self.nexthop}; give a PORT")
        return ctx.insert("BFD", dst_ip=self.nexthop, logical_port=self.port).uuid


class LrRouteDelCommand(Command):
    """`lr-route-del ROUTER [PREFIX [NEXTHOP [PORT]]]`: every matching route."""

    def __init__(
        self,
        router: str,
        prefix: str | None = None,
        nexthop: str | None = None,
        port: str | None = None,
        *,
        policy: str | None = None,
        route_table: str | None = None,
        if_exists: bool = False,
    ) -> None:
        self.router, self.port, self.if_exists = router, port, if_exists
        self.policy, self.route_table = _policy(policy), route_table
        self.prefix = normalize_prefix(prefix) if prefix is not None else None
        self.nexthop = None
        if nexthop is not None:
            assert prefix is not None
            try:
                self.nexthop = _nexthop(nexthop, _prefix(prefix).version)
            except ValueSyntaxError:
                raise ValueSyntaxError(f"bad nexthop argument: {nexthop}") from None

    def _matches(self, route: Row) -> bool:
        return (
            (self.prefix is None or route["ip_prefix"] == self.prefix)
            and (self.nexthop is None or route["nexthop"] == self.nexthop)
            and (self.port is None or self.port in route["output_port"])
            and (self.policy is None or _route_policy(route) == self.policy)
            and (self.route_table is None or route["route_table"] == self.route_table)
        )

    def run(self, ctx: TxnContext) -> None:
        router = lookup.lr(ctx, self.router)
        doomed = [r for r in _routes(ctx, router) if self._matches(r)]
        filtered = any(x is not None for x in (self.prefix, self.nexthop, self.port, self.policy))
        if not doomed and filtered and not self.if_exists:
            raise NotFoundError(
                f"no matching route: policy '{self.policy or 'any'}', prefix "
                f"'{self.prefix or 'any'}', nexthop '{self.nexthop or 'any'}', output_port "
                f"'{self.port or 'any'}'."
            )
        for route in doomed:
            router.discard("static_routes", route.uuid)
            route.delete()


@dataclass(frozen=True)
class RouteLine:
    """One route as lr-route-list shows it."""

    route: Row
    ecmp: bool


def _address_key(text: str) -> tuple[int, Any]:
    try:
        return (0, int(ipaddress.ip_address(text)))
    except ValueError:
        return (1, text)


class LrRouteListCommand(ReadCommand):
    """`lr-route-list ROUTER`: result maps (family, table) to ordered RouteLines."""

    def __init__(self, router: str, route_table: str | None = None) -> None:
        self.router, self.route_table = router, route_table

    def run(self, ctx: TxnContext) -> None:
        router = lookup.lr(ctx, self.router)
        groups: dict[tuple[int, str], list[Row]] = {}
        for route in _routes(ctx, router):
            if self.route_table is not None and route["route_table"] != self.route_table:
                continue
            try:
                network = _prefix(route["ip_prefix"])
            except ValueSyntaxError:
                continue
            groups.setdefault((network.version, route["route_table"]), []).append(route)
        result: dict[tuple[int, str], list[RouteLine]] = {}
        for key in sorted(groups):
            rows = sorted(groups[key], key=_route_key)
            counts: dict[tuple[str, str], int] = {}
            for row in rows:
                ident = (row["ip_prefix"], _route_policy(row))
                counts[ident] = counts.get(ident, 0) + 1
            result[key] = [
                RouteLine(r, counts[(r["ip_prefix"], _route_policy(r))] > 1) for r in rows
            ]
        self.result = result


def _route_key(route: Row) -> tuple[Any, ...]:
    network = _prefix(route["ip_prefix"])
    return (
        -network.prefixlen,
        _route_policy(route),
        int(network.network_address),
        _address_key(route["nexthop"]),
        sorted(route["output_port"]),
    )

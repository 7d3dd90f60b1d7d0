"""NAT rules on logical routers: lr-nat-add, lr-nat-del, lr-nat-list."""

import ipaddress

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import DuplicateError, NotFoundError, UsageError, ValueSyntaxError
from pyovn.cms.nbctl import lookup
from pyovn.cms.nbctl.addresses import parse_mac

__all__ = ["NAT_TYPES", "LrNatAddCommand", "LrNatDelCommand", "LrNatListCommand"]

NAT_TYPES = ("dnat", "snat", "dnat_and_snat")


def _check_type(text: str) -> str:
    if text not in NAT_TYPES:
        raise ValueSyntaxError(f'{text}: type must be one of "dnat", "snat" and "dnat_and_snat".')
    return text


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise ValueSyntaxError(f"{text}: Not a valid IPv4 or IPv6 address.") from None


def _logical_ip(text: str, nat_type: str, version: int) -> str:
    """The logical IP (a network for snat), normalized as OVN stores it."""
    family = f"IPv{version}"
    if nat_type == "snat":
        try:
            network = ipaddress.ip_interface(text).network
        except ValueError:
            network = None
        if network is None or network.version != version:
            raise ValueSyntaxError(f"{text}: should be an {family} address or network.")
        if network.prefixlen == network.max_prefixlen:
            return str(network.network_address)
        return str(network)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        address = None
    if address is None or address.version != version:
        raise ValueSyntaxError(f"{text}: Not a valid {family} address.")
    return str(address)


def _nats(ctx: TxnContext, router: Row) -> list[Row]:
    rows = [ctx.get("NAT", u) for u in sorted(router["nat"])]
    return [r for r in rows if r is not None]


class LrNatAddCommand(Command):
    """`lr-nat-add ROUTER TYPE EXTERNAL_IP LOGICAL_IP [LOGICAL_PORT EXTERNAL_MAC]`."""

    def __init__(
        self,
        router: str,
        type: str,
        external_ip: str,
        logical_ip: str,
        logical_port: str | None = None,
        external_mac: str | None = None,
        *,
        may_exist: bool = False,
        stateless: bool = False,
        gateway_port: str | None = None,
        port_range: str | None = None,
        add_route: bool = False,
    ) -> None:
        self.router, self.type = router, _check_type(type)
        external = _address(external_ip)
        self.external_ip = str(external)
        self.logical_ip = _logical_ip(logical_ip, type, external.version)
        if logical_port is not None or external_mac is not None:
            if type != "dnat_and_snat":
                raise UsageError(
                    'logical_port and external_mac are only valid when type is "dnat_and_snat".'
                )
            if external_mac is None:
                raise UsageError("lr-nat-add with logical_port must also specify external_mac.")
            try:
                parse_mac(external_mac)
            except ValueSyntaxError:
                raise ValueSyntaxError(f"invalid mac address {external_mac}.") from None
        if stateless and type != "dnat_and_snat":
            raise UsageError("stateless is not applicable to dnat or snat types")
        self.logical_port, self.external_mac = logical_port, external_mac
        self.may_exist, self.stateless = may_exist, stateless
        self.gateway_port, self.port_range, self.add_route = gateway_port, port_range, add_route

    def run(self, ctx: TxnContext) -> None:
        router = lookup.lr(ctx, self.router)
        if self.logical_port is not None:
            lookup.lsp(ctx, self.logical_port)
        gateway = lookup.lrp(ctx, self.gateway_port) if self.gateway_port else None
        for nat in _nats(ctx, router):
            if self._duplicate(ctx, nat):
                return
        nat = ctx.insert(
            "NAT",
            type=self.type,
            external_ip=self.external_ip,
            logical_ip=self.logical_ip,
            options={"stateless": "true" if self.stateless else "false"},
        )
        if self.add_route:
            nat.setkey("options", "add_route", "true")
        if self.port_range:
            nat["external_port_range"] = self.port_range
        if gateway is not None:
            nat["gateway_port"] = frozenset((gateway.uuid,))
        self._set_port(nat)
        router.add("nat", nat.uuid)
        self.result = nat.uuid

    def _set_port(self, nat: Row) -> None:
        if self.logical_port is not None and self.external_mac is not None:
            nat["logical_port"] = frozenset((self.logical_port,))
            nat["external_mac"] = frozenset((self.external_mac,))

    def _duplicate(self, ctx: TxnContext, nat: Row) -> bool:
        """True when `nat` already is this rule (--may-exist); raise on a clash."""
        same_ips = nat["external_ip"] == self.external_ip and nat["logical_ip"] == self.logical_ip
        if nat["type"] == self.type and same_ips:
            if not self.may_exist:
                raise DuplicateError(
                    f"{self.external_ip}, {self.logical_ip}: a NAT with this external_ip and "
                    "logical_ip already exists"
                )
            self._set_port(nat)
            return True
        if nat["type"] == self.type:
            column = "logical_ip" if self.type == "snat" else "external_ip"
            mine = self.logical_ip if self.type == "snat" else self.external_ip
            if nat[column] == mine:
                raise DuplicateError(
                    f"a NAT with this type ({self.type}), {column} ({mine}) already exists"
                )
        stateless_nat = nat["options"].get("stateless") == "true"
        if (
            nat["external_ip"] == self.external_ip
            and stateless_nat != self.stateless
            and "dnat_and_snat" in (nat["type"], self.type)
        ):
            raise DuplicateError(
                f"{self.external_ip}, {self.logical_ip}: External ip cannot be shared "
                "across stateless and stateful NATs"
            )
        return False


class LrNatDelCommand(Command):
    """`lr-nat-del ROUTER [TYPE [IP [GATEWAY_PORT]]]`."""

    def __init__(
        self,
        router: str,
        type: str | None = None,
        ip: str | None = None,
        gateway_port: str | None = None,
        if_exists: bool = False,
    ) -> None:
        self.router, self.if_exists = router, if_exists
        self.type = _check_type(type) if type is not None else None
        self.ip = None
        if ip is not None:
            assert type is not None
            try:
                version = ipaddress.ip_interface(ip).version
            except ValueError:
                raise ValueSyntaxError(f"{ip}: Not a valid IPv4 or IPv6 address.") from None
            self.ip = _logical_ip(ip, "snat", version) if type == "snat" else str(_address(ip))
        self.gateway_port = gateway_port

    def run(self, ctx: TxnContext) -> None:
        router = lookup.lr(ctx, self.router)
        gateway = lookup.lrp(ctx, self.gateway_port).uuid if self.gateway_port else None
        doomed = []
        for nat in _nats(ctx, router):
            if self.type is not None and nat["type"] != self.type:
                continue
            column = "logical_ip" if self.type == "snat" else "external_ip"
            if self.ip is not None and nat[column] != self.ip:
                continue
            if gateway is not None and gateway not in nat["gateway_port"]:
                continue
            doomed.append(nat)
        if not doomed and self.ip is not None and gateway is not None and not self.if_exists:
            column = "logical_ip" if self.type == "snat" else "external_ip"
            raise NotFoundError(
                f"no matching NAT with the type ({self.type}), {column} ({self.ip}) and "
                f"gateway_port ({self.gateway_port})"
            )
        for nat in doomed:
            router.discard("nat", nat.uuid)
            nat.delete()


class LrNatListCommand(ReadCommand):
    """`lr-nat-list ROUTER`: result is (NAT row, gateway port name) pairs."""

    def __init__(self, router: str) -> None:
        self.router = router

    def run(self, ctx: TxnContext) -> None:
        router = lookup.lr(ctx, self.router)
        out: list[tuple[Row, str]] = []
        for nat in _nats(ctx, router):
            gateway = ""
            for uuid in nat["gateway_port"]:
                port = ctx.get("Logical_Router_Port", uuid)
                gateway = port.name if port is not None else ""
            out.append((nat, gateway))
        self.result = out

"""DHCP options (dhcp-options-*) and static MAC bindings (static-mac-binding-*)."""

import ipaddress

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import DuplicateError, NotFoundError, ValueSyntaxError
from pyovn.cms.nbctl import lookup
from pyovn.cms.nbctl.addresses import parse_ip, parse_mac
from pyovn.cms.nbctl.port import parse_options

__all__ = [
    "DhcpOptionsCreateCommand",
    "DhcpOptionsDelCommand",
    "DhcpOptionsGetCommand",
    "DhcpOptionsListCommand",
    "DhcpOptionsSetOptionsCommand",
    "StaticMacBindingAddCommand",
    "StaticMacBindingDelCommand",
    "StaticMacBindingListCommand",
]


def _cidr(text: str) -> str:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueSyntaxError(f"Invalid cidr format '{text}'") from None
    if "/" not in text:
        raise ValueSyntaxError(f"Invalid cidr format '{text}'")
    return text


class DhcpOptionsCreateCommand(Command):
    """`dhcp-options-create CIDR [KEY=VALUE]...` (the pairs become external_ids);
    the result is the new row's UUID."""

    def __init__(self, cidr: str, external_ids: list[str] | dict[str, str] | None = None):
        self.cidr = _cidr(cidr)
        pairs = external_ids or []
        self.external_ids = dict(pairs) if isinstance(pairs, dict) else parse_options(pairs)

    def run(self, ctx: TxnContext) -> None:
        row = ctx.insert("DHCP_Options", cidr=self.cidr, external_ids=self.external_ids)
        self.result = row.uuid


class DhcpOptionsSetOptionsCommand(Command):
    """`dhcp-options-set-options UUID [KEY=VALUE]...`: replaces the options."""

    def __init__(self, dhcp_options: str, options: list[str] | dict[str, str]) -> None:
        self.dhcp_options = dhcp_options
        self.options = dict(options) if isinstance(options, dict) else parse_options(options)

    def run(self, ctx: TxnContext) -> None:
        lookup.dhcp_options(ctx, self.dhcp_options)["options"] = self.options


class DhcpOptionsDelCommand(Command):
    """`dhcp-options-del UUID`."""

    def __init__(self, dhcp_options: str) -> None:
        self.dhcp_options = dhcp_options

    def run(self, ctx: TxnContext) -> None:
        row = lookup.dhcp_options(ctx, self.dhcp_options)
        for column in ("dhcpv4_options", "dhcpv6_options"):
            for port in ctx.rows("Logical_Switch_Port"):
                if row.uuid in port[column]:
                    port[column] = frozenset()
        row.delete()


class DhcpOptionsListCommand(ReadCommand):
    """`dhcp-options-list`: every DHCP_Options row."""

    def run(self, ctx: TxnContext) -> None:
        self.result = list(ctx.rows("DHCP_Options"))


class DhcpOptionsGetCommand(ReadCommand):
    """`dhcp-options-get-options UUID`: the row."""

    def __init__(self, dhcp_options: str) -> None:
        self.dhcp_options = dhcp_options

    def run(self, ctx: TxnContext) -> None:
        self.result = lookup.dhcp_options(ctx, self.dhcp_options)


def _bindings(ctx: TxnContext, port: str, ip: str) -> list[Row]:
    return [r for r in ctx.find("Static_MAC_Binding", "logical_port", port) if r["ip"] == ip]


class StaticMacBindingAddCommand(Command):
    """`static-mac-binding-add LOGICAL_PORT IP MAC`."""

    def __init__(
        self, port: str, ip: str, mac: str, may_exist: bool = False, override: bool = False
    ) -> None:
        self.port, self.ip = port, str(parse_ip(ip))
        try:
            parse_mac(mac)
        except ValueSyntaxError:
            raise ValueSyntaxError(f"invalid mac address {mac}.") from None
        self.mac, self.may_exist, self.override = mac, may_exist, override

    def run(self, ctx: TxnContext) -> None:
        lookup.lrp(ctx, self.port)
        existing = _bindings(ctx, self.port, self.ip)
        if existing:
            if not self.may_exist:
                raise DuplicateError(
                    f"{self.port}, {self.ip}: a Static_MAC_Binding with this logical_port and ip "
                    "already exists"
                )
            existing[0]["mac"] = self.mac
            return
        row = ctx.insert("Static_MAC_Binding", logical_port=self.port, ip=self.ip, mac=self.mac)
        if self.override:
            row["override_dynamic_mac"] = True
        self.result = row.uuid


class StaticMacBindingDelCommand(Command):
    """`static-mac-binding-del LOGICAL_PORT IP`."""

    def __init__(self, port: str, ip: str, if_exists: bool = False) -> None:
        self.port, self.ip, self.if_exists = port, str(parse_ip(ip)), if_exists

    def run(self, ctx: TxnContext) -> None:
        found = _bindings(ctx, self.port, self.ip)
        if not found and not self.if_exists:
            raise NotFoundError(
                f"no matching Static_MAC_Binding with port {self.port} and ip {self.ip}"
            )
        for row in found:
            row.delete()


class StaticMacBindingListCommand(ReadCommand):
    """`static-mac-binding-list`: by port, then IP."""

    def run(self, ctx: TxnContext) -> None:
        self.result = sorted(
            ctx.rows("Static_MAC_Binding"), key=lambda r: (r["logical_port"], r["ip"])
        )

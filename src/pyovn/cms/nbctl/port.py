"""Logical switch port settings: lsp-set-*/lsp-get-* (addresses, port security,
type, options, enabled, DHCP options)."""

import ipaddress
from typing import Any

from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import DuplicateError, UsageError, ValueSyntaxError
from pyovn.cms.nbctl import lookup
from pyovn.cms.nbctl.addresses import check_lsp_address, check_port_security

__all__ = [
    "LSP_TYPES",
    "LspGetCommand",
    "LspSetAddressesCommand",
    "LspSetDhcpOptionsCommand",
    "LspSetEnabledCommand",
    "LspSetOptionsCommand",
    "LspSetPortSecurityCommand",
    "LspSetTypeCommand",
]

#: Logical_Switch_Port.type values OVN 23.03 knows ("" is a VM's VIF).
LSP_TYPES = (
    "",
    "l2gateway",
    "localnet",
    "localport",
    "router",
    "vtep",
    "external",
    "virtual",
    "remote",
)


def _static_ips(address: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    words = address.split()
    if not words or words[0] in ("unknown", "router", "dynamic"):
        return []
    out = []
    for word in words[1:]:
        if word != "dynamic":
            out.append(ipaddress.ip_interface(word).ip)
    return out


def _check_duplicate_ips(ctx: TxnContext, port: Row, addresses: list[str]) -> None:
    """ovn-nbctl refuses an IP another port of the same switch already has."""
    switch = lookup.lsp_switch(ctx, port)
    mine = {ip for address in addresses for ip in _static_ips(address)}
    if not mine:
        return
    for uuid in sorted(switch["ports"]):
        other = ctx.get("Logical_Switch_Port", uuid)
        if other is None or other.uuid == port.uuid:
            continue
        for address in sorted(other["addresses"]):
            try:
                theirs = _static_ips(address)
            except ValueError:
                continue
            for ip in theirs:
                if ip in mine:
                    family = "IPv4" if ip.version == 4 else "IPv6"
                    raise DuplicateError(
                        f"Error on switch {switch.name}: duplicate {family} address '{ip}' found "
                        f"on logical switch port '{other.name}'"
                    )


class LspSetAddressesCommand(Command):
    """`lsp-set-addresses PORT [ADDRESS]...`: MAC [IP...], unknown, router, dynamic."""

    def __init__(self, port: str, addresses: list[str]) -> None:
        self.port, self.addresses = port, list(addresses)
        for address in self.addresses:
            check_lsp_address(address)

    def run(self, ctx: TxnContext) -> None:
        port = lookup.lsp(ctx, self.port)
        _check_duplicate_ips(ctx, port, self.addresses)
        port["addresses"] = frozenset(self.addresses)


class LspSetPortSecurityCommand(Command):
    """`lsp-set-port-security PORT [ADDRS]...`: MAC [IP[/PLEN]...] per entry."""

    def __init__(self, port: str, addresses: list[str]) -> None:
        self.port, self.addresses = port, list(addresses)
        for address in self.addresses:
            check_port_security(address)

    def run(self, ctx: TxnContext) -> None:
        lookup.lsp(ctx, self.port)["port_security"] = frozenset(self.addresses)


class LspSetTypeCommand(Command):
    """`lsp-set-type PORT TYPE`."""

    def __init__(self, port: str, type: str) -> None:
        if type not in LSP_TYPES:
            raise ValueSyntaxError(
                f"Logical switch port type '{type}' is unrecognized. Not setting type."
            )
        self.port, self.type = port, type

    def run(self, ctx: TxnContext) -> None:
        lookup.lsp(ctx, self.port)["type"] = self.type


def parse_options(pairs: list[str]) -> dict[str, str]:
    """KEY=VALUE arguments (ovn-nbctl ignores those without `=`)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if eq:
            out[key] = value
    return out


class LspSetOptionsCommand(Command):
    """`lsp-set-options PORT [KEY=VALUE]...`: replaces all options."""

    def __init__(self, port: str, options: list[str] | dict[str, str]) -> None:
        self.port = port
        self.options = dict(options) if isinstance(options, dict) else parse_options(options)

    def run(self, ctx: TxnContext) -> None:
        lookup.lsp(ctx, self.port)["options"] = self.options


class LspSetEnabledCommand(Command):
    """`lsp-set-enabled PORT enabled|disabled`."""

    def __init__(self, port: str, state: str) -> None:
        if state not in ("enabled", "disabled"):
            raise ValueSyntaxError(f'{state}: state must be "enabled" or "disabled"')
        self.port, self.state = port, state

    def run(self, ctx: TxnContext) -> None:
        lookup.lsp(ctx, self.port)["enabled"] = frozenset((self.state == "enabled",))


class LspSetDhcpOptionsCommand(Command):
    """`lsp-set-dhcpv4-options PORT [UUID]` (or dhcpv6): no UUID clears it."""

    def __init__(self, port: str, dhcp_options: str | None, column: str = "dhcpv4_options"):
        if column not in ("dhcpv4_options", "dhcpv6_options"):
            raise UsageError(f"unknown DHCP options column {column}")
        self.port, self.dhcp_options, self.column = port, dhcp_options, column

    def run(self, ctx: TxnContext) -> None:
        port = lookup.lsp(ctx, self.port)
        if self.dhcp_options is None:
            port[self.column] = frozenset()
            return
        port[self.column] = frozenset((lookup.dhcp_options(ctx, self.dhcp_options).uuid,))


class LspGetCommand(ReadCommand):
    """`lsp-get-*`: the port row (and, for `ls`, `dhcpv4_options`, the related row)."""

    def __init__(self, port: str, what: str = "") -> None:
        self.port, self.what = port, what

    def run(self, ctx: TxnContext) -> None:
        port = lookup.lsp(ctx, self.port)
        related: Any = None
        if self.what == "ls":
            related = lookup.lsp_switch(ctx, port)
        elif self.what in ("dhcpv4_options", "dhcpv6_options"):
            for uuid in port[self.what]:
                related = ctx.get("DHCP_Options", uuid)
        self.result = (port, related)

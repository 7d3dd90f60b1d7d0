"""Load balancers: lb-add, lb-del, ls-lb-add, ls-lb-del, lr-lb-add, lr-lb-del.

VIPs and backends are normalized as ovn-nbctl stores them: `IP` or
`IP:PORT` for IPv4, `IP` or `[IP]:PORT` for IPv6, backends joined by
commas. A VIP with a port gets protocol tcp unless told otherwise.
"""

import ipaddress

from pyovn.cms.api.command import Command
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import DuplicateError, NotFoundError, UsageError, ValueSyntaxError
from pyovn.cms.nbctl import lookup

__all__ = [
    "LbAddCommand",
    "LbDelCommand",
    "LrLbAddCommand",
    "LrLbDelCommand",
    "LsLbAddCommand",
    "LsLbDelCommand",
]

PROTOCOLS = ("tcp", "udp", "sctp")
_NOT_ENDPOINT = (
    "should be an IP address (or an IP address and a port number with : as a separator)."
)
Endpoint = tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int | None]


def parse_endpoint(text: str) -> Endpoint:
    """`IP`, `IP:PORT` or `[IPv6]:PORT` (ValueSyntaxError when it is none of them)."""
    host, port_text = text, None
    if text.startswith("["):
        close = text.find("]")
        if close < 0 or text[close + 1 : close + 2] not in ("", ":"):
            raise ValueSyntaxError(f"{text}: {_NOT_ENDPOINT}")
        host, rest = text[1:close], text[close + 1 :]
        port_text = rest[1:] if rest else None
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueSyntaxError(f"{text}: {_NOT_ENDPOINT}") from None
    port = None
    if port_text is not None:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueSyntaxError(f"{text}: invalid port number {port_text!r}.")
        port = int(port_text)
    return address, port


def format_endpoint(endpoint: Endpoint) -> str:
    address, port = endpoint
    if port is None:
        return str(address)
    return f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"


def _find_lbs(ctx: TxnContext, ident: str) -> list[Row]:
    row = ctx.get("Load_Balancer", ident.lower())
    if row is not None:
        return [row]
    return ctx.find("Load_Balancer", "name", ident)


def _lb(ctx: TxnContext, ident: str) -> Row:
    rows = _find_lbs(ctx, ident)
    if len(rows) > 1:
        raise NotFoundError(f"Multiple load balancers named '{ident}'.  Use a UUID.")
    if not rows:
        raise NotFoundError(f"{ident}: load balancer name not found")
    return rows[0]


class LbAddCommand(Command):
    """`[--may-exist|--add-duplicate|--reject|--event] lb-add LB VIP IPS [PROTOCOL]`."""

    def __init__(
        self,
        name: str,
        vip: str,
        ips: str,
        protocol: str | None = None,
        *,
        may_exist: bool = False,
        add_duplicate: bool = False,
        reject: bool = False,
        event: bool = False,
    ) -> None:
        if may_exist and add_duplicate:
            raise UsageError("--may-exist and --add-duplicate can't be used at the same time")
        if reject and event:
            raise UsageError("--reject and --event can't specified at the same time")
        if protocol is not None and protocol not in PROTOCOLS:
            raise ValueSyntaxError(f'{protocol}: protocol must be one of "tcp", "udp",  or "sctp".')
        address, port = parse_endpoint(vip)
        backends = [parse_endpoint(ip) for ip in ips.split(",") if ip] if ips else []
        for backend in backends:
            if backend[0].version != address.version:
                raise ValueSyntaxError(
                    f"{ips}: IP address family of the backends should match the VIP {vip}."
                )
            if (backend[1] is None) != (port is None):
                spelled = format_endpoint(backend)
                if port is not None:
                    raise ValueSyntaxError(
                        f"{spelled}: should be an IP address and a port number with : as a "
                        "separator."
                    )
                raise ValueSyntaxError(f"{spelled}: should be an IP address.")
        self.name, self.vip = name, format_endpoint((address, port))
        self.ips = ",".join(format_endpoint(b) for b in backends)
        self.protocol = protocol
        self.may_exist, self.add_duplicate = may_exist, add_duplicate
        self.reject, self.event = reject, event

    def run(self, ctx: TxnContext) -> None:
        existing = [] if self.add_duplicate else _find_lbs(ctx, self.name)
        if len(existing) > 1:
            raise NotFoundError(f"Multiple load balancers named '{self.name}'.  Use a UUID.")
        if existing:
            lb = existing[0]
            if self.vip in lb["vips"] and not self.may_exist:
                raise DuplicateError(
                    f"{self.name}: a load balancer with this vip ({self.vip}) already exists"
                )
            if self.protocol is not None:
                lb["protocol"] = frozenset((self.protocol,))
        else:
            lb = ctx.insert(
                "Load_Balancer", name=self.name, protocol=frozenset((self.protocol or "tcp",))
            )
        lb.setkey("vips", self.vip, self.ips)
        if self.reject:
            lb.setkey("options", "reject", "true")
        if self.event:
            lb.setkey("options", "event", "true")
        self.result = lb.uuid


class LbDelCommand(Command):
    """`[--if-exists] lb-del LB [VIP]`."""

    def __init__(self, name: str, vip: str | None = None, *, if_exists: bool = False) -> None:
        self.name, self.if_exists = name, if_exists
        self.vip = format_endpoint(parse_endpoint(vip)) if vip is not None else None

    def run(self, ctx: TxnContext) -> None:
        rows = _find_lbs(ctx, self.name)
        if not rows:
            if self.if_exists:
                return
            raise NotFoundError(f"{self.name}: load balancer name not found")
        if len(rows) > 1:
            raise NotFoundError(f"Multiple load balancers named '{self.name}'.  Use a UUID.")
        lb = rows[0]
        if self.vip is None:
            for table in ("Logical_Switch", "Logical_Router"):
                for owner in ctx.rows(table):
                    owner.discard("load_balancer", lb.uuid)
            lb.delete()
            return
        if self.vip not in lb["vips"]:
            if self.if_exists:
                return
            raise NotFoundError(f"vip {self.vip} is not part of the load balancer.")
        lb.delkey("vips", self.vip)


class _AttachCommand(Command):
    table = ""
    what = ""

    def __init__(self, owner: str, lb: str, *, may_exist: bool = False) -> None:
        self.owner, self.lb, self.may_exist = owner, lb, may_exist

    def _owner(self, ctx: TxnContext) -> Row:
        return (
            lookup.ls(ctx, self.owner)
            if self.table == "Logical_Switch"
            else lookup.lr(ctx, self.owner)
        )

    def run(self, ctx: TxnContext) -> None:
        owner, lb = self._owner(ctx), _lb(ctx, self.lb)
        if lb.uuid in owner["load_balancer"]:
            if self.may_exist:
                return
            raise DuplicateError(f"{lb.uuid} : a load balancer with this UUID already exists")
        owner.add("load_balancer", lb.uuid)


class _DetachCommand(Command):
    table = ""

    def __init__(self, owner: str, lb: str | None = None, *, if_exists: bool = False) -> None:
        self.owner, self.lb, self.if_exists = owner, lb, if_exists

    def run(self, ctx: TxnContext) -> None:
        owner = (
            lookup.ls(ctx, self.owner)
            if self.table == "Logical_Switch"
            else lookup.lr(ctx, self.owner)
        )
        if self.lb is None:
            owner.discard("load_balancer", *owner["load_balancer"])
            return
        rows = _find_lbs(ctx, self.lb)
        lb = next((r for r in rows if r.uuid in owner["load_balancer"]), None)
        if lb is None:
            if self.if_exists:
                return
            raise NotFoundError(
                f"load balancer {self.lb} is not part of any logical switch or router."
            )
        owner.discard("load_balancer", lb.uuid)


class LsLbAddCommand(_AttachCommand):
    """`[--may-exist] ls-lb-add SWITCH LB`."""

    table, what = "Logical_Switch", "switch"


class LrLbAddCommand(_AttachCommand):
    """`[--may-exist] lr-lb-add ROUTER LB`."""

    table, what = "Logical_Router", "router"


class LsLbDelCommand(_DetachCommand):
    """`[--if-exists] ls-lb-del SWITCH [LB]`."""

    table = "Logical_Switch"


class LrLbDelCommand(_DetachCommand):
    """`[--if-exists] lr-lb-del ROUTER [LB]`."""

    table = "Logical_Router"

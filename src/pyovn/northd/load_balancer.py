"""NB Load_Balancer rows as typed values, the LBs a datapath uses, VIP matches.

A load balancer maps virtual IPs (optionally with an L4 port) to backends.
Switches and routers reference load balancers directly and through
Load_Balancer_Group rows; `datapath_lbs` gathers both, by NB UUID.
"""

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyovn.northd.model import Diagnostics

__all__ = [
    "Backend",
    "LoadBalancer",
    "Vip",
    "datapath_lb_rows",
    "read_load_balancer",
    "vip_match",
]

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Backend:
    ip: str
    port: int | None = None

    def __str__(self) -> str:
        return self.ip if self.port is None else f"{self.ip}:{self.port}"


@dataclass(frozen=True, slots=True)
class Vip:
    """One VIP of a load balancer (IPv4 only); it may have no backends."""

    ip: str
    port: int | None
    protocol: str  # tcp | udp | sctp, meaningful only with a port
    backends: tuple[Backend, ...]
    key: str  # the NB vips key, as written
    value: str  # the NB vips value, as written

    @property
    def backends_text(self) -> str:
        return ",".join(str(b) for b in self.backends)

    def lb_action(
        self, reject: bool, reject_table: int, prefix: str = "", skip_snat: bool = False
    ) -> str:
        """Pick a backend (marking the connection skip_snat if asked);
        without backends, drop or (option reject) refuse the connection,
        continuing in egress table `reject_table`."""
        if self.backends and skip_snat:
            return (
                f"{prefix}flags.skip_snat_for_lb = 1; "
                f"ct_lb_mark(backends={self.backends_text}; skip_snat);"
            )
        if self.backends:
            return f"{prefix}ct_lb_mark(backends={self.backends_text});"
        if reject:
            return (
                "reg0 = 0; reject { outport <-> inport; "
                f"next(pipeline=egress,table={reject_table});}};"
            )
        return "drop;"


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    uuid: str
    name: str
    protocol: str
    vips: tuple[Vip, ...]  # the usable IPv4 VIPs
    options: tuple[tuple[str, str], ...] = ()
    raw_vips: tuple[tuple[str, str], ...] = ()  # every NB vips entry, as written
    raw_protocol: str | None = None  # the NB column (flows default to tcp)

    def option(self, key: str, default: str | None = None) -> str | None:
        return dict(self.options).get(key, default)

    @property
    def reject(self) -> bool:
        return self.option("reject") == "true"

    @property
    def skip_snat(self) -> bool:
        return self.option("skip_snat") == "true"


def _endpoint(text: str) -> tuple[str, int | None] | None:
    """'10.0.0.1' or '10.0.0.1:80' as (ip, port); None if not IPv4."""
    ip, colon, port = text.strip().partition(":")
    try:
        ipaddress.IPv4Address(ip)
        number = int(port) if colon else None
    except ValueError:
        return None
    if number is not None and not 0 < number < 65536:
        return None
    return str(ipaddress.IPv4Address(ip)), number


def read_load_balancer(uuid: str, row: Row, diag: "Diagnostics") -> LoadBalancer:
    raw_protocol = next(iter(row["protocol"]), None)
    protocol = raw_protocol or "tcp"
    vips: list[Vip] = []
    for key, value in sorted(row["vips"].items()):
        vip = _endpoint(key)
        if vip is None:
            diag.report(
                f"lb-vip-{uuid}-{key}",
                f"load balancer {row['name']}: VIP {key} skipped (IPv4 VIPs only)",
            )
            continue
        backends = [_endpoint(b) for b in value.split(",") if b.strip()]
        good = tuple(Backend(ip, port) for ip, port in (b for b in backends if b is not None))
        if value.strip() and (
            not good
            or len(good) != len(backends)
            or any((b.port is None) != (vip[1] is None) for b in good)
        ):
            diag.report(
                f"lb-backends-{uuid}-{key}",
                f"load balancer {row['name']}: VIP {key} has unusable backends {value!r}; skipped",
            )
            continue
        vips.append(Vip(vip[0], vip[1], protocol, good, key, value))
    return LoadBalancer(
        uuid,
        row["name"],
        protocol,
        tuple(vips),
        tuple(sorted(row["options"].items())),
        tuple(sorted(row["vips"].items())),
        raw_protocol,
    )


def datapath_lb_rows(row: Row, nb: Mapping[str, Mapping[str, Row]]) -> list[str]:
    """UUIDs of the load balancers a switch or router row uses, sorted."""
    lbs = set(row.get("load_balancer", ()))
    groups = nb.get("Load_Balancer_Group", {})
    for group in row.get("load_balancer_group", ()):
        if group in groups:
            lbs |= set(groups[group]["load_balancer"])
    rows = nb.get("Load_Balancer", {})
    return sorted(lb for lb in lbs if lb in rows)


def vip_match(vip: Vip, router: bool = False) -> str:
    """ip4.dst == VIP, with the L4 protocol and port when the VIP has one."""
    if router:
        head = f"ip4 && ip4.dst == {vip.ip}"
        return (
            head
            if vip.port is None
            else f"{head} && {vip.protocol} && {vip.protocol}.dst == {vip.port}"
        )
    head = f"ip4.dst == {vip.ip}"
    return head if vip.port is None else f"{head} && {vip.protocol}.dst == {vip.port}"

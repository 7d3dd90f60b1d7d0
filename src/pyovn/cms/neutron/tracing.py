"""The page's packet trace: a microflow built from a simple form (from this
VM port to that address, with this protocol), traced with pyovn's tracer on
the SB the server monitors, and the path it took (datapaths and ports, in
order) for the drawing to highlight."""

import asyncio
import ipaddress
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pyovn.cms.neutron.errors import BadRequest, NotFound, ServiceUnavailable
from pyovn.trace import (
    NodeKind,
    SouthboundSnapshot,
    Trace,
    TraceError,
    TraceOptions,
    parse_ct_states,
    render,
    trace,
)

__all__ = ["TraceRequest", "build_microflow", "path_of", "run_trace"]

_PIPELINE = re.compile(r'^(ingress|egress)\(dp="([^"]*)", inport="([^"]*)"(?:, outport="([^"]*)")?')

Tables = Mapping[str, Mapping[str, Mapping[str, Any]]]


class TraceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    port: str = Field(max_length=255)
    dst_ip: str = Field("", max_length=64)
    protocol: Literal["icmp", "tcp", "udp"] = "icmp"
    dst_port: int = Field(80, ge=1, le=65535)
    #: A whole microflow instead (ovn-trace syntax); the form's fields are then unused.
    microflow: str = Field("", max_length=2000)


def _find(rows: Mapping[str, Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    return next((r for r in rows.values() if r["name"] == name), None)


def _mac_ips(port: Mapping[str, Any]) -> tuple[str, list[str]]:
    for entry in sorted(port["addresses"]):
        words = entry.split()
        if words and words[0] not in ("router", "unknown", "dynamic") and len(words) > 1:
            return words[0], words[1:]
    raise BadRequest(f"port {port['name']} has no MAC and IP address to send from")


def _next_hop_mac(nb: Tables, port: Mapping[str, Any], src: str, dst: str) -> str:
    """The destination MAC a VM would use: the peer's on its switch, else its router's."""
    switch = next(s for s in nb["Logical_Switch"].values() if port["_uuid"] in s["ports"])
    lsps = [nb["Logical_Switch_Port"][u] for u in switch["ports"]]
    for peer in lsps:
        for entry in peer["addresses"]:
            words = entry.split()
            if dst in words[1:]:
                return str(words[0])
    source = ipaddress.ip_address(src)
    for peer in lsps:
        lrp = _find(nb["Logical_Router_Port"], peer["options"].get("router-port", ""))
        if lrp is None:
            continue
        for network in lrp["networks"]:
            if source in ipaddress.ip_interface(network).network:
                return str(lrp["mac"])
    raise BadRequest(f"{dst} is not on the port's switch and no router serves the port")


def build_microflow(nb: Tables, request: TraceRequest) -> str:
    if request.microflow:
        return request.microflow
    rows = {u: {**r, "_uuid": u} for u, r in nb["Logical_Switch_Port"].items()}
    port = _find(rows, request.port)
    if port is None:
        raise NotFound(f"port {request.port} not found", "PortNotFound")
    try:
        dst = str(ipaddress.IPv4Address(request.dst_ip))
    except ValueError:
        raise BadRequest(f"'{request.dst_ip}' is not an IPv4 address") from None
    mac, ips = _mac_ips(port)
    src = next((ip for ip in ips if "." in ip), None)
    if src is None:
        raise BadRequest(f"port {request.port} has no IPv4 address")
    tables = {**nb, "Logical_Switch_Port": rows}
    dst_mac = _next_hop_mac(tables, port, src, dst)
    head = (
        f'inport == "{port["name"]}" && eth.src == {mac} && eth.dst == {dst_mac} && '
        f"ip4.src == {src} && ip4.dst == {dst} && ip.ttl == 64"
    )
    if request.protocol == "icmp":
        return f"{head} && icmp4.type == 8 && icmp4.code == 0"
    proto = request.protocol
    return f"{head} && {proto} && {proto}.src == 40000 && {proto}.dst == {request.dst_port}"


def path_of(result: Trace) -> list[dict[str, str | None]]:
    """The pipelines the packet went through, in order: datapath, in and out port."""
    hops: list[dict[str, str | None]] = []
    for node in result.walk():
        if node.kind is not NodeKind.PIPELINE:
            continue
        found = _PIPELINE.match(node.text)
        if found:
            kind, datapath, inport, outport = found.groups()
            hops.append(
                {"pipeline": kind, "datapath": datapath, "inport": inport, "outport": outport}
            )
    return hops


async def run_trace(sb: Tables, microflow: str) -> dict[str, Any]:
    """Trace on a snapshot of `sb` (taken now) in a worker thread."""
    snapshot = SouthboundSnapshot.from_tables(sb)
    options = TraceOptions(ct_states=parse_ct_states(["new"]), friendly_names=False)

    def work() -> Trace:
        return trace(snapshot, None, microflow, options=options)

    try:
        result = await asyncio.to_thread(work)
    except TraceError as exc:
        raise BadRequest(f"cannot trace: {exc}", "TraceError") from exc
    except RecursionError as exc:
        raise ServiceUnavailable("the trace went too deep") from exc
    return {
        "microflow": microflow,
        "verdict": result.verdict,
        "hops": path_of(result),
        "outputs": [d.to_json() for d in result.deliveries],
        "text": render(result, "minimal"),
    }

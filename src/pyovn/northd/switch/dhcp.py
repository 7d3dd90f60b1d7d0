"""DHCPv4 for ports with dhcpv4_options.

ls_in_dhcp_options (20): a DISCOVER (from 0.0.0.0) or a REQUEST/renewal
(from the port's own address, to the server or broadcast) from the port's
MAC becomes a DHCP reply via `put_dhcp_opts(offerip = IP, options...)`, the
port's first IPv4 address inside the options' CIDR (100).
ls_in_dhcp_response (21): such replies go back out the inport from the
server MAC/IP (100). ls_out_acl (34000): the replies are always allowed to
the port, whatever the ACLs say.
"""

import ipaddress
from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.model import DhcpOptions, SwitchPort
from pyovn.northd.stages import LS_IN_DHCP_OPTIONS, LS_IN_DHCP_RESPONSE, LS_OUT_ACL
from pyovn.northd.views import SwitchView

__all__ = ["dhcp_flows"]

_REQUIRED = ("server_id", "server_mac", "lease_time")


def _offer(port: SwitchPort, opts: DhcpOptions) -> tuple[str, str] | None:
    """(MAC, IP) of the port's first address inside the DHCP CIDR."""
    try:
        net = ipaddress.IPv4Network(opts.cidr, strict=False)
    except ValueError:
        return None
    for entry in port.addresses:
        for ip in entry.ipv4:
            if ip.addr in net:
                return entry.mac, str(ip.addr)
    return None


def _put_dhcp_opts(ip: str, opts: DhcpOptions) -> str:
    values = dict(opts.options)
    values.pop("server_mac", None)
    if "netmask" not in values:
        values["netmask"] = str(ipaddress.IPv4Network(opts.cidr, strict=False).netmask)
    args = ", ".join(f"{k} = {values[k]}" for k in sorted(values))
    return f"reg0[3] = put_dhcp_opts(offerip = {ip}, {args}); next;"


@builder
def dhcp_flows(view: SwitchView) -> Iterator[Lflow]:
    """ls_in_dhcp_options / ls_in_dhcp_response / the ls_out_acl reply allowance."""
    dp = view.uuid
    for port in view.ports:
        opts = port.dhcpv4
        if opts is None or any(opts.get(k) is None for k in _REQUIRED):
            continue
        server_ip, server_mac = opts.get("server_id"), opts.get("server_mac")
        hint, name = opts.uuid, port.name
        commit = "ct_commit; next;" if view.is_stateful else "next;"
        yield Lflow(
            dp,
            LS_OUT_ACL,
            34000,
            f"{text.outport(name)} && eth.src == {server_mac} && ip4.src == {server_ip} "
            "&& udp && udp.src == 67 && udp.dst == 68",
            commit,
            hint=hint,
            io_port=name,
        )
        offer = _offer(port, opts)
        if offer is None:
            continue
        mac, ip = offer
        action = _put_dhcp_opts(ip, opts)
        head = f"{text.inport(name)} && eth.src == {mac}"
        tail = "udp.src == 68 && udp.dst == 67"
        yield Lflow(
            dp,
            LS_IN_DHCP_OPTIONS,
            100,
            f"{head} && ip4.src == 0.0.0.0 && ip4.dst == 255.255.255.255 && {tail}",
            action,
            hint=hint,
            io_port=name,
        )
        yield Lflow(
            dp,
            LS_IN_DHCP_OPTIONS,
            100,
            f"{head} && ip4.src == {ip} && ip4.dst == {{{server_ip}, 255.255.255.255}} && {tail}",
            action,
            hint=hint,
            io_port=name,
        )
        yield Lflow(
            dp,
            LS_IN_DHCP_RESPONSE,
            100,
            f"{head} && ip4 && {tail} && reg0[3]",
            f"eth.dst = eth.src; eth.src = {server_mac}; ip4.src = {server_ip}; udp.src = 67; "
            "udp.dst = 68; outport = inport; flags.loopback = 1; output;",
            hint=hint,
            io_port=name,
        )
    yield Lflow(dp, LS_IN_DHCP_OPTIONS, 0, "1", "next;")
    yield Lflow(dp, LS_IN_DHCP_RESPONSE, 0, "1", "next;")

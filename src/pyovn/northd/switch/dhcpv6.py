"""DHCPv6 for ports with dhcpv6_options.

ls_in_dhcp_options (20): a DHCPv6 request from the port's MAC to the
All_DHCP_Relay_Agents_and_Servers group becomes a reply via
`put_dhcpv6_opts(...)`: `ia_addr` is the port's first IPv6 address inside
the options' CIDR, left out for stateless service (`dhcpv6_stateless`), which
answers with options only (100). ls_in_dhcp_response (21): the reply goes
back out the inport from the server MAC and its link-local address (100).
ls_out_acl (34000): the replies are always allowed to the port. The default
(priority 0) flows of both stages come with DHCPv4 (`dhcp.py`).
"""

import ipaddress
from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.addresses import ipv6_lla, parse_mac
from pyovn.northd.errors import AddressError
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.model import DhcpOptions, SwitchPort
from pyovn.northd.stages import LS_IN_DHCP_OPTIONS, LS_IN_DHCP_RESPONSE, LS_OUT_ACL
from pyovn.northd.views import SwitchView

__all__ = ["dhcpv6_flows"]

#: DHCPv6 clients send to All_DHCP_Relay_Agents_and_Servers (RFC 8415).
_TO_SERVERS = "ip6.dst == ff02::1:2 && udp.src == 546 && udp.dst == 547"


def _server_mac(opts: DhcpOptions) -> str | None:
    value = opts.get("server_id")
    if value is None:
        return None
    try:
        return parse_mac(value)
    except AddressError:
        return None


def _lease(port: SwitchPort, opts: DhcpOptions) -> tuple[str, str] | None:
    """(MAC, IPv6 address) of the port's first address inside the options' CIDR."""
    try:
        net = ipaddress.IPv6Network(opts.cidr, strict=False)
    except ValueError:
        return None
    for entry in port.addresses:
        for ip in entry.ipv6:
            if ip.addr in net:
                return entry.mac, str(ip.addr)
    return None


def _put_dhcpv6_opts(ip: str, opts: DhcpOptions) -> str:
    values = dict(opts.options)
    stateless = values.pop("dhcpv6_stateless", "false") == "true"
    args = [f"{k} = {values[k]}" for k in sorted(values)]
    if not stateless:
        args.insert(0, f"ia_addr = {ip}")
    return f"reg0[3] = put_dhcpv6_opts({', '.join(args)}); next;"


@builder
def dhcpv6_flows(view: SwitchView) -> Iterator[Lflow]:
    """ls_in_dhcp_options / ls_in_dhcp_response / the ls_out_acl reply allowance for DHCPv6."""
    dp = view.uuid
    for port in view.ports:
        opts = port.dhcpv6
        server_mac = None if opts is None else _server_mac(opts)
        if opts is None or server_mac is None:
            continue
        server_ip = ipv6_lla(server_mac)
        hint, name = opts.uuid, port.name
        yield Lflow(
            dp,
            LS_OUT_ACL,
            34000,
            f"{text.outport(name)} && eth.src == {server_mac} && ip6.src == {server_ip} "
            "&& udp && udp.src == 547 && udp.dst == 546",
            "ct_commit; next;" if view.is_stateful else "next;",
            hint=hint,
            io_port=name,
        )
        lease = _lease(port, opts)
        if lease is None:
            continue
        mac, ip = lease
        match = f"{text.inport(name)} && eth.src == {mac} && {_TO_SERVERS}"
        yield Lflow(
            dp, LS_IN_DHCP_OPTIONS, 100, match, _put_dhcpv6_opts(ip, opts), hint=hint, io_port=name
        )
        yield Lflow(
            dp,
            LS_IN_DHCP_RESPONSE,
            100,
            f"{match} && reg0[3]",
            f"eth.dst = eth.src; eth.src = {server_mac}; ip6.dst = ip6.src; "
            f"ip6.src = {server_ip}; udp.src = 547; udp.dst = 546; outport = inport; "
            "flags.loopback = 1; output;",
            hint=hint,
            io_port=name,
        )

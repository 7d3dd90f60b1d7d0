"""IPv6 router advertisements in answer to router solicitations.

For each router port whose ipv6_ra_configs name a valid address_mode (slaac,
dhcpv6_stateful, dhcpv6_stateless) and which has global IPv6 networks:
lr_in_nd_ra_options (10): a solicitation to all-routers on that port gets
its RA options filled in by put_nd_ra_opts (50): the mode, the port's MAC,
the MTU, a HIGH or LOW router preference, RDNSS, DNSSL, route information,
then each of the port's prefixes.
lr_in_nd_ra_response (11): the advertisement goes back out the port from
its MAC and link-local address (50). Both stages pass anything else (0).
With send_periodic=true, the port's Port_Binding options also carry the RA
settings so that ovn-controller advertises unsolicited.
"""

from collections.abc import Iterator

from pyovn.northd import text
from pyovn.northd.flow import Lflow, builder
from pyovn.northd.model import RouterPort
from pyovn.northd.stages import LR_IN_ND_RA_OPTIONS, LR_IN_ND_RA_RESPONSE
from pyovn.northd.views import RouterView

__all__ = ["nd_ra_flows", "periodic_ra_options", "ra_options"]

ADDRESS_MODES = ("slaac", "dhcpv6_stateful", "dhcpv6_stateless")


def ra_options(port: RouterPort) -> str | None:
    """The put_nd_ra_opts arguments for a port, or None if it sends no RAs."""
    configs = dict(port.ipv6_ra_configs)
    mode = configs.get("address_mode")
    prefixes = port.networks.global6
    if mode not in ADDRESS_MODES or not prefixes:
        return None
    opts = [f'addr_mode = "{mode}"', f"slla = {port.networks.mac}"]
    mtu = configs.get("mtu", "")
    if mtu.isdigit() and int(mtu) > 0:
        opts.append(f"mtu = {mtu}")
    preference = configs.get("router_preference")
    if preference in ("HIGH", "LOW"):
        opts.append(f'router_preference = "{preference}"')
    if "rdnss" in configs:
        opts.append(f"rdnss = {configs['rdnss']}")
    if "dnssl" in configs:
        opts.append(f'dnssl = "{configs["dnssl"]}"')
    if "route_info" in configs:
        opts.append(f'route_info = "{configs["route_info"]}"')
    opts += [f"prefix = {net.network_str}" for net in prefixes]
    return ", ".join(opts)


@builder
def nd_ra_flows(view: RouterView) -> Iterator[Lflow]:
    """lr_in_nd_ra_options / lr_in_nd_ra_response."""
    dp = view.uuid
    for port in view.ports:
        if port.peer_switch_port is None and port.peer_router_port is None:
            continue
        opts = ra_options(port)
        if opts is None:
            continue
        to_routers = f"{text.inport(port.name)} && ip6.dst == ff02::2"
        yield Lflow(
            dp,
            LR_IN_ND_RA_OPTIONS,
            50,
            f"{to_routers} && nd_rs",
            f"reg0[5] = put_nd_ra_opts({opts}); next;",
            hint=port.uuid,
        )
        yield Lflow(
            dp,
            LR_IN_ND_RA_RESPONSE,
            50,
            f"{to_routers} && nd_ra && reg0[5]",
            f"eth.dst = eth.src; eth.src = {port.mac}; ip6.dst = ip6.src; "
            f"ip6.src = {port.networks.lla}; outport = inport; flags.loopback = 1; output;",
            hint=port.uuid,
        )


def _int_option(configs: dict[str, str], key: str, default: int) -> int:
    value = configs.get(key, "")
    return int(value) if value.isdigit() else default


def periodic_ra_options(port: RouterPort) -> tuple[tuple[str, str], ...]:
    """Port_Binding options telling ovn-controller to send RAs periodically.

    Intervals follow RFC 4861's bounds: the maximum within 4..1800 s (600 by
    default), the minimum within 3 s..3/4 of the maximum (a third by default).
    """
    configs = dict(port.ipv6_ra_configs)
    if configs.get("send_periodic") != "true" or ra_options(port) is None:
        return ()
    max_interval = min(max(_int_option(configs, "max_interval", 600), 4), 1800)
    min_interval = _int_option(configs, "min_interval", max_interval // 3)
    min_interval = min(max(min_interval, 3), max_interval * 3 // 4)
    preference = configs.get("router_preference")
    options = {
        "ipv6_ra_address_mode": configs["address_mode"],
        "ipv6_ra_max_interval": str(max_interval),
        "ipv6_ra_min_interval": str(min_interval),
        "ipv6_ra_prefixes": " ".join(n.network_str for n in port.networks.global6),
        "ipv6_ra_prf": preference if preference in ("HIGH", "LOW") else "MEDIUM",
        "ipv6_ra_send_periodic": "true",
        "ipv6_ra_src_addr": str(port.networks.lla),
        "ipv6_ra_src_eth": port.mac,
    }
    mtu = configs.get("mtu", "")
    if mtu.isdigit() and int(mtu) > 0:
        options["ipv6_ra_mtu"] = mtu
    for key in ("rdnss", "dnssl", "route_info"):
        if key in configs:
            options[f"ipv6_ra_{key}"] = configs[key]
    return tuple(options.items())

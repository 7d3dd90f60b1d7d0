"""The incremental engine gives the same Southbound as a full recompute.

One pyovn northd runs from an empty NB through the seed topology and then a
long list of mutations of every kind of NB object (ports, addresses, port
security, enablement, port groups, ACLs, DHCP, NAT, routes, gateway chassis,
routers, switches, address sets, load balancers and their groups), processing
each change incrementally. At checkpoints a fresh northd with
`--full-recompute` compiles the same NB into an empty SB, and both SBs must
hold the same logical flows and bindings. At the end the real ovn-northd
compiles the NB too and must agree.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.daemons import needs_real_ovn, start_real_ovsdb
from tests.helpers.ovn import (
    TOPOLOGIES,
    OvnDatabases,
    load_topology,
    log_has_traceback,
    nbctl,
)
from tests.helpers.sbcompare import compare_sbs, normalized_lflows

pytestmark = [needs_real_ovn, pytest.mark.oracle]

MUTATIONS: list[list[str]] = [
    ["lsp-add", "sw1", "vm5", "--", "lsp-set-addresses", "vm5", "50:54:00:00:01:15 10.0.0.15"],
    ["lsp-set-port-security", "vm5", "50:54:00:00:01:15 10.0.0.15"],
    ["lsp-set-addresses", "vm1", "50:54:00:00:01:11 10.0.0.21"],
    ["lsp-del", "vm2"],
    ["lsp-set-enabled", "vm3", "disabled"],
    ["pg-set-ports", "pg_web", "vm1", "vm4", "vm5"],
    ["CHECKPOINT"],
    [
        "acl-add",
        "pg_web",
        "to-lport",
        "1003",
        "outport == @pg_web && udp.dst == 53",
        "allow-related",
    ],
    ["acl-del", "pg_web", "from-lport", "1001", "inport == @pg_web && ip"],
    ["acl-add", "sw2", "from-lport", "500", "ip4.src == 10.0.1.13", "drop"],
    ["set", "Address_Set", "as_admins", 'addresses="10.0.1.14","10.0.0.21"'],
    ["lr-nat-del", "lr1", "dnat_and_snat", "172.16.0.110"],
    ["lr-nat-add", "lr1", "dnat_and_snat", "172.16.0.120", "10.0.0.15", "vm5", "0a:00:00:00:01:20"],
    ["CHECKPOINT"],
    ["lr-route-del", "lr1", "192.168.50.0/24"],
    ["--ecmp", "lr-route-add", "lr1", "20.0.0.0/8", "172.16.0.250"],
    ["--ecmp", "lr-route-add", "lr1", "20.0.0.0/8", "172.16.0.251"],
    ["lrp-set-gateway-chassis", "lr1-ext", "hv2", "30"],
    ["lr-add", "lr2"],
    ["lrp-add", "lr2", "lr2-ext", "00:00:00:00:ee:01", "172.16.0.2/24"],
    ["lrp-set-gateway-chassis", "lr2-ext", "hv1", "10"],
    [
        "lsp-add",
        "ext",
        "ext-lr2",
        "--",
        "lsp-set-type",
        "ext-lr2",
        "router",
        "--",
        "lsp-set-addresses",
        "ext-lr2",
        "router",
        "--",
        "lsp-set-options",
        "ext-lr2",
        "router-port=lr2-ext",
    ],
    ["lr-nat-add", "lr2", "snat", "172.16.0.2", "192.168.0.0/16"],
    # IPv6: a dual-stack router port, a VM address on it, IPv6 static routes, RAs.
    ["set", "Logical_Router_Port", "lr1-sw1", 'networks="10.0.0.1/24","fd00::1/64"'],
    ["lsp-set-addresses", "vm1", "50:54:00:00:01:11 10.0.0.21 fd00::21"],
    ["lr-route-add", "lr1", "fd02::/64", "fd00::21"],
    ["lr-route-add", "lr1", "::/0", "fd00::99"],
    [
        "set",
        "Logical_Router_Port",
        "lr1-sw1",
        "ipv6_ra_configs:address_mode=slaac",
        "ipv6_ra_configs:send_periodic=true",
    ],
    ["CHECKPOINT"],
    ["lsp-set-addresses", "vm4", "50:54:00:00:02:14 10.0.1.14", "unknown"],
    ["lsp-set-type", "vm4", "localport"],
    ["ls-add", "sw3"],
    ["lrp-add", "lr2", "lr2-sw3", "00:00:00:00:ee:02", "192.168.3.1/24"],
    [
        "lsp-add",
        "sw3",
        "sw3-lr2",
        "--",
        "lsp-set-type",
        "sw3-lr2",
        "router",
        "--",
        "lsp-set-addresses",
        "sw3-lr2",
        "router",
        "--",
        "lsp-set-options",
        "sw3-lr2",
        "router-port=lr2-sw3",
    ],
    ["lsp-add", "sw3", "vm7", "--", "lsp-set-addresses", "vm7", "50:54:00:00:03:17 192.168.3.17"],
    ["lsp-set-addresses", "vm5", "50:54:00:00:01:15 10.0.0.15 ae70::15"],
    [
        "--id=@d6",
        "create",
        "DHCP_Options",
        'cidr="ae70::/64"',
        'options="server_id"="00:00:00:00:10:02" "dns_server"="ae70::1"',
        "--",
        "set",
        "Logical_Switch_Port",
        "vm5",
        "dhcpv6_options=@d6",
    ],
    ["lb-add", "lb_web", "10.0.0.100:80", "10.0.0.11:8080,10.0.0.12:8080", "tcp"],
    ["ls-lb-add", "sw1", "lb_web"],
    ["lb-add", "lb_dns", "10.0.0.101:53", "10.0.1.13:53", "udp"],
    ["ls-lb-add", "sw1", "lb_dns", "--", "ls-lb-add", "sw2", "lb_dns"],
    ["lb-add", "lb_any", "10.0.0.102", "10.0.1.13,10.0.1.14"],
    ["lr-lb-add", "lr1", "lb_any", "--", "ls-lb-add", "sw2", "lb_any"],
    [
        "--id=@lb",
        "create",
        "Load_Balancer",
        "name=lb_grp",
        'vips:"10.0.1.200:443"="10.0.1.14:8443"',
        "protocol=tcp",
        "--",
        "--id=@g",
        "create",
        "Load_Balancer_Group",
        "name=grp",
        "load_balancer=@lb",
        "--",
        "add",
        "Logical_Switch",
        "sw2",
        "load_balancer_group",
        "@g",
    ],
    ["CHECKPOINT"],
    ["--may-exist", "lb-add", "lb_web", "10.0.0.100:80", "10.0.0.11:8080", "tcp"],
    ["lb-add", "lb_web", "10.0.0.105:443", "10.0.0.12:8443", "tcp"],
    ["ls-lb-del", "sw1", "lb_dns"],
    ["lb-del", "lb_dns"],
    ["lr-lb-add", "lr1", "lb_web"],
    ["set", "Load_Balancer", "lb_any", "options:skip_snat=true"],
    ["clear", "Load_Balancer_Group", "grp", "load_balancer"],
    ["lsp-del", "sw2-lr1"],
    ["lrp-del", "lr1-sw2"],
    ["CHECKPOINT"],
    ["ls-del", "sw2"],
    ["pg-del", "pg_web"],
    ["lr-nat-del", "lr1"],
    ["lrp-del-gateway-chassis", "lr1-ext", "hv1"],
    ["lrp-del-gateway-chassis", "lr1-ext", "hv2"],
    ["lr-del", "lr2"],
    ["CHECKPOINT"],
]


@pytest.fixture
def dbs(tmp_path: Path) -> Iterator[OvnDatabases]:
    databases = OvnDatabases.start(tmp_path, ("sb",))
    yield databases
    databases.stop()


def _full_recompute(dbs: OvnDatabases, tmp: Path, round_: int) -> str:
    """A fresh SB compiled by a --full-recompute northd; returns its remote."""
    name = f"full{round_}"
    dbs.sbs[name] = start_real_ovsdb(tmp, name, "ovn-sb")
    northd = dbs.start_pyovn_northd(name, "--full-recompute")
    dbs.wait_sb_caught_up(name)
    dbs.stop_northd(northd)
    return dbs.sb(name)


def test_incremental_equals_full_recompute(dbs: OvnDatabases, tmp_path: Path) -> None:
    incremental = dbs.start_pyovn_northd("sb")
    load_topology(dbs.nb.remote, TOPOLOGIES / "seed.sh")
    dbs.wait_sb()
    checkpoints = 0
    for mutation in MUTATIONS:
        if mutation == ["CHECKPOINT"]:
            checkpoints += 1
            full = _full_recompute(dbs, tmp_path, checkpoints)
            compare_sbs(dbs.sb("sb"), full)
            continue
        nbctl(dbs.nb.remote, *mutation)
        dbs.wait_sb()
    assert checkpoints == 6
    assert not log_has_traceback(incremental)
    dbs.sbs["real"] = start_real_ovsdb(tmp_path, "real", "ovn-sb")
    dbs.stop_northd(incremental)
    real = dbs.start_real_northd("real")
    dbs.wait_sb_caught_up("real")
    dbs.stop_northd(real)
    assert normalized_lflows(dbs.sb("sb")) == normalized_lflows(dbs.sb("real"))

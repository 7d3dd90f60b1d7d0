"""Start the real OVN 23.03 / OVS 3.1 daemons in a temp dir (test support).

`RealOvn(tmp_path)` runs NB and SB ovsdb-servers and ovn-northd on unix
sockets inside the directory; `start_chassis()` adds an OVS ovsdb-server,
an ovs-vswitchd with dummy netdevs (no root needed) and an ovn-controller
named hv1.  Every daemon has its pidfile in the directory and `stop()`
kills exactly those pids.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

_COUNTERS = re.compile(r"(duration|n_packets|n_bytes|idle_age|hard_age)=[^ ,]*,? ?")
BINARIES = ("ovsdb-server", "ovsdb-tool", "ovn-northd", "ovn-nbctl", "ovn-sbctl")
CHASSIS_BINARIES = ("ovs-vswitchd", "ovs-vsctl", "ovs-ofctl", "ovn-controller")
NB_SCHEMA = Path("/usr/share/ovn/ovn-nb.ovsschema")
SB_SCHEMA = Path("/usr/share/ovn/ovn-sb.ovsschema")
OVS_SCHEMA = Path("/usr/share/openvswitch/vswitch.ovsschema")


def missing_binaries(chassis: bool = False) -> list[str]:
    names = BINARIES + (CHASSIS_BINARIES if chassis else ())
    missing = [name for name in names if shutil.which(name) is None]
    schemas = (NB_SCHEMA, SB_SCHEMA) + ((OVS_SCHEMA,) if chassis else ())
    missing += [str(s) for s in schemas if not s.exists()]
    return missing


def _run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 120) -> str:
    result = subprocess.run(
        argv, capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if result.returncode:
        raise RuntimeError(f"{argv[0]} failed: {result.stderr.strip()}")
    return result.stdout


@dataclass
class RealOvn:
    """A private NB+SB+northd (and optionally a chassis) under `rundir`."""

    rundir: Path
    pids: list[Path] = field(default_factory=list)

    @property
    def nb(self) -> str:
        return f"unix:{self.rundir}/nb.sock"

    @property
    def sb(self) -> str:
        return f"unix:{self.rundir}/sb.sock"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            OVS_RUNDIR=str(self.rundir / "ovs"),
            OVS_LOGDIR=str(self.rundir),
            OVS_DBDIR=str(self.rundir),
            OVN_RUNDIR=str(self.rundir / "ovn"),
        )
        return env

    def _daemon(self, name: str, argv: list[str]) -> None:
        pidfile = self.rundir / f"{name}.pid"
        self.pids.append(pidfile)
        _run(
            [
                *argv,
                f"--pidfile={pidfile}",
                f"--log-file={self.rundir}/{name}.log",
                "--detach",
                "--no-chdir",
                "-vconsole:off",
            ],
            env=self.env(),
        )

    def start(self) -> None:
        (self.rundir / "ovs").mkdir(exist_ok=True)
        (self.rundir / "ovn").mkdir(exist_ok=True)
        for db, schema in (("nb", NB_SCHEMA), ("sb", SB_SCHEMA)):
            _run(["ovsdb-tool", "create", f"{self.rundir}/{db}.db", str(schema)])
            self._daemon(
                db,
                [
                    "ovsdb-server",
                    f"{self.rundir}/{db}.db",
                    f"--remote=punix:{self.rundir}/{db}.sock",
                    f"--unixctl={self.rundir}/{db}.ctl",
                ],
            )
        self._daemon(
            "northd",
            [
                "ovn-northd",
                f"--ovnnb-db={self.nb}",
                f"--ovnsb-db={self.sb}",
                f"--unixctl={self.rundir}/northd.ctl",
            ],
        )
        self.nbctl("init")

    def nbctl(self, *args: str) -> str:
        return _run(["ovn-nbctl", f"--db={self.nb}", "--timeout=60", *args])

    def sbctl(self, *args: str) -> str:
        return _run(["ovn-sbctl", f"--db={self.sb}", "--timeout=60", *args])

    def sync(self) -> None:
        self.nbctl("--wait=sb", "sync")

    def lflow_list(self) -> str:
        self.sync()
        return self.sbctl("lflow-list")

    def sb_rows(self, table: str, *columns: str) -> list[dict[str, object]]:
        text = self.sbctl("--format=json", f"--columns={','.join(columns)}", "list", table)
        data = json.loads(text)
        return [dict(zip(data["headings"], row, strict=True)) for row in data["data"]]

    def start_chassis(self, ports: list[str]) -> None:
        """OVS with dummy netdevs + ovn-controller "hv1", binding `ports`."""
        ovs_db = f"unix:{self.rundir}/ovs.sock"
        _run(["ovsdb-tool", "create", f"{self.rundir}/conf.db", str(OVS_SCHEMA)])
        self._daemon(
            "ovs",
            [
                "ovsdb-server",
                f"{self.rundir}/conf.db",
                f"--remote=punix:{self.rundir}/ovs.sock",
                f"--unixctl={self.rundir}/ovs.ctl",
            ],
        )
        vsctl = ["ovs-vsctl", f"--db={ovs_db}", "--timeout=30"]
        _run([*vsctl, "--no-wait", "init"])
        self._daemon(
            "vswitchd",
            [
                "ovs-vswitchd",
                ovs_db,
                "--enable-dummy=override",
                f"--unixctl={self.rundir}/vswitchd.ctl",
            ],
        )
        _run(
            [
                *vsctl,
                "set",
                "Open_vSwitch",
                ".",
                "external_ids:system-id=hv1",
                "external_ids:hostname=hv1",
                f"external_ids:ovn-remote={self.sb}",
                "external_ids:ovn-encap-type=geneve",
                "external_ids:ovn-encap-ip=127.0.0.1",
                "external_ids:ovn-bridge-datapath-type=dummy",
            ]
        )
        _run(
            [
                *vsctl,
                "add-br",
                "br-int",
                "--",
                "set",
                "Bridge",
                "br-int",
                "datapath_type=dummy",
                "fail-mode=secure",
                "other-config:disable-in-band=true",
            ]
        )
        self._daemon("controller", ["ovn-controller", ovs_db])
        for port in ports:
            _run(
                [
                    *vsctl,
                    "add-port",
                    "br-int",
                    port,
                    "--",
                    "set",
                    "Interface",
                    port,
                    f"external_ids:iface-id={port}",
                ]
            )

    def dump_flows(self, settle: float = 20.0) -> str:
        """br-int flows once ovn-controller has stopped changing them."""
        previous, deadline = "", time.monotonic() + settle
        while time.monotonic() < deadline:
            self.sync()
            text = _run(["ovs-ofctl", "dump-flows", "br-int"], env=self.env())
            flows = "\n".join(
                sorted(
                    line.split(" actions=")[1] + line.split("table=")[1][:40]
                    for line in text.splitlines()
                    if " actions=" in line
                )
            )
            if flows == previous and flows:
                return text
            previous = flows
            time.sleep(0.5)
        return text

    def dump_groups(self) -> str:
        return _run(["ovs-ofctl", "-O", "OpenFlow15", "dump-groups", "br-int"], env=self.env())

    def ofctl(self, *args: str) -> str:
        return _run(["ovs-ofctl", *args], env=self.env())

    def vsctl(self, *args: str) -> str:
        return _run(["ovs-vsctl", f"--db=unix:{self.rundir}/ovs.sock", "--timeout=30", *args])

    def stop(self) -> None:
        for pidfile in reversed(self.pids):
            try:
                pid = int(pidfile.read_text().strip())
            except (OSError, ValueError):
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                os.kill(pid, signal.SIGKILL)


@dataclass
class RichRun:
    """The rich topology on real northd + ovn-controller (chassis hv1)."""

    ovn: RealOvn
    lflows: str
    openflow: str
    groups: str


#: A topology that makes northd use (nearly) every action: DHCPv4/v6, DNS,
#: router advertisements, load balancers (affinity, hash fields, IPv6, empty
#: backends), ACLs with reject/log/meter/labels, QoS (marking, meters,
#: queues), ECMP (also with symmetric replies), policies, NAT, gateway routers
#: and ports, multicast, forwarding groups, BFD, ARP learning restrictions.
RICH_TOPOLOGY: list[list[str]] = [
    ["ls-add", "s1", "--", "set", "Logical_Switch", "s1", "other_config:subnet=10.1.0.0/24",
     "other_config:mcast_snoop=true", "other_config:mcast_querier=true",
     "other_config:mcast_eth_src=00:00:00:00:aa:01", "other_config:mcast_ip4_src=10.1.0.1"],
    ["ls-add", "s2", "--", "set", "Logical_Switch", "s2", "other_config:ipv6_prefix=fd00:2::"],
    ["lsp-add", "s1", "p1", "--", "lsp-set-addresses", "p1", "00:00:00:01:00:01 10.1.0.5 fd00:1::5",
     "--", "lsp-set-port-security", "p1", "00:00:00:01:00:01 10.1.0.5 fd00:1::5"],
    ["lsp-add", "s1", "p2", "--", "lsp-set-addresses", "p2", "00:00:00:01:00:02 10.1.0.6"],
    ["lsp-add", "s1", "lp", "--", "lsp-set-type", "lp", "localport", "--",
     "lsp-set-addresses", "lp", "00:00:00:01:00:09 10.1.0.9"],
    ["lsp-add", "s1", "vip", "--", "lsp-set-type", "vip", "virtual", "--", "lsp-set-options",
     "vip", "virtual-ip=10.1.0.100", "virtual-parents=p1,p2"],
    ["lsp-add", "s1", "ex1", "--", "lsp-set-type", "ex1", "external", "--",
     "lsp-set-addresses", "ex1", "00:00:00:01:00:0e 10.1.0.14"],
    ["lsp-add", "s2", "q1", "--", "lsp-set-addresses", "q1", "00:00:00:02:00:01 dynamic"],
    ["lsp-add", "s2", "q2", "--", "lsp-set-addresses", "q2", "unknown"],
    ["lr-add", "r1", "--", "set", "Logical_Router", "r1", "options:chassis=hv1",
     "options:lb_force_snat_ip=router_ip"],
    ["lrp-add", "r1", "r1-s1", "00:00:00:00:01:01", "10.1.0.1/24", "fd00:1::1/64", "--", "set",
     "Logical_Router_Port", "r1-s1", "ipv6_ra_configs:address_mode=slaac",
     "ipv6_ra_configs:send_periodic=true", "ipv6_ra_configs:mtu=1400"],
    ["lrp-add", "r1", "r1-s2", "00:00:00:00:01:02", "10.2.0.1/24", "fd00:2::1/64", "--", "set",
     "Logical_Router_Port", "r1-s2", "ipv6_ra_configs:address_mode=dhcpv6_stateful"],
    ["lsp-add", "s1", "s1-r1", "--", "lsp-set-type", "s1-r1", "router", "--",
     "lsp-set-addresses", "s1-r1", "router", "--", "lsp-set-options", "s1-r1", "router-port=r1-s1"],
    ["lsp-add", "s2", "s2-r1", "--", "lsp-set-type", "s2-r1", "router", "--",
     "lsp-set-addresses", "s2-r1", "router", "--", "lsp-set-options", "s2-r1", "router-port=r1-s2"],
    ["lb-add", "lb1", "30.0.0.1:80", "10.1.0.5:8080,10.1.0.6:8080", "tcp"],
    ["lb-add", "lb2", "30.0.0.2", "10.1.0.5,10.1.0.6"],
    ["lb-add", "lb3", "[fd30::1]:80", "[fd00:1::5]:8080", "tcp"],
    ["lb-add", "lb4", "30.0.0.4:53", "10.1.0.5:53", "udp", "--", "set", "Load_Balancer", "lb4",
     "selection_fields=ip_src,ip_dst"],
    ["lb-add", "lb5", "30.0.0.5:80", "", "tcp", "--", "set", "Load_Balancer", "lb5",
     "options:event=true"],
    ["lb-add", "lb6", "30.0.0.6:80", "10.1.0.5:80", "tcp", "--", "set", "Load_Balancer", "lb6",
     "options:affinity_timeout=60"],
    ["lb-add", "lb7", "30.0.0.7:80", "10.1.0.5:80", "sctp"],
    *[["ls-lb-add", "s1", f"lb{i}"] for i in range(1, 8)],
    *[["lr-lb-add", "r1", f"lb{i}"] for i in (1, 3, 4, 6)],
    ["meter-add", "m1", "drop", "10", "pktps"],
    ["acl-add", "s1", "from-lport", "1000", 'inport == "p1" && tcp.dst == 22', "reject"],
    ["--log", "--severity=alert", "--name=acl1", "--meter=m1", "acl-add", "s1", "to-lport",
     "1001", 'outport == "p1" && udp', "drop"],
    ["--log", "acl-add", "s1", "to-lport", "999", 'outport == "p1" && ip6', "allow-related"],
    ["acl-add", "s1", "from-lport", "998", "ip4.src == 10.1.0.0/24 && 1024 <= tcp.src <= 2048",
     "allow-stateless"],
    ["--label=1234", "acl-add", "s1", "from-lport", "997", "ip4 && icmp4", "allow"],
    ["--apply-after-lb", "acl-add", "s2", "from-lport", "1000", "ip6", "allow-related"],
    ["qos-add", "s1", "from-lport", "100", "ip4", "dscp=10", "rate=100", "burst=1000"],
    ["lr-route-add", "r1", "0.0.0.0/0", "10.2.0.254"],
    ["--ecmp", "lr-route-add", "r1", "40.0.0.0/24", "10.2.0.10"],
    ["--ecmp", "lr-route-add", "r1", "40.0.0.0/24", "10.2.0.11"],
    ["--ecmp-symmetric-reply", "lr-route-add", "r1", "41.0.0.0/24", "10.2.0.12"],
    ["--ecmp-symmetric-reply", "lr-route-add", "r1", "41.0.0.0/24", "10.2.0.13"],
    ["lr-route-add", "r1", "fd40::/64", "fd00:2::10"],
    ["lr-policy-add", "r1", "10", "ip4.src == 10.1.0.5", "reroute", "10.2.0.20"],
    ["lr-policy-add", "r1", "20", "ip4.src == 10.1.0.6", "drop"],
    ["lr-policy-add", "r1", "30", "ip4.dst == 50.0.0.0/8", "allow", "pkt_mark=7"],
    ["lr-policy-add", "r1", "11", "ip4.src == 10.1.0.7", "reroute", "10.2.0.21,10.2.0.22"],
    ["lr-nat-add", "r1", "snat", "10.2.0.1", "10.1.0.0/24"],
    ["lr-nat-add", "r1", "dnat", "10.2.0.50", "10.1.0.6"],
    ["lr-nat-add", "r1", "dnat_and_snat", "10.2.0.51", "10.1.0.5", "p1", "00:00:00:01:11:11"],
    ["lr-add", "r2"],
    ["lrp-add", "r2", "r2-s2", "00:00:00:00:02:02", "10.2.0.2/24", "--",
     "lrp-set-gateway-chassis", "r2-s2", "hv1", "10", "--", "set", "Logical_Router_Port",
     "r2-s2", "options:gateway_mtu=1300"],
    ["lrp-add", "r2", "r2-x", "00:00:00:00:02:03", "20.0.0.1/24"],
    ["lr-nat-add", "r2", "dnat_and_snat", "10.2.0.60", "20.0.0.5"],
    ["lr-lb-add", "r2", "lb2"],
    ["lr-route-add", "r2", "10.1.0.0/24", "10.2.0.1"],
    ["set", "Logical_Router", "r2", "options:mcast_relay=true"],
    ["lsp-add", "s2", "s2-r2", "--", "lsp-set-type", "s2-r2", "router", "--",
     "lsp-set-addresses", "s2-r2", "router", "--", "lsp-set-options", "s2-r2", "router-port=r2-s2"],
    ["fwd-group-add", "fwd1", "s1", "10.1.0.50", "00:00:00:01:00:50", "p1", "p2"],
    ["create", "BFD", "logical_port=r2-x", "dst_ip=20.0.0.10"],
    ["set", "Logical_Router", "r2", "options:always_learn_from_arp_request=false"],
    ["lsp-add", "s2", "ln2", "--", "lsp-set-type", "ln2", "localnet", "--",
     "lsp-set-addresses", "ln2", "unknown", "--", "lsp-set-options", "ln2", "network_name=phys"],
    ["lsp-set-options", "q1", "qos_max_rate=1000000", "qos_burst=100000"],
    ["pg-add", "pgx", "p1", "p2"],
    ["acl-add", "pgx", "to-lport", "1000", "outport == @pgx && ip4.src == $pgx_ip4",
     "allow-related"],
]  # fmt: skip
RICH_VIFS = ["p1", "p2", "lp", "q1", "q2", "ex1"]


def build_rich_topology(ovn: RealOvn) -> None:
    """Load RICH_TOPOLOGY plus DHCP options and DNS records into the NB."""
    for command in RICH_TOPOLOGY:
        ovn.nbctl(*command)
    dhcp4 = ovn.nbctl(
        "create", "DHCP_Options", "cidr=10.1.0.0/24",
        'options="lease_time"="3600" "router"="10.1.0.1" "server_id"="10.1.0.1" '
        '"server_mac"="00:00:00:00:01:01" "dns_server"="{8.8.8.8,8.8.4.4}" '
        '"classless_static_route"="{30.0.0.0/24,10.1.0.4, 0.0.0.0/0,10.1.0.1}" '
        '"domain_name"="\\"ovn.org\\""',
    ).strip()  # fmt: skip
    ovn.nbctl("lsp-set-dhcpv4-options", "p1", dhcp4)
    dhcp6 = ovn.nbctl(
        "create", "DHCP_Options", 'cidr="fd00:1::/64"',
        'options="server_id"="00:00:00:00:01:01" "dns_server"="{fd00:1::53}"',
    ).strip()  # fmt: skip
    ovn.nbctl("lsp-set-dhcpv6-options", "p1", dhcp6)
    dns = ovn.nbctl("create", "DNS", 'records={"vm1.ovn.org"="10.1.0.5 fd00:1::5"}').strip()
    ovn.nbctl("add", "Logical_Switch", "s1", "dns_records", dns)

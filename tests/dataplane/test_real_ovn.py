"""The simulator against a live real OVN: fresh br-int flows, a trace matrix.

shared/realovn builds the seed topology with the real ovn-northd,
ovn-controller and ovs-vswitchd (userspace datapath) and network-namespace
VMs — here inside a private network namespace, so its tap devices cannot
clash with anything else on the machine. The test dumps the OpenFlow that
the real ovn-controller installed, checks every line round-trips, loads it
into the simulator (br-int and br-ex, same ports and datapath numbers) and
compares `ofproto/trace` for every ordered pair of VMs and several
protocols, plus ARP, DHCP and traffic leaving through the localnet port
(br-ex's MAC learning table is copied from the real one, `fdb/show`).
Everything started is stopped by pid, and the namespaces are deleted, in
the fixture's finalizer.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyovn.dataplane import Bridge, Datapath, Flow, parse_flows
from tests.dataplane.test_trace import normalise

pytestmark = [pytest.mark.oracle, pytest.mark.root]

REALOVN = Path(__file__).resolve().parents[3] / "shared" / "realovn"
if not REALOVN.exists():
    REALOVN = Path("/work/shared/realovn")
VMS = {
    "vm1": ("50:54:00:00:01:11", "10.0.0.11", "00:00:00:00:ff:01"),
    "vm2": ("50:54:00:00:01:12", "10.0.0.12", "00:00:00:00:ff:01"),
    "vm3": ("50:54:00:00:02:13", "10.0.1.13", "00:00:00:00:ff:02"),
    "vm4": ("50:54:00:00:02:14", "10.0.1.14", "00:00:00:00:ff:02"),
}
NEEDED = ("ovn-northd", "ovn-controller", "ovs-vswitchd", "ovsdb-server", "ip", "unshare")


class SeedDeployment:
    """A running real seed topology (see shared/realovn/README.md)."""

    def __init__(self, rundir: Path, prefix: str) -> None:
        self.rundir = rundir
        self.prefix = prefix
        self.env = {**os.environ, "OVS_RUNDIR": str(rundir / "ovs"), "NS_PREFIX": prefix}

    def run(self, *args: str) -> str:
        done = subprocess.run(
            args, capture_output=True, text=True, env=self.env, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip()[-500:]}")
        return done.stdout

    def start(self) -> None:
        rundir = self.rundir
        script = (
            f"{REALOVN}/start.sh {rundir} && {REALOVN}/topology.sh {rundir} {rundir}/out && "
            f"{REALOVN}/datapath.sh {rundir} netdev"
        )
        self.run("unshare", "--net", "bash", "-c", script)

    def stop(self) -> None:
        subprocess.run(
            [f"{REALOVN}/stop.sh", str(self.rundir)],
            env=self.env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        subprocess.run(
            [f"{REALOVN}/datapath_clean.sh", str(self.rundir)],
            env=self.env,
            capture_output=True,
            timeout=120,
            check=False,
        )

    def trace(self, flow: str) -> str:
        return self.run(
            "ovs-appctl", "-t", f"{self.rundir}/vswitchd.ctl", "ofproto/trace", "br-int", flow
        )

    def dump_flows(self, bridge: str) -> str:
        return self.run("ovs-ofctl", "dump-flows", bridge)

    def learned_macs(self, bridge: str) -> dict[tuple[int, int], int]:
        """The NORMAL action's MAC learning table, from `fdb/show`."""
        table = {}
        for line in self.run(
            "ovs-appctl", "-t", f"{self.rundir}/vswitchd.ctl", "fdb/show", bridge
        ).splitlines()[1:]:
            port, vlan, mac, _ = line.split()
            if port.isdigit():
                table[(int(vlan), int(mac.replace(":", ""), 16))] = int(port)
        return table

    def ports(self) -> dict[str, list[tuple[str, int, int | None, str, str | None]]]:
        """Bridge -> [(name, ofport, datapath port, kind, patch peer)] from dpif/show."""
        bridges: dict[str, list[tuple[str, int, int | None, str, str | None]]] = {}
        current = ""
        for line in self.run(
            "ovs-appctl", "-t", f"{self.rundir}/vswitchd.ctl", "dpif/show"
        ).splitlines():
            header = re.match(r"  (\S+):$", line)
            found = re.match(r"\s+(\S+) (\d+)/(\w+): \((\w+)(?:: peer=(\S+))?\)", line)
            if header:
                current = header.group(1)
                bridges[current] = []
            elif found:
                name, ofport, number, kind, peer = found.groups()
                bridges[current].append(
                    (name, int(ofport), None if number == "none" else int(number), kind, peer)
                )
        return bridges


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    missing = [name for name in NEEDED if shutil.which(name) is None]
    if missing:
        return f"not installed: {', '.join(missing)}"
    if not (REALOVN / "datapath.sh").exists():
        return f"{REALOVN}/datapath.sh not found"
    return None


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeedDeployment]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    deployment = SeedDeployment(tmp_path_factory.mktemp("realovn"), f"dp{os.getpid() % 10000}")
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


def _learn(seed: SeedDeployment, bridge: Bridge) -> None:
    """Give each simulated bridge the real one's current MAC learning table."""
    for name, simulated in bridge.datapath.bridges.items():
        simulated.mac_table.clear()
        simulated.mac_table.update(seed.learned_macs(name))


def _simulated(seed: SeedDeployment) -> Bridge:
    datapath = Datapath()
    bridges: dict[str, Bridge] = {}
    for name, ports in seed.ports().items():
        bridge = bridges[name] = Bridge(name, datapath)
        for port, ofport, number, kind, peer in ports:
            if ofport == 0xFFFE:
                bridge.ports[ofport].datapath_port = number or 0
            elif kind == "patch":
                bridge.add_port(port, ofport, "patch", peer=peer)
            else:
                bridge.add_port(port, ofport, datapath_port=number)
        flows = parse_flows(seed.dump_flows(name))
        bridge.replace_flows(flow.with_openflow15_spelling() for flow in flows)
        bridge.mac_table.update(seed.learned_macs(name))
    return bridges["br-int"]


def _matrix(prefix: str) -> list[str]:
    """Trace flows; ofproto/trace wants the protocol before the fields it enables."""
    flows = []
    for (a, (mac_a, ip_a, gw_a)), (_, (mac_b, ip_b, _)) in itertools.permutations(VMS.items(), 2):
        same = ip_a.rsplit(".", 1)[0] == ip_b.rsplit(".", 1)[0]
        l2 = f"in_port={prefix}-{a},dl_src={mac_a},dl_dst={mac_b if same else gw_a}"
        l3 = f"nw_src={ip_a},nw_dst={ip_b},nw_ttl=64"
        flows += [
            f"{l2},icmp,{l3},icmp_type=8",
            f"{l2},tcp,{l3},tcp_src=40000,tcp_dst=22,tcp_flags=2",
            f"{l2},tcp,{l3},tcp_src=40001,tcp_dst=23,tcp_flags=2",
        ]
    for vm, (mac, ip, gateway) in VMS.items():
        port = f"in_port={prefix}-{vm},dl_src={mac}"
        router = "10.0.0.1" if ip.startswith("10.0.0.") else "10.0.1.1"
        flows += [
            f"{port},dl_dst=ff:ff:ff:ff:ff:ff,arp,arp_op=1,arp_spa={ip},arp_tpa={router},"
            f"arp_sha={mac}",
            f"{port},dl_dst={gateway},icmp,nw_src={ip},nw_dst=172.16.0.254,nw_ttl=64,icmp_type=8",
            f"{port},dl_dst={gateway},udp,nw_src={ip},nw_dst=8.8.8.8,nw_ttl=64,udp_src=5,udp_dst=53",
            f"{port},dl_dst=ff:ff:ff:ff:ff:ff,udp,nw_src=0.0.0.0,nw_dst=255.255.255.255,nw_ttl=64,"
            "udp_src=68,udp_dst=67",
            f"{port},dl_dst={gateway},icmp,nw_src=10.9.9.9,nw_dst=10.0.1.14,nw_ttl=64,icmp_type=8",
        ]
    return flows


def test_fresh_dump_round_trips(seed: SeedDeployment) -> None:
    lines = [line for line in seed.dump_flows("br-int").splitlines() if "cookie=" in line]
    assert len(lines) > 800
    assert [line for line in lines if Flow.parse(line).dump_text() != line] == []


def test_trace_matrix_matches_real_ovs_on_real_ovn_flows(
    seed: SeedDeployment, record_property: pytest.RecordProperty
) -> None:
    bridge = _simulated(seed)
    cases = _matrix(seed.prefix)
    mismatches = []
    for flow in cases:
        real, ours = normalise(seed.trace(flow)), normalise(bridge.trace(flow).text)
        if real != ours:
            # The real bridges keep learning MACs (and ageing them out) from
            # live traffic: compare again on the tables as they are now.
            _learn(seed, bridge)
            real, ours = normalise(seed.trace(flow)), normalise(bridge.trace(flow).text)
        if real != ours:
            first = next(
                (i for i, (x, y) in enumerate(zip(real, ours, strict=False)) if x != y),
                min(len(real), len(ours)),
            )
            mismatches.append(
                f"{flow}: line {first}: {real[first : first + 1]} / {ours[first : first + 1]}"
            )
    record_property("ovn_traces_compared", len(cases))
    record_property("ovn_traces_equal", len(cases) - len(mismatches))
    print(f"real OVN trace comparison: {len(cases) - len(mismatches)}/{len(cases)} identical")
    assert len(cases) == 56
    assert mismatches == []

"""Data-plane simulator throughput, compared with the real ovs-vswitchd.

    .venv/bin/python benchmarks/dataplane_bench.py [--flows FILE] [--seconds N] [--no-real]

On the real ovn-controller's br-int flows of the seed topology (shared/
reference), measures:

* simulator packets/s for a routed packet (vm1 -> vm4, 3 passes with two
  conntrack recirculations) and a same-switch packet (vm1 -> vm2), both as
  new connections (a fresh ICMP id each) and as one established flow;
* simulator `trace` calls/s;
* the real ovs-vswitchd (userspace datapath, private network namespace,
  dummy ports) on the same flows: `ovs-appctl ofproto/trace` calls/s, and
  packets/s injected with `netdev-dummy/receive` (100 frames per call),
  counted on the output port.

Not part of the test suite. Needs root and Open vSwitch for the real side.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pyovn.dataplane import Bridge, Datapath, Packet, parse_flows

REFERENCE = Path("/work/shared/reference/seed-topology/reference-openflow-br-int.txt")
ROUTED = (
    "icmp,dl_src=50:54:00:00:01:11,dl_dst=00:00:00:00:ff:01,nw_src=10.0.0.11,"
    "nw_dst=10.0.1.14,nw_ttl=64,icmp_type=8"
)
SAME_SWITCH = (
    "icmp,dl_src=50:54:00:00:01:11,dl_dst=50:54:00:00:01:12,nw_src=10.0.0.11,"
    "nw_dst=10.0.0.12,nw_ttl=64,icmp_type=8"
)
VM_PORTS = {"ovr-vm1": 2, "ovr-vm2": 3, "ovr-vm3": 4, "ovr-vm4": 5}


def seed_bridge(text: str) -> Bridge:
    datapath = Datapath()
    bridge = Bridge("br-int", datapath)
    Bridge("br-ex", datapath)
    bridge.add_port("patch-br-int-to-ln", 1, "patch", peer="patch-ln-to-br-int")
    for name, ofport in VM_PORTS.items():
        bridge.add_port(name, ofport)
    bridge.replace_flows(flow.with_openflow15_spelling() for flow in parse_flows(text))
    return bridge


def rate(work: Callable[[int], object], seconds: float) -> float:
    """Calls per second of `work(i)` over about `seconds`."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(20):
            work(count)
            count += 1
    return count / (time.perf_counter() - started)


def simulator_figures(text: str, seconds: float) -> dict[str, float]:
    bridge = seed_bridge(text)
    figures: dict[str, float] = {}
    for label, flow, expected_port in (("routed", ROUTED, 5), ("same-switch", SAME_SWITCH, 3)):
        packet = Packet.from_flow_text(flow, payload=bytes(56))
        check = bridge.receive(packet, "ovr-vm1")
        assert [d.ofport for d in check.deliveries] == [expected_port], check

        def new_connection(i: int, packet: Packet = packet) -> object:
            packet.extra["icmp_id"] = i & 0xFFFF
            return bridge.receive(packet, "ovr-vm1")

        def same_connection(_: int, packet: Packet = packet) -> object:
            packet.extra["icmp_id"] = 0xFFFF
            return bridge.receive(packet, "ovr-vm1")

        bridge.datapath.conntrack.flush()
        figures[f"sim {label} pkt/s (new conns)"] = rate(new_connection, seconds)
        figures[f"sim {label} pkt/s (one conn)"] = rate(same_connection, seconds)
    trace_flow = "in_port=2," + ROUTED
    figures["sim ofproto/trace calls/s"] = rate(lambda _: bridge.trace(trace_flow), seconds)
    return figures


class RealSwitch:
    """ovsdb-server + ovs-vswitchd (netdev, --enable-dummy) in a temp dir and netns."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="dp-bench-"))
        self.env = {
            **os.environ,
            "OVS_RUNDIR": str(self.dir),
            "OVS_LOGDIR": str(self.dir),
            "OVS_DBDIR": str(self.dir),
        }

    def run(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            args, input=stdin, capture_output=True, text=True, env=self.env, check=True, timeout=120
        )
        return done.stdout

    def start(self) -> None:
        d = self.dir
        schema = "/usr/share/openvswitch/vswitch.ovsschema"
        self.run("ovsdb-tool", "create", f"{d}/conf.db", schema)
        self.run(
            "ovsdb-server",
            f"{d}/conf.db",
            f"--remote=punix:{d}/db.sock",
            f"--pidfile={d}/db.pid",
            f"--unixctl={d}/db.ctl",
            "--detach",
            "--no-chdir",
            f"--log-file={d}/db.log",
            "-vconsole:off",
        )
        self.run("ovs-vsctl", f"--db=unix:{d}/db.sock", "--no-wait", "init")
        self.run(
            "unshare",
            "--net",
            "ovs-vswitchd",
            f"unix:{d}/db.sock",
            f"--unixctl={d}/vswitchd.ctl",
            f"--pidfile={d}/vswitchd.pid",
            "--detach",
            "--no-chdir",
            f"--log-file={d}/vswitchd.log",
            "-vconsole:off",
            "--enable-dummy",
        )
        command = [
            "ovs-vsctl",
            f"--db=unix:{d}/db.sock",
            "--",
            "add-br",
            "br-int",
            "--",
            "set",
            "bridge",
            "br-int",
            "datapath_type=netdev",
            "fail-mode=secure",
            "protocols=OpenFlow10,OpenFlow15",
        ]
        for name, ofport in {"ln": 1, **VM_PORTS}.items():
            command += [
                "--",
                "add-port",
                "br-int",
                name,
                "--",
                "set",
                "interface",
                name,
                "type=dummy",
                f"ofport_request={ofport}",
            ]
        self.run(*command)

    def appctl(self, *args: str) -> str:
        return self.run("ovs-appctl", "-t", f"{self.dir}/vswitchd.ctl", *args)

    def stop(self) -> None:
        for name in ("vswitchd", "db"):
            pidfile = self.dir / f"{name}.pid"
            if pidfile.exists():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pidfile.read_text()), signal.SIGTERM)
        time.sleep(0.3)
        shutil.rmtree(self.dir, ignore_errors=True)


def real_figures(text: str, seconds: float) -> dict[str, float]:
    switch = RealSwitch()
    switch.start()
    try:
        flows = "\n".join(flow.ofctl_text() for flow in parse_flows(text))
        switch.run("ovs-ofctl", "-O", "OpenFlow15", "add-flows", "br-int", "-", stdin=flows)
        trace_flow = "in_port=2," + ROUTED
        figures = {
            "real ofproto/trace calls/s": rate(
                lambda _: switch.appctl("ofproto/trace", "br-int", trace_flow), seconds / 2
            )
        }
        for label, flow, port in (
            ("same-switch", SAME_SWITCH, "ovr-vm2"),
            ("routed", ROUTED, "ovr-vm4"),
        ):
            figures.update(_inject(switch, label, flow, port, seconds))
        return figures
    finally:
        switch.stop()


def _inject(
    switch: RealSwitch, label: str, flow: str, port: str, seconds: float
) -> dict[str, float]:
    """Frames/s through the real userspace datapath, counted on the output port."""
    frame = Packet.from_flow_text(flow, payload=bytes(56)).to_bytes().hex()
    batch = 100  # netdev-dummy queues at most 100 received frames
    before = _tx_packets(switch, port)
    started = time.perf_counter()
    calls = 0
    while time.perf_counter() - started < seconds / 2:
        switch.appctl("netdev-dummy/receive", "ovr-vm1", *([frame] * batch))
        calls += 1
    elapsed = time.perf_counter() - started
    delivered = _tx_packets(switch, port) - before
    return {
        f"real {label} pkt/s (netdev-dummy)": delivered / elapsed,
        f"real {label} delivered fraction": delivered / (calls * batch),
    }


def _tx_packets(switch: RealSwitch, port: str) -> int:
    """Packets sent on a port, from OpenFlow port statistics (live, unlike OVSDB's)."""
    number = VM_PORTS[port]
    text = switch.run("ovs-ofctl", "dump-ports", "br-int", str(number))
    tx_line = next(line for line in text.splitlines() if "tx pkts=" in line)
    return int(tx_line.split("tx pkts=")[1].split(",")[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=Path, default=REFERENCE)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--no-real", action="store_true")
    options = parser.parse_args()
    text = options.flows.read_text()
    figures = simulator_figures(text, options.seconds)
    if not options.no_real and shutil.which("ovs-vswitchd") and os.geteuid() == 0:
        figures.update(real_figures(text, options.seconds))
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:12.1f}")
    sim_trace = figures["sim ofproto/trace calls/s"]
    if "real ofproto/trace calls/s" in figures:
        real_trace = figures["real ofproto/trace calls/s"]
        print(f"trace ratio simulator/real: {sim_trace / real_trace:.2f}")
        for label in ("same-switch", "routed"):
            real_pps = figures[f"real {label} pkt/s (netdev-dummy)"]
            sim_pps = figures[f"sim {label} pkt/s (one conn)"]
            print(f"{label} packet ratio simulator/real: {sim_pps / max(real_pps, 1e-9):.3f}")


if __name__ == "__main__":
    main()

"""Traces per second: pyovn trace (SB loaded once) vs one ovn-trace call per packet.

The Southbound DB is the scale topology (../shared/realovn/gen_nb.py -N 200
-P 25: 10,000 VM ports) compiled by the real ovn-northd 23.03. Building it
takes about a minute, so the SB file is cached (default
/tmp/pyovn-trace-bench-N200-P25/sb.db; --cache DIR to change). Packets:
same-switch, routed (across the tenant router) and external (SNAT) TCP
flows between VMs of sampled tenants, with --ct new.

    python benchmarks/trace_bench.py [-N 200 -P 25] [--packets 300] [--ovn-trace 20]

pyovn traces every packet (minimal output) through the Python API on one
loaded snapshot, twice: the first pass parses each flow it meets, the second
runs warm, as `pyovn trace --serve` does after a while. ovn-trace runs as
one process per packet on a sample (each call reads the whole SB). Outputs
of the sampled packets are compared.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pyovn.trace import SouthboundSnapshot, parse_ct_states, render, trace

SHARED = Path(__file__).resolve().parents[2] / "shared" / "realovn"


def _server(db: Path, run: Path, name: str) -> tuple[subprocess.Popen[bytes], str]:
    sock = run / f"{name}.sock"
    proc = subprocess.Popen(
        [
            "ovsdb-server",
            str(db),
            f"--remote=punix:{sock}",
            f"--unixctl={run / (name + '.ctl')}",
            "--no-chdir",
            "-vconsole:off",
            f"--log-file={run / (name + '.log')}",
        ]
    )
    deadline = time.monotonic() + 30
    while not sock.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"ovsdb-server for {name} did not start")
        time.sleep(0.05)
    return proc, f"unix:{sock}"


def build_sb(cache: Path, tenants: int, ports: int) -> None:
    """Compile the scale NB with the real northd into cache/sb.db."""
    gen = SHARED / "gen_nb.py"
    if not gen.exists():
        raise SystemExit(f"{gen} is needed to build the scale topology")
    cache.mkdir(parents=True, exist_ok=True)
    run = Path(tempfile.mkdtemp(prefix="trace-bench-"))
    procs = []
    try:
        for name, schema in (("nb", "ovn-nb"), ("sb", "ovn-sb")):
            db = run / f"{name}.db"
            subprocess.run(
                ["ovsdb-tool", "create", str(db), f"/usr/share/ovn/{schema}.ovsschema"], check=True
            )
        nb_proc, nb = _server(run / "nb.db", run, "nb")
        sb_proc, sb = _server(run / "sb.db", run, "sb")
        procs += [nb_proc, sb_proc]
        subprocess.run(["ovn-nbctl", f"--db={nb}", "init"], check=True)
        started = time.monotonic()
        subprocess.run([sys.executable, str(gen), "-N", str(tenants), "-P", str(ports), "--db", nb])
        northd = subprocess.Popen(
            [
                "ovn-northd",
                f"--ovnnb-db={nb}",
                f"--ovnsb-db={sb}",
                "-vconsole:off",
                "--no-chdir",
                f"--unixctl={run / 'northd.ctl'}",
                f"--log-file={run / 'northd.log'}",
            ]
        )
        procs.append(northd)
        subprocess.run(["ovn-nbctl", f"--db={nb}", "--timeout=3600", "--wait=sb", "sync"])
        print(f"built the SB in {time.monotonic() - started:.0f} s", file=sys.stderr)
        northd.terminate()
        northd.wait()
        subprocess.run(["ovsdb-client", "backup", sb], stdout=(cache / "sb.db").open("wb"))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
        shutil.rmtree(run, ignore_errors=True)


def packets(sb: SouthboundSnapshot, count: int, seed: int = 5) -> list[tuple[str, str]]:
    """(datapath, microflow) pairs between VMs: same switch, routed, external."""
    vms: dict[str, list[tuple[str, str, str]]] = {}
    router_mac: dict[str, str] = {}
    for port in sb.ports.values():
        dp = sb.datapaths[port.datapath]
        if port.type == "" and port.port_security:
            mac, ip = port.port_security[0].split()[:2]
            vms.setdefault(dp.name, []).append((port.name, mac, ip))
        if port.type == "patch" and dp.kind == "router" and "-ls" in port.name:
            switch = port.name.split("-", 1)[1]
            router_mac[switch] = _router_mac(port.name, sb)
    rng = random.Random(seed)
    switches = sorted(s for s in vms if s in router_mac)
    out: list[tuple[str, str]] = []
    while len(out) < count:
        switch = rng.choice(switches)
        src, dst = rng.sample(vms[switch], 2)
        other = switch[:-1] + ("b" if switch.endswith("a") else "a")
        kind = len(out) % 3
        if kind == 0:
            eth_dst, ip_dst = dst[1], dst[2]
        elif kind == 1 and other in vms:
            eth_dst, ip_dst = router_mac[switch], rng.choice(vms[other])[2]
        else:
            eth_dst, ip_dst = router_mac[switch], "8.8.8.8"
        flow = (
            f'inport == "{src[0]}" && eth.src == {src[1]} && eth.dst == {eth_dst} && '
            f"ip4.src == {src[2]} && ip4.dst == {ip_dst} && ip.ttl == 64 && "
            "tcp && tcp.src == 40000 && tcp.dst == 22"
        )
        out.append((switch, flow))
    return out


def _router_mac(lrp: str, sb: SouthboundSnapshot) -> str:
    return sb.ports[lrp].macs[0].split()[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-N", type=int, default=200)
    ap.add_argument("-P", type=int, default=25)
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--packets", type=int, default=300)
    ap.add_argument("--ovn-trace", type=int, default=20, dest="ovn_trace")
    args = ap.parse_args()
    cache = args.cache or Path(tempfile.gettempdir()) / f"pyovn-trace-bench-N{args.N}-P{args.P}"
    if not (cache / "sb.db").exists():
        build_sb(cache, args.N, args.P)
    run = Path(tempfile.mkdtemp(prefix="trace-bench-run-"))
    shutil.copy(cache / "sb.db", run / "sb.db")
    proc, remote = _server(run / "sb.db", run, "sb")
    try:
        started = time.monotonic()
        sb = SouthboundSnapshot.load(remote, timeout=600)
        loaded = time.monotonic() - started
        print(
            f"SB: {len(sb.ports)} ports, {len(sb.flows)} flows (per datapath); "
            f"loaded in {loaded:.1f} s"
        )
        sample = packets(sb, args.packets)
        new = parse_ct_states(["new"])
        started = time.monotonic()
        ours = [render(trace(sb, dp, flow, ct_states=new), "minimal") for dp, flow in sample]
        elapsed = time.monotonic() - started
        cold_rate = len(sample) / elapsed
        print(
            f"pyovn trace, first pass (flows parsed on first use): {len(sample)} traces "
            f"in {elapsed:.2f} s = {cold_rate:.1f}/s"
        )
        started = time.monotonic()
        again = [render(trace(sb, dp, flow, ct_states=new), "minimal") for dp, flow in sample]
        elapsed = time.monotonic() - started
        pyovn_rate = len(sample) / elapsed
        if again != ours:
            raise SystemExit("a second trace of the same packet gave another result")
        print(
            f"pyovn trace, SB loaded and warm: {len(sample)} traces in {elapsed:.2f} s "
            f"= {pyovn_rate:.1f}/s"
        )
        started = time.monotonic()
        same = 0
        for index, (dp, flow) in enumerate(sample[: args.ovn_trace]):
            real = subprocess.run(
                ["ovn-trace", f"--db={remote}", "--minimal", "--ct", "new", dp, flow],
                capture_output=True,
                text=True,
            ).stdout
            same += real == ours[index]
        elapsed = time.monotonic() - started
        count = min(args.ovn_trace, len(sample))
        real_rate = count / elapsed
        print(
            f"ovn-trace (one process per packet): {count} traces in {elapsed:.2f} s "
            f"= {real_rate:.2f}/s"
        )
        print(
            f"ratio: warm {pyovn_rate / real_rate:.0f}x, first pass {cold_rate / real_rate:.0f}x; "
            f"sampled outputs equal: {same}/{count}"
        )
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(run, ignore_errors=True)


if __name__ == "__main__":
    main()

"""northd benchmark: pyovn northd against the real ovn-northd, same NB, same run.

    .venv/bin/python benchmarks/northd_bench.py                 # 2,000 and 10,000 ports
    .venv/bin/python benchmarks/northd_bench.py --sizes 50x20   # 2,000 ports only

For each size (tenants x ports per switch, shared/realovn/gen_nb.py's multi-tenant
topology) the NB is loaded once into a real ovsdb-server. Then, for the real
ovn-northd and for pyovn northd in turn, each against a fresh, empty SB served
by a real ovsdb-server:

  full compute    northd start -> `ovn-nbctl --wait=sb sync` returns (s)
  rss             the northd process' VmRSS and VmHWM after the full compute
  add (nbctl)     median of `ovn-nbctl --wait=sb lsp-add SW P -- lsp-set-addresses
                  P "MAC IP"`: what a user measures, including ovn-nbctl's own
                  download of the NB (see "nbctl sync" for that fixed cost)
  add (client)    the same port insert from a connected OVSDB client that bumps
                  nb_cfg in the same transaction and waits for sb_cfg: northd's
                  own latency without ovn-nbctl's start-up
  nbctl sync      median of a no-op `ovn-nbctl --wait=sb sync`
  flows           Logical_Flow rows in the SB afterwards

The ports added are deleted again (northd stopped, --no-wait) so both northds
see the same NB. Ratios are pyovn / real (<= 1 is pyovn faster or smaller).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.replica import Replica

HERE = Path(__file__).resolve().parent
GEN_NB = HERE.parent.parent / "shared" / "realovn" / "gen_nb.py"
NB_SCHEMA = Path("/usr/share/ovn/ovn-nb.ovsschema")
SB_SCHEMA = Path("/usr/share/ovn/ovn-sb.ovsschema")
PYOVN = Path(sys.executable).parent / "pyovn"


@dataclass
class Figures:
    full_s: float = 0.0
    rss_mib: float = 0.0
    hwm_mib: float = 0.0
    add_nbctl_ms: list[float] = field(default_factory=list)
    add_client_ms: list[float] = field(default_factory=list)
    sync_ms: list[float] = field(default_factory=list)
    flows: int = 0


# -- processes -------------------------------------------------------------------
def run(*argv: str, timeout: float = 900) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if proc.returncode:
        raise SystemExit(f"{argv[0]} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def start_ovsdb(tmp: Path, name: str, schema: Path) -> tuple[str, int]:
    db = tmp / f"{name}.db"
    db.unlink(missing_ok=True)
    run("ovsdb-tool", "create", str(db), str(schema))
    sock = tmp / f"{name}.sock"
    pidfile = tmp / f"{name}.pid"
    run(
        "ovsdb-server",
        str(db),
        f"--remote=punix:{sock}",
        f"--pidfile={pidfile}",
        f"--unixctl={tmp / f'{name}.ctl'}",
        f"--log-file={tmp / f'{name}.log'}",
        "--detach",
        "-vconsole:off",
    )
    return f"unix:{sock}", int(pidfile.read_text())


def start_northd(kind: str, tmp: Path, nb: str, sb: str) -> subprocess.Popen[bytes]:
    if kind == "real":
        argv = [
            "ovn-northd",
            f"--ovnnb-db={nb}",
            f"--ovnsb-db={sb}",
            f"--unixctl={tmp / 'northd.ctl'}",
            f"--log-file={tmp / 'northd-real.log'}",
            "-vconsole:off",
        ]
    else:
        argv = [
            str(PYOVN),
            "northd",
            "--ovnnb-db",
            nb,
            "--ovnsb-db",
            sb,
            "--log-file",
            str(tmp / "northd-pyovn.log"),
        ]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def memory_mib(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def nbctl(nb: str, *args: str) -> float:
    started = time.perf_counter()
    run("ovn-nbctl", f"--db={nb}", "--timeout=900", *args)
    return (time.perf_counter() - started) * 1000


# -- single-port adds from a connected client -----------------------------------------
async def client_adds(nb: str, switch: str, names: list[str], tag: int) -> list[float]:
    client = OvsdbClient(nb)
    await client.connect()
    replica = Replica(
        client, "OVN_Northbound", tables={"NB_Global": None, "Logical_Switch": ["name"]}
    )
    await replica.start()
    ls = next(u for u, r in replica.tables["Logical_Switch"].rows.items() if r["name"] == switch)
    changed = asyncio.Event()
    replica.listeners.append(lambda _changes: changed.set())
    latencies = []
    for i, name in enumerate(names):
        cfg = next(iter(replica.tables["NB_Global"].rows.values()))["nb_cfg"] + 1
        address = f"0a:ee:{tag:02x}:00:{i // 256:02x}:{i % 256:02x} 10.250.{i // 256}.{i % 256}"
        started = time.perf_counter()
        reply = await client.transact(
            "OVN_Northbound",
            [
                {
                    "op": "insert",
                    "table": "Logical_Switch_Port",
                    "uuid-name": "port",
                    "row": {"name": name, "addresses": address},
                },
                {
                    "op": "mutate",
                    "table": "Logical_Switch",
                    "where": [["_uuid", "==", ["uuid", ls]]],
                    "mutations": [["ports", "insert", ["named-uuid", "port"]]],
                },
                {
                    "op": "mutate",
                    "table": "NB_Global",
                    "where": [],
                    "mutations": [["nb_cfg", "+=", 1]],
                },
            ],
        )
        if any("error" in result for result in reply):
            raise SystemExit(f"port insert failed: {reply}")
        while next(iter(replica.tables["NB_Global"].rows.values()))["sb_cfg"] < cfg:
            changed.clear()
            await asyncio.wait_for(changed.wait(), 120)
        latencies.append((time.perf_counter() - started) * 1000)
    await client.close()
    return latencies


# -- one northd ---------------------------------------------------------------------
def measure(kind: str, tmp: Path, nb: str, adds: int) -> Figures:
    figures = Figures()
    sb, sb_pid = start_ovsdb(tmp, f"sb-{kind}", SB_SCHEMA)
    started = time.perf_counter()
    northd = start_northd(kind, tmp, nb, sb)
    try:
        nbctl(nb, "--wait=sb", "sync")
        figures.full_s = time.perf_counter() - started
        figures.rss_mib, figures.hwm_mib = memory_mib(northd.pid)
        names = []
        for i in range(adds):
            name = f"bench-{kind}-{i}"
            names.append(name)
            figures.add_nbctl_ms.append(
                nbctl(
                    nb,
                    "--wait=sb",
                    "lsp-add",
                    "ls0a",
                    name,
                    "--",
                    "lsp-set-addresses",
                    name,
                    f"0a:ff:00:00:{i // 256:02x}:{i % 256:02x} 10.251.{i // 256}.{i % 256}",
                )
            )
        client_names = [f"bench-{kind}-c{i}" for i in range(adds)]
        figures.add_client_ms = asyncio.run(
            client_adds(nb, "ls0b", client_names, 1 if kind == "real" else 2)
        )
        names += client_names
        figures.sync_ms = [nbctl(nb, "--wait=sb", "sync") for _ in range(5)]
        count = run("ovn-sbctl", f"--db={sb}", "--bare", "--columns=_uuid", "list", "Logical_Flow")
        figures.flows = sum(1 for line in count.splitlines() if line.strip())
    finally:
        stop(northd.pid)
        northd.wait()
        stop(sb_pid)
    for i in range(0, len(names), 200):
        batch = names[i : i + 200]
        args = [a for name in batch for a in ("--", "lsp-del", name)]
        nbctl(nb, "--no-wait", *args[1:])
    return figures


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(label: str, real: Figures, ours: Figures) -> None:
    rows: list[tuple[str, float, float]] = [
        ("full compute (s)", real.full_s, ours.full_s),
        ("northd VmRSS (MiB)", real.rss_mib, ours.rss_mib),
        ("northd VmHWM (MiB)", real.hwm_mib, ours.hwm_mib),
        (
            "add, ovn-nbctl --wait=sb, median (ms)",
            median(real.add_nbctl_ms),
            median(ours.add_nbctl_ms),
        ),
        (
            "add, connected client, median (ms)",
            median(real.add_client_ms),
            median(ours.add_client_ms),
        ),
        ("add, connected client, p90 (ms)", p90(real.add_client_ms), p90(ours.add_client_ms)),
        ("no-op ovn-nbctl --wait=sb sync (ms)", median(real.sync_ms), median(ours.sync_ms)),
        ("Logical_Flow rows", float(real.flows), float(ours.flows)),
    ]
    print(f"\n## {label}")
    print(f"{'':42} {'real':>10} {'pyovn':>10} {'pyovn/real':>11}")
    for name, r, o in rows:
        ratio = o / r if r else float("nan")
        print(f"{name:42} {r:10.1f} {o:10.1f} {ratio:10.2f}x")
    sys.stdout.flush()


def p90(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="50x20,200x25", help="TENANTSxPORTS,... (2 switches each)"
    )
    parser.add_argument("--adds", type=int, default=15, help="single-port adds per method")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not GEN_NB.exists():
        raise SystemExit(f"the topology generator is missing: {GEN_NB}")
    for size in args.sizes.split(","):
        tenants, ports = (int(x) for x in size.lower().split("x"))
        tmp = Path(tempfile.mkdtemp(prefix="northd-bench-"))
        nb, nb_pid = start_ovsdb(tmp, "nb", NB_SCHEMA)
        try:
            run(sys.executable, str(GEN_NB), "-N", str(tenants), "-P", str(ports), "--db", nb)
            results = {kind: measure(kind, tmp, nb, args.adds) for kind in ("real", "pyovn")}
        finally:
            stop(nb_pid)
        report(
            f"{2 * tenants * ports} ports ({tenants} tenants x 2 switches x {ports})",
            real=results["real"],
            ours=results["pyovn"],
        )
        if args.keep:
            print(f"kept {tmp}")
        else:
            subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()

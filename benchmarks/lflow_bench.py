"""Throughput of pyovn.lflow on the real ovn-northd's output at scale.

    python benchmarks/lflow_bench.py [-N 200] [-P 25] [--limit COUNT]

Generates the scale topology (shared/realovn/gen_nb.py: N tenants, P ports
per switch, 2*N*P ports: 10,000 with the defaults), loads it into a real NB,
runs the real ovn-northd, and caches `ovn-sbctl lflow-list` plus the SB rows
the compiler needs in a temp dir (reused by later runs).  Then it measures:

* parse + print: parse every match and action and print them back (and
  checks they print back byte for byte);
* parse + compile: parse and translate every logical flow to OpenFlow with
  the datapath's tunnel keys, port groups and address sets, as
  ovn-controller on a chassis where every port is resident would.

Needs the real OVN (Debian packages) and shared/realovn; not run by the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("PYOVN_SHARED", HERE.parents[1] / "shared"))
sys.path.insert(0, str(HERE.parent / "tests" / "lflow"))

from lflow_sbview import read_sb  # noqa: E402

from pyovn.lflow import (  # noqa: E402
    LflowError,
    compile_flow,
    format_actions,
    format_match,
    parse_actions,
    parse_match,
    read_lflow_dump,
)

SB_TABLES = {
    "Datapath_Binding": ("_uuid", "tunnel_key", "external_ids"),
    "Chassis": ("_uuid", "name"),
    "Port_Binding": ("logical_port", "tunnel_key", "datapath", "chassis"),
    "Multicast_Group": ("name", "tunnel_key", "datapath"),
    "Port_Group": ("name", "ports"),
    "Address_Set": ("name", "addresses"),
}


def _sh(*argv: str, **kwargs: object) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs).stdout  # type: ignore[call-overload, no-any-return]


def generate(cache: Path, tenants: int, ports: int) -> None:
    """Run the real northd on the scale topology; keep the dump and SB rows."""
    realovn = SHARED / "realovn"
    rundir = Path(tempfile.mkdtemp(prefix="lflow-bench-"))
    env = {**os.environ, "NO_NORTHD": "1"}
    try:
        _sh("bash", str(realovn / "start.sh"), str(rundir), env=env)
        nb, sb = f"unix:{rundir}/nb.sock", f"unix:{rundir}/sb.sock"
        print(f"loading N={tenants} P={ports} into the NB ...", flush=True)
        _sh(sys.executable, str(realovn / "gen_nb.py"), "-N", str(tenants), "-P", str(ports),
            "--db", nb)  # fmt: skip
        print("running ovn-northd (full compute) ...", flush=True)
        _sh("bash", str(realovn / "start_northd.sh"), str(rundir))
        _sh("ovn-nbctl", f"--db={nb}", "--timeout=3600", "--wait=sb", "sync")
        (cache / "lflows.txt").write_text(_sh("ovn-sbctl", f"--db={sb}", "lflow-list"))
        tables = {
            table: json.loads(
                _sh(
                    "ovn-sbctl",
                    f"--db={sb}",
                    "--format=json",
                    f"--columns={','.join(cols)}",
                    "list",
                    table,
                )
            )
            for table, cols in SB_TABLES.items()
        }
        (cache / "sb.json").write_text(json.dumps(tables))
    finally:
        subprocess.run(["bash", str(realovn / "stop.sh"), str(rundir)], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-N", type=int, default=200, help="tenants (default 200)")
    parser.add_argument("-P", type=int, default=25, help="ports per switch (default 25)")
    parser.add_argument("--limit", type=int, default=0, help="only the first COUNT flows")
    args = parser.parse_args()
    cache = Path(tempfile.gettempdir()) / "pyovn-lflow-bench" / f"N{args.N}-P{args.P}"
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / "sb.json").exists():
        generate(cache, args.N, args.P)
    flows = list(read_lflow_dump((cache / "lflows.txt").read_text().splitlines()))
    if args.limit:
        flows = flows[: args.limit]
    tables = json.loads((cache / "sb.json").read_text())

    def rows(table: str, *columns: str) -> list[dict[str, object]]:
        data = tables[table]
        return [dict(zip(data["headings"], row, strict=True)) for row in data["data"]]

    sb = read_sb(rows)
    sb.resident = {port for info in sb.datapaths.values() for port in info.ports}
    print(f"{len(flows)} logical flows (lflow-list, per datapath), cache {cache}")

    start = time.perf_counter()
    mismatches = 0
    for flow in flows:
        mismatches += format_match(parse_match(flow.match)) != flow.match
        mismatches += format_actions(parse_actions(flow.actions)) != flow.actions
    parse_time = time.perf_counter() - start
    print(
        f"parse + print:   {len(flows) / parse_time:8.0f} flows/s "
        f"({parse_time:.1f} s; {mismatches} strings not reprinted exactly)"
    )

    start = time.perf_counter()
    openflow = failed = 0
    for flow in flows:
        ctx = sb.context(flow.datapath, flow.pipeline, flow.table_id)
        try:
            openflow += len(compile_flow(flow.match, flow.actions, priority=flow.priority,
                                         ctx=ctx).flows)  # fmt: skip
        except LflowError:
            failed += 1
    compile_time = time.perf_counter() - start
    print(
        f"parse + compile: {len(flows) / compile_time:8.0f} flows/s "
        f"({compile_time:.1f} s; {openflow} OpenFlow flows; {failed} flows failed)"
    )


if __name__ == "__main__":
    main()

"""OVSDB server benchmark: `pyovn db` against the real ovsdb-server, same
workload, one run.

    .venv/bin/python benchmarks/ovsdb_bench.py            # servers
    .venv/bin/python benchmarks/ovsdb_bench.py --clients  # pyovn Replica vs ovs.db.idl

Servers (each a separate process in a temporary directory, unix sockets):
  real           ovsdb-server as it runs by default (no fsync unless a commit op
                 says durable)
  real-durable   the same server, every transaction ending in a durable commit
  pyovn          pyovn db serve (fsync of every commit batch, the default)
  pyovn-nofsync  pyovn db serve --no-fsync

Workloads, driven by raw asyncio JSON-RPC clients so that client overhead is
small and the same for every server:
  small txn, 1 client     sequential one-row inserts (txn/s)
  small txn, 16 clients   the same from 16 connections at once (txn/s)
  bulk insert             one transaction of 10,000 Logical_Switch_Port rows
                          plus the switch that holds them (rows/s)
  monitor fan-out         50 connections monitor Logical_Switch; a writer
                          updates one row 100 times; time until all 50 have the
                          update (median / p95 ms)

Ratios are pyovn's speed over the real server's (>= 1 means pyovn is faster;
for latencies that is real / pyovn).

The --clients mode measures pyovn's client (`OvsdbClient` + `Replica`)
against the `ovs` Python IDL on the scale topology (shared/realovn/gen_nb.py)
served by the real ovsdb-servers: initial sync time and memory of the NB and
of the SB the real ovn-northd builds for it, and per-update processing.
"""

import argparse
import asyncio
import gc
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from pyovn.ovsdb.jsonrpc import JsonStreamSplitter

NB = "OVN_Northbound"
REAL_NB_SCHEMA = Path("/usr/share/ovn/ovn-nb.ovsschema")


# -- servers -------------------------------------------------------------------
@dataclass
class Server:
    name: str
    socket: Path
    stop: Callable[[], None]
    durable: bool = False


def start_real(tmp: Path, name: str) -> Server:
    db, sock, pid = tmp / f"{name}.db", tmp / f"{name}.sock", tmp / f"{name}.pid"
    subprocess.run(["ovsdb-tool", "create", str(db), str(REAL_NB_SCHEMA)], check=True)
    subprocess.run(
        [
            "ovsdb-server",
            str(db),
            f"--remote=punix:{sock}",
            f"--pidfile={pid}",
            f"--unixctl={tmp / (name + '.ctl')}",
            f"--log-file={tmp / (name + '.log')}",
            "--detach",
            "--no-chdir",
            "-vconsole:off",
        ],
        check=True,
    )

    def stop() -> None:
        subprocess.run(["kill", pid.read_text().strip()], check=False)

    _wait_for(sock)
    return Server(name, sock, stop)


def start_pyovn(tmp: Path, name: str, extra: list[str], tree: Path | None = None) -> Server:
    """pyovn db serve; `tree` runs the pyovn of another source tree instead."""
    db, sock = tmp / f"{name}.db", tmp / f"{name}.sock"
    env = {**os.environ, "PYTHONPATH": str(tree / "src")} if tree is not None else None
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pyovn",
            "db",
            "serve",
            "--db",
            str(db),
            "--schema",
            "ovn-nb",
            "--remote",
            f"punix:{sock}",
            "--log-file",
            str(tmp / f"{name}.log"),
            *extra,
        ],
        env=env,
    )

    def stop() -> None:
        proc.terminate()
        proc.wait(10)

    _wait_for(sock)
    return Server(name, sock, stop)


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 20
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{path} did not appear")
        time.sleep(0.02)


# -- a minimal JSON-RPC client ------------------------------------------------------
class Rpc(asyncio.Protocol):
    def __init__(self) -> None:
        self.splitter = JsonStreamSplitter()
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.ids = itertools.count(1)
        self.transport: asyncio.Transport | None = None
        self.on_notify: Callable[[dict[str, Any]], None] | None = None

    @classmethod
    async def open(cls, socket: Path) -> "Rpc":
        _, rpc = await asyncio.get_running_loop().create_unix_connection(cls, str(socket))
        return rpc

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        for msg in self.splitter.feed(data):
            if "method" in msg:
                if msg["method"] == "echo" and msg.get("id") is not None:
                    self.send({"id": msg["id"], "result": msg["params"], "error": None})
                elif self.on_notify is not None:
                    self.on_notify(msg)
            else:
                self.pending.pop(msg["id"]).set_result(msg)

    def send(self, msg: Any) -> None:
        assert self.transport is not None
        self.transport.write(orjson.dumps(msg))

    async def call(self, method: str, params: list[Any]) -> Any:
        msg_id = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = future
        self.send({"id": msg_id, "method": method, "params": params})
        reply = await future
        if reply.get("error") is not None:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    async def transact(self, ops: list[Any], durable: bool = False) -> list[Any]:
        if durable:
            ops = [*ops, {"op": "commit", "durable": True}]
        result = await self.call("transact", [NB, *ops])
        for item in result:
            if isinstance(item, dict) and "error" in item:
                raise RuntimeError(f"transaction failed: {item}")
        return result  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


# -- workloads -----------------------------------------------------------------
def switch_insert(name: str) -> dict[str, Any]:
    return {
        "op": "insert",
        "table": "Logical_Switch",
        "row": {"name": name, "other_config": ["map", [["subnet", "10.0.0.0/24"]]]},
    }


async def small_txns(server: Server, clients: int, per_client: int, round_: int = 0) -> float:
    conns = [await Rpc.open(server.socket) for _ in range(clients)]

    async def run(c: int, rpc: Rpc) -> None:
        for i in range(per_client):
            await rpc.transact([switch_insert(f"s{round_}-{clients}-{c}-{i}")], server.durable)

    start = time.perf_counter()
    await asyncio.gather(*(run(c, rpc) for c, rpc in enumerate(conns)))
    elapsed = time.perf_counter() - start
    for rpc in conns:
        rpc.close()
    return clients * per_client / elapsed


async def bulk_insert(server: Server, rows: int, round_: int = 0) -> float:
    rpc = await Rpc.open(server.socket)
    ops: list[Any] = [
        {
            "op": "insert",
            "table": "Logical_Switch_Port",
            "uuid-name": f"p{i}",
            "row": {
                "name": f"bulk{round_}-{i}",
                "addresses": f"0a:00:00:00:{i >> 8:02x}:{i & 255:02x} 10.0.{i >> 8}.{i & 255}",
                "external_ids": ["map", [["owner", "bench"]]],
            },
        }
        for i in range(rows)
    ]
    ops.append(
        {
            "op": "insert",
            "table": "Logical_Switch",
            "row": {
                "name": f"bulk{round_}",
                "ports": ["set", [["named-uuid", f"p{i}"] for i in range(rows)]],
            },
        }
    )
    start = time.perf_counter()
    await rpc.transact(ops, server.durable)
    elapsed = time.perf_counter() - start
    rpc.close()
    return rows / elapsed


async def fan_out(server: Server, watchers: int, updates: int) -> tuple[float, float]:
    writer = await Rpc.open(server.socket)
    await writer.transact(
        [
            {"op": "delete", "table": "Logical_Switch", "where": [["name", "==", "fan"]]},
            switch_insert("fan"),
        ]
    )
    arrivals: dict[int, list[float]] = {}
    conns = []
    for w in range(watchers):
        rpc = await Rpc.open(server.socket)

        def seen(msg: dict[str, Any], w: int = w) -> None:
            for row in msg["params"][1].get("Logical_Switch", {}).values():
                tick = (row.get("modify") or {}).get("other_config")
                if tick is not None:
                    n = int(dict(tick[1]).get("tick", -1))
                    arrivals.setdefault(n, []).append(time.perf_counter())

        rpc.on_notify = seen
        where = [["name", "==", "fan"]]
        await rpc.call(
            "monitor_cond",
            [
                NB,
                f"w{w}",
                {"Logical_Switch": [{"columns": ["name", "other_config"], "where": where}]},
            ],
        )
        conns.append(rpc)
    latencies = []
    for n in range(updates):
        start = time.perf_counter()
        await writer.transact(
            [
                {
                    "op": "update",
                    "table": "Logical_Switch",
                    "where": [["name", "==", "fan"]],
                    "row": {"other_config": ["map", [["tick", str(n)]]]},
                }
            ],
            server.durable,
        )
        while len(arrivals.get(n, ())) < watchers:
            await asyncio.sleep(0.0005)
        latencies.append((max(arrivals[n]) - start) * 1000)
    for rpc in [writer, *conns]:
        rpc.close()
    latencies.sort()
    return statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]


async def run_server(server: Server, quick: bool, round_: int) -> dict[str, float]:
    scale = 0.2 if quick else 1.0
    out: dict[str, float] = {}
    out["small txn, 1 client (txn/s)"] = await small_txns(server, 1, int(2000 * scale), round_)
    out["small txn, 16 clients (txn/s)"] = await small_txns(server, 16, int(250 * scale), round_)
    if server.name == "real-durable":
        return out
    # One 10,000-row transaction is a single sample: take the best of three.
    out["bulk insert 10,000 ports (rows/s)"] = max(
        [await bulk_insert(server, 10_000, 3 * round_ + rep) for rep in range(3)]
    )
    median, p95 = await fan_out(server, 50, int(100 * scale))
    out["fan-out to 50 monitors, median (ms)"] = median
    out["fan-out to 50 monitors, p95 (ms)"] = p95
    return out


def ratio(metric: str, ours: float | None, real: float | None) -> str:
    if ours is None or real is None or not ours or not real:
        return "-"
    value = real / ours if "(ms)" in metric else ours / real
    return f"{value:.2f}x"


def print_table(results: dict[str, dict[str, float]]) -> None:
    names = list(results)
    metrics = list(dict.fromkeys(m for r in results.values() for m in r))
    head = f"{'':38}" + "".join(f"{n:>15}" for n in names)
    head += f"{'pyovn/real':>12}{'nofsync/real':>14}{'pyovn/durable':>15}"
    if "before" in results:
        head += f"{'before/real':>13}{'before-nofsync/real':>21}"
    print(head)
    for m in metrics:
        row = f"{m:38}"
        for n in names:
            v = results[n].get(m)
            row += f"{v:>15.1f}" if v is not None else f"{'-':>15}"
        real = results.get("real", {}).get(m)
        row += f"{ratio(m, results.get('pyovn', {}).get(m), real):>12}"
        row += f"{ratio(m, results.get('pyovn-nofsync', {}).get(m), real):>14}"
        durable = results.get("real-durable", {}).get(m)
        row += f"{ratio(m, results.get('pyovn', {}).get(m), durable):>15}"
        if "before" in results:
            row += f"{ratio(m, results['before'].get(m), real):>13}"
            row += f"{ratio(m, results.get('before-nofsync', {}).get(m), real):>21}"
        print(row)


def bench_servers(quick: bool, only: list[str], rounds: int, before: Path | None) -> None:
    """All servers up at once; `rounds` interleaved rounds; the best figure of each.

    The machine is shared, so one round can be slowed by someone else's job;
    interleaving the servers and keeping each one's best round is fairer than
    running each server once.
    """
    if shutil.which("ovsdb-server") is None:
        raise SystemExit("the real ovsdb-server is needed (make debian-deps)")
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ovsdb-bench-") as tmpdir:
        tmp = Path(tmpdir)
        starters: dict[str, Callable[[], Server]] = {
            "real": lambda: start_real(tmp, "real"),
            "real-durable": lambda: start_real(tmp, "realdur"),
            "pyovn": lambda: start_pyovn(tmp, "pyovn", []),
            "pyovn-nofsync": lambda: start_pyovn(tmp, "nofsync", ["--no-fsync"]),
        }
        if before is not None:
            starters["before"] = lambda: start_pyovn(tmp, "before", [], before)
            starters["before-nofsync"] = lambda: start_pyovn(
                tmp, "beforenofsync", ["--no-fsync"], before
            )
        servers: list[Server] = []
        try:
            for name, start in starters.items():
                if only and name not in only:
                    continue
                server = start()
                server.name = name
                server.durable = name == "real-durable"
                servers.append(server)
            for round_ in range(rounds):
                for server in servers:
                    print(f"... round {round_ + 1}: {server.name}", file=sys.stderr)
                    figures = asyncio.run(run_server(server, quick, round_))
                    best = results.setdefault(server.name, {})
                    for metric, value in figures.items():
                        pick = min if "(ms)" in metric else max
                        best[metric] = pick(best.get(metric, value), value)
        finally:
            for server in servers:
                server.stop()
    print(f"best of {rounds} rounds (servers interleaved)")
    print_table(results)


# -- clients: pyovn Replica against ovs.db.idl ------------------------------------
SHARED_REALOVN = Path(__file__).resolve().parents[2] / "shared" / "realovn"
UPDATES = 2000
MARK_PORT = "vm0a-0"


def _rss_mib() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MiB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def _report(**values: Any) -> None:
    print("RESULT " + orjson.dumps(values).decode(), flush=True)


def _child_pyovn(remote: str, db: str, follow: bool) -> None:
    """Initial sync (and, with `follow`, UPDATES updates) with pyovn's Replica."""
    from pyovn.ovsdb.client import OvsdbClient
    from pyovn.ovsdb.replica import Replica

    async def main() -> None:
        base = _rss_mib()[0]
        start, cpu0 = time.perf_counter(), time.process_time()
        client = await OvsdbClient(remote).connect()
        replica = Replica(client, db)
        await replica.start()
        sync_s, sync_cpu = time.perf_counter() - start, time.process_time() - cpu0
        gc.collect()
        rss, hwm = _rss_mib()
        rows = sum(len(t.rows) for t in replica.tables.values())
        _report(sync_s=sync_s, sync_cpu_s=sync_cpu, rss_mib=rss - base, hwm_mib=hwm, rows=rows)
        if follow:
            done = asyncio.Event()

            def listen(changes: list[Any]) -> None:
                last = f"pyovn-{UPDATES - 1}"
                for ch in changes:
                    new = ch.new
                    if (
                        new
                        and new.get("name") == MARK_PORT
                        and new["external_ids"].get("seq") == last
                    ):
                        done.set()

            replica.listeners.append(listen)
            print("READY", flush=True)
            start, cpu0 = time.perf_counter(), time.process_time()
            await done.wait()
            _report(
                updates_wall_s=time.perf_counter() - start,
                update_cpu_us=1e6 * (time.process_time() - cpu0) / UPDATES,
            )
        await client.close()

    asyncio.run(main())


def _child_idl(remote: str, db: str, schema_file: str, follow: bool) -> None:
    """The same with the `ovs` Python IDL."""
    import ovs.db.idl
    import ovs.poller

    base = _rss_mib()[0]
    start, cpu0 = time.perf_counter(), time.process_time()
    helper = ovs.db.idl.SchemaHelper(location=schema_file)
    helper.register_all()
    idl = ovs.db.idl.Idl(remote, helper, leader_only=False)

    def spin(until: Callable[[], bool]) -> None:
        while not until():
            idl.run()
            poller = ovs.poller.Poller()
            idl.wait(poller)
            poller.timer_wait(10)  # the IDL registers nothing to wait on while connecting
            poller.block()

    spin(lambda: idl.state == idl.IDL_S_MONITORING and idl.change_seqno > 0)
    sync_s, sync_cpu = time.perf_counter() - start, time.process_time() - cpu0
    gc.collect()
    rss, hwm = _rss_mib()
    rows = sum(len(t.rows) for t in idl.tables.values())
    _report(sync_s=sync_s, sync_cpu_s=sync_cpu, rss_mib=rss - base, hwm_mib=hwm, rows=rows)
    if follow:
        ports = idl.tables["Logical_Switch_Port"].rows.values()
        (mark,) = [p for p in ports if p.name == MARK_PORT]
        print("READY", flush=True)
        start, cpu0 = time.perf_counter(), time.process_time()
        spin(lambda: mark.external_ids.get("seq") == f"idl-{UPDATES - 1}")
        _report(
            updates_wall_s=time.perf_counter() - start,
            update_cpu_us=1e6 * (time.process_time() - cpu0) / UPDATES,
        )
    idl.close()


def _measure(
    kind: str, remote: str, db: str, schema: Path, nb_socket: Path | None
) -> dict[str, Any]:
    """Run one client in a fresh process; with `nb_socket`, time UPDATES updates too."""
    args = [sys.executable, __file__, "--client-child", kind, remote, db, str(schema)]
    if nb_socket is not None:
        args.append("follow")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out: dict[str, Any] = {}
    for line in proc.stdout:
        if line.startswith("RESULT "):
            out.update(orjson.loads(line[7:]))
        elif line.startswith("READY") and nb_socket is not None:
            out.update(asyncio.run(_drive_updates(nb_socket, kind)))
    if proc.wait() != 0:
        raise SystemExit(f"{kind} client failed on {db}")
    return out


async def _drive_updates(nb_socket: Path, token: str) -> dict[str, Any]:
    """UPDATES one-column updates of one port, sent back to back (the child
    times how long it takes to see them all, and the CPU it spends)."""
    rpc = await Rpc.open(nb_socket)
    start = time.perf_counter()
    for i in range(UPDATES):
        await rpc.transact(
            [
                {
                    "op": "update",
                    "table": "Logical_Switch_Port",
                    "where": [["name", "==", MARK_PORT]],
                    "row": {"external_ids": ["map", [["seq", f"{token}-{i}"]]]},
                }
            ]
        )
    rpc.close()
    return {"writer_s": time.perf_counter() - start}


def bench_clients(ports: int) -> None:
    """Initial sync time and memory of the NB with `ports` ports (gen_nb.py)
    and of the SB the real ovn-northd builds for it; per-update processing."""
    gen = SHARED_REALOVN / "gen_nb.py"
    if not gen.exists() or shutil.which("ovn-northd") is None:
        raise SystemExit(f"needs the real OVN and {gen} (the scale topology generator)")
    tenants = max(1, ports // 50)
    with tempfile.TemporaryDirectory(prefix="ovsdb-clients-") as tmpdir:
        run = Path(tmpdir)
        env = {**os.environ, "NO_NORTHD": "1"}
        subprocess.run(
            [SHARED_REALOVN / "start.sh", run], check=True, env=env, stdout=subprocess.DEVNULL
        )
        try:
            nb, sb = f"unix:{run}/nb.sock", f"unix:{run}/sb.sock"
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, gen, "-N", str(tenants), "-P", "25", "--db", nb], check=True
            )
            print(
                f"NB loaded: {tenants} tenants x 2 switches x 25 ports "
                f"({time.perf_counter() - t0:.1f} s)",
                file=sys.stderr,
            )
            subprocess.run([SHARED_REALOVN / "start_northd.sh", run], check=True)
            subprocess.run(
                ["ovn-nbctl", f"--db={nb}", "--timeout=3600", "--wait=sb", "sync"], check=True
            )
            subprocess.run(["kill", (run / "northd.pid").read_text().strip()], check=True)
            print(f"SB built by ovn-northd ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
            results: dict[tuple[str, str], dict[str, Any]] = {}
            nb_schema = Path("/usr/share/ovn/ovn-nb.ovsschema")
            sb_schema = Path("/usr/share/ovn/ovn-sb.ovsschema")
            for kind in ("pyovn", "idl"):
                for db, remote, schema, follow in (
                    ("OVN_Northbound", nb, nb_schema, run / "nb.sock"),
                    ("OVN_Southbound", sb, sb_schema, None),
                ):
                    print(f"... {kind} {db}", file=sys.stderr)
                    results[(kind, db)] = _measure(kind, remote, db, schema, follow)
        finally:
            subprocess.run([SHARED_REALOVN / "stop.sh", run], stdout=subprocess.DEVNULL)
    print_clients(results)


def print_clients(results: dict[tuple[str, str], dict[str, Any]]) -> None:
    print(f"{'':42}{'pyovn Replica':>16}{'ovs.db.idl':>14}{'idl/pyovn':>11}")

    def row(label: str, db: str, key: str, fmt: str) -> None:
        a, b = results[("pyovn", db)].get(key), results[("idl", db)].get(key)
        if a is None or b is None:
            return
        print(f"{label:42}{a:>16{fmt}}{b:>14{fmt}}{b / a:>10.2f}x")

    for db in ("OVN_Northbound", "OVN_Southbound"):
        rows = results[("pyovn", db)]["rows"]
        print(f"{db} ({rows} rows)")
        row("  initial sync, wall (s)", db, "sync_s", ".2f")
        row("  initial sync, CPU (s)", db, "sync_cpu_s", ".2f")
        row("  memory of the replica (MiB RSS)", db, "rss_mib", ".0f")
        row("  peak RSS of the process (MiB)", db, "hwm_mib", ".0f")
    db = "OVN_Northbound"
    row(f"  {UPDATES} updates, client CPU per update (us)", db, "update_cpu_us", ".0f")
    row(f"  {UPDATES} updates, wall until all seen (s)", db, "updates_wall_s", ".2f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the transactions")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the best one counts")
    parser.add_argument("--servers", default="", help="comma-separated subset of servers")
    parser.add_argument("--clients", action="store_true", help="pyovn Replica vs ovs.db.idl")
    parser.add_argument(
        "--before", type=Path, help="also run the pyovn of this source tree (before/after)"
    )
    parser.add_argument("--ports", type=int, default=10_000, help="ports for --clients")
    parser.add_argument("--client-child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client_child:
        kind, remote, db, schema, *follow = args.client_child
        if kind == "pyovn":
            _child_pyovn(remote, db, bool(follow))
        else:
            _child_idl(remote, db, schema, bool(follow))
        return
    if args.clients:
        bench_clients(args.ports)
        return
    bench_servers(args.quick, [s for s in args.servers.split(",") if s], args.rounds, args.before)


if __name__ == "__main__":
    main()

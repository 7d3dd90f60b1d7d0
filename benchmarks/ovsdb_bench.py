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
for latencies that is real / pyovn). The --clients mode is described in
benchmarks/ovsdb_clients.py.
"""

import argparse
import asyncio
import itertools
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


def start_pyovn(tmp: Path, name: str, extra: list[str]) -> Server:
    db, sock = tmp / f"{name}.db", tmp / f"{name}.sock"
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
    out["bulk insert 10,000 ports (rows/s)"] = await bulk_insert(server, 10_000, round_)
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
        print(row)


def bench_servers(quick: bool, only: list[str], rounds: int) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the transactions")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the best one counts")
    parser.add_argument("--servers", default="", help="comma-separated subset of servers")
    parser.add_argument("--clients", action="store_true", help="pyovn Replica vs ovs.db.idl")
    parser.add_argument("--ports", type=int, default=10_000, help="ports for --clients")
    args = parser.parse_args()
    if args.clients:
        sys.path.insert(0, str(Path(__file__).parent))
        from ovsdb_clients import bench_clients  # type: ignore[import-not-found]

        bench_clients(args.ports)
        return
    bench_servers(args.quick, [s for s in args.servers.split(",") if s], args.rounds)


if __name__ == "__main__":
    main()

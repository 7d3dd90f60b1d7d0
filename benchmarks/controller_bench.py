"""pyovn controller benchmarks.

    python benchmarks/controller_bench.py port-up --tenants 20 200 [--samples 5]
    python benchmarks/controller_bench.py compute --tenants 10

port-up: time from `lsp-add` (one Northbound transaction adding a port with
its addresses to switch ls0a) to `Port_Binding.up` in the Southbound DB,
for a VIF already plugged with that iface-id on the measuring chassis.
NB, SB and northd are pyovn's (separate processes, unix sockets); the scale
topology is shared/realovn/gen_nb.py (T tenants x 2 switches x 25 ports:
1,000 ports for T=20, 10,000 for T=200). The chassis, "hv-pyovn" or
"hv-real", is not the topology's gateway (hv1) and hosts tenant 0's 50
VIFs, so both controllers implement ls0a, ls0b and lr0. Compared:
* pyovn: `pyovn db serve` (Open_vSwitch DB) + `pyovn vswitchd` + `pyovn controller`;
* real: ovsdb-server + ovs-vswitchd (dummy datapath, no root) + ovn-controller 23.03.

compute: a chassis hosting 10 x 2 x 25 = 500 VIFs (and the gateway role of
all routers) in this process, against pyovn NB/SB/northd processes: the
time to the first complete flow installation (500 ports up), then a full
recomputation from a cold cache (every logical flow of the local datapaths
translated, physical, port-security and MAC-binding tables computed).

Needs the real OVN/OVS (Debian packages) and shared/realovn; not run by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("PYOVN_SHARED", HERE.parents[1] / "shared"))
GEN_NB = SHARED / "realovn" / "gen_nb.py"
#: Where `compute --dump DIR` writes both controllers' flows.
DUMPS: Path | None = None

from pyovn.cloud.nb import Northbound  # noqa: E402
from pyovn.cloud.ovsinit import chassis_external_ids, init_chassis_db  # noqa: E402
from pyovn.cloud.rundir import RunDir  # noqa: E402
from pyovn.controller import Controller, SinkSwitch  # noqa: E402
from pyovn.controller.encaps import add_port, find_bridge  # noqa: E402
from pyovn.controller.txn import Txn  # noqa: E402
from pyovn.dataplane import Bridge  # noqa: E402
from pyovn.ovsdb.client import OvsdbClient  # noqa: E402
from pyovn.ovsdb.replica import Replica  # noqa: E402
from pyovn.ovsdb.schema import DatabaseSchema  # noqa: E402
from pyovn.ovsdb.server import OvsdbServer  # noqa: E402
from pyovn.schemas import schema_path  # noqa: E402


def tenant0_ports() -> list[str]:
    return [f"vm0{side}-{p}" for side in "ab" for p in range(25)]


# ---------------------------------------------------------------- central


def start_central(run: RunDir, tenants: int) -> float:
    """pyovn NB + SB + northd with gen_nb's topology; returns northd's full compute time."""
    for name, schema in (("nb", "ovn-nb"), ("sb", "ovn-sb")):
        sock = run.path / f"{name}.sock"
        args = ["db", "serve", "--db", str(run.path / f"{name}.db"), "--schema", schema]
        pid = run.start(name, [*args, "--remote", f"punix:{sock}", "--no-fsync"])
        run.wait_for_socket(sock, pid, name)
    nb = f"unix:{run.path}/nb.sock"
    subprocess.run(["ovn-nbctl", f"--db={nb}", "init"], check=True)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(GEN_NB), "-N", str(tenants), "-P", "25", "--db", nb],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    print(
        f"  NB loaded ({2 * tenants * 25} ports) in {time.monotonic() - started:.1f} s", flush=True
    )
    started = time.monotonic()
    run.start("northd", ["northd", "--ovnnb-db", nb, "--ovnsb-db", f"unix:{run.path}/sb.sock"])
    asyncio.run(_sync(nb))
    compute = time.monotonic() - started
    print(f"  pyovn northd full compute: {compute:.1f} s", flush=True)
    return compute


async def _sync(nb_remote: str, wait: str = "sb") -> None:
    nb = Northbound(nb_remote)
    await nb.start()
    try:
        await nb.sync(wait, timeout=3600)
    finally:
        await nb.close()


# ---------------------------------------------------------------- chassis


def start_pyovn_chassis(run: RunDir, name: str, ip: str) -> str:
    directory = run.chassis_dir(name)
    directory.mkdir(parents=True, exist_ok=True)
    sock = directory / "ovs.sock"
    pid = run.start(
        "ovs",
        [
            "db",
            "serve",
            "--db",
            str(directory / "ovs.db"),
            "--schema",
            "vswitch",
            "--remote",
            f"punix:{sock}",
            "--no-fsync",
        ],
        name,
    )
    run.wait_for_socket(sock, pid, "ovs")
    remote = f"unix:{sock}"
    ids = chassis_external_ids(name, f"unix:{run.path}/sb.sock", ip)
    asyncio.run(init_chassis_db(remote, ids))
    pid = run.start(
        "vswitchd",
        ["vswitchd", remote, "--underlay", ip, "--name", name, "--rundir", str(directory)],
        name,
    )
    run.wait_for_socket(directory / "hypervisor.sock", pid, "vswitchd")
    run.start("controller", ["controller", remote], name)
    return remote


def start_real_chassis(run: RunDir, name: str, ip: str) -> str:
    directory = run.chassis_dir(name)
    directory.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "OVS_RUNDIR": str(directory),
        "OVN_RUNDIR": str(directory),
        "OVS_LOGDIR": str(directory),
        "OVS_DBDIR": str(directory),
    }
    db, sock = directory / "conf.db", directory / "ovs.sock"
    subprocess.run(
        ["ovsdb-tool", "create", str(db), "/usr/share/openvswitch/vswitch.ovsschema"], check=True
    )

    def daemon(pidname: str, *argv: str) -> None:
        subprocess.run(
            [
                *argv,
                f"--pidfile={directory}/{pidname}.pid",
                f"--log-file={directory}/{pidname}.log",
                "--detach",
                "--no-chdir",
                "-vconsole:off",
            ],
            check=True,
            env=env,
        )

    daemon(
        "ovs", "ovsdb-server", str(db), f"--remote=punix:{sock}", f"--unixctl={directory}/ovs.ctl"
    )
    vsctl = ["ovs-vsctl", f"--db=unix:{sock}", "--timeout=60"]
    subprocess.run([*vsctl, "--no-wait", "init"], check=True)
    daemon(
        "vswitchd",
        "ovs-vswitchd",
        f"unix:{sock}",
        "--enable-dummy=override",
        f"--unixctl={directory}/vswitchd.ctl",
    )
    ids = chassis_external_ids(name, f"unix:{run.path}/sb.sock", ip)
    ids["ovn-bridge-datapath-type"] = "dummy"
    subprocess.run(
        [*vsctl, "set", "Open_vSwitch", ".", *(f"external_ids:{k}={v}" for k, v in ids.items())],
        check=True,
    )
    subprocess.run(
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
        ],
        check=True,
    )
    daemon("controller", "ovn-controller", f"unix:{sock}")
    return f"unix:{sock}"


async def plug(ovs_remote: str, interfaces: list[tuple[str, str]]) -> None:
    """Add Port + Interface rows with iface-ids to br-int (what libvirt does)."""
    client = OvsdbClient(ovs_remote)
    replica = Replica(
        client,
        "Open_vSwitch",
        {"Bridge": None, "Port": None, "Interface": None, "Open_vSwitch": None},
    )
    await replica.start()
    try:
        for _ in range(600):
            bridge = find_bridge({n: t.rows for n, t in replica.tables.items()}, "br-int")
            if bridge is not None:
                break
            await asyncio.sleep(0.1)
        assert bridge is not None, "br-int never appeared"
        txn = Txn(replica)
        for name, iface_id in interfaces:
            add_port(txn, bridge[0], name, {"external_ids": {"iface-id": iface_id}})
        await txn.commit(timeout=120)
    finally:
        await client.close()


# ---------------------------------------------------------------- port-up


class SbWatch:
    """Port_Binding.up as the Southbound DB says it."""

    def __init__(self, remote: str) -> None:
        self.client = OvsdbClient(remote)
        self.replica = Replica(
            self.client, "OVN_Southbound", {"Port_Binding": ["logical_port", "up"]}
        )

    async def start(self) -> None:
        await self.replica.start()

    def up(self, port: str) -> bool:
        return any(
            r["logical_port"] == port and True in r["up"]
            for r in self.replica.table("Port_Binding").values()
        )

    async def wait_up(self, ports: list[str], timeout: float) -> float:
        started = time.monotonic()
        while not all(self.up(p) for p in ports):
            if time.monotonic() - started > timeout:
                missing = [p for p in ports if not self.up(p)]
                raise TimeoutError(f"not up after {timeout:.0f} s: {missing[:5]}")
            await asyncio.sleep(0.005)
        return time.monotonic() - started


async def measure_port_up(
    run: RunDir, ovs: str, tag: str, samples: int
) -> tuple[float, list[float]]:
    sb = SbWatch(f"unix:{run.path}/sb.sock")
    nb = Northbound(f"unix:{run.path}/nb.sock")
    await sb.start()
    await nb.start()
    try:
        bound = await sb.wait_up(tenant0_ports(), 1800)
        await asyncio.sleep(2.0)  # let the chassis settle (flows of the bound ports installed)
        latencies = []
        for index in range(samples):
            port = f"x-{tag}-{index}"
            await plug(ovs, [(f"t{tag[:3]}{index}", port)])
            await asyncio.sleep(1.0)
            started = time.monotonic()
            await nb.lsp_add(
                "ls0a",
                port,
                addresses=[
                    f"0a:ee:00:00:{index // 256:02x}:{index % 256:02x} 10.0.0.{200 + index}"
                ],
            )
            while not sb.up(port):
                await asyncio.sleep(0.002)
            latencies.append(time.monotonic() - started)
            await asyncio.sleep(0.5)
        return bound, latencies
    finally:
        await nb.close()
        await sb.client.close()


def port_up(tenants: int, samples: int, impls: list[str]) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="pyovn-bench-"))
    run = RunDir(root)
    results: dict[str, Any] = {"ports": 2 * tenants * 25}
    print(
        f"port-up, {2 * tenants * 25} ports ({tenants} tenants), run directory {root}", flush=True
    )
    try:
        results["northd_full_s"] = start_central(run, tenants)
        for index, impl in enumerate(impls):
            name = f"hv-{impl}"
            ip = f"127.0.{90 + index}.{tenants % 250}"
            start = start_pyovn_chassis if impl == "pyovn" else start_real_chassis
            ovs = start(run, name, ip)
            asyncio.run(plug(ovs, [(f"v{p}"[:15], p) for p in tenant0_ports()]))
            bound, latencies = asyncio.run(measure_port_up(run, ovs, impl, samples))
            median = statistics.median(latencies)
            results[impl] = {"bind_50_s": bound, "latencies": latencies, "median": median}
            print(
                f"  {impl:5s}: 50 VIFs bound in {bound:.2f} s; lsp-add -> up: "
                f"{' '.join(f'{x * 1000:.0f}' for x in latencies)} ms; "
                f"median {median * 1000:.0f} ms",
                flush=True,
            )
            stop_chassis(run, name)
            asyncio.run(chassis_del(run, name))
    except BaseException:
        run.stop()
        print(f"  failed; logs kept in {root}", flush=True)
        raise
    run.stop()
    shutil.rmtree(root, ignore_errors=True)
    if "pyovn" in results and "real" in results:
        ratio = results["pyovn"]["median"] / results["real"]["median"]
        results["ratio"] = ratio
        print(f"  ratio pyovn/real (median): {ratio:.2f}", flush=True)
    return results


def stop_chassis(run: RunDir, name: str) -> None:
    directory = run.chassis_dir(name)
    for pidfile in ("controller", "vswitchd", "ovs"):
        path = directory / f"{pidfile}.pid"
        if path.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(path.read_text()), signal.SIGTERM)
            path.unlink(missing_ok=True)
    time.sleep(0.5)


async def chassis_del(run: RunDir, name: str) -> None:
    """`ovn-sbctl chassis-del`: a stopped chassis must not hold ports or hv_cfg back."""
    client = OvsdbClient(f"unix:{run.path}/sb.sock", reconnect=False)
    await client.connect()
    try:
        select = {"op": "select", "table": "Chassis", "where": [["name", "==", name]]}
        (found,) = await client.transact("OVN_Southbound", [select])
        ops: list[dict[str, Any]] = [
            {
                "op": "update",
                "table": "Port_Binding",
                "where": [["chassis", "==", row["_uuid"]]],
                "row": {"up": False, "chassis": ["set", []]},
            }
            for row in found["rows"]
        ]
        ops += [
            {"op": "delete", "table": table, "where": [["name", "==", name]]}
            for table in ("Chassis_Private", "Chassis")
        ]
        await client.transact("OVN_Southbound", ops)
    finally:
        await client.close()


# ---------------------------------------------------------------- compute


async def _compute(run: RunDir, tenants: int) -> None:
    vifs = [f"vm{t}{side}-{p}" for t in range(tenants) for side in "ab" for p in range(25)]
    server = OvsdbServer()
    server.add_database(DatabaseSchema.from_file(schema_path("vswitch")))
    ovs = f"unix:{run.path}/local-ovs.sock"
    await server.listen(f"p{ovs}")
    await init_chassis_db(
        ovs, chassis_external_ids("hv1", f"unix:{run.path}/sb.sock", "127.0.89.1")
    )
    bridge = Bridge("br-int")
    controller = Controller(ovs, lambda config: SinkSwitch(bridge))
    task = asyncio.create_task(controller.run())
    try:
        await asyncio.sleep(0.5)
        client = OvsdbClient(ovs)
        replica = Replica(client, "Open_vSwitch", None)
        await replica.start()
        while find_bridge({n: t.rows for n, t in replica.tables.items()}, "br-int") is None:
            await asyncio.sleep(0.05)
        txn = Txn(replica)
        found = find_bridge({n: t.rows for n, t in replica.tables.items()}, "br-int")
        assert found is not None
        for index, name in enumerate(vifs):
            add_port(
                txn,
                found[0],
                f"v{index}",
                {"external_ids": {"iface-id": name}, "ofport": frozenset({index + 10})},
            )
        sb = SbWatch(f"unix:{run.path}/sb.sock")
        await sb.start()
        started = time.monotonic()
        await txn.commit(timeout=300)
        await sb.wait_up(vifs, 1800)
        first = time.monotonic() - started
        while not controller.converged.is_set():
            await asyncio.sleep(0.01)
        settled = time.monotonic() - started
        print(
            f"  {len(vifs)} VIFs plugged -> all Port_Bindings up: {first:.2f} s; "
            f"all flows installed: {settled:.2f} s ({controller.stats.flows} OpenFlow flows, "
            f"{controller.stats.local_datapaths} local datapaths)"
        )
        if DUMPS is not None:
            (DUMPS / "pyovn.flows").write_text(bridge.dump_flows())
        await full_recompute(controller)
        await client.close()
        await sb.client.close()
    finally:
        controller.stop()
        task.cancel()
        await controller.close()
        await server.close()


async def full_recompute(controller: Controller) -> None:
    """Translate every logical flow again from a cold cache, then a whole
    controller run with that cold translator (bindings, physical,
    port-security and MAC-binding tables, the diff against the switch)."""
    from pyovn.controller.index import SbView
    from pyovn.controller.lflow import LflowTranslator
    from pyovn.ovsdb.database import Change

    assert controller.sb is not None
    sb = {name: t.rows for name, t in controller.sb.tables.items()}
    changes = [Change(t, u, None, r) for t, rows in sb.items() for u, r in rows.items()]
    translate_times, run_times = [], []
    for _ in range(3):
        translator = LflowTranslator()
        started = time.monotonic()
        translator.changed(changes)
        compiled = translator.translate(sb, SbView.build(sb), controller.local, controller.resident)
        translate_times.append(time.monotonic() - started)
        flows = len(list(translator.flows()))
        fresh = LflowTranslator()
        fresh.changed(changes)
        controller.translator = fresh
        started = time.monotonic()
        await controller.run_once()
        run_times.append(time.monotonic() - started)
    print(
        f"  cold translation of the local logical flows: {min(translate_times):.2f} s "
        f"({len(sb['Logical_Flow'])} logical flows monitored, {compiled} translations, "
        f"{flows} OpenFlow flows); whole controller run with a cold cache: "
        f"{min(run_times):.2f} s ({controller.stats.flows} flows installed); best of 3"
    )


def real_compute(run: RunDir, tenants: int) -> None:
    """The same chassis on the real ovn-controller: time to all ports up, then
    `inc-engine/recompute` as reported by its stopwatches."""
    vifs = [f"vm{t}{side}-{p}" for t in range(tenants) for side in "ab" for p in range(25)]
    ovs = start_real_chassis(run, "hv1", "127.0.89.2")
    directory = run.chassis_dir("hv1")

    async def bind() -> float:
        sb = SbWatch(f"unix:{run.path}/sb.sock")
        await sb.start()
        try:
            started = time.monotonic()
            await plug(ovs, [(f"v{i}", name) for i, name in enumerate(vifs)])
            await sb.wait_up(vifs, 1800)
            return time.monotonic() - started
        finally:
            await sb.client.close()

    first = asyncio.run(bind())
    ctl = next(directory.glob("ovn-controller.*.ctl"))
    env = {**os.environ, "OVN_RUNDIR": str(directory)}

    def appctl(*args: str) -> str:
        command = ["ovn-appctl", "-t", str(ctl), *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout

    time.sleep(3)
    dump = subprocess.run(
        ["ovs-ofctl", "dump-flows", "br-int"],
        capture_output=True,
        text=True,
        env={**env, "OVS_RUNDIR": str(directory)},
    ).stdout
    flows = dump.count(" actions=")
    if DUMPS is not None:
        (DUMPS / "real.flows").write_text(dump)
    samples = []
    for _ in range(3):
        appctl("stopwatch/reset")
        appctl("lflow-cache/flush")  # a cold recompute, like pyovn's
        appctl("inc-engine/recompute")
        time.sleep(2)
        for line in appctl("stopwatch/show", "flow-generation").splitlines():
            if "Maximum" in line:
                samples.append(float(line.split(":")[1].split()[0]))
    print(
        f"  real ovn-controller: {len(vifs)} VIFs plugged -> all up: {first:.2f} s "
        f"({flows} OpenFlow flows); cold full recompute (lflow cache flushed; "
        f"flow-generation stopwatch): "
        f"{min(samples) / 1000:.2f} s (best of 3)"
    )


def compute(tenants: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="pyovn-bench-"))
    run = RunDir(root)
    print(f"compute: {tenants * 50} local VIFs on one chassis, run directory {root}", flush=True)
    try:
        start_central(run, tenants)
        asyncio.run(_compute(run, tenants))
        asyncio.run(chassis_del(run, "hv1"))
        real_compute(run, tenants)
    finally:
        run.stop()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up the daemons on timeout
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    up = sub.add_parser("port-up")
    up.add_argument("--tenants", type=int, nargs="+", default=[20, 200])
    up.add_argument("--samples", type=int, default=5)
    up.add_argument("--impl", default="pyovn,real")
    cp = sub.add_parser("compute")
    cp.add_argument("--tenants", type=int, default=10)
    cp.add_argument("--dump", type=Path, help="write both flow tables here")
    args = parser.parse_args()
    if args.what == "port-up":
        for tenants in args.tenants:
            port_up(tenants, args.samples, args.impl.split(","))
    else:
        global DUMPS
        DUMPS = args.dump
        compute(args.tenants)


if __name__ == "__main__":
    main()

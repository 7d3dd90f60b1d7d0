"""`pyovn up` / `pyovn down`: a local OVN cloud as processes in a run directory.

`up` starts, each as its own process speaking OVSDB over unix sockets:
the Northbound and Southbound DB servers, northd, and per chassis an
Open_vSwitch DB server (initialised like `ovs-vsctl set Open_vSwitch .
external_ids:system-id=… ovn-remote=… ovn-encap-ip=…`), the simulated
vswitchd and the controller. The first chassis is the gateway: it maps
`physnet1` to the provider bridge `br-ex`. `up` returns once every chassis
has registered in the Southbound DB. `down` stops them by pid file.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from pyovn.cloud.errors import RunDirError
from pyovn.cloud.ovsinit import chassis_external_ids, init_chassis_db
from pyovn.cloud.rundir import ChassisInfo, CloudInfo, RunDir, underlay_address
from pyovn.ovsdb.client import OvsdbClient

__all__ = ["GATEWAY_MAPPINGS", "cloud_down", "cloud_up", "start_chassis", "wait_registered"]

GATEWAY_MAPPINGS = {"physnet1": "br-ex"}
Report = Callable[[str], None]


def _db(run: RunDir, name: str, schema: str, chassis: str | None = None) -> None:
    directory = run.chassis_dir(chassis) if chassis else run.path
    sock = directory / f"{name}.sock"
    args = ["db", "serve", "--db", str(directory / f"{name}.db"), "--schema", schema]
    args += [
        "--remote",
        f"punix:{sock}",
        "--log-file",
        str(directory / f"{name}.log"),
        "--no-fsync",
    ]
    pid = run.start(name, args, chassis)
    run.wait_for_socket(sock, pid, f"{chassis + '/' if chassis else ''}{name} DB server")


async def cloud_up(path: Path, chassis: int = 2, report: Report = print) -> CloudInfo:
    """Start a cloud with `chassis` chassis (hv1 … hvN) in `path`."""
    if chassis < 1:
        raise RunDirError("a cloud needs at least one chassis")
    run = RunDir(path)
    if run.running():
        raise RunDirError(f"a cloud is already running in {run.path} (pyovn down first)")
    run.path.mkdir(parents=True, exist_ok=True)
    for stale in [*run.path.glob("*.db"), *run.path.glob("*/*.db")]:
        stale.unlink()
    started = time.monotonic()
    try:
        return await _start(run, chassis, report, started)
    except BaseException:
        run.stop()
        raise


async def _start(run: RunDir, count: int, report: Report, started: float) -> CloudInfo:
    _db(run, "nb", "ovn-nb")
    _db(run, "sb", "ovn-sb")
    report(f"started Northbound and Southbound DB servers ({run.remote('nb.sock')})")
    info = CloudInfo(run.remote("nb.sock"), run.remote("sb.sock"))
    run.start("northd", ["northd", "--ovnnb-db", info.nb, "--ovnsb-db", info.sb])
    report("started northd")
    for index in range(1, count + 1):
        name = f"hv{index}"
        chassis = ChassisInfo(name, underlay_address(run.path, index), gateway=index == 1)
        info.chassis.append(chassis)
        await start_chassis(run, info.sb, chassis)
        role = ", gateway for physnet1 (br-ex)" if chassis.gateway else ""
        report(
            f"started chassis {name}: Open_vSwitch DB, vswitchd, controller "
            f"(encap {chassis.underlay}{role})"
        )
    run.write_info(info)
    await wait_registered(info, 60.0)
    report(
        f"all {count} chassis registered in the Southbound DB ({time.monotonic() - started:.1f} s)"
    )
    return info


async def start_chassis(
    run: RunDir, sb_remote: str, chassis: ChassisInfo, controller_args: tuple[str, ...] = ()
) -> None:
    """Start one chassis's Open_vSwitch DB server, vswitchd and controller
    (given `controller_args`, e.g. SSL files) against the SB `sb_remote`
    (a comma-separated list for a cluster)."""
    name = chassis.name
    directory = run.chassis_dir(name)
    directory.mkdir(parents=True, exist_ok=True)
    _db(run, "ovs", "vswitch", name)
    mappings = GATEWAY_MAPPINGS if chassis.gateway else {}
    ids = chassis_external_ids(name, sb_remote, chassis.underlay, mappings)
    ovs = run.remote("ovs.sock", name)
    await init_chassis_db(ovs, ids, tuple(sorted(set(mappings.values()))))
    pid = run.start(
        "vswitchd",
        [
            "vswitchd",
            ovs,
            "--underlay",
            chassis.underlay,
            "--name",
            name,
            "--rundir",
            str(directory),
        ],
        name,
    )
    await asyncio.to_thread(
        run.wait_for_socket, directory / "hypervisor.sock", pid, f"{name} vswitchd"
    )
    run.start("controller", ["controller", ovs, *controller_args], name)


async def wait_registered(info: CloudInfo, timeout: float) -> None:
    """Wait until every chassis of `info` has its Chassis row in the SB."""
    client = OvsdbClient(info.sb, reconnect=False)
    await client.connect(timeout=timeout)
    wanted = {c.name for c in info.chassis}
    deadline = time.monotonic() + timeout
    try:
        while True:
            result = await client.transact(
                "OVN_Southbound",
                [{"op": "select", "table": "Chassis", "where": [], "columns": ["name"]}],
            )
            names = {row["name"] for row in result[0].get("rows", [])}
            if wanted <= names:
                return
            if time.monotonic() > deadline:
                missing = ", ".join(sorted(wanted - names))
                raise RunDirError(f"chassis {missing} did not register; see their controller.log")
            await asyncio.sleep(0.1)
    finally:
        await client.close()


def cloud_down(path: Path) -> list[str]:
    """Stop every daemon of the cloud in `path`; returns their names."""
    run = RunDir(path)
    stopped = run.stop()
    for sock in [*run.path.glob("*.sock"), *run.path.glob("*/*.sock"), *run.path.glob("*/*.mgmt")]:
        sock.unlink(missing_ok=True)
    return stopped

"""`pyovn demo` (v1): a local control plane in a run directory.

Starts the Northbound and Southbound databases (`pyovn db serve`, unix
sockets in the run directory), loads the demo topology into the NB with OVSDB
transactions, reads it back through a monitor, and stops the servers again,
on errors and Ctrl-C too. Northd and the chassis join in later versions.
"""

import asyncio
from dataclasses import dataclass
from pathlib import Path

from pyovn.cloud.daemons import Daemons, DbServer
from pyovn.cloud.errors import CloudError
from pyovn.cloud.rundir import RunDir
from pyovn.cloud.topology import DEMO, Snapshot, Topology, load, read
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.errors import OvsdbError

__all__ = ["DemoResult", "run_demo"]

DEFAULT_RUN_DIR = Path("run/demo")


@dataclass
class DemoResult:
    run_dir: Path
    nb_remote: str
    sb_remote: str
    sb_databases: list[str]
    snapshot: Snapshot


def run_demo(run_dir: Path = DEFAULT_RUN_DIR, topology: Topology = DEMO) -> DemoResult:
    """Run the demo end to end; every server it started is stopped on return."""
    run = RunDir(run_dir).create()
    with Daemons() as daemons:
        nb = daemons.start(DbServer(run, "nb", "ovn-nb"))
        sb = daemons.start(DbServer(run, "sb", "ovn-sb"))
        snapshot, sb_dbs = asyncio.run(_load_and_read(nb.remote, sb.remote, topology))
    return DemoResult(run.path, nb.remote, sb.remote, sb_dbs, snapshot)


async def _load_and_read(
    nb_remote: str, sb_remote: str, topology: Topology
) -> tuple[Snapshot, list[str]]:
    try:
        writer = await OvsdbClient(nb_remote, reconnect=False).connect(timeout=10)
        try:
            await load(writer, topology)
        finally:
            await writer.close()
        reader = await OvsdbClient(nb_remote, reconnect=False).connect(timeout=10)
        try:
            snapshot = await asyncio.wait_for(read(reader), 30)
        finally:
            await reader.close()
        sb = await OvsdbClient(sb_remote, reconnect=False).connect(timeout=10)
        try:
            sb_dbs = await sb.call("list_dbs", [], timeout=10)
        finally:
            await sb.close()
    except (OvsdbError, TimeoutError) as exc:
        if isinstance(exc, CloudError):
            raise
        raise CloudError(f"demo: {exc or 'timed out'}") from exc
    return snapshot, list(sb_dbs)

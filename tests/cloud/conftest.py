"""Fixtures for the cloud tests: process-based clouds in tmp directories.

Every daemon a cloud starts lives in its run directory under tmp_path and
is stopped (by pid file) in the finalizer, whatever happens.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pyovn.cloud.nb import Northbound
from pyovn.cloud.rundir import RunDir
from pyovn.cloud.scenario import SeedScenario, Step
from pyovn.cloud.up import cloud_down, cloud_up
from pyovn.cloud.vmctl import CloudClient


def pyovn(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the `pyovn` command."""
    return subprocess.run(
        [sys.executable, "-m", "pyovn", *args], capture_output=True, text=True, timeout=timeout
    )


def sb_rows(rundir: Path, table: str) -> list[dict[str, Any]]:
    """Rows of a Southbound table, as `ovn-sbctl list` would show them."""

    async def query() -> list[dict[str, Any]]:
        from pyovn.ovsdb.client import OvsdbClient

        client = OvsdbClient(f"unix:{rundir}/sb.sock", reconnect=False)
        await client.connect(timeout=10)
        try:
            result = await client.transact(
                "OVN_Southbound", [{"op": "select", "table": table, "where": []}]
            )
            return list(result[0]["rows"])
        finally:
            await client.close()

    return asyncio.run(query())


def chassis_of(rundir: Path, port: str) -> str | None:
    """The chassis a logical port is bound to."""
    names = {row["_uuid"][1]: row["name"] for row in sb_rows(rundir, "Chassis")}
    for row in sb_rows(rundir, "Port_Binding"):
        if row["logical_port"] == port:
            chassis = row["chassis"]
            return names.get(chassis[1]) if chassis and chassis[0] == "uuid" else None
    return None


@dataclass
class PlayedCloud:
    """A running cloud on which the seed scenario was played."""

    rundir: Path
    steps: dict[str, Step]
    placement: dict[str, str]

    def client(self) -> CloudClient:
        return CloudClient(self.rundir)


async def play(rundir: Path, chassis: int) -> PlayedCloud:
    await cloud_up(rundir, chassis, report=lambda line: None)
    nb = Northbound(f"unix:{rundir}/nb.sock")
    await nb.start()
    try:
        scenario = SeedScenario(nb, CloudClient(rundir))
        await scenario.run()
        return PlayedCloud(rundir, scenario.steps, scenario.place)
    finally:
        await nb.close()


@pytest.fixture
def rundir(tmp_path: Path) -> Iterator[Path]:
    """A run directory whose daemons are stopped at the end of the test."""
    path = tmp_path / "run"
    try:
        yield path
    finally:
        cloud_down(path)
        assert RunDir(path).running() == {}

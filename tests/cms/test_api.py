"""The transaction API under the tools: NbApi, retries, concurrency, --wait.

The API layer is what the REST API and the libvirt agent use; these tests
drive it directly (no command line) against real servers.
"""

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pyovn.cms.api.command import Command
from pyovn.cms.api.txn import TxnContext
from pyovn.cms.errors import DuplicateError, NotFoundError, WaitTimeoutError
from pyovn.cms.nbctl.api import NbApi
from pyovn.cms.nbctl.verbs import NBCTL
from tests.cms.helpers import dump, ours
from tests.helpers.daemons import Daemon, have, needs_real_ovn
from tests.helpers.ovn import OvnDatabases

BIN = Path(sys.executable).parent


async def _setup(remote: str) -> NbApi:
    nb = await NbApi.connect(remote)
    async with nb.transaction() as txn:
        txn.add(nb.init())
        txn.add(nb.ls_add("sw1", may_exist=True))
    return nb


def test_transaction_builds_a_switch_with_ports(nb: Daemon) -> None:
    async def main() -> Any:
        api = await _setup(nb.remote)
        try:
            async with api.transaction() as txn:
                for i in range(3):
                    txn.add(api.lsp_add("sw1", f"vm{i}"))
                    txn.add(
                        api.lsp_set_addresses(f"vm{i}", [f"52:54:00:00:00:0{i} 10.0.0.{i + 10}"])
                    )
            assert txn.result is not None and txn.result.committed
            return await api.execute(api.lsp_list("sw1"))
        finally:
            await api.close()

    ports = asyncio.run(main())
    assert [p.name for p in ports] == ["vm0", "vm1", "vm2"]
    assert sorted(next(iter(p["addresses"])) for p in ports) == [
        f"52:54:00:00:00:0{i} 10.0.0.{i + 10}" for i in range(3)
    ]


def test_a_failing_command_leaves_the_database_untouched(nb: Daemon) -> None:
    async def main() -> None:
        api = await _setup(nb.remote)
        try:
            with pytest.raises(NotFoundError, match="nope: switch name not found"):
                async with api.transaction() as txn:
                    txn.add(api.lsp_add("sw1", "a"))
                    txn.add(api.lsp_add("nope", "b"))
            with pytest.raises(DuplicateError):
                await api.execute(api.ls_add("sw1"))
        finally:
            await api.close()

    asyncio.run(main())
    assert dump(nb.remote, "OVN_Northbound")["Logical_Switch_Port"] == {}


def test_concurrent_writers_lose_nothing(nb: Daemon) -> None:
    """Eight clients add ports to one switch at once; name lookups are guarded."""

    async def writer(index: int) -> None:
        api = await NbApi.connect(nb.remote)
        try:
            for j in range(5):
                await api.execute(api.lsp_add("sw1", f"w{index}-{j}"))
        finally:
            await api.close()

    async def main() -> None:
        api = await _setup(nb.remote)
        await api.close()
        await asyncio.gather(*(writer(i) for i in range(8)))

    asyncio.run(main())
    tables = dump(nb.remote, "OVN_Northbound")
    (switch,) = tables["Logical_Switch"].values()
    names = {tables["Logical_Switch_Port"][u]["name"] for u in switch["ports"]}
    assert names == {f"w{i}-{j}" for i in range(8) for j in range(5)}


class _AppendLog(Command):
    """Read-modify-write of one column; on its first run another client writes it too."""

    def __init__(self, remote: str) -> None:
        self.remote = remote
        self.runs = 0

    def run(self, ctx: TxnContext) -> None:
        self.runs += 1
        (switch,) = ctx.find("Logical_Switch", "name", "sw1")
        old = dict(switch["external_ids"])
        if self.runs == 1:
            binary = "ovn-nbctl" if have("ovn-nbctl") else str(BIN / "pyovn-nbctl")
            subprocess.run(
                [
                    binary,
                    f"--db={self.remote}",
                    "set",
                    "logical_switch",
                    "sw1",
                    "external_ids:log=other",
                ],
                check=True,
            )
        switch["external_ids"] = {**old, "log": old.get("log", "") + "+mine"}


def test_a_concurrent_change_makes_the_transaction_retry(nb: Daemon) -> None:
    command = _AppendLog(nb.remote)

    async def main() -> Any:
        api = await _setup(nb.remote)
        try:
            async with api.transaction() as txn:
                txn.add(command)
            return txn.result
        finally:
            await api.close()

    result = asyncio.run(main())
    assert result.attempts == 2 and command.runs == 2
    (switch,) = dump(nb.remote, "OVN_Northbound")["Logical_Switch"].values()
    assert switch["external_ids"] == {"log": "other+mine"}


def test_conflicts_are_detected_by_the_pyovn_server_too(pyovn_nb_db: Daemon) -> None:
    test_a_concurrent_change_makes_the_transaction_retry(pyovn_nb_db)


def test_dry_run_and_wait_until(nb: Daemon) -> None:
    assert ours(NBCTL, nb.remote, ["init", "--", "ls-add", "sw1"]).status == 0
    assert ours(NBCTL, nb.remote, ["--dry-run", "ls-add", "sw2"]).status == 0
    assert ours(NBCTL, nb.remote, ["ls-list"]).out.count("(sw") == 1

    async def main() -> str:
        api = await NbApi.connect(nb.remote)
        try:
            from pyovn.cms.api.db_commands import WaitUntilCommand

            waiter = asyncio.ensure_future(
                api.execute(WaitUntilCommand("Logical_Switch", "sw1", ["other_config:x=1"]))
            )
            await asyncio.sleep(0.2)
            assert not waiter.done()
            await api.execute(api.db_set("Logical_Switch", "sw1", ["other_config:x=1"]))
            await asyncio.wait_for(waiter, 10)
            return "done"
        finally:
            await api.close()

    assert asyncio.run(main()) == "done"


def test_wait_sb_times_out_without_northd(nb: Daemon) -> None:
    assert ours(NBCTL, nb.remote, ["init"]).status == 0
    outcome = ours(NBCTL, nb.remote, ["--timeout=1", "--wait=sb", "ls-add", "x"])
    assert outcome.status == 1 and outcome.error == "timed out after 1 seconds"

    async def main() -> None:
        api = await NbApi.connect(nb.remote)
        try:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(api.execute(api.sync(), wait="sb"), 0.5)
        finally:
            await api.close()

    asyncio.run(main())
    assert WaitTimeoutError.__mro__[1].__name__ == "CmsError"


@needs_real_ovn
@pytest.mark.oracle
@pytest.mark.parametrize("northd", ["real", "pyovn"])
def test_wait_sb_and_hv_return_once_northd_caught_up(tmp_path: Path, northd: str) -> None:
    dbs = OvnDatabases.start(tmp_path)
    try:
        if northd == "real":
            dbs.start_real_northd()
        else:
            dbs.start_pyovn_northd()
        args = ["--timeout=60", "--wait=sb", "--print-wait-time", "ls-add", "sw9"]
        outcome = ours(NBCTL, dbs.nb.remote, args)
        assert outcome.status == 0, outcome.error
        report = outcome.out.splitlines()
        assert report[0] == "Time spent on processing nb_cfg 1:" and len(report) == 3
        assert report[2].startswith("\tovn-northd completion:\t\t\t")
        datapaths = dump(dbs.sb(), "OVN_Southbound")["Datapath_Binding"].values()
        assert [d["external_ids"].get("name") for d in datapaths] == ["sw9"]
        outcome = ours(NBCTL, dbs.nb.remote, ["--timeout=60", "--wait=hv", "sync"])
        assert outcome.status == 0, outcome.error
        (nb_global,) = dump(dbs.nb.remote, "OVN_Northbound")["NB_Global"].values()
        assert nb_global["nb_cfg"] == 2 and nb_global["sb_cfg"] >= 2 and nb_global["hv_cfg"] >= 2
    finally:
        dbs.stop()


def test_names_looked_up_after_a_rename_in_the_same_transaction(nb: Daemon) -> None:
    """Lookups see earlier commands' changes; their commit guards see the database."""
    assert ours(NBCTL, nb.remote, ["init", "--", "ls-add", "sw1"]).status == 0
    outcome = ours(
        NBCTL, nb.remote, ["set", "Logical_Switch", "sw1", "name=sw2", "--", "ls-add", "sw1"]
    )
    assert outcome.status == 0, outcome.error
    listed = ours(NBCTL, nb.remote, ["ls-list"]).out.splitlines()
    assert [line.split()[1] for line in listed] == ["(sw1)", "(sw2)"]

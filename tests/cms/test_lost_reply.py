"""A transaction whose reply the connection took with it (a leader killed mid-commit).

A small proxy between the tool and pyovn db cuts the connection around the
first transaction: either after the server has it (committed, reply lost)
or before (never sent on). Either way the tool must end with the change made
exactly once and report success; when re-running could double a change, it
must say the outcome is unknown instead.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from pyovn.cms.api.backend import Backend
from pyovn.cms.api.outcome import Verdict, judge_lost
from pyovn.cms.nbctl.api import NbApi
from pyovn.ovsdb.client import OvsdbClient
from tests.helpers.daemons import Daemon

NB = "OVN_Northbound"


class LossyProxy:
    """Forwards a unix socket, but cuts the connection at the first transaction
    that holds `marker`: after passing it on (`lose` "reply") or without
    passing it on ("request")."""

    def __init__(self, path: Path, upstream: str, lose: str, marker: bytes) -> None:
        self.path = path
        self.upstream = upstream
        self.lose = lose
        self.marker = marker
        self.cut = False
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(self._serve, str(self.path))

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        up_reader, up_writer = await asyncio.open_unix_connection(self.upstream)
        self._writers += [writer, up_writer]

        async def pump(
            src: asyncio.StreamReader, dst: asyncio.StreamWriter, to_server: bool
        ) -> None:
            while data := await src.read(65536):
                if to_server and self._cuts(data):
                    self.cut = True
                    if self.lose == "reply":
                        dst.write(data)
                        await dst.drain()
                        await asyncio.sleep(0.3)  # the server commits meanwhile
                    writer.transport.abort()
                    up_writer.transport.abort()
                    return
                dst.write(data)
                await dst.drain()

        tasks = [
            asyncio.ensure_future(pump(reader, up_writer, True)),
            asyncio.ensure_future(pump(up_reader, writer, False)),
        ]
        with contextlib.suppress(Exception):
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for pumping in tasks:
            pumping.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        writer.transport.abort()
        up_writer.transport.abort()

    def _cuts(self, data: bytes) -> bool:
        return not self.cut and b'"transact"' in data and self.marker in data


async def _names(nb: Daemon, table: str) -> list[str]:
    client = OvsdbClient(nb.remote, reconnect=False)
    await client.connect()
    try:
        result = await client.transact(NB, [{"op": "select", "table": table, "where": []}])
    finally:
        await client.close()
    return sorted(row["name"] for row in result[0]["rows"])


def _through_proxy(
    nb: Daemon, tmp_path: Path, lose: str, marker: bytes, work: Callable[[NbApi], Awaitable[Any]]
) -> tuple[bool, Any]:
    async def main() -> tuple[bool, Any]:
        proxy = LossyProxy(tmp_path / "proxy.sock", str(nb.socket), lose, marker)
        await proxy.start()
        try:
            backend = await Backend(f"unix:{proxy.path}", NB).connect()
            try:
                result = await work(NbApi(backend))
                return proxy.cut, result
            finally:
                await backend.close()
        finally:
            await proxy.close()

    return asyncio.run(main())


async def _prepare(nb: Daemon) -> None:
    api = NbApi(await Backend(nb.remote, NB).connect())
    try:
        await api.backend.execute([api.init(), api.ls_add("sw0"), api.ls_add("gone")])
        await api.backend.execute([api.lsp_add("sw0", "p1")])
    finally:
        await api.backend.close()


async def _select(nb: Daemon, table: str, column: str) -> list[Any]:
    client = OvsdbClient(nb.remote, reconnect=False)
    await client.connect()
    try:
        ops = [{"op": "select", "table": table, "where": [], "columns": [column]}]
        result = await client.transact(NB, ops)
    finally:
        await client.close()
    return sorted(str(row[column]) for row in result[0]["rows"])


CHANGES = {
    "insert": (b'"insert"', lambda api: [api.ls_add("sw1")]),
    "update": (b'"update"', lambda api: [api.lsp_set_addresses("p1", ["0a:00:00:00:00:01"])]),
    "delete": (b'"delete"', lambda api: [api.ls_del("gone")]),
}
#: The NB afterwards: switch names, port addresses.
EXPECTED = {
    "insert": (["gone", "sw0", "sw1"], ["['set', []]"]),
    "update": (["gone", "sw0"], ["0a:00:00:00:00:01"]),
    "delete": (["sw0"], ["['set', []]"]),
}


@pytest.mark.parametrize("lose", ["reply", "request"])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_whose_reply_is_lost_is_made_exactly_once(
    pyovn_nb: Daemon, tmp_path: Path, lose: str, change: str
) -> None:
    asyncio.run(_prepare(pyovn_nb))
    marker, commands = CHANGES[change]

    async def work(api: NbApi) -> Any:
        return await api.backend.execute(commands(api))

    cut, result = _through_proxy(pyovn_nb, tmp_path, lose, marker, work)
    assert cut
    assert result.committed
    switches, addresses = EXPECTED[change]
    assert asyncio.run(_select(pyovn_nb, "Logical_Switch", "name")) == switches
    assert asyncio.run(_select(pyovn_nb, "Logical_Switch_Port", "addresses")) == addresses


def _mutate(column: str, mutator: str) -> dict[str, Any]:
    return {
        "op": "mutate",
        "table": "NB_Global",
        "where": [["_uuid", "==", ["uuid", "u1"]]],
        "mutations": [[column, mutator, 1]],
    }


def test_only_arithmetic_outside_the_wait_counter_is_unknown() -> None:
    tables: dict[str, dict[str, Any]] = {"Logical_Switch": {}, "NB_Global": {"u1": {}}}
    insert = {"op": "insert", "table": "Logical_Switch", "uuid": "s1", "row": {}}
    delete = {"op": "delete", "table": "NB_Global", "where": [["_uuid", "==", ["uuid", "u1"]]]}
    assert judge_lost([insert], tables, None) is Verdict.RETRY
    assert judge_lost([insert], {**tables, "Logical_Switch": {"s1": {}}}, None) is Verdict.COMMITTED
    assert judge_lost([delete], tables, None) is Verdict.RETRY
    assert judge_lost([delete], {**tables, "NB_Global": {}}, None) is Verdict.COMMITTED
    assert judge_lost([_mutate("nb_cfg", "+=")], tables, "nb_cfg") is Verdict.RETRY
    assert judge_lost([_mutate("external_ids", "insert")], tables, None) is Verdict.RETRY
    assert judge_lost([_mutate("nb_cfg", "+=")], tables, None) is Verdict.UNKNOWN

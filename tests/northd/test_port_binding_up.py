"""Port_Binding.up starts as false, as ovn-northd writes it: ovn-controller
only ever sets `up` to true when it was explicitly false."""

import asyncio
from pathlib import Path

from pyovn.cloud.nb import Northbound
from pyovn.northd.daemon import Northd
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.server import OvsdbServer
from pyovn.schemas import schema_path


def test_new_port_bindings_are_not_up(tmp_path: Path) -> None:
    async def body() -> dict[str, frozenset[bool]]:
        servers = []
        for name in ("ovn-nb", "ovn-sb"):
            server = OvsdbServer()
            server.add_database(DatabaseSchema.from_file(schema_path(name)))
            await server.listen(f"punix:{tmp_path}/{name}.sock")
            servers.append(server)
        northd = Northd(f"unix:{tmp_path}/ovn-nb.sock", f"unix:{tmp_path}/ovn-sb.sock")
        task = asyncio.create_task(northd.run())
        nb = Northbound(f"unix:{tmp_path}/ovn-nb.sock")
        try:
            await nb.start()
            await nb.ls_add("sw")
            await nb.lsp_add("sw", "vif", addresses=["50:54:00:00:00:01 10.0.0.2"])
            await nb.lsp_add("sw", "ln", type="localnet", options={"network_name": "phys"})
            await nb.sync("sb")
            rows = northd.sb.table("Port_Binding").values()
            return {row["logical_port"]: row["up"] for row in rows}
        finally:
            northd.stop()
            await task
            await northd.close()
            await nb.close()
            for server in servers:
                await server.close()

    assert asyncio.run(asyncio.wait_for(body(), 30)) == {
        "vif": frozenset({False}),
        "ln": frozenset({False}),
    }

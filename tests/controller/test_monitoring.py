"""Conditional monitoring: a chassis only receives the logical flows of its
local datapaths (ovn-monitor-all=false), and the replica keeps the rows a
condition change brings."""

from __future__ import annotations

from pathlib import Path

from pyovn.cloud.embedded import EmbeddedCloud
from pyovn.cloud.seed import build_seed
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.replica import Replica
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.server import OvsdbServer
from pyovn.schemas import schema_path
from tests.controller.conftest import run, wait_until, with_cloud


def test_replica_keeps_rows_selected_by_a_condition_change(tmp_path: Path) -> None:
    async def body() -> None:
        server = OvsdbServer()
        server.add_database(DatabaseSchema.from_file(schema_path("ovn-sb")))
        await server.listen(f"punix:{tmp_path}/sb.sock")
        writer = OvsdbClient(f"unix:{tmp_path}/sb.sock")
        reader = OvsdbClient(f"unix:{tmp_path}/sb.sock")
        try:
            await writer.connect()
            insert = [
                {
                    "op": "insert",
                    "table": "Datapath_Binding",
                    "uuid-name": f"d{k}",
                    "row": {"tunnel_key": k},
                }
                for k in (1, 2)
            ] + [
                {
                    "op": "insert",
                    "table": "Logical_Flow",
                    "row": {
                        "logical_datapath": ["named-uuid", f"d{k}"],
                        "pipeline": "ingress",
                        "table_id": 0,
                        "priority": 10,
                        "match": "1",
                        "actions": "next;",
                    },
                }
                for k in (1, 2)
            ]
            results = await writer.transact("OVN_Southbound", insert)
            dp1 = results[0]["uuid"][1]
            replica = Replica(
                reader,
                "OVN_Southbound",
                {"Logical_Flow": None, "Datapath_Binding": None},
                conditions={"Logical_Flow": [False]},
            )
            await replica.start()
            assert replica.table("Logical_Flow") == {}
            await replica.set_conditions(
                {"Logical_Flow": [["logical_datapath", "includes", ["uuid", dp1]]]}
            )
            rows = list(replica.table("Logical_Flow").values())
            assert [r["logical_datapath"] for r in rows] == [frozenset({dp1})]
        finally:
            await writer.close()
            await reader.close()
            await server.close()

    run(body())


def test_a_chassis_receives_only_its_local_datapaths_flows(tmp_path: Path) -> None:
    async def body(cloud: EmbeddedCloud) -> dict[str, tuple[int, int]]:
        assert cloud.nb is not None
        await build_seed(cloud.nb)
        hypervisor = cloud.chassis["hv2"].hypervisor
        assert hypervisor is not None
        await hypervisor.boot("vm3", "50:54:00:00:02:13", iface_id="vm3", cidr="10.0.1.13/24")
        await cloud.nb.sync("hv")
        seen = {}
        for name in ("hv1", "hv2"):
            controller = cloud.chassis[name].controller
            assert controller is not None and controller.sb is not None
            await wait_until(controller.converged.is_set, 10, "convergence")
            sb = controller.sb
            names = {
                u: r["external_ids"].get("name") for u, r in sb.table("Datapath_Binding").items()
            }
            groups = sb.table("Logical_DP_Group")
            only_ext = nonlocal_rows = 0
            for row in sb.table("Logical_Flow").values():
                members = set(row["logical_datapath"])
                for group in row["logical_dp_group"]:
                    members |= groups[group]["datapaths"]
                only_ext += {names[m] for m in members} == {"ext"}
                nonlocal_rows += not members & controller.local
            seen[name] = (only_ext, nonlocal_rows)
        return seen

    seen = run(with_cloud(tmp_path, 2, body))
    assert seen["hv1"][0] > 10 and seen["hv1"][1] == 0  # hv1, the gateway, implements ext
    assert seen["hv2"] == (0, 0)  # hv2 never receives the external network's flows

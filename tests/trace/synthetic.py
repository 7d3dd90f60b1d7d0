"""Small Southbound contents built in memory, for tests without a database.

`switch_sb(flows)` is one logical switch "d1" with ports p1 (key 1, port
security), p2 (key 2), p3 (key 3) and a flood group; `flows` are
(pipeline, table, priority, match, actions) rows on it.
"""

from collections.abc import Iterable

from pyovn.trace import SouthboundSnapshot

DP = "00000000-0000-0000-0000-0000000000d1"
FlowRow = tuple[str, int, int, str, str]


def _uuid(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012x}"


def switch_sb(flows: Iterable[FlowRow]) -> SouthboundSnapshot:
    ports = {
        _uuid(0x101): ("p1", 1, ("00:00:00:00:00:01 10.0.0.1",)),
        _uuid(0x102): ("p2", 2, ()),
        _uuid(0x103): ("p3", 3, ()),
    }
    tables: dict[str, dict[str, dict[str, object]]] = {
        "Datapath_Binding": {
            DP: {"tunnel_key": 1, "external_ids": {"name": "d1", "logical-switch": _uuid(0xD)}}
        },
        "Port_Binding": {
            uuid: {
                "logical_port": name,
                "tunnel_key": key,
                "datapath": DP,
                "type": "",
                "options": {},
                "port_security": frozenset(security),
                "mac": frozenset(security),
            }
            for uuid, (name, key, security) in ports.items()
        },
        "Multicast_Group": {
            _uuid(0x201): {
                "name": "_MC_flood",
                "tunnel_key": 32768,
                "datapath": DP,
                "ports": frozenset(ports),
            }
        },
        "Logical_Flow": {},
    }
    for index, (pipeline, table, priority, match, actions) in enumerate(flows):
        tables["Logical_Flow"][_uuid(0x1000 + index)] = {
            "logical_datapath": DP,
            "logical_dp_group": frozenset(),
            "pipeline": pipeline,
            "table_id": table,
            "priority": priority,
            "match": match,
            "actions": actions,
            "external_ids": {
                "stage-name": f"{'ls_in' if pipeline == 'ingress' else 'ls_out'}_t{table}"
            },
        }
    return SouthboundSnapshot.from_tables(tables)


#: A switch that forwards by eth.dst and floods broadcasts.
FORWARDING = [
    ("ingress", 0, 50, "1", "reg0[15] = check_in_port_sec(); next;"),
    ("ingress", 1, 50, "reg0[15] == 1", "drop;"),
    ("ingress", 1, 0, "1", "next;"),
    ("ingress", 2, 100, "eth.mcast", 'outport = "_MC_flood"; output;'),
    ("ingress", 2, 50, "eth.dst == 00:00:00:00:00:02", 'outport = "p2"; output;'),
    (
        "ingress",
        2,
        50,
        "eth.dst == 00:00:00:00:00:03",
        'eth.src = 00:00:00:00:00:99; ip.ttl--; outport = "p3"; output;',
    ),
    ("egress", 0, 0, "1", "output;"),
]

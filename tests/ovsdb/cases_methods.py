"""Differential cases: monitors (update, update2, update3), monitor_cond and
its condition changes, and the other JSON-RPC methods (echo, list_dbs,
get_schema, locks, wait/cancel, the _Server database).

Connection 0 writes; connection 1 (and 2) monitor or compete for locks.
"""

import json
import re
from typing import Any

from tests.helpers.differential import ZERO_UUID, Case, call, pause, transact
from tests.ovsdb.cases_txn import dele, ins, mut, sel, upd, uu, wait

U1 = "11111111-1111-4111-8111-111111111111"
COLS = ["i", "s", "iset", "imap"]


def w(*ops: Any) -> Any:
    return transact(*ops, conn=0)


def mon(method: str, mon_id: Any, requests: Any, *extra: Any, conn: int = 1) -> Any:
    return call(method, "DiffTest", mon_id, requests, *extra, conn=conn)


def _writes() -> list[Any]:
    """Insert, modify (scalar, set, map), a no-op, an unwatched column, delete."""
    return [
        w(
            ins(
                "Simple",
                {"i": 1, "s": "a", "iset": ["set", [1, 2]], "imap": ["map", [["k", 1]]]},
                uuid=U1,
            )
        ),
        w(upd("Simple", [], {"i": 2})),
        w(mut("Simple", [], [["iset", "insert", 3], ["iset", "delete", 1]])),
        w(mut("Simple", [], [["imap", "insert", ["map", [["j", 2]]]], ["imap", "delete", "k"]])),
        w(upd("Simple", [], {"imap": ["map", [["j", 5]]]})),
        w(upd("Simple", [], {"i": 2})),
        w(upd("Simple", [], {"r": 9.5})),
        w(dele("Simple")),
    ]


def _existing() -> Any:
    return w(ins("Simple", {"i": 10, "s": "old", "sset": "x"}), ins("Simple", {"i": 20}))


def _mask_txn_ids(msg: dict[str, Any]) -> dict[str, Any]:
    """Transaction ids differ by design: the real standalone ovsdb-server keeps
    no history and always says the zero UUID; pyovn keeps history and names
    every commit (test_methods.py checks pyovn's resumption on its own)."""
    if msg.get("method") == "update3" and isinstance(msg.get("params"), list):
        params = list(msg["params"])
        params[1] = "<txn>"
        return {**msg, "params": params}
    result = msg.get("result")
    if isinstance(result, list) and len(result) == 3 and isinstance(result[0], bool):
        return {**msg, "result": [result[0], "<txn>", result[2]]}
    return msg


def _mask_elapsed(msg: dict[str, Any]) -> dict[str, Any]:
    return json.loads(re.sub(r"after \d+ ms", "after N ms", json.dumps(msg)))


MONITOR_CASES = [
    Case(
        "monitor_v1_lifecycle",
        [_existing(), mon("monitor", "m", {"Simple": {"columns": COLS}}), *_writes()],
    ),
    Case("monitor_v1_all_columns", [_existing(), mon("monitor", "m", {"Simple": {}}), *_writes()]),
    Case(
        "monitor_v1_select_flags",
        [
            _existing(),
            mon(
                "monitor",
                "m",
                {"Simple": {"columns": COLS, "select": {"initial": False, "modify": False}}},
            ),
            *_writes(),
        ],
    ),
    Case(
        "monitor_v1_select_only_delete",
        [
            mon(
                "monitor",
                "m",
                {
                    "Simple": {
                        "columns": ["i"],
                        "select": {
                            "initial": False,
                            "insert": False,
                            "modify": False,
                            "delete": True,
                        },
                    }
                },
            ),
            *_writes(),
        ],
    ),
    Case(
        "monitor_v1_request_array",
        [
            _existing(),
            mon("monitor", "m", {"Simple": [{"columns": ["i"]}, {"columns": ["s"]}]}),
            *_writes(),
        ],
    ),
    Case(
        "monitor_v1_overlapping_columns",
        [mon("monitor", "m", {"Simple": [{"columns": ["i"]}, {"columns": ["i", "s"]}]})],
    ),
    Case("monitor_v1_duplicate_column", [mon("monitor", "m", {"Simple": {"columns": ["i", "i"]}})]),
    Case(
        "monitor_v1_where_rejected",
        [mon("monitor", "m", {"Simple": {"columns": ["i"], "where": [["i", "==", 1]]}})],
    ),
    Case(
        "monitor_v1_version_column",
        [mon("monitor", "m", {"Simple": {"columns": ["i", "_version"]}}), *_writes()[:2]],
    ),
    Case(
        "monitor_v2_lifecycle",
        [_existing(), mon("monitor_cond", "m", {"Simple": [{"columns": COLS}]}), *_writes()],
    ),
    Case(
        "monitor_v2_all_columns",
        [_existing(), mon("monitor_cond", "m", {"Simple": [{}]}), *_writes()],
    ),
    Case(
        "monitor_v2_where",
        [
            _existing(),
            mon("monitor_cond", "m", {"Simple": [{"columns": COLS, "where": [["i", "<=", 2]]}]}),
            *_writes(),
            w(upd("Simple", [["i", "==", 20]], {"i": 1})),
            w(upd("Simple", [["i", "==", 1]], {"i": 30})),
        ],
    ),
    Case(
        "monitor_v2_where_or",
        [
            _existing(),
            mon(
                "monitor_cond",
                "m",
                {"Simple": [{"columns": ["i"], "where": [["i", "==", 10], ["s", "==", "a"]]}]},
            ),
            *_writes(),
        ],
    ),
    Case(
        "monitor_v2_where_false",
        [
            _existing(),
            mon("monitor_cond", "m", {"Simple": [{"columns": ["i"], "where": [False]}]}),
            *_writes(),
        ],
    ),
    Case(
        "monitor_v2_where_true",
        [
            _existing(),
            mon("monitor_cond", "m", {"Simple": [{"columns": ["i"], "where": [True]}]}),
            *_writes()[:2],
        ],
    ),
    Case(
        "monitor_v2_where_empty",
        [
            _existing(),
            mon("monitor_cond", "m", {"Simple": [{"columns": ["i"], "where": []}]}),
            *_writes()[:2],
        ],
    ),
    Case(
        "monitor_v2_where_bad_column",
        [mon("monitor_cond", "m", {"Simple": [{"columns": ["i"], "where": [["zz", "==", 1]]}]})],
    ),
    Case(
        "monitor_v2_select_flags",
        [
            _existing(),
            mon(
                "monitor_cond",
                "m",
                {"Simple": [{"columns": COLS, "select": {"initial": False, "delete": False}}]},
            ),
            *_writes(),
        ],
    ),
    Case("monitor_unknown_table", [mon("monitor_cond", "m", {"Nope": [{}]})]),
    Case("monitor_unknown_column", [mon("monitor_cond", "m", {"Simple": [{"columns": ["zz"]}]})]),
    Case("monitor_uuid_column", [mon("monitor", "m", {"Simple": {"columns": ["_uuid"]}})]),
    Case("monitor_unknown_db", [call("monitor", "Nope", "m", {}, conn=1)]),
    Case(
        "monitor_duplicate_id",
        [mon("monitor", "m", {"Simple": {}}), mon("monitor", "m", {"Weak": {}})],
    ),
    Case(
        "monitor_two_on_one_connection",
        [
            mon("monitor", "a", {"Simple": {"columns": ["i"]}}),
            mon("monitor_cond", "b", {"Simple": [{"columns": ["s"]}]}),
            *_writes()[:3],
        ],
    ),
    Case(
        "monitor_two_connections",
        [
            mon("monitor_cond", "m", {"Simple": [{"columns": ["i"]}]}),
            mon("monitor_cond", "m", {"Simple": [{"columns": ["i"]}]}, conn=2),
            *_writes()[:3],
        ],
    ),
    Case(
        "monitor_cancel",
        [
            mon("monitor_cond", "m", {"Simple": [{}]}),
            call("monitor_cancel", "m", conn=1),
            *_writes()[:2],
        ],
    ),
    Case("monitor_cancel_unknown", [call("monitor_cancel", "zz", conn=1)]),
    Case(
        "monitor_gc_and_weak",
        [
            mon(
                "monitor_cond",
                "m",
                {
                    "Parent": [{"columns": ["name", "children", "weak"]}],
                    "Child": [{"columns": ["name"]}],
                    "Weak": [{"columns": ["n"]}],
                },
            ),
            w(
                ins(
                    "Parent",
                    {"name": "p", "children": ["named-uuid", "c"], "weak": ["named-uuid", "w"]},
                ),
                ins("Child", {"name": "c"}, "c"),
                ins("Weak", {"n": 1}, "w"),
            ),
            w(dele("Weak")),
            w(dele("Parent")),
        ],
    ),
    Case(
        "monitor_cond_change",
        [
            _existing(),
            mon(
                "monitor_cond",
                "m",
                {"Simple": [{"columns": ["i", "s"], "where": [["i", "==", 10]]}]},
            ),
            call(
                "monitor_cond_change", "m", "m2", {"Simple": [{"where": [["i", ">", 15]]}]}, conn=1
            ),
            w(upd("Simple", [], {"s": "z"})),
            w(ins("Simple", {"i": 16})),
        ],
    ),
    Case(
        "monitor_cond_change_to_true",
        [
            _existing(),
            mon("monitor_cond", "m", {"Simple": [{"columns": ["i"], "where": [False]}]}),
            call("monitor_cond_change", "m", "m", {"Simple": [{"where": [True]}]}, conn=1),
        ],
    ),
    Case(
        "monitor_cond_change_unknown",
        [call("monitor_cond_change", "zz", "zz", {"Simple": [{"where": []}]}, conn=1)],
    ),
    Case(
        "monitor_cond_change_v1",
        [
            mon("monitor", "m", {"Simple": {"columns": ["i"]}}),
            call("monitor_cond_change", "m", "m", {"Simple": [{"where": [False]}]}, conn=1),
        ],
    ),
    Case(
        "monitor_cond_since_zero",
        [
            _existing(),
            mon("monitor_cond_since", "m", {"Simple": [{"columns": COLS}]}, ZERO_UUID),
            *_writes(),
        ],
        transform=_mask_txn_ids,
    ),
    Case(
        "monitor_cond_since_unknown_id",
        [
            _existing(),
            mon(
                "monitor_cond_since",
                "m",
                {"Simple": [{"columns": ["i"], "where": [["i", ">", 10]]}]},
                U1,
            ),
        ],
        transform=_mask_txn_ids,
    ),
]

LOCK_CASES = [
    Case("lock_free", [call("lock", "L"), transact({"op": "assert", "lock": "L"})]),
    Case(
        "lock_contended",
        [
            call("lock", "L"),
            call("lock", "L", conn=1),
            transact({"op": "assert", "lock": "L"}, conn=1),
            call("unlock", "L"),
            transact({"op": "assert", "lock": "L"}, conn=1),
        ],
    ),
    Case(
        "lock_steal",
        [
            call("lock", "L"),
            call("steal", "L", conn=1),
            transact({"op": "assert", "lock": "L"}),
            call("unlock", "L", conn=1),
        ],
    ),
    Case("lock_twice", [call("lock", "L"), call("lock", "L")]),
    Case("unlock_unheld", [call("unlock", "L")]),
    Case("lock_bad_params", [call("lock", 5)]),
]

WAIT_BLOCK_CASES = [
    Case(
        "wait_blocks_until_change",
        [
            transact(wait("Simple", [["i", "==", 4]], ["i"], "!=", [], timeout=5000)),
            transact(ins("Simple", {"i": 4}), conn=1),
        ],
    ),
    Case(
        "wait_blocks_no_timeout",
        [
            transact(wait("Simple", [], ["i"], "==", [{"i": 4}], timeout=None)),
            transact(ins("Simple", {"i": 3}), conn=1),
            transact(upd("Simple", [], {"i": 4}), conn=1),
        ],
    ),
    # ovsdb-server reports the elapsed time (101 ms), pyovn the timeout.
    Case(
        "wait_times_out",
        [
            transact(wait("Simple", [], ["i"], "==", [{"i": 4}], timeout=100)),
            pause(0.5),
            call("echo"),
        ],
        transform=_mask_elapsed,
    ),
]

OTHER_CASES = [
    Case("echo", [call("echo", "a", 1, {"b": [2]})]),
    Case("echo_empty", [call("echo")]),
    Case("list_dbs", [call("list_dbs")]),
    Case("get_schema", [call("get_schema", "DiffTest")]),
    Case("get_schema_unknown", [call("get_schema", "Nope")]),
    # pyovn's bundled schemas carry no "cksum" (see scripts/import-schema.py).
    Case("get_schema_server", [call("get_schema", "_Server")], ignore=("cksum",)),
    Case("unknown_method", [call("frobnicate", 1)]),
    Case("transact_unknown_db", [transact(sel("Simple"), db="Nope")]),
    Case("transact_no_db", [call("transact")]),
    Case("transact_db_not_string", [call("transact", 5)]),
    Case("set_db_change_aware", [call("set_db_change_aware", True)]),
    Case(
        "server_db_monitor",
        [
            mon(
                "monitor_cond",
                "s",
                {"Database": [{"columns": ["name", "model", "connected", "leader", "schema"]}]},
            )
        ],
        transform=lambda m: m,
    ),
    Case(
        "server_db_select",
        [
            transact(
                sel(
                    "Database",
                    [["name", "==", "DiffTest"]],
                    ["name", "model", "connected", "leader"],
                ),
                db="_Server",
            )
        ],
    ),
    Case(
        "server_db_write",
        [transact(ins("Database", {"name": "x", "model": "standalone"}), db="_Server")],
    ),
    Case(
        "select_uuid_of_inserted",
        [
            transact(ins("Simple", {"i": 1}, uuid=U1)),
            transact(sel("Simple", [["_uuid", "==", uu(U1)]], ["_uuid", "i"])),
        ],
    ),
]

for _case in LOCK_CASES + WAIT_BLOCK_CASES:
    _case.settle = 0.2

METHOD_CASES: list[Case] = MONITOR_CASES + LOCK_CASES + WAIT_BLOCK_CASES + OTHER_CASES

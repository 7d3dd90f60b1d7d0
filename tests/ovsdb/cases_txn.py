"""Differential cases: RFC 7047 transactions on the DiffTest schema.

Each case runs on a fresh (emptied) DiffTest database against the real
ovsdb-server and against `pyovn db`; see tests/helpers/differential.py for how
replies are compared.
"""

import re
from typing import Any

from tests.helpers.differential import Case, Step, transact

U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"
U3 = "33333333-3333-4333-8333-333333333333"


def ins(
    table: str, row: dict[str, Any] | None = None, name: str | None = None, uuid: str | None = None
) -> dict[str, Any]:
    op: dict[str, Any] = {"op": "insert", "table": table, "row": row or {}}
    if name is not None:
        op["uuid-name"] = name
    if uuid is not None:
        op["uuid"] = uuid
    return op


def sel(table: str, where: list[Any] | None = None, columns: list[str] | None = None) -> Any:
    op: dict[str, Any] = {"op": "select", "table": table, "where": where or []}
    if columns is not None:
        op["columns"] = columns
    return op


def upd(table: str, where: list[Any], row: dict[str, Any]) -> dict[str, Any]:
    return {"op": "update", "table": table, "where": where, "row": row}


def mut(table: str, where: list[Any], mutations: list[Any]) -> dict[str, Any]:
    return {"op": "mutate", "table": table, "where": where, "mutations": mutations}


def dele(table: str, where: list[Any] | None = None) -> dict[str, Any]:
    return {"op": "delete", "table": table, "where": where or []}


def wait(
    table: str,
    where: list[Any],
    columns: list[str],
    until: str,
    rows: list[Any],
    timeout: int | None = 0,
) -> dict[str, Any]:
    op = {
        "op": "wait",
        "table": table,
        "where": where,
        "columns": columns,
        "until": until,
        "rows": rows,
    }
    if timeout is not None:
        op["timeout"] = timeout
    return op


def nu(name: str) -> list[str]:
    return ["named-uuid", name]


def uu(uuid: str) -> list[str]:
    return ["uuid", uuid]


def t(*ops: Any) -> Step:
    return transact(*ops)


S_COLS = ["i", "r", "b", "s", "iset", "sset", "imap", "opt", "oint"]
ALL = [[]]  # an empty where


def _simple_rows() -> Step:
    return t(
        ins(
            "Simple",
            {
                "i": 1,
                "r": 0.5,
                "b": True,
                "s": "one",
                "iset": ["set", [1, 2]],
                "sset": ["set", ["a", "b"]],
                "imap": ["map", [["x", 1], ["y", 2]]],
                "opt": "here",
                "oint": 5,
            },
        ),
        ins(
            "Simple",
            {
                "i": 2,
                "r": 1.5,
                "b": False,
                "s": "two",
                "iset": ["set", [2, 3]],
                "sset": "b",
                "imap": ["map", [["y", 2]]],
            },
        ),
        ins("Simple", {"i": 3, "r": -2.0, "s": "three", "oint": ["set", [9]]}),
    )


def _select_case(name: str, where: list[Any], columns: list[str] | None = None) -> Case:
    return Case(f"select_{name}", [_simple_rows(), t(sel("Simple", where, columns or ["i"]))])


SELECT_CASES = [
    _select_case("all", []),
    _select_case("int_eq", [["i", "==", 2]]),
    _select_case("int_ne", [["i", "!=", 2]]),
    _select_case("int_lt", [["i", "<", 2]]),
    _select_case("int_le", [["i", "<=", 2]]),
    _select_case("int_gt", [["i", ">", 2]]),
    _select_case("int_ge", [["i", ">=", 2]]),
    _select_case("int_includes", [["i", "includes", 3]]),
    _select_case("int_excludes", [["i", "excludes", 3]]),
    _select_case("real_lt", [["r", "<", 1]]),
    _select_case("real_ge_int_arg", [["r", ">=", 0]]),
    _select_case("bool_eq", [["b", "==", True]]),
    _select_case("string_eq", [["s", "==", "two"]]),
    _select_case("string_ne", [["s", "!=", "two"]]),
    _select_case("and_of_clauses", [["i", ">", 1], ["s", "!=", "three"]]),
    _select_case("set_eq", [["iset", "==", ["set", [1, 2]]]]),
    _select_case("set_eq_bare_atom", [["sset", "==", "b"]]),
    _select_case("set_ne", [["iset", "!=", ["set", [1, 2]]]]),
    _select_case("set_includes", [["iset", "includes", 2]]),
    _select_case("set_includes_two", [["iset", "includes", ["set", [2, 3]]]]),
    _select_case("set_excludes", [["iset", "excludes", ["set", [1]]]]),
    _select_case("set_includes_empty", [["iset", "includes", ["set", []]]]),
    _select_case("set_excludes_empty", [["sset", "excludes", ["set", []]]]),
    _select_case("map_eq", [["imap", "==", ["map", [["y", 2]]]]]),
    _select_case("map_ne", [["imap", "!=", ["map", [["y", 2]]]]]),
    _select_case("map_includes", [["imap", "includes", ["map", [["y", 2]]]]]),
    _select_case("map_includes_other_value", [["imap", "includes", ["map", [["y", 3]]]]]),
    _select_case("map_excludes", [["imap", "excludes", ["map", [["x", 1]]]]]),
    _select_case("optional_int_lt", [["oint", "<", 6]]),
    _select_case("optional_int_ge", [["oint", ">=", 0]]),
    _select_case("optional_int_eq_empty", [["oint", "==", ["set", []]]]),
    _select_case("optional_string_eq", [["opt", "==", "here"]]),
    _select_case("uuid_eq_unknown", [["_uuid", "==", ["uuid", U1]]]),
    _select_case("uuid_ne_unknown", [["_uuid", "!=", ["uuid", U1]]]),
    _select_case("columns_all", [["i", "==", 1]], list(S_COLS)),
    _select_case("columns_uuid", [["i", "==", 3]], ["_uuid", "i"]),
    _select_case("columns_version", [["i", "==", 3]], ["_version"]),
    _select_case("error_string_lt", [["s", "<", "b"]]),
    _select_case("error_set_lt", [["iset", "<", 1]]),
    _select_case("error_map_gt", [["imap", ">", 1]]),
    _select_case("error_unknown_column", [["nope", "==", 1]]),
    _select_case("error_unknown_function", [["i", "=~", 1]]),
    _select_case("error_bad_clause", [["i", "=="]]),
    _select_case("error_type_mismatch", [["i", "==", "one"]]),
    _select_case("error_where_not_array", {"i": 1}),  # type: ignore[arg-type]
    _select_case("error_bad_columns", [], ["i", "nope"]),
    _select_case("error_relational_set_arg", [["i", "<", ["set", [1, 2]]]]),
]

INSERT_CASES = [
    Case("insert_defaults", [t(ins("Simple", {}, uuid=U1)), t(sel("Simple"))]),
    Case("insert_returns_uuid_and_select", [_simple_rows(), t(sel("Simple", [], S_COLS))]),
    Case(
        "insert_explicit_uuid",
        [t(ins("Simple", {"i": 7}, uuid=U1)), t(sel("Simple", [["_uuid", "==", uu(U1)]], ["i"]))],
    ),
    Case(
        "insert_duplicate_uuid_in_txn",
        [t(ins("Simple", {}, uuid=U1), ins("Simple", {}, uuid=U1))],
    ),
    Case(
        "insert_duplicate_uuid_existing",
        [t(ins("Simple", {}, uuid=U1)), t(ins("Simple", {}, uuid=U1))],
    ),
    Case("insert_duplicate_uuid_name", [t(ins("Simple", {}, "a"), ins("Simple", {}, "a"))]),
    Case(
        "insert_named_uuid_forward_reference",
        [
            t(
                ins("Parent", {"name": "p", "children": ["set", [nu("c1"), nu("c2")]]}, "p"),
                ins("Child", {"name": "c1"}, "c1"),
                ins("Child", {"name": "c2", "grand": nu("g")}, "c2"),
                ins("Grand", {"n": 5}, "g"),
            ),
            t(sel("Parent", [], ["name", "children"]), sel("Child", [], ["name", "grand"])),
            t(sel("Grand", [], ["n"])),
        ],
    ),
    Case(
        "insert_uuid_and_name",
        [
            t(ins("Parent", {"children": nu("c")}), ins("Child", {"name": "c"}, "c", uuid=U1)),
            t(sel("Child", [], ["_uuid", "name"])),
        ],
    ),
    Case("insert_unknown_column", [t(ins("Simple", {"nope": 1}))]),
    Case("insert_write_uuid_column", [t(ins("Simple", {"_uuid": uu(U1)}))]),
    Case("insert_write_version_column", [t(ins("Simple", {"_version": uu(U1)}))]),
    Case("insert_string_for_integer", [t(ins("Simple", {"i": "1"}))]),
    Case("insert_real_for_integer", [t(ins("Simple", {"i": 1.5}))]),
    Case("insert_int_for_real", [t(ins("Simple", {"r": 2}), sel("Simple", [], ["r"]))]),
    Case("insert_int_for_boolean", [t(ins("Simple", {"b": 1}))]),
    Case("insert_bad_uuid", [t(ins("Simple", {"u": ["uuid", "not-a-uuid"]}))]),
    Case("insert_uuid_as_string", [t(ins("Simple", {"u": U1}))]),
    Case("insert_plain_uuid_column", [t(ins("Simple", {"u": uu(U2)}), sel("Simple", [], ["u"]))]),
    Case("insert_unknown_named_uuid", [t(ins("Simple", {"u": nu("ghost")}))]),
    Case("insert_enum_ok", [t(ins("Checked", {"se": "green"}), sel("Checked", [], ["se"]))]),
    Case("insert_enum_violation", [t(ins("Checked", {"se": "pink"}))]),
    Case("insert_enum_default_violation", [t(ins("Checked", {"n": 1}))]),
    Case(
        "update_enum_other_column",
        [
            t(ins("Checked", {"se": "red"})),
            t(upd("Checked", [], {"n": 2}), sel("Checked", [], ["se", "n"])),
        ],
    ),
    Case("insert_length_default_violation", [t(ins("Sized", {"n": 1}))]),
    Case("insert_int_above_max", [t(ins("Simple", {"ie": 11}))]),
    Case("insert_int_below_min", [t(ins("Simple", {"ie": -11}))]),
    Case("insert_int_below_min_only", [t(ins("Simple", {"ilow": -1}))]),
    Case("insert_real_out_of_range", [t(ins("Simple", {"rr": 1.5}))]),
    Case("insert_string_too_short", [t(ins("Sized", {"sl": "a"}))]),
    Case("insert_string_too_long", [t(ins("Sized", {"sl": "abcdef"}))]),
    Case("insert_string_length_ok", [t(ins("Sized", {"sl": "abcde"}), sel("Sized", [], ["sl"]))]),
    Case("insert_set_too_small", [t(ins("Simple", {"s3": ["set", []]}))]),
    Case("insert_set_too_big", [t(ins("Simple", {"s3": ["set", [1, 2, 3, 4]]}))]),
    Case("insert_set_duplicates", [t(ins("Simple", {"iset": ["set", [1, 1]]}))]),
    Case("insert_map_too_big", [t(ins("Simple", {"m2": ["map", [[1, "a"], [2, "b"], [3, "c"]]]}))]),
    Case("insert_map_duplicate_key", [t(ins("Simple", {"imap": ["map", [["a", 1], ["a", 2]]]}))]),
    Case("insert_map_bad_shape", [t(ins("Simple", {"imap": ["map", [["a"]]]}))]),
    Case("insert_map_for_set", [t(ins("Simple", {"iset": ["map", [[1, 2]]]}))]),
    Case("insert_set_for_map", [t(ins("Simple", {"imap": ["set", []]}))]),
    Case("insert_row_not_object", [t({"op": "insert", "table": "Simple", "row": [1]})]),
    Case(
        "insert_immutable_and_ephemeral",
        [t(ins("Simple", {"imm": "fixed", "eph": 4})), t(sel("Simple", [], ["imm", "eph"]))],
    ),
    Case("insert_strong_ref_to_nothing", [t(ins("Parent", {"children": uu(U1)}))]),
    Case(
        "insert_unreferenced_child_is_collected", [t(ins("Child", {"name": "x"})), t(sel("Child"))]
    ),
    Case(
        "insert_weak_ref_to_nothing",
        [t(ins("Parent", {"weak": uu(U1)})), t(sel("Parent", [], ["weak"]))],
    ),
    Case("insert_weak_min1_to_nothing", [t(ins("WeakOne", {"ref": uu(U1)}))]),
]

UPDATE_CASES = [
    Case(
        "update_count",
        [
            _simple_rows(),
            t(upd("Simple", [["i", ">", 1]], {"s": "big"})),
            t(sel("Simple", [], ["i", "s"])),
        ],
    ),
    Case("update_no_match", [_simple_rows(), t(upd("Simple", [["i", "==", 9]], {"s": "x"}))]),
    Case("update_noop_same_value", [_simple_rows(), t(upd("Simple", [["i", "==", 1]], {"i": 1}))]),
    Case("update_immutable", [_simple_rows(), t(upd("Simple", [], {"imm": "x"}))]),
    Case("update_uuid_column", [_simple_rows(), t(upd("Simple", [], {"_uuid": uu(U1)}))]),
    Case("update_unknown_column", [_simple_rows(), t(upd("Simple", [], {"zz": 1}))]),
    Case("update_constraint", [_simple_rows(), t(upd("Simple", [], {"ie": 99}))]),
    Case("update_type_error", [_simple_rows(), t(upd("Simple", [], {"b": "yes"}))]),
    Case("update_missing_row", [t({"op": "update", "table": "Simple", "where": []})]),
]


_M_COUNT = [0]


def _m(column: str, mutator: str, value: Any, where: list[Any] | None = None) -> Case:
    setup = t(
        ins(
            "Simple",
            {
                "i": 7,
                "r": 2.5,
                "ie": 5,
                "iset": ["set", [1, 2]],
                "rset": 1.5,
                "sset": ["set", ["a"]],
                "s3": ["set", [1, 2]],
                "imap": ["map", [["a", 1], ["b", 2]]],
                "m2": ["map", [[1, "x"]]],
            },
        ),
    )
    _M_COUNT[0] += 1
    name = f"mutate_{_M_COUNT[0]:02d}_{column}_{mutator}"
    cols = [column] if column not in ("_uuid", "nope") else ["i"]
    return Case(
        name,
        [setup, t(mut("Simple", where or [], [[column, mutator, value]]), sel("Simple", [], cols))],
    )


MUTATE_CASES = [
    _m("i", "+=", 3),
    _m("i", "-=", 10),
    _m("i", "*=", -3),
    _m("i", "/=", 2),
    _m("i", "/=", -2),
    _m("i", "%=", 3),
    _m("i", "%=", -3),
    _m("i", "/=", 0),
    _m("i", "%=", 0),
    _m("i", "+=", 2**62),
    _m("i", "*=", 2**62),
    _m("i", "+=", 1.5),
    _m("r", "+=", 1),
    _m("r", "*=", 0.5),
    _m("r", "/=", 4),
    _m("r", "%=", 2),
    _m("ie", "+=", 5),
    _m("ie", "+=", 6),
    _m("iset", "+=", 10),
    _m("iset", "*=", 0),
    _m("rset", "-=", 0.5),
    _m("iset", "insert", ["set", [3, 4]]),
    _m("iset", "insert", 1),
    _m("iset", "delete", ["set", [1, 9]]),
    _m("sset", "delete", "a"),
    _m("s3", "insert", ["set", [5, 6]]),
    _m("s3", "delete", ["set", [1, 2]]),
    _m("imap", "insert", ["map", [["a", 9], ["c", 3]]]),
    _m("imap", "delete", ["set", ["a", "z"]]),
    _m("imap", "delete", ["map", [["a", 1], ["b", 9]]]),
    _m("imap", "delete", "b"),
    _m("m2", "insert", ["map", [[2, "y"], [3, "z"]]]),
    _m("imap", "+=", 1),
    _m("s", "+=", 1),
    _m("i", "insert", 1),
    _m("i", "^=", 1),
    _m("imm", "insert", "x"),
    _m("_uuid", "+=", 1),
    _m("nope", "+=", 1),
    _m("iset", "insert", ["set", ["x"]]),
    _m("imap", "insert", ["map", [["a", "x"]]]),
    Case(
        "mutate_count_and_where",
        [
            _simple_rows(),
            t(mut("Simple", [["i", ">=", 2]], [["i", "+=", 10]]), sel("Simple", [], ["i"])),
        ],
    ),
    Case("mutate_not_array", [_simple_rows(), t(mut("Simple", [], {"i": 1}))]),  # type: ignore[arg-type]
    Case("mutate_malformed", [_simple_rows(), t(mut("Simple", [], [["i", "+="]]))]),
]

PARENT = ins(
    "Parent",
    {
        "name": "p",
        "children": ["set", [uu(U2)]],
        "weak": ["set", [nu("w")]],
        "wmap": ["map", [["k", nu("w")], ["k2", nu("w2")]]],
    },
    "p",
)
FAMILY = t(
    PARENT,
    ins("Child", {"name": "c", "grand": nu("g")}, uuid=U2),
    ins("Grand", {"n": 1}, "g"),
    ins("Weak", {"n": 1}, "w"),
    ins("Weak", {"n": 2}, "w2"),
)
SEE_ALL = t(
    sel("Parent", [], ["name", "children", "weak", "wmap"]),
    sel("Child", [], ["name", "grand"]),
    sel("Grand", [], ["n"]),
    sel("Weak", [], ["n"]),
)

DELETE_CASES = [
    Case("delete_count", [_simple_rows(), t(dele("Simple", [["i", "<", 3]]), sel("Simple"))]),
    Case("delete_none", [t(dele("Simple"))]),
    Case("family_built", [FAMILY, SEE_ALL]),
    Case("delete_strongly_referenced", [FAMILY, t(dele("Child")), SEE_ALL]),
    Case("delete_parent_collects_children", [FAMILY, t(dele("Parent")), SEE_ALL]),
    Case(
        "clear_children_collects_cascade",
        [FAMILY, t(upd("Parent", [], {"children": ["set", []]})), SEE_ALL],
    ),
    Case(
        "mutate_children_delete_collects",
        [FAMILY, t(mut("Parent", [], [["children", "delete", uu(U2)]])), SEE_ALL],
    ),
    Case("delete_weak_target", [FAMILY, t(dele("Weak", [["n", "==", 1]])), SEE_ALL]),
    Case("delete_all_weak_targets", [FAMILY, t(dele("Weak")), SEE_ALL]),
    Case(
        "delete_weak_min1_target",
        [
            t(ins("Weak", {"n": 1}, "w"), ins("WeakOne", {"ref": nu("w")})),
            t(dele("Weak")),
            t(sel("WeakOne", [], ["ref"]), sel("Weak", [], ["n"])),
        ],
    ),
    Case(
        "child_shared_by_two_parents",
        [
            t(
                ins("Parent", {"name": "a", "children": nu("c")}),
                ins("Parent", {"name": "b", "children": nu("c")}),
                ins("Child", {"name": "c"}, "c"),
            ),
            t(dele("Parent", [["name", "==", "a"]])),
            t(sel("Child", [], ["name"])),
            t(dele("Parent", [["name", "==", "b"]])),
            t(sel("Child", [], ["name"])),
        ],
    ),
    Case(
        "delete_and_reference_in_same_txn",
        [
            FAMILY,
            t(dele("Weak", [["n", "==", 1]]), ins("Parent", {"name": "q", "weak": uu(U3)})),
            SEE_ALL,
        ],
    ),
    Case(
        "insert_then_delete_same_txn",
        [t(ins("Simple", {"i": 1}, "x"), dele("Simple"), sel("Simple"))],
    ),
    Case(
        "delete_then_reinsert_uuid",
        [t(ins("Simple", {}, uuid=U1)), t(dele("Simple"), ins("Simple", {}, uuid=U1))],
    ),
]

_ROWS_RE = re.compile(
    r"First row, with UUID (<\d+>), ([^.]*)\.  Second row, with UUID (<\d+>), ([^.]*)\."
)


def _unordered_rows(msg: Any) -> Any:
    """ovsdb-server names the two rows of an index clash in hash order: sort them."""

    def fix(text: str) -> str:
        match = _ROWS_RE.search(text)
        if match is None:
            return text
        pairs = sorted([(match[2], match[1]), (match[4], match[3])])
        fixed = (
            f"First row, with UUID {pairs[0][1]}, {pairs[0][0]}.  "
            f"Second row, with UUID {pairs[1][1]}, {pairs[1][0]}."
        )
        return text[: match.start()] + fixed + text[match.end() :]

    if isinstance(msg, str):
        return fix(msg)
    if isinstance(msg, list):
        return [_unordered_rows(v) for v in msg]
    if isinstance(msg, dict):
        return {k: _unordered_rows(v) for k, v in msg.items()}
    return msg


def _index_case(name: str, steps: list[Step]) -> Case:
    return Case(name, steps, post=_unordered_rows)


INDEX_CASES = [
    _index_case(
        "index_dup_in_txn", [t(ins("Parent", {"name": "x"}), ins("Parent", {"name": "x"}))]
    ),
    _index_case(
        "index_dup_existing", [t(ins("Parent", {"name": "x"})), t(ins("Parent", {"name": "x"}))]
    ),
    _index_case(
        "index_update_to_dup",
        [
            t(ins("Parent", {"name": "x"}), ins("Parent", {"name": "y"})),
            t(upd("Parent", [["name", "==", "y"]], {"name": "x"})),
        ],
    ),
    _index_case(
        "index_swap",
        [
            t(ins("Parent", {"name": "x"}, uuid=U1), ins("Parent", {"name": "y"}, uuid=U2)),
            t(
                upd("Parent", [["name", "==", "x"]], {"name": "tmp"}),
                upd("Parent", [["name", "==", "y"]], {"name": "x"}),
                upd("Parent", [["name", "==", "tmp"]], {"name": "y"}),
            ),
            t(sel("Parent", [], ["_uuid", "name"])),
        ],
    ),
    _index_case(
        "index_delete_and_reinsert",
        [
            t(ins("Parent", {"name": "x"})),
            t(dele("Parent"), ins("Parent", {"name": "x"})),
            t(sel("Parent", [], ["name"])),
        ],
    ),
    _index_case(
        "index_composite_ok",
        [t(ins("Idx", {"a": 1, "b": "x", "c": "y"}), ins("Idx", {"a": 2, "b": "x", "c": "z"}))],
    ),
    _index_case(
        "index_composite_dup",
        [t(ins("Idx", {"a": 1, "b": "x", "c": "y"})), t(ins("Idx", {"a": 2, "b": "x", "c": "y"}))],
    ),
    _index_case(
        "index_first_of_two", [t(ins("Idx", {"a": 1, "b": "x"}), ins("Idx", {"a": 1, "b": "y"}))]
    ),
    Case("max_rows_exceeded", [t(ins("Limited"), ins("Limited"), ins("Limited"))]),
    Case("max_rows_across_txns", [t(ins("Limited"), ins("Limited")), t(ins("Limited"))]),
    Case(
        "max_rows_delete_then_insert",
        [
            t(ins("Limited"), ins("Limited")),
            t(
                dele("Limited", [["n", "==", 0]]),
                ins("Limited", {"n": 1}),
                ins("Limited", {"n": 2}),
            ),
            t(sel("Limited", [], ["n"])),
        ],
    ),
]

WAIT_CASES = [
    Case(
        "wait_eq_ok",
        [_simple_rows(), t(wait("Simple", [["i", "==", 1]], ["s"], "==", [{"s": "one"}]))],
    ),
    Case(
        "wait_eq_fail",
        [_simple_rows(), t(wait("Simple", [["i", "==", 1]], ["s"], "==", [{"s": "x"}]))],
    ),
    Case(
        "wait_ne_ok",
        [_simple_rows(), t(wait("Simple", [["i", "==", 1]], ["s"], "!=", [{"s": "x"}]))],
    ),
    Case(
        "wait_ne_fail",
        [_simple_rows(), t(wait("Simple", [["i", "==", 1]], ["s"], "!=", [{"s": "one"}]))],
    ),
    Case(
        "wait_all_rows",
        [_simple_rows(), t(wait("Simple", [], ["i"], "==", [{"i": 3}, {"i": 1}, {"i": 2}]))],
    ),
    Case("wait_empty", [t(wait("Simple", [], ["i"], "==", []))]),
    Case("wait_bad_until", [t(wait("Simple", [], ["i"], "<", []))]),
    Case("wait_bad_column", [t(wait("Simple", [], ["nope"], "==", []))]),
    Case("wait_rows_bad_type", [t(wait("Simple", [], ["i"], "==", [{"i": "x"}]))]),
    Case(
        "wait_then_insert_rolled_back",
        [t(ins("Simple", {"i": 5}), wait("Simple", [], ["i"], "==", [{"i": 1}]))],
    ),
]

MISC_CASES = [
    Case("commit_durable_false", [t(ins("Simple"), {"op": "commit", "durable": False})]),
    Case("commit_durable_true", [t(ins("Simple"), {"op": "commit", "durable": True})]),
    Case("commit_missing_durable", [t({"op": "commit"})]),
    Case("abort", [t(ins("Simple", {"i": 1}), {"op": "abort"}, ins("Simple")), t(sel("Simple"))]),
    Case("comment", [t({"op": "comment", "comment": "hello"}, ins("Simple"))]),
    Case("comment_not_string", [t({"op": "comment", "comment": 5})]),
    Case("assert_lock_not_held", [t({"op": "assert", "lock": "L"})]),
    Case(
        "atomic_error_rolls_back",
        [t(ins("Simple", {"i": 1}), ins("Simple", {"ie": 50})), t(sel("Simple"))],
    ),
    Case(
        "atomic_commit_error_rolls_back",
        [t(ins("Simple", {"i": 1}), ins("Parent", {"children": uu(U1)})), t(sel("Simple"))],
    ),
    Case("empty_transaction", [t()]),
    Case("op_not_object", [t(5)]),
    Case("op_unknown", [t({"op": "frobnicate", "table": "Simple"})]),
    Case("op_missing_op", [t({"table": "Simple"})]),
    Case("op_unknown_table", [t(sel("Nope"))]),
    Case("op_missing_table", [t({"op": "select", "where": []})]),
    Case("op_extra_member", [t({"op": "delete", "table": "Simple", "where": [], "bogus": 1})]),
    Case("op_error_then_nulls", [t(sel("Simple"), sel("Nope"), sel("Simple"))]),
]

TXN_CASES: list[Case] = (
    SELECT_CASES
    + INSERT_CASES
    + UPDATE_CASES
    + MUTATE_CASES
    + DELETE_CASES
    + INDEX_CASES
    + WAIT_CASES
    + MISC_CASES
)

"""Property tests (Hypothesis) of the JSON-RPC framing, message parsing and the
transaction parser.

- Cutting a valid stream of messages into arbitrary chunks gives back the same
  messages; arbitrary bytes give messages or ProtocolError, nothing else.
- Random operation objects produce results and RFC 7047 error objects, never
  "internal error", both in-process (many examples) and over a socket against
  `pyovn db` (fewer), after which a second client still works and the server
  log holds no traceback.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyovn.ovsdb.database import Database, Row
from pyovn.ovsdb.errors import ProtocolError, TransactionError
from pyovn.ovsdb.jsonrpc import JsonStreamSplitter, Message, parse_message
from pyovn.ovsdb.operations import WaitBlocked, execute
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.txn import Transaction
from tests.helpers.daemons import Daemon, start_pyovn_db
from tests.helpers.rawrpc import RawRpc

SCHEMA_FILE = Path(__file__).parent / "data" / "difftest.ovsschema"
SCHEMA = DatabaseSchema.from_file(SCHEMA_FILE)

#: The error names RFC 7047 and ovsdb-server use in transaction results.
RFC_ERRORS = {
    "syntax error",
    "unknown column",
    "unknown function",
    "unknown mutator",
    "constraint violation",
    "referential integrity violation",
    "duplicate uuid-name",
    "duplicate uuid",
    "domain error",
    "range error",
    "timed out",
    "aborted",
    "not owner",
    "not allowed",
    "resources exhausted",
    # Not in the RFC, but what ovsdb-server answers for a set with a duplicate
    # element (["set", ["a", "a"]]): pyovn answers the same.
    "ovsdb error",
}

# -- JSON values ----------------------------------------------------------------
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
tricky_text = st.one_of(text, st.sampled_from(['"', "\\", "{", "}", "[", "]", '\\"', "\\\\", ""]))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    tricky_text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(tricky_text, inner, max_size=4)
    ),
    max_leaves=12,
)


# -- the stream splitter ------------------------------------------------------------
messages = st.lists(st.dictionaries(tricky_text, json_values, max_size=5), min_size=1, max_size=6)
separators = st.sampled_from([(",", ":"), (", ", ": "), (",\n", " :\t")])


@settings(max_examples=300, deadline=None)
@given(messages, separators, st.lists(st.integers(1, 50), max_size=30), st.booleans())
def test_any_chunking_gives_the_same_messages(
    msgs: list[dict[str, Any]], seps: tuple[str, str], cuts: list[int], spaced: bool
) -> None:
    joiner = "\n " if spaced else ""
    texts = [json.dumps(m, separators=seps).encode() for m in msgs]
    stream = joiner.encode().join(texts)
    ends = []  # where each message's closing bracket ends
    offset = 0
    for text in texts:
        offset += len(text)
        ends.append(offset)
        offset += len(joiner)
    splitter = JsonStreamSplitter()
    got: list[Any] = []
    pos = 0
    for size in cuts:
        got += splitter.feed(stream[pos : pos + size])
        pos += size
        # A message is delivered as soon as its last byte is in, never later.
        assert len(got) == sum(end <= pos for end in ends)
    got += splitter.feed(stream[pos:])
    assert got == msgs


@settings(max_examples=500, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=8))
def test_garbage_yields_values_or_protocol_error(chunks: list[bytes]) -> None:
    splitter = JsonStreamSplitter(max_size=1000)
    try:
        for chunk in chunks:
            for value in splitter.feed(chunk):
                assert isinstance(value, (dict, list))
    except ProtocolError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"{", b"}", b"[", b"]", b'"', b"\\", b"a", b" ", b":", b","])))
def test_bracket_soup_yields_values_or_protocol_error(tokens: list[bytes]) -> None:
    splitter = JsonStreamSplitter()
    try:
        for value in splitter.feed(b"".join(tokens)):
            assert isinstance(value, (dict, list))
    except ProtocolError:
        pass


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_parse_message_classifies_or_raises_protocol_error(value: Any) -> None:
    try:
        msg = parse_message(value)
    except ProtocolError:
        return
    assert isinstance(msg, Message)
    assert msg.kind in ("request", "notify", "reply", "error")
    if msg.kind in ("request", "notify"):
        assert isinstance(msg.method, str) and isinstance(msg.params, list)


@given(st.sampled_from(["echo", "transact", "monitor"]), st.lists(json_values, max_size=3))
def test_parse_message_keeps_requests(method: str, params: list[Any]) -> None:
    msg = parse_message({"method": method, "params": params, "id": 7})
    assert (msg.kind, msg.method, msg.params, msg.id) == ("request", method, params, 7)


# -- transaction operations ------------------------------------------------------
TABLES = sorted(SCHEMA.tables)
COLUMNS = sorted({c for t in SCHEMA.tables.values() for c in t.columns})
OPS = ["insert", "select", "update", "mutate", "delete", "wait", "commit", "abort", "comment",
       "assert", "bogus"]  # fmt: skip
FUNCTIONS = ["==", "!=", "<", "<=", ">", ">=", "includes", "excludes", "~"]
MUTATORS = ["+=", "-=", "*=", "/=", "%=", "insert", "delete", "^="]
uuids = st.sampled_from(
    ["11111111-1111-4111-8111-111111111111", "00000000-0000-0000-0000-000000000000", "nope"]
)
atoms = st.one_of(
    st.integers(-20, 20),
    st.sampled_from([2**62, -(2**63), 0.5, -1.5, True, False, "", "red", "ab", "abcdef"]),
    st.builds(lambda u: ["uuid", u], uuids),
    st.builds(lambda n: ["named-uuid", n], st.sampled_from(["a", "b"])),
)
datums = st.one_of(
    atoms,
    st.builds(lambda xs: ["set", xs], st.lists(atoms, max_size=4)),
    st.builds(
        lambda kv: ["map", kv], st.lists(st.lists(atoms, min_size=2, max_size=2), max_size=3)
    ),
    json_values,
)
columns = st.sampled_from([*COLUMNS, "_uuid", "_version", "bogus"])
clauses = st.one_of(st.tuples(columns, st.sampled_from(FUNCTIONS), datums).map(list), json_values)


@st.composite
def operations(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 20)) == 0:
        return draw(json_values)
    op: dict[str, Any] = {"op": draw(st.sampled_from(OPS))}
    members = {
        "table": st.sampled_from([*TABLES, "Nope"]),
        "row": st.dictionaries(columns, datums, max_size=4),
        "where": st.lists(clauses, max_size=3),
        "columns": st.lists(columns, max_size=3),
        "mutations": st.lists(
            st.tuples(columns, st.sampled_from(MUTATORS), datums).map(list), max_size=3
        ),
        "uuid-name": st.sampled_from(["a", "b", "5x"]),
        "uuid": uuids,
        "until": st.sampled_from(["==", "!=", "<"]),
        "rows": st.lists(st.dictionaries(columns, datums, max_size=2), max_size=2),
        "timeout": st.sampled_from([0, 0.0, -1, "x"]),
        "durable": st.booleans(),
        "comment": tricky_text,
        "lock": st.sampled_from(["L", "5x"]),
    }
    for name, strategy in members.items():
        if draw(st.integers(0, 2)):
            op[name] = draw(strategy)
    return op


class _Session:
    def holds_lock(self, name: str) -> bool:
        return name == "L"

    def check_write(
        self,
        txn: Transaction,
        table: str,
        uuid: str,
        op: str,
        row: Row | None,
        columns: frozenset[str] = frozenset(),
    ) -> None:
        return None


def check_results(results: list[Any], n_ops: int) -> None:
    assert n_ops <= len(results) <= n_ops + 1
    for result in results:
        assert result is None or isinstance(result, dict)
        if isinstance(result, dict) and "error" in result:
            assert result["error"] in RFC_ERRORS, result
            assert isinstance(result.get("details", ""), str)


DB = Database(SCHEMA)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations(), max_size=5))
def test_random_operations_give_results_or_rfc_errors(ops: list[Any]) -> None:
    try:
        outcome = execute(DB, ops, _Session())
    except WaitBlocked:
        return
    check_results(outcome.results, len(ops))
    # A committed transaction leaves a database whose references hold.
    for table in DB.tables.values():
        for uuid, row in table.rows.items():
            for ref_table, target, strong in table.refs(row):
                if strong:
                    assert target in DB.tables[ref_table].rows, (table.name, uuid, target)
        assert table.schema.max_rows is None or len(table.rows) <= table.schema.max_rows


def test_transaction_error_is_the_only_error_type() -> None:
    assert issubclass(TransactionError, Exception)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = start_pyovn_db(tmp_path_factory.mktemp("fuzz"), "fuzz", str(SCHEMA_FILE))
    yield daemon
    daemon.stop()
    log = daemon.log.read_text()
    assert "Traceback" not in log and "internal error" not in log, log


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.lists(operations(), max_size=4))
def test_random_transactions_over_the_wire(fuzz_server: Daemon, ops: list[Any]) -> None:
    for op in ops:
        if isinstance(op, dict) and op.get("op") == "wait":
            op["timeout"] = 0  # never block the test
    with RawRpc(fuzz_server.socket) as rpc:
        reply = rpc.call("transact", ["DiffTest", *ops])
        assert reply["error"] is None, reply
        check_results(reply["result"], len(ops))
    with RawRpc(fuzz_server.socket) as other:
        assert other.call("echo", ["ok"])["result"] == ["ok"]

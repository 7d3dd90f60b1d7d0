"""Differential tests: every case of cases_txn.py and cases_methods.py runs
against the real ovsdb-server and against `pyovn db` (both serving the same
DiffTest schema from tests/ovsdb/data), and the normalised transcripts must be
equal: the same results, the same RFC 7047 error names and details, the same
monitor notifications.

Both servers stay up for the whole module; before each case, one transaction
empties every table, and the case opens its own connections.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.daemons import Daemon, needs_real_ovsdb, start_pyovn_db, start_real_ovsdb
from tests.helpers.differential import Case, canonical, first_difference, run_case
from tests.helpers.rawrpc import RawRpc
from tests.ovsdb.cases_methods import METHOD_CASES
from tests.ovsdb.cases_txn import TXN_CASES

SCHEMA = Path(__file__).parent / "data" / "difftest.ovsschema"
TABLES = [
    "Simple",
    "Checked",
    "Sized",
    "Parent",
    "Child",
    "Grand",
    "Weak",
    "WeakOne",
    "Limited",
    "Idx",
]
ALL_CASES: list[Case] = TXN_CASES + METHOD_CASES

pytestmark = needs_real_ovsdb


def empty_database(rpc: RawRpc) -> None:
    ops = [{"op": "delete", "table": t, "where": []} for t in TABLES]
    reply = rpc.call("transact", ["DiffTest", *ops])
    assert reply["error"] is None and all("count" in r for r in reply["result"]), reply


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Daemon, Daemon]]:
    tmp = tmp_path_factory.mktemp("differential")
    real = start_real_ovsdb(tmp, "real", str(SCHEMA))
    ours = start_pyovn_db(tmp, "pyovn", str(SCHEMA))
    yield real, ours
    ours.stop()
    real.stop()
    log = ours.log.read_text()
    assert "Traceback" not in log and "internal error" not in log, log


def test_case_names_are_unique() -> None:
    names = [c.name for c in ALL_CASES]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    assert len(ALL_CASES) >= 200


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_same_as_real_ovsdb_server(servers: tuple[Daemon, Daemon], case: Case) -> None:
    real, ours = servers
    expected = run_case(real.socket, case, empty_database)
    got = run_case(ours.socket, case, empty_database)
    difference = first_difference(expected, got)
    assert difference is None, difference
    # A transcript that is all errors would compare equal to a broken server
    # that is broken the same way; every case must exercise at least one reply.
    assert any(step["got"] for step in expected), canonical(expected)

"""NB rows a user can get wrong are reported once, skipped, and never stop
the rest of the compile.

The rows are written with ovn-nbctl's generic commands (which do not check
what they write), into a running seed topology. Afterwards a good change
still compiles, each problem appears exactly once in the log naming its
row, and the logical flows of the good rows are exactly those of the real
ovn-northd.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.daemons import Daemon, needs_real_ovn, start_real_ovsdb
from tests.helpers.ovn import (
    TOPOLOGIES,
    OvnDatabases,
    lflow_lines,
    load_topology,
    log_has_traceback,
    nbctl,
)

pytestmark = [needs_real_ovn, pytest.mark.oracle]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[OvnDatabases, Daemon]]:
    dbs = OvnDatabases.start(tmp_path, ("sb",))
    northd = dbs.start_pyovn_northd("sb")
    load_topology(dbs.nb.remote, TOPOLOGIES / "seed.sh")
    dbs.wait_sb()
    yield dbs, northd
    dbs.stop()


def _add_bad_rows(nb: str) -> None:
    # NAT is not a root table: create it and attach it in one transaction.
    nbctl(
        nb,
        "--",
        "--id=@nat",
        "create",
        "NAT",
        "type=snat",
        "external_ip=172.16.0.200",
        "logical_ip=10.0.0.0/33",
        "--",
        "add",
        "Logical_Router",
        "lr1",
        "nat",
        "@nat",
    )
    nbctl(nb, "acl-add", "sw2", "from-lport", "900", "ip4.src == 10.0.1.13 &&", "drop")
    nbctl(nb, "acl-add", "sw2", "from-lport", "901", "ip4.nosuchfield == 1", "drop")
    nbctl(nb, "lsp-add", "sw1", "dup")
    nbctl(nb, "set", "Logical_Switch_Port", "dup", 'addresses="50:54:00:00:01:99 10.0.0.11"')
    nbctl(
        nb,
        "lsp-add",
        "sw2",
        "dangle",
        "--",
        "lsp-set-type",
        "dangle",
        "router",
        "--",
        "lsp-set-options",
        "dangle",
        "router-port=nonexistent",
    )
    nbctl(nb, "lsp-add", "sw1", "badmac")
    nbctl(nb, "set", "Logical_Switch_Port", "badmac", 'addresses="50:54:00:00:zz:01 10.0.0.77"')


def test_bad_rows_reported_once_and_skipped(
    running: tuple[OvnDatabases, Daemon], tmp_path: Path
) -> None:
    dbs, northd = running
    _add_bad_rows(dbs.nb.remote)
    dbs.wait_sb()
    # A good change after the bad ones still compiles.
    nbctl(
        dbs.nb.remote,
        "lsp-add",
        "sw2",
        "vm9",
        "--",
        "lsp-set-addresses",
        "vm9",
        "50:54:00:00:02:19 10.0.1.19",
    )
    dbs.wait_sb()
    dbs.wait_sb()
    log = northd.log.read_text()
    expected = [
        "bad logical_ip '10.0.0.0/33'",
        "bad match 'ip4.src == 10.0.1.13 &&'",
        "bad match 'ip4.nosuchfield == 1'",
        "duplicate IP 10.0.0.11 on ports vm1 and dup; ignored on dup",
        "Logical_Switch_Port dangle: router-port 'nonexistent' does not exist",
        "Logical_Switch_Port badmac: bad addresses entry",
    ]
    for text in expected:
        assert log.count(text) == 1, (text, log)
    assert not log_has_traceback(northd)
    flows = "\n".join(lflow_lines(dbs.sb("sb")))
    assert 'outport = "vm9"' in flows
    assert "10.0.1.13 &&)" not in flows and "nosuchfield" not in flows
    assert "172.16.0.200" not in flows


def test_good_part_equals_real_northd(running: tuple[OvnDatabases, Daemon], tmp_path: Path) -> None:
    """Removing the bad rows' effect leaves exactly what the real northd makes
    of the good rows: the bad rows changed nothing else."""
    dbs, _ = running
    _add_bad_rows(dbs.nb.remote)
    dbs.wait_sb()
    ours = [line for line in lflow_lines(dbs.sb("sb"))]
    # The real northd on the same NB: it passes malformed ACL text through,
    # and handles the duplicate and bad-MAC ports its own way, so compare
    # only datapaths untouched by those rows (ext and lr1 minus the bad NAT).
    dbs.sbs["real"] = start_real_ovsdb(tmp_path, "real", "ovn-sb")
    real_northd = dbs.start_real_northd("real")
    dbs.wait_sb_caught_up("real")
    dbs.stop_northd(real_northd)
    real = lflow_lines(dbs.sb("real"))

    # Where the real northd differs by design: it keeps both claims of a
    # duplicated IP (conflicting flows; pyovn keeps the established port's),
    # and still answers ARP for the external IP of a NAT whose logical IP is
    # invalid (pyovn skips the whole row).
    def good(lines: list[str]) -> set[str]:
        return {
            line
            for line in lines
            if line.startswith(("ext|", "lr1|"))
            and "50:54:00:00:01:99" not in line
            and "172.16.0.200" not in line
        }

    missing, extra = good(real) - good(ours), good(ours) - good(real)
    assert not missing and not extra, (sorted(missing), sorted(extra))

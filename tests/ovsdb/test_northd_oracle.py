"""The real ovn-northd against pyovn's NB and SB servers.

The seed topology (shared/realovn/topology.sh, the real ovn-nbctl commands)
is built once with pyovn db serving NB and SB and once with real
ovsdb-servers; real ovn-northd computes the SB in both. Everything the script
dumps must be the same after masking UUIDs: `ovn-nbctl show`, the ACLs, the
SB bindings (tunnel keys), the `lflow-list` and the per-stage flow counts,
which must also match shared/reference. Then the real ovsdb-server opens the
SB file pyovn wrote and serves the same flows.
"""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.daemons import (
    SHARED,
    Daemon,
    needs_real_ovn,
    needs_shared,
    start_pyovn_db,
    start_real_ovsdb,
    wait_for,
)
from tests.helpers.textdump import canonical_dump

pytestmark = [pytest.mark.oracle, pytest.mark.e2e, needs_real_ovn, needs_shared]

REALOVN = SHARED / "realovn"
REFERENCE = SHARED / "reference" / "seed-topology"
DUMPS = [
    "reference-nb-show.txt",
    "reference-nb-acls.txt",
    "reference-sb-bindings.txt",
    "reference-lflows.txt",
    "reference-lflow-stats.txt",
]


def write_env(rundir: Path) -> None:
    (rundir / "env.sh").write_text(
        f"export OVN_NB_DB=unix:{rundir}/nb.sock\nexport OVN_SB_DB=unix:{rundir}/sb.sock\n"
    )


def run(*args: str | Path, rundir: Path) -> str:
    env = {**os.environ, "OVN_RUNDIR": str(rundir), "OVS_RUNDIR": str(rundir)}
    proc = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, f"{args}: {proc.stderr}"
    return proc.stdout


def flow_count(rundir: Path) -> int:
    out = run(
        "ovn-sbctl",
        f"--db=unix:{rundir}/sb.sock",
        "--columns=_uuid",
        "list",
        "Logical_Flow",
        rundir=rundir,
    )
    return out.count("_uuid")


def build_seed(rundir: Path) -> Path:
    out = rundir / "out"
    run(REALOVN / "topology.sh", rundir, out, rundir=rundir)
    return out


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    rundir = tmp_path_factory.mktemp("real")
    try:
        run(REALOVN / "start.sh", rundir, rundir=rundir)
        out = build_seed(rundir)
        yield out, flow_count(rundir)
    finally:
        subprocess.run([REALOVN / "stop.sh", rundir], capture_output=True)


@pytest.fixture(scope="module")
def pyovn_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, int]]:
    rundir = tmp_path_factory.mktemp("pyovn")
    nb = start_pyovn_db(rundir, "nb", "ovn-nb")
    sb = start_pyovn_db(rundir, "sb", "ovn-sb")
    northd = Daemon(
        "northd", None, rundir / "northd.ctl", rundir / "northd.log", rundir / "northd.pid"
    )
    try:
        run(REALOVN / "start_northd.sh", rundir, rundir=rundir)
        write_env(rundir)
        run("ovn-nbctl", f"--db=unix:{rundir}/nb.sock", "--timeout=30", "init", rundir=rundir)
        run(
            "ovn-nbctl",
            f"--db=unix:{rundir}/nb.sock",
            "--timeout=30",
            "--wait=sb",
            "sync",
            rundir=rundir,
        )
        out = build_seed(rundir)
        count = flow_count(rundir)
        northd.stop()
        sb.stop()
        yield rundir, out, count
    finally:
        northd.stop()
        sb.stop()
        nb.stop()
    for daemon in (nb, sb):
        assert "Traceback" not in daemon.log.read_text()


def test_same_logical_flow_count(
    real_run: tuple[Path, int], pyovn_run: tuple[Path, Path, int]
) -> None:
    assert pyovn_run[2] == real_run[1] == 310


@pytest.mark.parametrize("dump", DUMPS)
def test_same_dumps_as_with_real_servers(
    real_run: tuple[Path, int], pyovn_run: tuple[Path, Path, int], dump: str
) -> None:
    ours = canonical_dump((pyovn_run[1] / dump).read_text())
    assert ours == canonical_dump((real_run[0] / dump).read_text())
    assert len(ours.splitlines()) > 10


def test_stage_counts_match_the_reference(pyovn_run: tuple[Path, Path, int]) -> None:
    ours = (pyovn_run[1] / "reference-lflow-stats.txt").read_text()
    assert ours == (REFERENCE / "reference-lflow-stats.txt").read_text()
    assert "total lflows: 482" in ours


def test_real_server_serves_the_sb_file_pyovn_wrote(pyovn_run: tuple[Path, Path, int]) -> None:
    rundir = pyovn_run[0]
    real = start_real_ovsdb(rundir, "sb", "ovn-sb", db_file=rundir / "sb.db")
    try:
        wait_for(lambda: (rundir / "sb.sock").exists(), 10, "real sb socket")
        assert flow_count(rundir) == 310
        flows = run("ovn-sbctl", f"--db=unix:{rundir}/sb.sock", "lflow-list", rundir=rundir)
        assert canonical_dump(flows) == canonical_dump(
            (pyovn_run[1] / "reference-lflows.txt").read_text()
        )
    finally:
        real.stop()

"""Fixtures for the lflow tests: the shared reference data and real OVN runs.

The real daemons run in a temp dir (unix sockets only) and are stopped in
the fixture's finalizer.  Tests that need them are marked `oracle` and
skip, with the reason, when the binaries or the shared data are absent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from lflow_realovn import RICH_VIFS, RealOvn, RichRun, build_rich_topology, missing_binaries

SHARED = Path(os.environ.get("PYOVN_SHARED", Path(__file__).resolve().parents[3] / "shared"))
SEED = SHARED / "reference" / "seed-topology"
REALOVN = SHARED / "realovn"


def need_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared reference data not found: {path}")
    return path


def need_binaries(chassis: bool = False) -> None:
    missing = missing_binaries(chassis)
    if missing:
        pytest.skip(f"real OVN/OVS not installed (missing {', '.join(missing)})")


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return need_shared(SEED)


@pytest.fixture(scope="session")
def rich_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RichRun]:
    need_binaries(chassis=True)
    ovn = RealOvn(tmp_path_factory.mktemp("rich"))
    try:
        ovn.start()
        build_rich_topology(ovn)
        ovn.start_chassis(RICH_VIFS)
        lflows = ovn.lflow_list()
        yield RichRun(ovn, lflows, ovn.dump_flows(), ovn.dump_groups())
    finally:
        ovn.stop()


@pytest.fixture(scope="session")
def seed_lflows_from_real_northd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seed topology (shared/realovn/topology.sh) on a fresh real northd."""
    need_binaries()
    script = need_shared(REALOVN / "topology.sh")
    rundir = tmp_path_factory.mktemp("seed")
    ovn = RealOvn(rundir)
    try:
        ovn.start()
        (rundir / "env.sh").write_text(f"export OVN_NB_DB={ovn.nb}\nexport OVN_SB_DB={ovn.sb}\n")
        import subprocess

        outdir = rundir / "out"
        outdir.mkdir()
        subprocess.run(
            ["bash", str(script), str(rundir), str(outdir)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield ovn.lflow_list()
    finally:
        ovn.stop()


@pytest.fixture(scope="session")
def scale_lflows_from_real_northd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small instance of the scale topology (gen_nb.py -N 4 -P 5)."""
    need_binaries()
    script = need_shared(REALOVN / "gen_nb.py")
    ovn = RealOvn(tmp_path_factory.mktemp("scale"))
    try:
        ovn.start()
        import subprocess
        import sys

        subprocess.run(
            [sys.executable, str(script), "-N", "4", "-P", "5", "--db", ovn.nb],
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield ovn.lflow_list()
    finally:
        ovn.stop()


CONFORMANCE: list[str] = []


@pytest.fixture
def conformance() -> list[str]:
    """Lines for the end-of-run conformance summary (shares, counts)."""
    return CONFORMANCE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if CONFORMANCE:
        terminalreporter.section("lflow conformance")
        for line in CONFORMANCE:
            terminalreporter.write_line(line)

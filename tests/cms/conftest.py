"""Fixtures of the CMS tests: pairs of databases for differential runs."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.daemons import Daemon, have, start_pyovn_db, start_real_ovsdb


@dataclass
class DbPair:
    """`real` is written by the real tool, `ours` by pyovn's."""

    real: Daemon
    ours: Daemon
    kind: str

    def stop(self) -> None:
        self.real.stop()
        self.ours.stop()


def _pair(tmp: Path, schema: str, server: str) -> DbPair:
    real = start_real_ovsdb(tmp, f"real-{schema}", schema)
    try:
        if server == "pyovn":
            ours = start_pyovn_db(tmp, f"ours-{schema}", schema)
        else:
            ours = start_real_ovsdb(tmp, f"ours-{schema}", schema)
    except BaseException:
        real.stop()
        raise
    return DbPair(real, ours, server)


@pytest.fixture(params=["ovsdb-server", "pyovn"])
def nb_pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DbPair]:
    """A real NB for ovn-nbctl and one for pyovn nbctl (the real server, or pyovn's)."""
    if not have("ovsdb-server") or not have("ovn-nbctl"):
        pytest.skip("the real OVN is not installed")
    pair = _pair(tmp_path, "ovn-nb", request.param)
    yield pair
    pair.stop()


@pytest.fixture
def vs_pair(tmp_path: Path) -> Iterator[DbPair]:
    if not have("ovsdb-server") or not have("ovs-vsctl"):
        pytest.skip("the real Open vSwitch is not installed")
    pair = _pair(tmp_path, "vswitch", "ovsdb-server")
    yield pair
    pair.stop()


@pytest.fixture
def nb(tmp_path: Path) -> Iterator[Daemon]:
    """One NB database served by pyovn (quicker to start and stop than ovsdb-server)."""
    daemon = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    yield daemon
    daemon.stop()


@pytest.fixture
def pyovn_nb_db(tmp_path: Path) -> Iterator[Daemon]:
    daemon = start_pyovn_db(tmp_path, "pnb", "ovn-nb")
    yield daemon
    daemon.stop()

"""Fixtures shared by every test package."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.daemons import Daemon, start_pyovn_db, start_real_ovsdb


@pytest.fixture
def pyovn_nb(tmp_path: Path) -> Iterator[Daemon]:
    daemon = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    yield daemon
    daemon.stop()


@pytest.fixture
def real_nb(tmp_path: Path) -> Iterator[Daemon]:
    daemon = start_real_ovsdb(tmp_path, "realnb", "ovn-nb")
    yield daemon
    daemon.stop()

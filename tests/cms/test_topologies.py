"""The northd test topologies, built once with the real ovn-nbctl and once with
pyovn-nbctl (same shell scripts, `nbctl` calling either), give the same NB.

Both databases are served by pyovn's server (quick to start and stop); the
real ovn-nbctl talking to it is a compatibility check of its own.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from pyovn.cms.nbctl.verbs import NBCTL
from tests.cms.helpers import UUID_RE, canonical_db, diff_dbs, ours
from tests.helpers.daemons import needs_real_ovn, start_pyovn_db
from tests.helpers.ovn import TOPOLOGIES, load_topology, nbctl

pytestmark = [needs_real_ovn, pytest.mark.oracle]

BIN = Path(sys.executable).parent
#: tenants.sh (about 60 invocations) is left to the northd conformance tests.
NAMES = sorted(p.stem for p in TOPOLOGIES.glob("*.sh") if p.stem != "tenants")


@pytest.mark.parametrize("name", NAMES)
def test_topology_builds_the_same_nb(name: str, tmp_path: Path) -> None:
    real_nb = start_pyovn_db(tmp_path, "real", "ovn-nb")
    our_nb = start_pyovn_db(tmp_path, "ours", "ovn-nb")
    try:
        nbctl(real_nb.remote, "init")
        load_topology(real_nb.remote, TOPOLOGIES / f"{name}.sh")
        prelude = f'nbctl() {{ {BIN / "pyovn-nbctl"} --db={our_nb.remote} "$@"; }}\n'
        done = subprocess.run(
            [
                "bash",
                "-e",
                "-c",
                prelude + "nbctl init\n" + (TOPOLOGIES / f"{name}.sh").read_text(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        differences = diff_dbs(
            canonical_db(real_nb.remote, "OVN_Northbound"),
            canonical_db(our_nb.remote, "OVN_Northbound"),
        )
        assert not differences, "\n".join(differences)
        shown = [
            sorted(UUID_RE.sub("<uuid>", nbctl(db.remote, "show")).splitlines())
            for db in (real_nb, our_nb)
        ]
        assert shown[0] == shown[1]
        assert (
            sorted(UUID_RE.sub("<uuid>", ours(NBCTL, real_nb.remote, ["show"]).out).splitlines())
            == shown[0]
        )
    finally:
        real_nb.stop()
        our_nb.stop()

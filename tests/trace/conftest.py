"""Fixtures: Southbound DBs compiled by the real ovn-northd (and by pyovn's).

Each fixture starts real ovsdb-servers in a temporary directory, loads a
topology from tests/northd/topologies with the real ovn-nbctl, runs a
northd until the SB is in sync, stops it and yields the SB remote; the
servers are stopped in the finalizer.
"""

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.daemons import SHARED, have
from tests.helpers.ovn import TOPOLOGIES, OvnDatabases, load_topology, log_has_traceback, sbctl

REALOVN = SHARED / "realovn"


@dataclass
class CompiledTopology:
    name: str
    dbs: OvnDatabases
    #: SB remote per northd: "real" and, when requested, "pyovn".
    sbs: dict[str, str]


#: pyovn trace's own topologies (gateway router, load balancers), beside northd's.
OWN_TOPOLOGIES = Path(__file__).resolve().parent / "topologies"


def topology_script(name: str) -> Path:
    own = OWN_TOPOLOGIES / f"{name}.sh"
    return own if own.exists() else TOPOLOGIES / f"{name}.sh"


def compile_topology(tmp: Path, name: str, northds: tuple[str, ...]) -> OvnDatabases:
    dbs = OvnDatabases.start(tmp, tuple(f"sb_{n}" for n in northds))
    try:
        load_topology(dbs.nb.remote, topology_script(name))
        for northd in northds:
            if northd == "real":
                daemon = dbs.start_real_northd("sb_real")
            else:
                daemon = dbs.start_pyovn_northd("sb_pyovn")
            dbs.wait_sb()
            assert not log_has_traceback(daemon)
            dbs.stop_northd(daemon)
    except BaseException:
        dbs.stop()
        raise
    return dbs


def add_upstream_binding(sb: str) -> None:
    """What ../shared/realovn/traces.sh adds: a MAC_Binding for the upstream
    gateway 172.16.0.254 (ovn-trace 23.03 ignores Static_MAC_Binding)."""
    lr1 = sbctl(
        sb, "--bare", "--columns=_uuid", "find", "Datapath_Binding", "external_ids:name=lr1"
    )
    sbctl(
        sb,
        "create",
        "MAC_Binding",
        "logical_port=lr1-ext",
        "ip=172.16.0.254",
        'mac="0a:00:00:00:00:fe"',
        f"datapath={lr1.strip()}",
    )


@pytest.fixture(scope="session")
def seed_sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seed topology's SB as ../shared/realovn built the reference traces:
    topology.sh run against the real northd, plus traces.sh's MAC binding
    (tunnel keys depend on the order ports are created, so the reference
    traces need the reference script)."""
    if not (have("ovn-northd") and have("ovn-trace")):
        pytest.skip("the real OVN (Debian ovn-central) is not installed")
    if not (REALOVN / "topology.sh").exists():
        pytest.skip("../shared/realovn is not present")
    tmp = tmp_path_factory.mktemp("seed")
    dbs = OvnDatabases.start(tmp, ("sb_real",))
    try:
        dbs.start_real_northd("sb_real")
        (tmp / "env.sh").write_text(
            f"export OVN_NB_DB={dbs.nb.remote}\nexport OVN_SB_DB={dbs.sb('sb_real')}\n"
        )
        subprocess.run(
            ["bash", str(REALOVN / "topology.sh"), str(tmp), str(tmp / "out")],
            check=True,
            capture_output=True,
            timeout=120,
        )
        add_upstream_binding(dbs.sb("sb_real"))
        yield dbs.sb("sb_real")
    finally:
        dbs.stop()

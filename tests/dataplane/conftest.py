"""Fixtures for the data-plane simulator's tests.

Reference data comes from /work/shared (the real OVN 23.03 seed topology);
tests that need it, root, or the real Open vSwitch binaries skip with the
reason when those are missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pyovn.dataplane import Bridge, Datapath, parse_flows
from tests.dataplane.realovs import RealOvs, missing_reason

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "seed-topology"
if not REFERENCE.exists():
    REFERENCE = Path("/work/shared/reference/seed-topology")
REFERENCE_FLOWS = REFERENCE / "reference-openflow-br-int.txt"
REFERENCE_TRACE = REFERENCE / "reference-ofproto-trace-routed.txt"
DATA = Path(__file__).resolve().parent / "data"

# The seed topology's br-int as datapath.sh builds it: the localnet patch port
# first, then the four VMs' veths (ovr-vm1..4 = OpenFlow ports 2..5), with
# datapath port numbers ovs-netdev 0, br-int 1, br-ex 2, veths 3..6.
VM_PORTS = {"vm1": 2, "vm2": 3, "vm3": 4, "vm4": 5}


def reference_text() -> str:
    """The real ovn-controller's OpenFlow dump, or skip."""
    if not REFERENCE_FLOWS.exists():
        pytest.skip(f"reference data not found at {REFERENCE_FLOWS}")
    return REFERENCE_FLOWS.read_text()


def build_seed_bridges() -> tuple[Bridge, Bridge]:
    """br-int loaded with the reference flows (as OpenFlow 1.5 installs them) and br-ex."""
    text = reference_text()
    datapath = Datapath()
    br_int = Bridge("br-int", datapath)
    br_ex = Bridge("br-ex", datapath)
    br_int.add_port("patch-br-int-to-ln", 1, "patch", peer="patch-ln-to-br-int")
    br_ex.add_port("patch-ln-to-br-int", 1, "patch", peer="patch-br-int-to-ln")
    for name, ofport in VM_PORTS.items():
        br_int.add_port(f"ovr-{name}", ofport)
    br_ex.add_port("ovr-ext", 2)
    br_ex.add_flow("priority=0,actions=NORMAL")
    br_int.replace_flows(flow.with_openflow15_spelling() for flow in parse_flows(text))
    return br_int, br_ex


@pytest.fixture
def seed_bridges() -> tuple[Bridge, Bridge]:
    return build_seed_bridges()


@pytest.fixture(scope="session")
def real_ovs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealOvs]:
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    ovs = RealOvs(tmp_path_factory.mktemp("real-ovs"))
    try:
        ovs.start()
        yield ovs
    finally:
        ovs.stop()

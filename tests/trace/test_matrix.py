"""Packet matrices: pyovn trace and the real ovn-trace agree on every packet.

For each topology under tests/northd/topologies and tests/trace/topologies, SBs are compiled by the
real ovn-northd and by pyovn northd; for every packet of the topology's
matrix (every VIF pair × ICMP/TCP/UDP, conntrack new/established, ARP,
DHCP, router, external and NAT traffic, expired TTLs) the minimal traces are
compared in full: the same verdict, the same outputs, the same header
rewrites reduced to constants, the same conntrack and NAT steps.
"""

import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from pyovn.trace import SouthboundSnapshot, parse_ct_states, render, trace
from tests.helpers.ovn import TOPOLOGIES, OvnDatabases
from tests.helpers.packet_matrix import Packet, packet_matrix, read_topology
from tests.trace.conftest import OWN_TOPOLOGIES, compile_topology

pytestmark = pytest.mark.oracle

NAMES = sorted(p.stem for p in [*TOPOLOGIES.glob("*.sh"), *OWN_TOPOLOGIES.glob("*.sh")])


@pytest.fixture(scope="module", params=NAMES)
def compiled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, OvnDatabases]]:
    from tests.helpers.daemons import have

    if not (have("ovn-northd") and have("ovn-trace")):
        pytest.skip("the real OVN (Debian ovn-central) is not installed")
    dbs = compile_topology(tmp_path_factory.mktemp(request.param), request.param, ("real", "pyovn"))
    try:
        yield request.param, dbs
    finally:
        dbs.stop()


def real_minimal(sb: str, packet: Packet) -> str:
    proc = subprocess.run(
        ["ovn-trace", f"--db={sb}", "--minimal", *packet.args, packet.datapath, packet.microflow],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.stdout


def our_minimal(sb: SouthboundSnapshot, packet: Packet) -> str:
    ct = [packet.args[i + 1] for i in range(0, len(packet.args), 2) if packet.args[i] == "--ct"]
    result = trace(sb, packet.datapath, packet.microflow, ct_states=parse_ct_states(ct))
    return render(result, "minimal")


@pytest.mark.parametrize("northd", ["real", "pyovn"])
def test_minimal_traces_match_ovn_trace(compiled: tuple[str, OvnDatabases], northd: str) -> None:
    name, dbs = compiled
    remote = dbs.sb(f"sb_{northd}")
    snapshot = SouthboundSnapshot.load(remote)
    packets = packet_matrix(read_topology(dbs.nb.remote))
    different = []
    # ovn-trace reads the whole SB per call: two at a time keep both cores busy.
    with ThreadPoolExecutor(max_workers=2) as pool:
        reals = list(pool.map(lambda packet: real_minimal(remote, packet), packets))
    for packet, real in zip(packets, reals, strict=True):
        ours = our_minimal(snapshot, packet)
        if real != ours:
            different.append(f"{packet.name}:\n--- ovn-trace\n{real}--- pyovn trace\n{ours}")
    print(
        f"\n[{name} / {northd} northd] packets compared={len(packets)} "
        f"equal={len(packets) - len(different)}"
    )
    assert packets
    assert not different, "\n".join(different[:3])

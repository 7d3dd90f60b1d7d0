"""Conformance with the shared reference data of the seed topology.

* every match and action of reference-lflows.txt parses and prints back
  byte for byte;
* compiled with the seed's tunnel keys (reference-sb-bindings.txt) and
  chassis hv1's view (vm1..vm4 bound, hv1 the gateway chassis), every
  logical flow gives only OpenFlow flows that the real ovn-controller
  installed (reference-openflow-br-int.txt), and every flow of the
  logical tables there is one of ours.  The share is printed.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from lflow_ofcompare import normalize_flows

from pyovn.lflow import (
    CompileContext,
    DumpedFlow,
    check_lflow_dump,
    compile_flow,
    format_actions,
    format_match,
    parse_actions,
    parse_match,
    read_lflow_dump,
)

DATAPATH_KEYS = {"sw1": 1, "sw2": 2, "ext": 3, "lr1": 4}
MULTICAST_KEYS = {"_MC_flood": 32768, "_MC_unknown": 32769, "_MC_mrouter_flood": 32770,
                  "_MC_flood_l2": 32772}  # fmt: skip
# Per-datapath contents of port group pg_web, as ovn-northd splits it.
PORT_GROUPS = {"sw1": {"pg_web": ["vm1"]}, "sw2": {"pg_web": ["vm3"]}}
ADDRESS_SETS = {
    "as_admins": ["10.0.1.14", "10.0.0.12"],
    # Random per deployment; this is the value in the reference OpenFlow dump.
    "svc_monitor_mac": ["22:03:85:34:71:43"],
}
RESIDENT = frozenset({"vm1", "vm2", "vm3", "vm4", "cr-lr1-ext"})


def _flows(seed_dir: Path) -> list[DumpedFlow]:
    return list(read_lflow_dump((seed_dir / "reference-lflows.txt").read_text().splitlines()))


def _port_keys(seed_dir: Path, flows: list[DumpedFlow]) -> dict[str, dict[str, int]]:
    names = {flow.datapath_uuid: flow.datapath for flow in flows}
    keys: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (seed_dir / "reference-sb-bindings.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[2].isdigit() and parts[3] in names:
            keys[names[parts[3]]][parts[0]] = int(parts[2])
    return keys


def test_reference_strings_round_trip(seed_dir: Path) -> None:
    flows = _flows(seed_dir)
    assert len(flows) == 482
    for flow in flows:
        assert format_match(parse_match(flow.match)) == flow.match
        assert format_actions(parse_actions(flow.actions)) == flow.actions
    text = (seed_dir / "reference-lflows.txt").read_text().splitlines()
    result = check_lflow_dump(text)
    assert (result.parsed, result.failed) == (482, 0)


def test_openflow_equivalence_with_reference(seed_dir: Path, conformance: list[str]) -> None:
    flows = _flows(seed_dir)
    ports = _port_keys(seed_dir, flows)
    reference = normalize_flows(
        (seed_dir / "reference-openflow-br-int.txt").read_text().splitlines()
    )
    equal = 0
    ours = set()
    for flow in flows:
        ctx = CompileContext(
            datapath_key=DATAPATH_KEYS[flow.datapath],
            pipeline=flow.pipeline,
            table_id=flow.table_id,
            ports={**ports[flow.datapath], **MULTICAST_KEYS},
            address_sets=ADDRESS_SETS,
            port_groups=PORT_GROUPS.get(flow.datapath, {}),
            resident_ports=RESIDENT,
            is_switch=not flow.datapath.startswith("lr"),
        )
        compiled = compile_flow(flow.match, flow.actions, priority=flow.priority, ctx=ctx)
        mine = normalize_flows(str(f) for f in compiled.flows)
        ours |= mine
        equal += mine <= reference
    logical = {f for f in reference if 8 <= f.table <= 34 or 42 <= f.table <= 51}
    covered = len(logical & ours)
    line = (
        f"seed OpenFlow equivalence: {equal}/{len(flows)} logical flows "
        f"({100 * equal / len(flows):.1f}%) compile to flows the real ovn-controller "
        f"installed; {covered}/{len(logical)} reference flows of the logical tables "
        f"({100 * covered / len(logical):.1f}%) are produced by us"
    )
    print("\n" + line)
    conformance.append(line)
    assert equal == len(flows)
    assert covered == len(logical)


@pytest.mark.parametrize("name", ["reference-lflows.txt"])
def test_cli_check_on_reference(seed_dir: Path, name: str) -> None:
    from typer.testing import CliRunner

    from pyovn.cli.main import app

    result = CliRunner().invoke(app, ["lflow", "check", str(seed_dir / name)])
    assert result.exit_code == 0
    assert result.output.strip() == "482 parsed, 0 failed"

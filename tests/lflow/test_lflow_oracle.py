"""Conformance against the real OVN 23.03 / OVS 3.1 (the oracle).

* Dumps produced here by the real ovn-northd (the seed topology, a small
  scale topology, and the rich topology of lflow_realovn.py): every match
  and action parses and prints back byte for byte.
* The rich topology bound on a real ovn-controller (chassis hv1, OVS with
  dummy netdevs): our OpenFlow for each logical flow equals what
  ovn-controller installed (groups compared by content), both ways.
* A real ovs-vswitchd accepts everything we compile (`ovs-ofctl
  add-groups` / `add-flows` on a scratch bridge).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lflow_ofcompare import normalize_flows, read_groups
from lflow_realovn import RichRun
from lflow_sbview import SbView, read_sb

from pyovn.lflow import check_lflow_dump, compile_flow, read_lflow_dump

pytestmark = pytest.mark.oracle


def _assert_round_trip(dump: str, name: str, conformance: list[str]) -> int:
    result = check_lflow_dump(dump.splitlines())
    failures = "\n".join(str(f) for f in result.failures[:5])
    line = f"{name}: {result.parsed} parsed and printed back, {result.failed} failed"
    print("\n" + line)
    conformance.append(line)
    assert result.failed == 0, failures
    return result.parsed


def test_seed_topology_dump_round_trips(
    seed_lflows_from_real_northd: str, conformance: list[str]
) -> None:
    dump = seed_lflows_from_real_northd
    assert _assert_round_trip(dump, "seed topology (real northd)", conformance) > 400


def test_scale_topology_dump_round_trips(
    scale_lflows_from_real_northd: str, conformance: list[str]
) -> None:
    dump = scale_lflows_from_real_northd
    assert _assert_round_trip(dump, "scale N=4 P=5 (real northd)", conformance) > 1000


def test_rich_topology_dump_round_trips(rich_run: RichRun, conformance: list[str]) -> None:
    assert _assert_round_trip(rich_run.lflows, "rich topology (real northd)", conformance) > 500


def _sb_view(run: RichRun) -> SbView:
    def rows(table: str, *columns: str) -> list[dict[str, object]]:
        text = run.ovn.sbctl("--format=json", f"--columns={','.join(columns)}", "list", table)
        data = json.loads(text)
        return [dict(zip(data["headings"], row, strict=True)) for row in data["data"]]

    return read_sb(rows)


def _compile_all(run: RichRun, *, use_groups: bool) -> tuple[int, int, set[object], list[str]]:
    """(equal, total, all our normalised flows, our flows as text)."""
    sb = _sb_view(run)
    reference = normalize_flows(run.openflow.splitlines(), read_groups(run.groups.splitlines()))
    equal = total = 0
    ours: set[object] = set()
    lines: list[str] = []
    for flow in read_lflow_dump(run.lflows.splitlines()):
        ctx = sb.context(flow.datapath, flow.pipeline, flow.table_id)
        ctx.dp_meters = False  # the dummy datapath has no meters, so OVN omits meter:N
        compiled = compile_flow(flow.match, flow.actions, priority=flow.priority, ctx=ctx)
        groups = dict(compiled.groups) if use_groups else None
        mine = normalize_flows((str(f) for f in compiled.flows), groups)
        total += 1
        equal += mine <= reference
        ours |= mine
        lines.extend(str(f) for f in compiled.flows)
    return equal, total, ours, lines


def test_rich_topology_openflow_equals_real_controller(
    rich_run: RichRun, conformance: list[str]
) -> None:
    equal, total, ours, _ = _compile_all(rich_run, use_groups=True)
    reference = normalize_flows(
        rich_run.openflow.splitlines(), read_groups(rich_run.groups.splitlines())
    )
    logical = {f for f in reference if 8 <= f.table <= 34 or 42 <= f.table <= 51}
    covered = len(logical & ours)  # type: ignore[operator]
    line = (
        f"rich OpenFlow equivalence: {equal}/{total} logical flows "
        f"({100 * equal / total:.1f}%) equal to real ovn-controller's; "
        f"{covered}/{len(logical)} flows of its logical tables produced by us"
    )
    print("\n" + line)
    conformance.append(line)
    assert equal == total
    assert covered == len(logical)


def test_real_ovs_vswitchd_accepts_our_flows(
    rich_run: RichRun, tmp_path: Path, conformance: list[str]
) -> None:
    ovn = rich_run.ovn
    ovn.vsctl("--may-exist", "add-br", "br-lflow", "--", "set", "Bridge", "br-lflow",
              "datapath_type=dummy", "fail-mode=secure")  # fmt: skip
    sb = _sb_view(rich_run)
    flows: list[str] = []
    groups: dict[int, str] = {}
    from pyovn.lflow import CompileContext
    from pyovn.lflow.to_openflow import IdAllocator

    allocator = IdAllocator()
    conj = 1
    for flow in read_lflow_dump(rich_run.lflows.splitlines()):
        base = sb.context(flow.datapath, flow.pipeline, flow.table_id)
        ctx = CompileContext(
            **{**base.__dict__, "groups": allocator, "dp_meters": False, "conj_id_base": conj}
        )
        compiled = compile_flow(flow.match, flow.actions, priority=flow.priority, ctx=ctx)
        conj += compiled.conj_ids_used
        flows.extend(str(f) for f in compiled.flows)
        groups.update(compiled.groups)
    group_file = tmp_path / "groups.txt"
    group_file.write_text("".join(f"group_id={gid},{spec}\n" for gid, spec in groups.items()))
    flow_file = tmp_path / "flows.txt"
    flow_file.write_text("\n".join(flows) + "\n")
    ovn.ofctl("-O", "OpenFlow15", "add-groups", "br-lflow", str(group_file))
    ovn.ofctl("-O", "OpenFlow15", "add-flows", "br-lflow", str(flow_file))
    installed = [
        line for line in ovn.ofctl("dump-flows", "br-lflow").splitlines() if " actions=" in line
    ]
    distinct = {f.split(" actions=")[0] for f in flows}
    line = f"real ovs-vswitchd accepted all {len(flows)} compiled flows and {len(groups)} groups"
    print("\n" + line)
    conformance.append(line)
    assert len(installed) == len(distinct)

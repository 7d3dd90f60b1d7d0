"""The 12 reference packets of ../shared/reference/seed-topology/traces (full,
summary and minimal ovn-trace output from the real OVN 23.03): pyovn trace on
an SB built by the real northd prints the same, UUIDs aside."""

import re
import shlex
from pathlib import Path

import pytest

from pyovn.trace import SouthboundSnapshot, parse_ct_states, render, trace
from tests.helpers.daemons import SHARED

pytestmark = pytest.mark.oracle

TRACES = SHARED / "reference" / "seed-topology" / "traces"
FULL = sorted(p for p in TRACES.glob("*.txt") if p.name.count(".") == 1) if TRACES.is_dir() else []
FORMS = {"detailed": ".txt", "summary": ".summary.txt", "minimal": ".minimal.txt"}
_UUID = re.compile(r"uuid [0-9a-f]{8}")


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in _UUID.sub("uuid X", text).strip().splitlines())


def command(full: Path) -> tuple[tuple[str, ...], str, str]:
    """(--ct states, datapath, microflow) from the '# ovn-trace ...' line."""
    words = shlex.split(full.read_text().splitlines()[0][2:])[1:]
    ct = tuple(words[i + 1] for i in range(0, len(words) - 2, 2) if words[i] == "--ct")
    return ct, words[-2], words[-1]


@pytest.fixture(scope="module")
def snapshot(seed_sb: str) -> SouthboundSnapshot:
    return SouthboundSnapshot.load(seed_sb)


def test_reference_set_is_complete() -> None:
    if not TRACES.is_dir():
        pytest.skip("../shared/reference is not present")
    assert len(FULL) == 12
    assert len(list(TRACES.glob("*.txt"))) == 36


@pytest.mark.parametrize("full", FULL, ids=[p.stem for p in FULL])
@pytest.mark.parametrize("form", list(FORMS))
def test_same_output_as_ovn_trace(snapshot: SouthboundSnapshot, full: Path, form: str) -> None:
    ct, datapath, microflow = command(full)
    expected = full.with_name(full.stem + FORMS[form]).read_text()
    if form == "detailed":
        expected = expected.split("\n", 1)[1]  # traces.sh's own '# ovn-trace ...' line
    result = trace(snapshot, datapath, microflow, ct_states=parse_ct_states(list(ct)))
    assert normalise(render(result, form)) == normalise(expected)

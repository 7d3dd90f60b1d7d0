"""pyovn vsctl against the real ovs-vsctl 3.1 (with --no-wait: no ovs-vswitchd).

Each line of cases/vsctl.txt runs through both tools on two Open_vSwitch
databases; status, output and errors must match, then the contents, and on
one database `show` and `list` of each table must print identically.
"""

import shlex
from pathlib import Path

import pytest

from pyovn.cms.vsctl.verbs import VSCTL
from tests.cms.conftest import DbPair
from tests.cms.helpers import UUID_RE, blocks, canonical_db, diff_dbs, ours, real

pytestmark = pytest.mark.oracle

CASES = Path(__file__).parent / "cases" / "vsctl.txt"


def _normal(args: list[str], text: str) -> object:
    text = UUID_RE.sub("<uuid>", text)
    verb = next(a for a in args if not a.startswith("-"))
    return sorted(text.splitlines()) if verb in ("show", "list", "find") else text


def test_every_command_line_matches(vs_pair: DbPair) -> None:
    lines = [ln for ln in CASES.read_text().splitlines() if ln.strip() and ln[0] != "#"]
    mismatches = []
    for line in lines:
        args = ["--no-wait", *shlex.split(line)]
        expected = real("ovs-vsctl", vs_pair.real.remote, args)
        got = ours(VSCTL, vs_pair.ours.remote, args)
        if (
            expected.status != got.status
            or expected.error != got.error
            or _normal(args, expected.out) != _normal(args, got.out)
        ):
            mismatches.append(f"{line}\n  real: {expected}\n  ours: {got}")
    assert not mismatches, "\n".join(mismatches)
    differences = diff_dbs(
        canonical_db(vs_pair.real.remote, "Open_vSwitch"),
        canonical_db(vs_pair.ours.remote, "Open_vSwitch"),
    )
    assert not differences, "\n".join(differences)
    for args in (["show"], *(["list", t] for t in ("Open_vSwitch", "Bridge", "Port", "Interface"))):
        expected = real("ovs-vsctl", vs_pair.ours.remote, ["--no-wait", *args])
        got = ours(VSCTL, vs_pair.ours.remote, ["--no-wait", *args])
        if args == ["show"]:
            assert got.out == expected.out
        else:
            assert blocks(got.out, "list") == blocks(expected.out, "list")

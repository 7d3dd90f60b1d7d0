"""pyovn sbctl against the real ovn-sbctl 23.03 on a Southbound DB that the
real ovn-northd filled from the seed topology.

The filled database is copied, so both tools start from rows with the same
UUIDs: every output must then be equal character for character (records of
`show` and `list` compared as sets, being in hash order in ovn-sbctl), and
after the write commands both copies must hold the same content.
"""

import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyovn.cms.sbctl.verbs import SBCTL
from tests.cms.helpers import UUID_RE, blocks, canonical_db, diff_dbs, ours, real
from tests.helpers.daemons import Daemon, needs_real_ovn, start_real_ovsdb
from tests.helpers.ovn import TOPOLOGIES, OvnDatabases, load_topology

pytestmark = [needs_real_ovn, pytest.mark.oracle]

CASES = Path(__file__).parent / "cases" / "sbctl.txt"


@pytest.fixture(scope="module")
def sb_copies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Daemon, Daemon]]:
    """Two copies of one northd-filled SB (the layout test runs before the writes)."""
    tmp_path = tmp_path_factory.mktemp("sb")
    dbs = OvnDatabases.start(tmp_path, ("sb",))
    try:
        load_topology(dbs.nb.remote, TOPOLOGIES / "seed.sh")
        dbs.start_real_northd("sb")
        dbs.wait_sb()
    finally:
        dbs.stop()
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(tmp_path / "sb.db", copy / "sb.db")
    first = start_real_ovsdb(tmp_path, "sb", "ovn-sb")
    second = start_real_ovsdb(copy, "sb", "ovn-sb")
    yield first, second
    first.stop()
    second.stop()


def _sorted_children(block: str) -> list[str]:
    """A chassis with its encaps (inserted rows, so UUID-ordered differently) as a set."""
    lines = block.splitlines()
    children: list[str] = []
    for line in lines[1:]:
        if line.startswith("        ") and children:
            children[-1] += "\n" + line
        else:
            children.append(line)
    return [lines[0], *sorted(children)]


def _normal(args: list[str], text: str) -> object:
    verb = next(a for a in args if not a.startswith("-"))
    if verb in ("list", "find"):
        return blocks(UUID_RE.sub("<uuid>", text), "list")
    if verb == "show":
        return [_sorted_children(block) for block in blocks(text, "show")]
    return UUID_RE.sub("<uuid>", text) if verb == "get" else text


def test_lflow_list_is_the_reference_layout(sb_copies: tuple[Daemon, Daemon]) -> None:
    """Same database, both tools: lflow-list identical, byte for byte (490 flows)."""
    db, _ = sb_copies
    expected = real("ovn-sbctl", db.remote, ["lflow-list"])
    got = ours(SBCTL, db.remote, ["lflow-list"])
    assert got.out == expected.out
    assert got.out.count("table=") > 400


def test_every_command_line_matches(sb_copies: tuple[Daemon, Daemon]) -> None:
    theirs, mine = sb_copies
    lines = [ln for ln in CASES.read_text().splitlines() if ln.strip() and ln[0] != "#"]
    flow = real("ovn-sbctl", theirs.remote, ["--bare", "--columns=_uuid", "list", "Logical_Flow"])
    first_flow = flow.out.split()[0]
    lines += [f"lflow-list 0x{first_flow[:8]}", f"--uuid lflow-list sw2 {first_flow[:6]}"]
    mismatches = []
    for line in lines:
        args = shlex.split(line)
        expected = real("ovn-sbctl", theirs.remote, args)
        got = ours(SBCTL, mine.remote, args)
        if (
            (expected.status == 0) != (got.status == 0)
            or expected.error != got.error
            or _normal(args, expected.out) != _normal(args, got.out)
        ):
            mismatches.append(f"{line}\n  real: {expected}\n  ours: {got}")
    assert not mismatches, "\n".join(mismatches)
    differences = diff_dbs(
        canonical_db(theirs.remote, "OVN_Southbound"), canonical_db(mine.remote, "OVN_Southbound")
    )
    assert not differences, "\n".join(differences[:20])
    for args in (["show"], ["list", "Chassis"], ["list", "Encap"]):
        expected = real("ovn-sbctl", mine.remote, args)
        got = ours(SBCTL, mine.remote, args)
        if args == ["show"]:  # bound ports are listed in hash order by ovn-sbctl
            assert _normal(args, got.out) == _normal(args, expected.out)
        else:
            assert blocks(got.out, "list") == blocks(expected.out, "list")

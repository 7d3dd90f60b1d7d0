"""pyovn nbctl against the real ovn-nbctl 23.03, command line by command line.

Every line of cases/nbctl.txt runs through the real ovn-nbctl on one NB and
through pyovn nbctl on another (served by the real ovsdb-server, or by
pyovn's): exit status, stdout (UUIDs masked; line order ignored only where
ovn-nbctl prints in hash order) and the error message must be equal. Then the
two databases must hold the same content, and on one database both tools
must print the same `show`, `list` of every table and every per-object list,
character for character (top-level records compared as a set where
ovn-nbctl's order is its hash order).
"""

import json
import shlex
from pathlib import Path

import pytest

from pyovn.cms.nbctl.verbs import NBCTL
from tests.cms.conftest import DbPair
from tests.cms.helpers import UUID_RE, blocks, canonical_db, diff_dbs, ours, real

pytestmark = pytest.mark.oracle

CASES = Path(__file__).parent / "cases" / "nbctl.txt"
#: Outputs ovn-nbctl prints in the IDL's hash order.
UNORDERED = ("show", "list", "find", "dhcp-options-list")


def _case_lines() -> list[str]:
    return [
        line for line in CASES.read_text().splitlines() if line.strip() and not line.startswith("#")
    ]


def _sorted_members(line: str) -> str:
    head, bracket, rest = line.partition("gateway chassis: [")
    if not bracket:
        return line
    return head + bracket + " ".join(sorted(rest.rstrip("]").split())) + "]"


def _normal(args: list[str], text: str, mask: bool) -> object:
    """Output in a comparable form: UUIDs masked (across databases) and the
    records of hash-ordered outputs as a sorted list."""
    if mask:
        text = UUID_RE.sub("<uuid>", text)
    words = [a for a in args if not a.startswith("-")]
    fmt = next((a.split("=", 1)[1] for a in args if a.startswith("--format=")), "list")
    if not words or words[0] not in UNORDERED or (words[0] == "show" and len(words) > 1):
        return text
    if fmt == "json":
        body = json.loads(text) if text.strip() else {}
        return sorted(map(json.dumps, body.get("data", []))), body.get("headings")
    if mask or fmt != "list":
        # Across databases, members printed in UUID order come out in any order.
        return sorted(_sorted_members(line) for line in text.splitlines())
    return blocks(text, "list" if words[0] in ("list", "find") else "show")


def test_every_command_line_matches(nb_pair: DbPair) -> None:
    lines = _case_lines()
    assert len(lines) > 150
    mismatches = []
    for line in lines:
        args = shlex.split(line)
        expected = real("ovn-nbctl", nb_pair.real.remote, args)
        got = ours(NBCTL, nb_pair.ours.remote, args)
        same = (
            (expected.status == 0) == (got.status == 0)
            and UUID_RE.sub("<uuid>", expected.error) == UUID_RE.sub("<uuid>", got.error)
            and _normal(args, expected.out, True) == _normal(args, got.out, True)
        )
        if not same:
            mismatches.append(f"{line}\n  real: {expected}\n  ours: {got}")
    assert not mismatches, "\n".join(mismatches)
    differences = diff_dbs(
        canonical_db(nb_pair.real.remote, "OVN_Northbound"),
        canonical_db(nb_pair.ours.remote, "OVN_Northbound"),
    )
    assert not differences, "\n".join(differences)
    _same_db_reads(nb_pair.ours.remote)


def _same_db_reads(remote: str) -> None:
    """On one database, both tools print the same text."""
    tables = canonical_db(remote, "OVN_Northbound")
    commands: list[list[str]] = [["show"], ["ls-list"], ["lr-list"], ["dhcp-options-list"]]
    commands += [["list", table] for table in sorted(tables)]
    for fmt in ("table", "csv", "json", "html"):
        commands.append([f"--format={fmt}", "list", "Logical_Switch_Port"])
    commands.append(["--bare", "list", "Logical_Router_Port"])
    commands.append(["--data=bare", "--no-headings", "list", "NAT"])
    commands.append(["--format=json", "--pretty", "--columns=name,ports", "list", "Port_Group"])
    commands.append(["static-mac-binding-list"])
    names = real("ovn-nbctl", remote, ["--bare", "--columns=name", "list", "Logical_Switch"])
    for name in filter(None, names.out.split()):
        commands += [["lsp-list", name], ["acl-list", name], ["show", name]]
    routers = real("ovn-nbctl", remote, ["--bare", "--columns=name", "list", "Logical_Router"])
    for name in filter(None, routers.out.split()):
        commands += [["lr-route-list", name], ["lr-nat-list", name], ["lrp-list", name]]
        commands += [["show", name]]
    failures = []
    for args in commands:
        expected = real("ovn-nbctl", remote, args)
        got = ours(NBCTL, remote, args)
        if expected.status != got.status or _normal(args, expected.out, False) != _normal(
            args, got.out, False
        ):
            failures.append(f"{args}\n--- real\n{expected.out}--- ours\n{got.out}{got.error}")
    assert not failures, "\n".join(failures)

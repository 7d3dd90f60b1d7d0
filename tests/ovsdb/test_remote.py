"""Remote names: what OVS tools accept parses and prints back; the rest is one RemoteError."""

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyovn.ovsdb.remote import Remote, RemoteError, parse_remote, parse_remotes

GOOD = [
    ("unix:/run/ovn/ovnnb_db.sock", Remote("unix", False, path="/run/ovn/ovnnb_db.sock")),
    ("tcp:127.0.0.1:6641", Remote("tcp", False, host="127.0.0.1", port=6641)),
    ("ssl:127.0.0.1:6642", Remote("ssl", False, host="127.0.0.1", port=6642)),
    ("tcp:[::1]:6641", Remote("tcp", False, host="::1", port=6641)),
    ("punix:/tmp/x.sock", Remote("unix", True, path="/tmp/x.sock")),
    ("ptcp:6641", Remote("tcp", True, port=6641)),
    ("ptcp:6641:127.0.0.1", Remote("tcp", True, host="127.0.0.1", port=6641)),
    ("pssl:6642:127.0.0.1", Remote("ssl", True, host="127.0.0.1", port=6642)),
]

BAD = [
    "",
    "tcp",
    "tcp:",
    "tcp:127.0.0.1",
    "tcp:127.0.0.1:",
    "tcp:127.0.0.1:99999",
    "tcp:127.0.0.1:-1",
    "tcp::6641",
    "udp:127.0.0.1:6641",
    "unix:",
    "ptcp:port",
    "ssl:[::1:6641",
    ",,",
]


@pytest.mark.parametrize(("name", "expected"), GOOD)
def test_good_remotes_parse_and_print_back(name: str, expected: Remote) -> None:
    assert parse_remote(name) == expected
    assert str(parse_remote(name)) == name


@pytest.mark.parametrize("name", BAD)
def test_bad_remotes_are_one_line_errors(name: str) -> None:
    with pytest.raises(RemoteError) as info:
        parse_remotes(name)
    assert "\n" not in str(info.value)


def test_a_cluster_is_a_comma_separated_list() -> None:
    remotes = parse_remotes("tcp:127.0.0.1:6641, tcp:127.0.0.1:6643,ssl:127.0.0.1:6645")
    assert [str(r) for r in remotes] == [
        "tcp:127.0.0.1:6641",
        "tcp:127.0.0.1:6643",
        "ssl:127.0.0.1:6645",
    ]


@given(st.text(max_size=60))
def test_any_text_parses_or_raises_remote_error(text: str) -> None:
    try:
        remotes = parse_remotes(text)
    except RemoteError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    for remote in remotes:
        assert parse_remote(str(remote)) == remote


_hosts = st.sampled_from(["127.0.0.1", "localhost", "::1", "10.0.0.1"])
_ports = st.integers(0, 65535)
_kinds = st.sampled_from(["tcp", "ssl"])
_remotes = st.one_of(
    st.builds(lambda k, h, p: Remote(k, False, host=h, port=p), _kinds, _hosts, _ports),
    st.builds(lambda k, h, p: Remote(k, True, host=h, port=p), _kinds, _hosts, _ports),
    st.builds(
        lambda p: Remote("unix", False, path=p),
        st.from_regex(r"/[a-z0-9_./]{1,20}", fullmatch=True),
    ),
)


@given(st.lists(_remotes, min_size=1, max_size=5))
def test_remote_lists_round_trip(remotes: list[Remote]) -> None:
    assert parse_remotes(",".join(str(r) for r in remotes)) == remotes


@pytest.mark.parametrize(
    "command",
    [
        ["nbctl", "--db=tcp:127.0.0.1", "ls-list"],
        ["nbctl", "--db=tcp:127.0.0.1:6641,,bogus", "ls-list"],
        ["sbctl", "--db=ssl:[::1:6642", "show"],
        ["northd", "--ovnnb-db=udp:127.0.0.1:6641", "--ovnsb-db=unix:/nonexistent.sock"],
        ["db", "serve", "--remote", "tcp:127.0.0.1:6641"],
        ["db", "serve", "--remote", "ptcp:notaport"],
        ["db", "serve", "--remote", "db:OVN_Northbound,NB_Global"],
        ["northd", "status", "--unixctl", "/nonexistent/northd.ctl"],
    ],
)
def test_bad_remotes_on_the_command_line_are_one_line_errors(
    tmp_path: Path, command: list[str]
) -> None:
    if command[:2] == ["db", "serve"]:
        db = ["--db", str(tmp_path / "nb.db"), "--schema", "ovn-nb"]
        command = [*command[:2], *db, "--log-file", str(tmp_path / "db.log"), *command[2:]]
    proc = subprocess.run(
        [sys.executable, "-m", "pyovn", *command],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr

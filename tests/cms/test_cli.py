"""The command lines: one-line errors, exit statuses, and bad input refused
before anything is written."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyovn.cms.nbctl.verbs import NBCTL
from tests.cms.helpers import dump, ours
from tests.helpers.daemons import Daemon, start_pyovn_db

BIN = Path(sys.executable).parent

SETUP = [
    "init",
    "--", "ls-add", "sw1",
    "--", "lsp-add", "sw1", "vm1",
    "--", "lsp-set-addresses", "vm1", "52:54:00:00:00:01 10.0.0.11",
    "--", "lr-add", "lr1",
    "--", "lrp-add", "lr1", "lrp1", "00:00:00:00:ff:01", "10.0.0.1/24",
]  # fmt: skip

#: (command line, error) -- the real ovn-nbctl accepts the first five; pyovn
#: refuses malformed MACs, IPs and CIDRs everywhere.
BAD_INPUT = [
    (["lsp-set-addresses", "vm1", "00:00:00:00:00:0g"], "Invalid address format"),
    (["lsp-set-addresses", "vm1", "00:00:00:00:00:01 10.0.0.300"], "invalid IP address"),
    (["lsp-set-port-security", "vm1", "garbage"], "invalid port security address"),
    (["dhcp-options-create", "10.0.0.300/24"], "Invalid cidr format '10.0.0.300/24'"),
    (["lrp-add", "lr1", "lrp2", "00:00:00:00:ff:02", "10.0.1.300/24"], "invalid network"),
    (["lsp-add", "nope", "vm2"], "nope: switch name not found"),
    (["lsp-set-addresses", "nope", "00:00:00:00:00:01"], "nope: port name not found"),
    (["ls-add", "sw1"], "sw1: a switch with this name already exists"),
    (["lsp-add", "sw1", "vm1"], "vm1: a port with this name already exists"),
    (["lrp-add", "lr1", "lrp2", "zz", "10.0.1.1/24"], "lrp2: invalid mac address zz"),
    (["lr-route-add", "lr1", "10.0.0.0/33", "10.0.0.254"], "bad prefix argument: 10.0.0.0/33"),
    (["lr-route-add", "lr1", "0.0.0.0/0", "10.0.0.256"], "bad IPv4 nexthop argument"),
    (["lr-nat-add", "lr1", "snat", "172.16.0.300", "10.0.0.0/24"], "Not a valid IPv4 or IPv6"),
    (["lr-nat-add", "lr1", "snat", "172.16.0.1", "10.0.0.0/40"], "should be an IPv4 address"),
    (["static-mac-binding-add", "lrp1", "10.0.0.9", "zz"], "invalid mac address zz."),
    (["frob"], "unknown command 'frob'; use --help for help"),
    (["--frob", "show"], "unrecognized option '--frob'"),
    (["ls-del"], "'ls-del' command requires at least 1 arguments"),
    (["set", "Logical_Switch", "sw1", "other_config:subnet"], "argument does not end in"),
]


@pytest.fixture(scope="module")
def set_up_nb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = start_pyovn_db(tmp_path_factory.mktemp("nb"), "nb", "ovn-nb")
    assert ours(NBCTL, daemon.remote, SETUP).status == 0
    yield daemon
    daemon.stop()


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_is_one_error_and_no_change(
    set_up_nb: Daemon, args: list[str], message: str
) -> None:
    before = dump(set_up_nb.remote, "OVN_Northbound")
    outcome = ours(NBCTL, set_up_nb.remote, args)
    assert outcome.status == 1 and message in outcome.error and "\n" not in outcome.error
    assert dump(set_up_nb.remote, "OVN_Northbound") == before


@pytest.mark.parametrize("program", [["pyovn-nbctl"], ["pyovn", "nbctl"]])
def test_programs_print_one_line_and_exit_non_zero(nb: Daemon, program: list[str]) -> None:
    command = [str(BIN / program[0]), *program[1:], f"--db={nb.remote}"]
    done = subprocess.run([*command, "init", "--", "ls-add", "a"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    failed = subprocess.run([*command, "lsp-add", "zz", "p"], capture_output=True, text=True)
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1 and failed.stderr.endswith("zz: switch name not found\n")
    shown = subprocess.run([*command, "ls-list"], capture_output=True, text=True)
    assert shown.stdout.endswith(" (a)\n")


def test_sbctl_and_vsctl_programs(tmp_path: Path) -> None:
    missing = f"unix:{tmp_path}/none.sock"
    for tool in ("pyovn-sbctl", "pyovn-vsctl"):
        done = subprocess.run(
            [str(BIN / tool), f"--db={missing}", "--timeout=1", "show"],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
        assert done.stderr.startswith(f"{tool}: ")
    version = subprocess.run(
        [str(BIN / "pyovn-vsctl"), "--version"], capture_output=True, text=True
    )
    assert version.stdout.startswith("ovs-vsctl (pyovn)")


def test_help_lists_the_verbs() -> None:
    done = subprocess.run([str(BIN / "pyovn"), "nbctl", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    for verb in ("lsp-set-addresses", "lr-nat-add", "acl-add", "dhcp-options-create", "find"):
        assert verb in done.stdout

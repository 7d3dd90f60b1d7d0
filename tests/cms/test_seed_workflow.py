"""The seed's manual workflow, word for word, with pyovn's tools standing in.

    ifaceid=$(ovs-vsctl get interface vnet0 external_ids:iface-id)
    ovn-nbctl lsp-add <switch> $IFACE_ID
    MAC_ADDR=$(ovs-vsctl get interface vnet0 external_ids:attached-mac | sed s/\"//g)
    ovn-nbctl lsp-set-addresses $IFACE_ID $MAC_ADDR

runs once with the real ovs-vsctl/ovn-nbctl and once with `ovs-vsctl` and
`ovn-nbctl` being pyovn's console scripts (shell functions, as aliases would
be); the output and the resulting NB content must be the same.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cms.conftest import DbPair
from tests.cms.helpers import canonical_db, diff_dbs, dump
from tests.helpers.daemons import start_real_ovsdb

pytestmark = pytest.mark.oracle

SEED = """\
ifaceid=$(ovs-vsctl get interface vnet0 external_ids:iface-id)
ovn-nbctl lsp-add <switch> $IFACE_ID
MAC_ADDR=$(ovs-vsctl get interface vnet0 external_ids:attached-mac | sed s/\\"//g)
ovn-nbctl lsp-set-addresses $IFACE_ID $MAC_ADDR
"""
IFACE_ID = "4c6e3f6e-1111-2222-3333-444455556666"
MAC = "52:54:00:aa:bb:01"
BIN = Path(sys.executable).parent


def _run(nbctl: str, vsctl: str, nb: str, vs: str) -> subprocess.CompletedProcess[str]:
    prelude = (
        f'ovn-nbctl() {{ {nbctl} --db={nb} "$@"; }}\n'
        f'ovs-vsctl() {{ {vsctl} --db={vs} "$@"; }}\n'
        f'echo "ifaceid=$ifaceid"\n'
    )
    script = SEED.replace("<switch>", "sw1") + 'echo "ifaceid=$ifaceid MAC_ADDR=$MAC_ADDR"\n'
    return subprocess.run(
        ["bash", "-c", prelude + script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "IFACE_ID": IFACE_ID},
    )


def test_seed_commands_give_the_same_nb(nb_pair: DbPair, tmp_path: Path) -> None:
    vs = start_real_ovsdb(tmp_path, "vs", "vswitch")
    try:
        subprocess.run(
            [
                "ovs-vsctl",
                f"--db={vs.remote}",
                "--no-wait",
                "--",
                "init",
                "--",
                "add-br",
                "br-int",
                "--",
                "add-port",
                "br-int",
                "vnet0",
                "--",
                "set",
                "interface",
                "vnet0",
                f"external_ids:iface-id={IFACE_ID}",
                f'external_ids:attached-mac="{MAC}"',
            ],
            check=True,
        )
        for db in (nb_pair.real, nb_pair.ours):
            subprocess.run(["ovn-nbctl", f"--db={db.remote}", "init", "--", "ls-add", "sw1"])
        theirs = _run("command ovn-nbctl", "command ovs-vsctl", nb_pair.real.remote, vs.remote)
        mine = _run(
            str(BIN / "pyovn-nbctl"), str(BIN / "pyovn-vsctl"), nb_pair.ours.remote, vs.remote
        )
    finally:
        vs.stop()
    assert theirs.returncode == mine.returncode == 0, (theirs.stderr, mine.stderr)
    assert mine.stdout == theirs.stdout
    assert f"MAC_ADDR={MAC}" in mine.stdout and f'ifaceid="{IFACE_ID}"' in mine.stdout
    differences = diff_dbs(
        canonical_db(nb_pair.real.remote, "OVN_Northbound"),
        canonical_db(nb_pair.ours.remote, "OVN_Northbound"),
    )
    assert not differences, differences
    ports = dump(nb_pair.ours.remote, "OVN_Northbound")["Logical_Switch_Port"]
    assert [(p["name"], p["addresses"]) for p in ports.values()] == [(IFACE_ID, frozenset({MAC}))]

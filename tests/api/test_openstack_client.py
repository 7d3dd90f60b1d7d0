"""The OpenStack command-line client against `pyovn api`, without Keystone:
`--os-auth-type admin_token` sends a token of the token file, and `none`
talks to a server started with --no-auth; `--os-endpoint` points either at
the API. `openstack network create` and `openstack port create` then work
as against Neutron, and the NB holds what they made."""

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import TOKENS, nb_rows
from tests.api.server import api_server
from tests.helpers.daemons import Daemon, start_pyovn_db

OPENSTACK = shutil.which("openstack", path=str(Path(sys.executable).parent)) or shutil.which(
    "openstack"
)
pytestmark = pytest.mark.skipif(
    OPENSTACK is None, reason="python-openstackclient is not installed (pip install -e '.[dev]')"
)


@pytest.fixture
def nb(tmp_path: Path) -> Iterator[Daemon]:
    daemon = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    yield daemon
    daemon.stop()


def openstack(auth: list[str], *args: str) -> Any:
    assert OPENSTACK is not None
    proc = subprocess.run(
        [OPENSTACK, *auth, *args, "-f", "json"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _network_and_port(auth: list[str], nb: Daemon, project: str) -> None:
    net = openstack(auth, "network", "create", "osc-net")
    assert net["name"] == "osc-net" and net["project_id"] == project
    subnet = openstack(
        auth, "subnet", "create", "--network", "osc-net", "--subnet-range", "10.7.0.0/24", "sn"
    )
    assert subnet["cidr"] == "10.7.0.0/24"
    port = openstack(auth, "port", "create", "--network", "osc-net", "vm-port")
    assert port["fixed_ips"][0]["ip_address"] == "10.7.0.2"
    listed = openstack(auth, "port", "list")
    assert [p["ID"] for p in listed] == [port["id"]]
    (switch,) = nb_rows(nb.remote, "Logical_Switch")
    assert switch["name"] == f"neutron-{net['id']}"
    lsp = [r for r in nb_rows(nb.remote, "Logical_Switch_Port") if r["name"] == port["id"]]
    assert lsp[0]["addresses"] == frozenset({f"{port['mac_address']} 10.7.0.2"})


def test_admin_token_auth(nb: Daemon, tmp_path: Path) -> None:
    (tmp_path / "tokens").write_text(TOKENS)
    args = ["--nb-db", nb.remote, "--token-file", str(tmp_path / "tokens")]
    with api_server(tmp_path, *args) as base:
        auth = ["--os-auth-type", "admin_token", "--os-token", "alice-token"]
        _network_and_port([*auth, "--os-endpoint", base], nb, "alice")


def test_no_auth(nb: Daemon, tmp_path: Path) -> None:
    with api_server(tmp_path, "--nb-db", nb.remote, "--no-auth") as base:
        _network_and_port(["--os-auth-type", "none", "--os-endpoint", base], nb, "admin")

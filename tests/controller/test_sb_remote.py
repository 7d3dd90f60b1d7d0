"""How `pyovn controller` turns ovn-remote and its SSL options into a
Southbound connection: plain remotes need nothing, `ssl:` needs usable
files, and every problem is one line (a ConfigError the daemon reports
once, or the command's error message); a changed ovn-remote is followed."""

import subprocess
import sys
from pathlib import Path

import pytest

from pyovn.cloud.embedded import EmbeddedCloud
from pyovn.cloud.seed import build_seed
from pyovn.controller import ConfigError, Controller
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.tls import TlsFiles
from tests.controller.conftest import run, wait_until, with_cloud
from tests.controller.test_embedded_cloud import VM, _binding_chassis, _boot
from tests.helpers.cluster import free_port


def _controller(tls: TlsFiles | None = None) -> Controller:
    def no_switch(config: object) -> None:
        raise AssertionError("not used")

    return Controller("unix:/nonexistent/db.sock", no_switch, tls)  # type: ignore[arg-type]


def test_plain_remotes_need_no_ssl() -> None:
    assert _controller()._sb_ssl_context("tcp:127.0.0.1:6642,unix:/run/sb.sock") is None


@pytest.mark.parametrize(
    ("remote", "tls", "message"),
    [
        ("udp:127.0.0.1:6642", None, "ovn-remote: udp:127.0.0.1:6642: unknown remote type"),
        ("tcp:127.0.0.1", None, "ovn-remote: tcp:127.0.0.1: "),
        (
            "tcp:127.0.0.1:6642,ssl:127.0.0.1:6642",
            TlsFiles("/nonexistent/key.pem", "/nonexistent/cert.pem", "/nonexistent/ca.pem"),
            "ovn-remote tcp:127.0.0.1:6642,ssl:127.0.0.1:6642: /nonexistent/key.pem: no such file",
        ),
        (
            "ssl:127.0.0.1:6642",
            TlsFiles("/nonexistent/key.pem"),
            "ovn-remote ssl:127.0.0.1:6642: SSL needs --certificate, --ca-cert",
        ),
    ],
)
def test_unusable_remotes_and_ssl_files_are_config_errors(
    remote: str, tls: TlsFiles | None, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _controller(tls)._sb_ssl_context(remote)
    assert str(raised.value).startswith(message), str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_command_takes_ssl_options_as_ovn_controller_does(tmp_path: Path) -> None:
    def pyovn(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pyovn", "controller", *args],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )

    help_text = pyovn("--help").stdout
    for option in ("-p, --private-key", "-c, --certificate", "-C, --ca-cert"):
        assert option in help_text
    missing = tmp_path / "key.pem"
    proc = pyovn(f"unix:{tmp_path}/db.sock", "-p", str(missing), "-c", "x.pem", "-C", "ca.pem")
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [f"pyovn: {missing}: no such file"], proc.stderr


def test_a_changed_ovn_remote_is_followed_without_losing_the_bindings(tmp_path: Path) -> None:
    """`ovs-vsctl set Open_vSwitch . external_ids:ovn-remote=…` on a running
    chassis: the controller reconnects there and carries on."""

    async def body(cloud: EmbeddedCloud) -> None:
        assert cloud.nb is not None and cloud.sb_server is not None
        await build_seed(cloud.nb)
        vm3 = await _boot(cloud, "hv1", "vm3")
        await _boot(cloud, "hv2", "vm1")
        await cloud.nb.sync("hv")
        assert (await vm3.ping("10.0.0.11")).received == 1
        port = free_port()
        await cloud.sb_server.listen(f"ptcp:{port}:127.0.0.1")
        hv2 = cloud.chassis["hv2"]
        await _set_remote(hv2.ovs_remote, f"tcp:127.0.0.1:{port}")
        controller = hv2.controller
        assert controller is not None

        def moved() -> bool:
            client = controller.sb_client
            return client is not None and str(client.remote) == f"tcp:127.0.0.1:{port}"

        await wait_until(moved, 20, "hv2 to reconnect to the new remote")
        await cloud.nb.sync("hv")
        assert _binding_chassis(cloud, "vm1") == "hv2"
        assert (await vm3.ping("10.0.0.11")).received == 1
        # Binding through the new connection works too.
        await _boot(cloud, "hv2", "vm2")
        await cloud.nb.wait_port_up("vm2")
        assert (await vm3.ping(VM["vm2"].cidr.split("/")[0])).received == 1

    run(with_cloud(tmp_path, 2, body), timeout=120)


async def _set_remote(ovs_remote: str, remote: str) -> None:
    client = OvsdbClient(ovs_remote, reconnect=False)
    await client.connect(timeout=10)
    try:
        mutations = [
            ["external_ids", "delete", ["set", ["ovn-remote"]]],
            ["external_ids", "insert", ["map", [["ovn-remote", remote]]]],
        ]
        op = {"op": "mutate", "table": "Open_vSwitch", "where": [], "mutations": mutations}
        result = await client.transact("Open_vSwitch", [op])
        assert not [r for r in result if "error" in r], result
    finally:
        await client.close()

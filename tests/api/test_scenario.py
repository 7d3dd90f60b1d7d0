"""Issue 9's scenario: build a small cloud through the API only, compile it
with a real northd (pyovn's, and OVN's own), and prove with `pyovn trace`
that VMs reach each other through the router, that the security group
drops what it does not allow, and that SNAT and the floating IP rewrite
addresses on the way out and in."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pyovn.cms.neutron import ApiSettings, create_app
from tests.api.conftest import TOKENS, Api
from tests.api.scenario import EXT_GATEWAY, EXT_GATEWAY_MAC, Cloud, build
from tests.helpers.daemons import have, needs_real_ovn
from tests.helpers.ovn import OvnDatabases, sbctl


@pytest.fixture(params=["pyovn-northd", "ovn-northd"])
def cloud(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Cloud, str]]:
    if not have("ovsdb-server") or not have("ovn-sbctl"):
        pytest.skip("the real OVN (Debian ovn-central) is not installed")
    dbs = OvnDatabases.start(tmp_path)
    try:
        if request.param == "ovn-northd":
            dbs.start_real_northd()
        else:
            dbs.start_pyovn_northd()
        tokens = tmp_path / "tokens"
        tokens.write_text(TOKENS)
        settings = ApiSettings(dbs.nb.remote, token_file=tokens, gateway_chassis=["hv1"])
        with TestClient(create_app(settings)) as client:
            built = build(Api(client, dbs.nb))
        dbs.wait_sb()
        _learn_upstream_mac(dbs.sb(), built)
        yield built, dbs.sb()
    finally:
        dbs.stop()


def _learn_upstream_mac(sb: str, built: Cloud) -> None:
    """What ovn-controller would learn: the upstream gateway's MAC."""
    name = f"neutron-{built.router['id']}"
    datapath = sbctl(
        sb, "--bare", "--columns=_uuid", "find", "Datapath_Binding", f"external_ids:name={name}"
    ).strip()
    sbctl(
        sb,
        "create",
        "MAC_Binding",
        f"logical_port=lrp-{built.gateway_port['id']}",
        f"ip={EXT_GATEWAY}",
        f'mac="{EXT_GATEWAY_MAC}"',
        f"datapath={datapath}",
    )


def pyovn_trace(sb: str, tmp: Path, flows: list[str]) -> list[dict[str, Any]]:
    """`pyovn trace --batch` (one process for all flows), as JSON."""
    batch = tmp / "flows.txt"
    batch.write_text("".join(f"--ct new '{flow}'\n" for flow in flows))
    proc = subprocess.run(
        [sys.executable, "-m", "pyovn", "trace", "--db", sb, "--json", "--batch", str(batch)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert not [line for line in lines if line.startswith("#")], proc.stdout
    return [json.loads(line) for line in lines]


@needs_real_ovn
def test_connectivity_proved_by_trace(cloud: tuple[Cloud, str], tmp_path: Path) -> None:
    c, sb = cloud
    fip = c.fip["floating_ip_address"]
    east_west, blocked, ssh, snat, fip_out, fip_in = pyovn_trace(
        sb,
        tmp_path,
        [
            c.flow(c.vm1, c.ip(c.vm2)),
            c.flow(c.vm1, c.ip(c.vm2), "ip.ttl == 64 && tcp && tcp.src == 40000 && tcp.dst == 80"),
            c.flow(c.vm1, c.ip(c.vm2), "ip.ttl == 64 && tcp && tcp.src == 40000 && tcp.dst == 22"),
            c.flow(c.vm2, "8.8.8.8"),
            c.flow(c.vm1, "8.8.8.8"),
            c.inbound(fip),
        ],
    )
    # vm1 -> vm2 across the router: delivered, TTL decremented.
    (out,) = east_west["outputs"]
    assert out["port"] == c.vm2["id"] and out["fields"]["nw_ttl"] == "63"
    # The security group admits icmp and ssh, not http.
    assert blocked["verdict"] == "drop"
    assert [o["port"] for o in ssh["outputs"]] == [c.vm2["id"]]
    # vm2 has no floating IP: SNAT to the router's gateway address.
    (out,) = snat["outputs"]
    assert out["port"] == c.localnet and out["fields"]["nw_src"] == c.gateway_ip
    assert out["fields"]["dl_dst"] == EXT_GATEWAY_MAC
    # vm1 leaves as its floating IP, and is reached at it.
    (out,) = fip_out["outputs"]
    assert out["port"] == c.localnet and out["fields"]["nw_src"] == fip
    (out,) = fip_in["outputs"]
    assert out["port"] == c.vm1["id"] and out["fields"]["nw_dst"] == c.ip(c.vm1)


def _has_pyovn_up() -> bool:
    from pyovn.cli.main import SUBCOMMANDS

    return "up" in SUBCOMMANDS


@pytest.mark.skipif(
    not _has_pyovn_up(),
    reason="`pyovn up` (the controller/cloud issue) is not on main yet: there is no chassis "
    "to bind the VMs' ports and ping across; the logical proof above stands in for it",
)
def test_connectivity_in_a_pyovn_up_cloud() -> None:
    """Hook: once `pyovn up` lands, start a cloud, point `pyovn api` at its NB,
    build the scenario with tests.api.scenario.build, boot two VMs on the ports
    (`pyovn vm`), and ping vm2 and the floating IP from vm1."""
    pytest.skip("`pyovn up` is available: this end-to-end test is still to be written")

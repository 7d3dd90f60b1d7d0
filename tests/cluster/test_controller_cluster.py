"""pyovn controller over SSL with Southbound RBAC on, against pyovn db and the
real ovsdb-server.

The SB listens on `pssl:` with role ovn-controller (a Connection row, as
`ovn-sbctl set-connection role=ovn-controller pssl:PORT` makes; pyovn
northd writes the role). Two chassis run `pyovn controller -p/-c/-C` with
certificates whose CN is their chassis name: they must register, claim
their VMs' ports, learn a router's neighbour into MAC_Binding and report
nb_cfg without a single refused write, and the VMs must reach each other,
switched and routed. A third controller (in this process) then tries
to change another chassis' rows and a logical flow: each attempt is a
permission error and the SB does not change. A controller whose
certificate another CA signed, or that has no SSL files, never gets in
(the latter says so once, on one line, until its Open_vSwitch DB gets an
SSL row: then it uses those files).
"""

import asyncio
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pyovn.cloud.embedded import EmbeddedChassis
from pyovn.cloud.rundir import underlay_address
from pyovn.controller.txn import Txn, first_error
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.tls import TlsFiles
from tests.controller.conftest import wait_until
from tests.helpers.chassis import Hypervisors
from tests.helpers.cluster import free_port
from tests.helpers.daemons import (
    Daemon,
    needs_real_ovsdb,
    start_pyovn_db,
    start_real_ovsdb,
    wait_for,
)
from tests.helpers.ovn import nbctl, sbctl
from tests.helpers.pki import Cert, Pki, needs_ovs_pki

pytestmark = [needs_ovs_pki, needs_real_ovsdb, pytest.mark.e2e, pytest.mark.oracle]

SB_CONNECTIONS = "db:OVN_Southbound,SB_Global,connections"
VMS = {  # name -> (chassis, switch, MAC, address)
    "vm-a": ("hv1", "net", "50:54:00:00:07:0a", "192.168.7.10"),
    "vm-b": ("hv2", "net", "50:54:00:00:07:0b", "192.168.7.11"),
    "vm-c": ("hv2", "net2", "50:54:00:00:08:0c", "192.168.8.12"),
}
ROUTER_PORTS = {
    "net": ("02:00:00:00:07:01", "192.168.7.1"),
    "net2": ("02:00:00:00:08:01", "192.168.8.1"),
}


@dataclass
class Setup:
    tmp: Path
    pki: Pki
    nb: Daemon
    sb: Daemon
    northd: Daemon
    ssl_remote: str


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
    except OSError:
        return False
    return True


def _start_northd(tmp: Path, nb: str, sb: str) -> Daemon:
    log = tmp / "northd.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyovn", "northd", f"--ovnnb-db={nb}", f"--ovnsb-db={sb}",
         f"--log-file={log}", f"--unixctl={tmp / 'northd.ctl'}"],
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return Daemon("northd", proc, tmp / "northd.ctl", log)


@pytest.fixture(params=["pyovn", "real"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    pki = Pki.create(tmp_path / "pki")
    server = pki.sign("sb-server").options()
    started: list[Daemon] = []
    try:
        started.append(nb := start_pyovn_db(tmp_path, "nb", "ovn-nb"))
        if request.param == "real":
            sb = start_real_ovsdb(
                tmp_path, "sb", "ovn-sb", extra_args=[f"--remote={SB_CONNECTIONS}", *server]
            )
        else:
            sb = start_pyovn_db(tmp_path, "sb", "ovn-sb", ["--remote", SB_CONNECTIONS, *server])
        started.append(sb)
        started.append(northd := _start_northd(tmp_path, nb.remote, sb.remote))
        nbctl(nb.remote, "lr-add", "lr")
        for switch, (mac, address) in ROUTER_PORTS.items():
            nbctl(nb.remote, "ls-add", switch, "--", "lrp-add", "lr", f"lr-{switch}", mac,
                  f"{address}/24", "--", "lsp-add", switch, f"{switch}-lr", "--",
                  "lsp-set-type", f"{switch}-lr", "router", "--",
                  "lsp-set-addresses", f"{switch}-lr", "router", "--",
                  "lsp-set-options", f"{switch}-lr", f"router-port=lr-{switch}")  # fmt: skip
        nbctl(nb.remote, "--wait=sb", "sync")
        assert "ovn-controller" in sbctl(sb.remote, "--bare", "--columns=name", "list", "RBAC_Role")
        port = free_port()
        sbctl(sb.remote, "set-connection", "role=ovn-controller", f"pssl:{port}:127.0.0.1")
        wait_for(lambda: _listening(port), 20, "the pssl: listener with role ovn-controller")
        yield Setup(tmp_path, pki, nb, sb, northd, f"ssl:127.0.0.1:{port}")
    finally:
        for daemon in reversed(started):
            daemon.stop()


def _rows(sb: str, table: str) -> str:
    return sbctl(sb, "--format=json", "list", table)


def test_controllers_with_rbac_bind_ports_and_cannot_touch_others(setup: Setup) -> None:
    nb, sb = setup.nb.remote, setup.sb.remote
    hypervisors = Hypervisors.start(
        setup.tmp / "chassis",
        nb,
        setup.ssl_remote,
        ["hv1", "hv2"],
        controller_args=lambda name: tuple(setup.pki.sign(name).options()),
        sb_watch=sb,
    )
    try:
        for vm, (chassis, switch, mac, address) in VMS.items():
            # vm-c's port names no IP: the router must ARP for it and learn it.
            known = mac if vm == "vm-c" else f"{mac} {address}"
            nbctl(nb, "lsp-add", switch, vm, "--", "lsp-set-addresses", vm, known)
            gateway = ROUTER_PORTS[switch][1]
            hypervisors.vm(
                "boot", chassis, vm, mac, iface_id=vm, cidr=f"{address}/24", gateway=gateway
            )
        for vm in VMS:
            nbctl(nb, "wait-until", "Logical_Switch_Port", vm, "up=true")
        nbctl(nb, "--wait=hv", "sync")
        # Registered, claimed and up under RBAC: the VMs talk across the tunnel,
        # on one switch and through the router, which learns vm-c's MAC into
        # a MAC_Binding row (an insert the role allows; the ping that made the
        # router ARP may be lost, as in OVN).
        reply = hypervisors.vm("ping", "vm-a", VMS["vm-b"][3], count=2, timeout=2.0)
        assert [r["ttl"] for r in reply["replies"]] == [64, 64]
        reply = hypervisors.vm("ping", "vm-a", VMS["vm-c"][3], count=3, timeout=2.0)
        assert len(reply["replies"]) >= 2 and {r["ttl"] for r in reply["replies"]} == {63}
        learned = sbctl(sb, "--bare", "--columns=ip,mac", "list", "MAC_Binding").split()
        assert learned == [VMS["vm-c"][3], VMS["vm-c"][2]], learned
        for name in ("hv1", "hv2"):
            assert "transaction failed" not in hypervisors.log(name), hypervisors.log(name)
        assert not hypervisors.tracebacks()
        refusals, before, after = asyncio.run(_intruder(setup, hypervisors))
        assert len(refusals) == 6
        assert all(r.startswith("permission error") for r in refusals), refusals
        assert after == before
        assert "hv1" in after["Chassis"] and "hv2" in after["Chassis"]
    finally:
        hypervisors.stop()


TABLES = ("Chassis", "Chassis_Private", "Encap", "Logical_Flow", "Port_Binding")


async def _snapshot(sb: str) -> dict[str, str]:
    return {t: await asyncio.to_thread(_rows, sb, t) for t in TABLES}


async def _intruder(
    setup: Setup, hypervisors: Hypervisors
) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """Chassis hv3's controller (in this process) tries what its role forbids;
    returns the errors and the SB before and after."""
    cert = setup.pki.sign("hv3")
    chassis = EmbeddedChassis(
        "hv3",
        underlay_address(hypervisors.run.path, 3),
        setup.tmp / "hv3",
        {},
        tls=TlsFiles(str(cert.key), str(cert.cert), str(cert.ca)),
    )
    try:
        await chassis.start(setup.ssl_remote)
        controller = chassis.controller
        assert controller is not None
        await asyncio.wait_for(controller.converged.wait(), 60)
        replica = controller.sb
        assert replica is not None
        assert any(r["name"] == "hv3" for r in replica.table("Chassis").values())
        hv1 = {
            table: next(u for u, r in replica.table(table).items() if r["name"] == "hv1")
            for table in ("Chassis", "Chassis_Private")
        }
        encap = next(u for u, r in replica.table("Encap").items() if r["chassis_name"] == "hv1")
        # hv3 has no local datapath, so it does not monitor logical flows: it
        # names one the SB holds.
        out = await asyncio.to_thread(
            sbctl, setup.sb.remote, "--bare", "--columns=_uuid", "list", "Logical_Flow"
        )
        flow = out.split()[0]
        attempts: list[Callable[[Txn], None]] = [
            lambda t: t.update("Chassis", hv1["Chassis"], {"external_ids": {"intruded": "1"}}),
            lambda t: t.set_keys("Chassis", hv1["Chassis"], "other_config", {"intruded": "1"}),
            lambda t: t.delete("Chassis_Private", hv1["Chassis_Private"]),
            lambda t: t.update("Encap", encap, {"ip": "127.0.0.99"}),
            lambda t: t.update("Logical_Flow", flow, {"match": "intruded"}),
            lambda t: t.delete("Logical_Flow", flow),
        ]
        before = await _snapshot(setup.sb.remote)
        refusals = []
        for attempt in attempts:
            txn = Txn(replica)
            attempt(txn)
            refusals.append(first_error(await txn.commit()) or "accepted")
        return refusals, before, await _snapshot(setup.sb.remote)
    finally:
        await chassis.close()


async def _set_ssl(ovs_remote: str, cert: Cert) -> None:
    client = OvsdbClient(ovs_remote, reconnect=False)
    await client.connect(timeout=10)
    try:
        row = {"private_key": str(cert.key), "certificate": str(cert.cert), "ca_cert": str(cert.ca)}
        ops = [
            {"op": "insert", "table": "SSL", "uuid-name": "ssl", "row": row},
            {"op": "update", "table": "Open_vSwitch", "where": [],
             "row": {"ssl": ["named-uuid", "ssl"]}},
        ]  # fmt: skip
        results = await client.transact("Open_vSwitch", ops)
        assert not [r for r in results if "error" in r], results
    finally:
        await client.close()


def test_a_controller_without_a_valid_certificate_is_refused(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    async def body() -> None:
        rogue = Pki.create(setup.tmp / "rogue").sign("hv4")  # signed by another CA
        chassis = {
            "hv4": TlsFiles(str(rogue.key), str(rogue.cert), str(setup.pki.ca)),
            "hv5": None,  # no SSL files at all
        }
        started = []
        try:
            for index, (name, tls) in enumerate(chassis.items(), 4):
                where = setup.tmp / name
                started.append(
                    EmbeddedChassis(name, underlay_address(where, index), where, {}, tls=tls)
                )
                await started[-1].start(setup.ssl_remote)
            await asyncio.sleep(3)
            for one in started:
                controller = one.controller
                assert controller is not None
                assert controller.sb is None or not controller.sb.synced.is_set(), one.name
            # `ovs-vsctl set-ssl` for hv5: its controller takes the files from
            # the SSL row and gets in.
            await _set_ssl(started[1].ovs_remote, setup.pki.sign("hv5"))
            hv5 = started[1].controller
            assert hv5 is not None

            def registered() -> bool:
                sb = hv5.sb
                return (
                    sb is not None
                    and sb.synced.is_set()
                    and any(r["name"] == "hv5" for r in sb.table("Chassis").values())
                )

            await wait_until(registered, 30, "hv5 to register with the SSL row's files")
        finally:
            for one in started:
                await one.close()

    with caplog.at_level("WARNING", "pyovn.controller"):
        asyncio.run(body())
    names = sbctl(setup.sb.remote, "--bare", "--columns=name", "list", "Chassis").split()
    assert names == ["hv5"]
    messages = [r.getMessage() for r in caplog.records]
    assert (
        messages.count(
            f"ovn-remote {setup.ssl_remote}: SSL needs --private-key, --certificate and --ca-cert"
            " (or an SSL row in the Open_vSwitch DB)"
        )
        == 1
    ), messages

"""The libvirt integration: domain XML, `pyovn libvirt attach`, and the agent
following libvirt's test:///default driver (lifecycle events included)."""

import asyncio
import logging
import subprocess
import sys
import threading
import uuid as uuidlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pyovn.cms.errors import DomainXmlError, UsageError
from pyovn.cms.libvirt.agent import LibvirtAgent, SwitchMap, desired_ports
from pyovn.cms.libvirt.domxml import add_virtualports, parse_domain, write_metadata
from pyovn.cms.nbctl.verbs import NBCTL
from pyovn.cms.vsctl.verbs import VSCTL
from tests.cms.helpers import dump, ours
from tests.helpers.daemons import Daemon, start_pyovn_db, wait_for

libvirt = pytest.importorskip("libvirt")

BIN = Path(sys.executable).parent


def seed_xml(name: str, iface_id: str, mac: str, bridge: str = "br-int") -> str:
    """The domain of shared/libvirt/libvirt_test_driver.py (test driver type)."""
    return f"""
<domain type='test'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <interface type='bridge'>
      <mac address='{mac}'/>
      <source bridge='{bridge}'/>
      <virtualport type='openvswitch'>
        <parameters interfaceid='{iface_id}'/>
      </virtualport>
      <target dev='tap-{name}'/>
    </interface>
  </devices>
</domain>
"""


# -- domain XML ---------------------------------------------------------------------
def test_parse_domain_reads_the_ovs_nics() -> None:
    domain = parse_domain(
        seed_xml("vm1", "4c6e3f6e-1111-2222-3333-444455556666", "52:54:00:aa:bb:01")
    )
    (nic,) = domain.nics
    assert (nic.kind, nic.source, nic.virtualport) == ("bridge", "br-int", "openvswitch")
    assert (nic.interfaceid, nic.mac, nic.target) == (
        "4c6e3f6e-1111-2222-3333-444455556666",
        "52:54:00:aa:bb:01",
        "tap-vm1",
    )


def test_add_virtualports_fills_what_is_missing() -> None:
    xml = "<domain type='test'><name>x</name><devices><interface type='bridge'/></devices></domain>"
    text, domain = add_virtualports(xml)
    (nic,) = domain.nics
    assert domain.uuid and nic.interfaceid and nic.mac and nic.mac.startswith("52:54:00:")
    assert (nic.source, nic.virtualport) == ("br-int", "openvswitch")
    again, same = add_virtualports(text)
    assert same == domain
    with_meta = parse_domain(
        write_metadata(again, {nic.interfaceid: {"switch": "sw9", "ip": "1.2.3.4"}})
    )
    assert (with_meta.nics[0].switch, with_meta.nics[0].ip) == ("sw9", "1.2.3.4")


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<domain", "not well-formed"),
        ("<domain><name>x</name></domain>", "no <interface type='bridge'>"),
        (
            "<domain><name>x</name><devices><interface type='bridge'>"
            "<virtualport type='802.1Qbh'/></interface></devices></domain>",
            "not 'openvswitch'",
        ),
    ],
)
def test_add_virtualports_refuses(xml: str, message: str) -> None:
    with pytest.raises(DomainXmlError, match=message):
        add_virtualports(xml)


def test_switch_map_and_problems() -> None:
    switch_map = SwitchMap.parse(["br-int=sw1,br-ex:ext"])
    assert switch_map.entries == {"br-int": "sw1", "br-ex": "ext"}
    with pytest.raises(UsageError):
        SwitchMap.parse(["nonsense"])
    xml = seed_xml("vm1", str(uuidlib.uuid4()), "52:54:00:aa:bb:01", bridge="br-other")
    domain = parse_domain(xml.replace("<name>", f"<uuid>{uuidlib.uuid4()}</uuid><name>"))
    ports, problems = desired_ports(domain, switch_map)
    assert ports == [] and len(problems) == 1 and "br-other" in problems[0]


# -- attach -------------------------------------------------------------------------
def test_attach_creates_the_port_and_prints_the_xml(nb: Daemon, tmp_path: Path) -> None:
    setup = ["init", "--", "ls-add", "sw1", "--", "set", "Logical_Switch", "sw1"]
    assert ours(NBCTL, nb.remote, [*setup, "other_config:subnet=10.0.0.0/24"]).status == 0
    source = tmp_path / "dom.xml"
    source.write_text(
        "<domain type='test'><name>web</name><devices><interface type='bridge'>"
        "<mac address='52:54:00:12:34:56'/></interface></devices></domain>"
    )
    command = [str(BIN / "pyovn"), "libvirt", "attach", str(source), "--switch", "sw1"]
    done = subprocess.run([*command, "--db", nb.remote], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    domain = parse_domain(done.stdout)
    (nic,) = domain.nics
    assert nic.virtualport == "openvswitch" and (nic.switch, nic.ip) == ("sw1", "10.0.0.2")
    (port,) = dump(nb.remote, "OVN_Northbound")["Logical_Switch_Port"].values()
    assert port["name"] == nic.interfaceid
    assert port["addresses"] == port["port_security"] == frozenset({"52:54:00:12:34:56 10.0.0.2"})
    assert port["external_ids"]["pyovn:libvirt-domain"] == domain.uuid
    before = dump(nb.remote, "OVN_Northbound")
    for args, message in (
        (["--switch", "nope"], "nope: switch name not found"),
        (["--switch", "sw1", "--ip", "10.0.0.999"], "Not a valid IPv4 or IPv6 address"),
    ):
        bad = subprocess.run(
            [*command[:4], *args, "--db", nb.remote], capture_output=True, text=True
        )
        assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and message in bad.stderr
    assert dump(nb.remote, "OVN_Northbound") == before


# -- the agent ----------------------------------------------------------------------
class AgentThread:
    """A LibvirtAgent running its own event loop in a thread of this process
    (test:///default is private to the process)."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.agent: LibvirtAgent | None = None
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:  # reported by start()/stop()
            self.failure = exc
            self.ready.set()

    async def _run(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.agent = LibvirtAgent(**self.kwargs)
        try:
            await self.agent.start()
            self.ready.set()
            await self.agent.run()
        finally:
            await self.agent.close()

    def __enter__(self) -> "AgentThread":
        self.thread.start()
        assert self.ready.wait(30)
        if self.failure is not None:
            raise self.failure
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.loop is not None and self.agent is not None
        self.loop.call_soon_threadsafe(self.agent.stop)
        self.thread.join(30)
        assert not self.thread.is_alive() and self.failure is None


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[tuple[Daemon, Daemon]]:
    """An NB with sw1 (10.0.0.0/24) and a chassis' Open_vSwitch DB with br-int."""
    nb = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    ovs = start_pyovn_db(tmp_path, "ovs", "vswitch")
    try:
        setup = ["init", "--", "ls-add", "sw1", "--", "set", "Logical_Switch", "sw1"]
        assert ours(NBCTL, nb.remote, [*setup, "other_config:subnet=10.0.0.0/24"]).status == 0
        assert ours(VSCTL, ovs.remote, ["--no-wait", "add-br", "br-int"]).status == 0
        yield nb, ovs
    finally:
        nb.stop()
        ovs.stop()


def _ports(nb: Daemon) -> dict[str, frozenset[str]]:
    rows = dump(nb.remote, "OVN_Northbound")["Logical_Switch_Port"].values()
    return {r["name"]: r["addresses"] for r in rows}


def _taps(ovs: Daemon) -> dict[str, dict[str, str]]:
    rows = dump(ovs.remote, "Open_vSwitch")["Interface"].values()
    return {r["name"]: r["external_ids"] for r in rows if r["external_ids"]}


def _until(what: str, check: Callable[[], bool]) -> None:
    wait_for(check, 15, what)


@pytest.fixture
def conn() -> Iterator[Any]:
    connection = libvirt.open("test:///default")
    created: list[str] = []
    connection.created = created
    yield connection
    for name in created:
        try:
            dom = connection.lookupByName(name)
        except libvirt.libvirtError:
            continue
        if dom.isActive():
            dom.destroy()
        if dom.isPersistent():
            dom.undefine()
    connection.close()


def test_agent_follows_define_start_destroy_undefine_across_restarts(
    cloud: tuple[Daemon, Daemon], conn: Any
) -> None:
    nb, ovs = cloud
    settings = dict(
        uri="test:///default",
        switch_map=SwitchMap.parse(["br-int=sw1"]),
        nb_remote=nb.remote,
        ovs_remote=ovs.remote,
    )
    tag = uuidlib.uuid4().hex[:6]
    first_id, second_id = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    conn.created.extend([f"a{tag}", f"b{tag}"])
    with AgentThread(**settings):
        first = conn.defineXML(seed_xml(f"a{tag}", first_id, "52:54:00:aa:bb:01"))
        _until("port of a", lambda: _ports(nb).get(first_id) == {"52:54:00:aa:bb:01 10.0.0.2"})
        assert _taps(ovs) == {}
        first.create()
        _until("tap of a", lambda: f"tap-a{tag}" in _taps(ovs))
        assert _taps(ovs)[f"tap-a{tag}"] == {
            "attached-mac": "52:54:00:aa:bb:01",
            "iface-id": first_id,
            "iface-status": "active",
            "vm-id": first.UUIDString(),
        }
    # While the agent is down: a goes away, b comes.
    first.destroy()
    first.undefine()
    second = conn.defineXML(seed_xml(f"b{tag}", second_id, "52:54:00:aa:bb:02"))
    second.create()
    with AgentThread(**settings):
        assert _ports(nb) == {second_id: frozenset({"52:54:00:aa:bb:02 10.0.0.2"})}
        assert set(_taps(ovs)) == {f"tap-b{tag}"}
    with AgentThread(**settings):  # a second restart changes nothing
        assert _ports(nb) == {second_id: frozenset({"52:54:00:aa:bb:02 10.0.0.2"})}
        second.destroy()
        _until("tap of b gone", lambda: _taps(ovs) == {})
        assert second_id in _ports(nb)
        second.undefine()
        _until("port of b gone", lambda: _ports(nb) == {})


def test_agent_logs_one_line_per_bad_nic_and_writes_nothing(
    cloud: tuple[Daemon, Daemon], conn: Any, caplog: pytest.LogCaptureFixture
) -> None:
    nb, _ = cloud
    tag = uuidlib.uuid4().hex[:6]
    conn.created.extend([f"u{tag}", f"n{tag}"])
    before = dump(nb.remote, "OVN_Northbound")
    caplog.set_level(logging.INFO, "pyovn.cms.libvirt")
    settings = dict(
        uri="test:///default", switch_map=SwitchMap.parse(["br-int=sw1"]), nb_remote=nb.remote
    )
    with AgentThread(**settings) as agent:
        conn.defineXML(seed_xml(f"u{tag}", str(uuidlib.uuid4()), "52:54:00:aa:bb:03", "br-x"))
        plain = seed_xml(f"n{tag}", "x", "52:54:00:aa:bb:04").replace(
            "<virtualport type='openvswitch'>\n        <parameters interfaceid='x'/>\n"
            "      </virtualport>",
            "",
        )
        conn.defineXML(plain)
        _until("two events", lambda: sum("defined" in r.message for r in caplog.records) >= 2)
        assert agent.agent is not None
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    mine = [e for e in errors if tag in e]
    assert any(f"u{tag}" in e and "'br-x'" in e for e in mine)
    assert any(f"n{tag}" in e and "no openvswitch virtualport" in e for e in mine)
    assert all("\n" not in e for e in errors)
    assert dump(nb.remote, "OVN_Northbound")["Logical_Switch_Port"] == before["Logical_Switch_Port"]


NODE = """<node>
  <domain type='test'>
    <name>vm-a</name>
    <uuid>11111111-2222-3333-4444-555555555555</uuid>
    <memory unit='MiB'>64</memory>
    <os><type arch='x86_64'>hvm</type></os>
    <devices>
      <interface type='bridge'>
        <mac address='52:54:00:00:00:0a'/>
        <source bridge='br-int'/>
        <virtualport type='openvswitch'>
          <parameters interfaceid='aaaaaaaa-0000-0000-0000-00000000000a'/>
        </virtualport>
        <target dev='tap-a'/>
      </interface>
    </devices>
  </domain>
</node>
"""


def test_agent_process_plugs_a_chassis_the_way_pyovn_up_runs_it(
    cloud: tuple[Daemon, Daemon], tmp_path: Path
) -> None:
    """One agent per chassis, over a test-driver file of the chassis' VMs, with
    --ovs-db pointing at that chassis' Open_vSwitch DB (test_libvirt_cloud.py
    runs it on a chassis of a `pyovn up` cloud)."""
    nb, ovs = cloud
    node = tmp_path / "hv1-domains.xml"
    node.write_text(NODE)
    pidfile = tmp_path / "agent.pid"
    command = [
        str(BIN / "pyovn"), "libvirt", "agent", "--uri", f"test://{node}",
        "--switch-map", "br-int=sw1", "--db", nb.remote, "--ovs-db", ovs.remote,
        "--pidfile", str(pidfile), "--log-file", str(tmp_path / "agent.log"),
    ]  # fmt: skip
    iface = "aaaaaaaa-0000-0000-0000-00000000000a"
    for _ in range(2):  # the second run is a restart: nothing doubles
        proc = subprocess.Popen(command)
        try:
            _until("agent started", pidfile.exists)
            assert _ports(nb) == {iface: frozenset({"52:54:00:00:00:0a 10.0.0.2"})}
            assert _taps(ovs) == {
                "tap-a": {
                    "attached-mac": "52:54:00:00:00:0a",
                    "iface-id": iface,
                    "iface-status": "active",
                    "vm-id": "11111111-2222-3333-4444-555555555555",
                }
            }
        finally:
            proc.terminate()
            assert proc.wait(10) == 0
        assert not pidfile.exists()
    bridge_ports = dump(ovs.remote, "Open_vSwitch")["Port"]
    assert sorted(p["name"] for p in bridge_ports.values()) == ["br-int", "tap-a"]


def test_agent_catches_up_after_the_nb_restarts(
    cloud: tuple[Daemon, Daemon], conn: Any, tmp_path: Path
) -> None:
    nb, _ = cloud
    tag = uuidlib.uuid4().hex[:6]
    conn.created.append(f"r{tag}")
    iface = str(uuidlib.uuid4())
    settings = dict(
        uri="test:///default", switch_map=SwitchMap.parse(["br-int=sw1"]), nb_remote=nb.remote
    )
    with AgentThread(**settings):
        nb.stop()
        conn.defineXML(seed_xml(f"r{tag}", iface, "52:54:00:aa:bb:05"))
        restarted = start_pyovn_db(tmp_path, "nb", "ovn-nb")
        try:
            _until("port after the NB restart", lambda: iface in _ports(restarted))
        finally:
            restarted.stop()

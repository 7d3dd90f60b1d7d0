"""DHCPv6 through pyovn's pinctrl (`put_dhcpv6_opts`) on a real ovs-vswitchd.

The realovs deployment (pyovn controller as the chassis's ovn-controller,
pyovn northd or the real ovn-northd) with IPv6 on sw1: vm1 and vm2 get an
IPv6 address in their Logical_Switch_Port addresses and port security, and
DHCP_Options rows for fd00:1::/64 — stateful for vm1 (its address, two DNS
servers, a domain search list), stateless for vm2 (`dhcpv6_stateless`, one
DNS server). The VMs' kernels have only their link-local addresses; a real
ISC `dhclient -6` in each namespace asks for the rest: vm1 solicits and
requests its address (Advertise, then Reply), vm2 sends an
Information-request (Reply with options only). dhclient hands what it got to
a small script of ours, which records the variables and adds the address —
the stock dhclient-script would rewrite /etc/resolv.conf, which is shared
with the host.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.daemons import wait_for
from tests.realovs.deploy import Deployment, requirements

pytestmark = [
    *requirements,
    pytest.mark.skipif(
        shutil.which("dhclient") is None,
        reason="ISC dhclient (isc-dhcp-client, scripts/install-debian-deps.sh) is missing",
    ),
]

MACS = {"vm1": "50:54:00:00:01:11", "vm2": "50:54:00:00:01:12"}
IPV4 = {"vm1": "10.0.0.11", "vm2": "10.0.0.12"}
VM6 = {"vm1": "fd00:1::11", "vm2": "fd00:1::12"}
SCRIPT = """#!/bin/sh
# dhclient's hook: record what the server gave, configure the address.
env | grep -E '^(reason|new_ip6_|new_dhcp6_|interface)' | sort > "{out}.$reason"
case "$reason" in
  BOUND6|RENEW6|REBIND6|REBOOT6)
    [ -n "$new_ip6_address" ] &&
      ip -6 addr add "$new_ip6_address/$new_ip6_prefixlen" dev "$interface" nodad ;;
esac
exit 0
"""


def _nbctl(dep: Deployment, *args: str) -> str:
    return dep.run("ovn-nbctl", f"--db=unix:{dep.rundir}/nb.sock", "--timeout=60", *args).strip()


def _link_local_ready(dep: Deployment, vm: str) -> bool:
    out = subprocess.run(
        ["ip", "-n", dep.ns(vm), "-6", "addr", "show", "dev", "eth0", "scope", "link"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    ).stdout
    return "fe80::" in out and "tentative" not in out


def _options(dep: Deployment, *options: str) -> str:
    uuid = _nbctl(dep, "create", "DHCP_Options", 'cidr="fd00:1::/64"')
    _nbctl(dep, "dhcp-options-set-options", uuid, *options)
    return uuid


def _configure(dep: Deployment) -> None:
    for vm in MACS:
        spec = f"{MACS[vm]} {IPV4[vm]} {VM6[vm]}"
        _nbctl(dep, "lsp-set-addresses", vm, spec, "--", "lsp-set-port-security", vm, spec)
        enable = ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0"]
        subprocess.run(["ip", "netns", "exec", dep.ns(vm), *enable], check=True, timeout=20)
    stateful = _options(
        dep,
        "server_id=00:00:00:00:10:02",
        "dns_server={fd00:1::53,fd00:1::54}",
        'domain_search="ovn.test"',
    )
    stateless = _options(
        dep, "server_id=00:00:00:00:10:03", "dns_server={fd00:1::53}", "dhcpv6_stateless=true"
    )
    _nbctl(dep, "lsp-set-dhcpv6-options", "vm1", stateful)
    _nbctl(dep, "lsp-set-dhcpv6-options", "vm2", stateless)
    for direction, match in (("from-lport", "inport"), ("to-lport", "outport")):
        _nbctl(dep, "acl-add", "pg_web", direction, "1002", f"{match} == @pg_web && ip6", "allow")
    _nbctl(dep, "--wait=hv", "sync")
    for vm in MACS:
        wait_for(lambda vm=vm: _link_local_ready(dep, vm), 20, f"{vm}'s link-local address")


@pytest.fixture(scope="module", params=["pyovn-northd", "real-northd"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    northd = request.param.split("-")[0]
    dep = Deployment(tmp_path_factory.mktemp(f"realovs-dhcp6-{northd}"), northd=northd)
    try:
        dep.start()
        _configure(dep)
        yield dep
    finally:
        dep.stop()


def _variables(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value.strip("'\"") for key, value in pairs}


def dhclient(dep: Deployment, vm: str, tmp: Path, reason: str, *flags: str) -> dict[str, str]:
    """Run `dhclient -6` in `vm` until its script reports `reason`; stop it
    (by its pid) whatever happens; the variables the script saw."""
    script = tmp / f"{vm}-script.sh"
    out = tmp / f"{vm}-env"
    script.write_text(SCRIPT.format(out=out))
    script.chmod(0o755)
    args = ["ip", "netns", "exec", dep.ns(vm), "dhclient", "-6", "-d", "-v", *flags]
    args += ["-lf", str(tmp / f"{vm}.leases"), "-pf", str(tmp / f"{vm}.pid")]
    args += ["-sf", str(script), "eth0"]
    with (tmp / f"{vm}-dhclient.log").open("wb") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        try:
            result = Path(f"{out}.{reason}")
            deadline = time.monotonic() + 30
            while not result.exists() and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.2)
            assert result.exists(), (tmp / f"{vm}-dhclient.log").read_text()
            return _variables(result)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def _addresses(dep: Deployment, vm: str) -> str:
    return subprocess.run(
        ["ip", "-n", dep.ns(vm), "-6", "addr", "show", "dev", "eth0"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    ).stdout


def test_stateful_dhclient_gets_its_address_and_dns_options(
    deployment: Deployment, tmp_path: Path
) -> None:
    """dhclient -6 on vm1: Solicit → Advertise, Request → Reply, both built by
    pyovn's pinctrl; the address is vm1's NB address and the kernel has it."""
    got = dhclient(deployment, "vm1", tmp_path, "BOUND6")
    assert got["new_ip6_address"] == "fd00:1::11"
    assert got["new_dhcp6_name_servers"].split() == ["fd00:1::53", "fd00:1::54"]
    assert got["new_dhcp6_domain_search"].split() == ["ovn.test."]
    assert got["new_dhcp6_server_id"] == "0:3:0:1:0:0:0:0:10:2"  # DUID-LL of server_id
    assert "inet6 fd00:1::11/" in _addresses(deployment, "vm1")
    log = deployment.controller_log.read_text()
    assert "dhcpv6: message type 2 sent" in log and "dhcpv6: message type 7 sent" in log


def test_stateless_information_request_gets_dns(deployment: Deployment, tmp_path: Path) -> None:
    """dhclient -6 -S on vm2: Information-request → Reply with the DNS server
    and no address (dhclient reports stateless information as RENEW6)."""
    got = dhclient(deployment, "vm2", tmp_path, "RENEW6", "-S")
    assert got["new_dhcp6_name_servers"].split() == ["fd00:1::53"]
    assert got["new_dhcp6_server_id"] == "0:3:0:1:0:0:0:0:10:3"
    assert "new_ip6_address" not in got
    assert "inet6 fd00:1::" not in _addresses(deployment, "vm2")

"""DHCPv6 in the simulator: a simulated VM on an embedded cloud sends a
Solicit (scapy bytes) to All_DHCP_Relay_Agents_and_Servers; pinctrl answers
`put_dhcpv6_opts` and the resumed pipeline (ls_in_dhcp_response) sends the
Advertise back from the server's MAC and link-local address, with the VM's
address, the DNS servers and the domain search list."""

from __future__ import annotations

import asyncio
from pathlib import Path

from scapy.layers.dhcp6 import (
    DUID_LLT,
    DHCP6_Advertise,
    DHCP6_Solicit,
    DHCP6OptClientId,
    DHCP6OptDNSDomains,
    DHCP6OptDNSServers,
    DHCP6OptIA_NA,
    DHCP6OptIAAddress,
    DHCP6OptServerId,
)
from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from pyovn.cloud.embedded import EmbeddedCloud
from pyovn.dataplane.packet import Packet
from tests.controller.conftest import run, wait_until, with_cloud

MAC = "50:54:00:00:01:11"
LLA = "fe80::5254:ff:fe00:111"


async def _nbctl(cloud: EmbeddedCloud, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        "ovn-nbctl",
        f"--db={cloud.nb_remote}",
        "--no-wait",
        *args,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0
    return out.decode().strip()


def test_simulated_vm_solicit_gets_the_advertise(tmp_path: Path) -> None:
    async def body(cloud: EmbeddedCloud) -> None:
        nb = cloud.nb
        assert nb is not None
        await nb.ls_add("sw1")
        spec = f"{MAC} 10.0.0.11 fd00:1::11"
        await nb.lsp_add("sw1", "vm1", addresses=[spec], port_security=[spec])
        uuid = await _nbctl(cloud, "create", "DHCP_Options", 'cidr="fd00:1::/64"')
        await _nbctl(
            cloud,
            "dhcp-options-set-options",
            uuid,
            "server_id=00:00:00:00:10:02",
            "dns_server={fd00:1::53}",
            'domain_search="ovn.test"',
        )
        await _nbctl(cloud, "lsp-set-dhcpv6-options", "vm1", uuid)
        hypervisor = cloud.chassis["hv1"].hypervisor
        assert hypervisor is not None
        vm = await hypervisor.boot("vm1", MAC, iface_id="vm1", cidr="10.0.0.11/24")
        await asyncio.wait_for(nb.sync("hv"), 30)

        solicit = (
            Ether(src=MAC, dst="33:33:00:01:00:02")
            / IPv6(src=LLA, dst="ff02::1:2", hlim=1)
            / UDP(sport=546, dport=547)
            / DHCP6_Solicit(trid=0x4242)
            / DHCP6OptClientId(duid=DUID_LLT(lladdr=MAC, timeval=1))
            / DHCP6OptIA_NA(iaid=7)
        )
        vm.host.send(Packet.from_bytes(bytes(solicit)))

        def advertised() -> bool:
            return bool(vm.host.received(tp_src=547))

        await wait_until(advertised, 5, "a DHCPv6 advertise")
        frame = Ether(vm.host.received(tp_src=547)[0].to_bytes())
        assert (frame.src, frame.dst) == ("00:00:00:00:10:02", MAC)
        assert (frame[IPv6].src, frame[IPv6].dst) == ("fe80::200:ff:fe00:1002", LLA)
        assert (frame[UDP].sport, frame[UDP].dport) == (547, 546)
        checksum = frame[UDP].chksum
        del frame[UDP].chksum
        assert Ether(bytes(frame))[UDP].chksum == checksum  # rewritten addresses, valid sum
        advert = frame[UDP].payload
        assert isinstance(advert, DHCP6_Advertise) and advert.trid == 0x4242
        assert frame[DHCP6OptIA_NA].iaid == 7
        assert frame[DHCP6OptIAAddress].addr == "fd00:1::11"
        assert frame[DHCP6OptServerId].duid.lladdr == "00:00:00:00:10:02"
        assert frame[DHCP6OptDNSServers].dnsservers == ["fd00:1::53"]
        assert frame[DHCP6OptDNSDomains].dnsdomains == ["ovn.test."]
        controller = cloud.chassis["hv1"].controller
        assert controller is not None
        assert controller.pinctrl.counts["PUT_DHCPV6_OPTS"] == 1

    run(with_cloud(tmp_path, 1, body))

"""pyovn's DHCPv6 answers next to the real ovn-controller's, on the wire.

The same deployment twice (the real ovn-northd, a real ovs-vswitchd, the
DHCPv6 options of `test_dhcpv6.py`), once with the real ovn-controller 23.03
and once with pyovn's: each VM sends one DHCPv6 message of each kind with
scapy and the frames that come back are compared whole. They are equal
byte for byte except where pyovn means to differ:

* the domain search list: RFC 3646 labels (the real controller sends
  "ovn.test" as one label with the dot inside, which dhclient discards),
  so vm1's frames are compared without that option and the UDP checksum;
* Renew and Rebind get a Reply (the real controller does not answer them).
"""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.realovs.deploy import Deployment, requirements
from tests.realovs.test_dhcpv6 import MACS, _configure

pytestmark = requirements

LLA = {"vm1": "fe80::5254:ff:fe00:111", "vm2": "fe80::5254:ff:fe00:112"}
KINDS = {
    "vm1": "solicit,rapid,request,renew,rebind,confirm,info,release,decline,noclient",
    "vm2": "solicit,info,request",
}
EXCHANGE = """
import sys
from scapy.all import Ether, IPv6, UDP, sendp, sniff
from scapy.layers.dhcp6 import (
    DUID_LL, DUID_LLT, DHCP6_Confirm, DHCP6_Decline, DHCP6_InfoRequest, DHCP6_Rebind,
    DHCP6_Release, DHCP6_Renew, DHCP6_Request, DHCP6_Solicit, DHCP6OptClientId,
    DHCP6OptElapsedTime, DHCP6OptIA_NA, DHCP6OptOptReq, DHCP6OptRapidCommit, DHCP6OptServerId)
mac, lla, kinds = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
cid = DHCP6OptClientId(duid=DUID_LLT(lladdr=mac, timeval=1234))
sid = DHCP6OptServerId(duid=DUID_LL(lladdr="00:00:00:00:10:02"))
ia = DHCP6OptIA_NA(iaid=0x0a0b0c0d, T1=0, T2=0)
messages = {
    "solicit": DHCP6_Solicit(trid=1) / DHCP6OptElapsedTime() / cid / ia
    / DHCP6OptOptReq(reqopts=[23, 24]),
    "rapid": DHCP6_Solicit(trid=2) / cid / DHCP6OptRapidCommit() / ia,
    "request": DHCP6_Request(trid=3) / cid / sid / ia,
    "renew": DHCP6_Renew(trid=4) / cid / sid / ia,
    "rebind": DHCP6_Rebind(trid=5) / cid / ia,
    "confirm": DHCP6_Confirm(trid=6) / cid / ia,
    "info": DHCP6_InfoRequest(trid=7) / cid,
    "release": DHCP6_Release(trid=8) / cid / sid / ia,
    "decline": DHCP6_Decline(trid=9) / cid / sid / ia,
    "noclient": DHCP6_Solicit(trid=10) / ia,
}
for kind in kinds:
    packet = (Ether(src=mac, dst="33:33:00:01:00:02") / IPv6(src=lla, dst="ff02::1:2", hlim=1)
              / UDP(sport=546, dport=547) / messages[kind])
    got = sniff(iface="eth0", lfilter=lambda p: p.haslayer(UDP) and p[UDP].sport == 547,
                count=1, timeout=3,
                started_callback=lambda: sendp(packet, iface="eth0", verbose=False))
    print(kind, bytes(got[0]).hex() if got else "-", flush=True)
"""


def _answers(rundir: Path, controller: str) -> dict[tuple[str, str], bytes | None]:
    dep = Deployment(rundir, northd="real", controller=controller)
    answers: dict[tuple[str, str], bytes | None] = {}
    try:
        dep.start()
        _configure(dep)
        for vm, kinds in KINDS.items():
            args = [sys.executable, "-c", EXCHANGE, MACS[vm], LLA[vm], kinds]
            out = subprocess.run(
                ["ip", "netns", "exec", dep.ns(vm), *args],
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            ).stdout
            for line in out.splitlines():
                kind, frame = line.split()
                answers[vm, kind] = None if frame == "-" else bytes.fromhex(frame)
    finally:
        dep.stop()
    return answers


def _without_domains(frame: bytes) -> tuple[bytes, list[bytes]]:
    """`frame` (Ethernet, IPv6 without extension headers, UDP, DHCPv6) as its
    headers without the lengths and UDP checksum, and its DHCPv6 options
    without the domain search list (code 24)."""
    headers = frame[:18] + frame[20:58] + frame[62:66]  # all but plen, UDP len/sum
    options, offset = [], 66
    while offset < len(frame):
        code, length = struct.unpack_from("!HH", frame, offset)
        if code != 24:
            options.append(frame[offset : offset + 4 + length])
        offset += 4 + length
    return headers, options


def test_dhcpv6_answers_match_the_real_controller_on_the_wire(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    real = _answers(tmp_path_factory.mktemp("dhcp6-wire-real"), "real")
    ours = _answers(tmp_path_factory.mktemp("dhcp6-wire-pyovn"), "pyovn")
    assert set(real) == set(ours) == {(vm, k) for vm, ks in KINDS.items() for k in ks.split(",")}
    for key, theirs in real.items():
        mine = ours[key]
        if key in (("vm1", "renew"), ("vm1", "rebind")):
            assert theirs is None and mine is not None, key
        elif theirs is None or mine is None:
            assert theirs == mine, key
        elif key[0] == "vm2":
            assert mine == theirs, key
        else:
            assert _without_domains(mine) == _without_domains(theirs), key
    # Both answered what they answer: Solicit, Request, Confirm, Decline, Information.
    answered = {key for key, frame in real.items() if frame is not None}
    assert ("vm1", "solicit") in answered and ("vm2", "info") in answered
    assert ours["vm1", "release"] is None and ours["vm1", "noclient"] is None

"""`pyovn libvirt attach`: put a domain's bridge NICs on a logical switch.

Fills in every `<interface type='bridge'>` (a MAC, an openvswitch virtualport
with a fresh interfaceid, the bridge), creates one logical port per NIC
(name = interfaceid, addresses and port security "MAC IP") in one NB
transaction, records switch and IP in the domain's pyovn metadata, and
returns the updated XML, ready for `virsh define`.
"""

from pyovn.cms.libvirt.domxml import add_virtualports, write_metadata
from pyovn.cms.libvirt.ports import OWNER_KEY, EnsureVmPortCommand, VmPort
from pyovn.cms.nbctl.addresses import parse_ip
from pyovn.cms.nbctl.api import NbApi

__all__ = ["OWNER_KEY", "attach_domain"]


async def attach_domain(
    xml: str, nb_remote: str, switch: str, ip: str | None = None, bridge: str = "br-int"
) -> str:
    """The updated domain XML, after creating its logical ports."""
    if ip is not None:
        parse_ip(ip)
    text, domain = add_virtualports(xml, bridge)
    assert domain.uuid is not None
    commands = []
    for index, nic in enumerate(n for n in domain.nics if n.kind == "bridge"):
        assert nic.interfaceid is not None and nic.mac is not None
        port = VmPort(
            switch, nic.interfaceid, nic.mac, domain.uuid, domain.name, ip if index == 0 else None
        )
        commands.append(EnsureVmPortCommand(port))
    nb = await NbApi.connect(nb_remote)
    try:
        async with nb.transaction() as txn:
            for command in commands:
                txn.add(command)
    finally:
        await nb.close()
    settings = {}
    for command in commands:
        words = str(command.result).split()
        entry = {"switch": switch}
        if len(words) > 1:
            entry["ip"] = words[1]
        settings[command.port.name] = entry
    return write_metadata(text, settings)

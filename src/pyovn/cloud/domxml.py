"""The part of a libvirt domain XML that OVN cares about.

A VM's NIC on Open vSwitch is declared as

    <interface type='bridge'>
      <mac address='50:54:00:00:01:11'/>
      <source bridge='br-int'/>
      <virtualport type='openvswitch'>
        <parameters interfaceid='vm1'/>
      </virtualport>
    </interface>

libvirt plugs the tap into the bridge with `external_ids:iface-id` set to
`interfaceid` (and `attached-mac`); that id names the logical switch port.
`pyovn.cms.libvirt` will take this over; this reader is deliberately small.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

from pyovn.cloud.errors import VmError

__all__ = ["Domain", "DomainInterface", "domain_xml", "parse_domain"]


@dataclass(frozen=True)
class DomainInterface:
    """An `<interface>` of a domain."""

    mac: str
    bridge: str
    interface_id: str | None


@dataclass(frozen=True)
class Domain:
    """A domain's name and interfaces."""

    name: str
    interfaces: tuple[DomainInterface, ...]

    def ovs_interface(self) -> DomainInterface:
        """The first interface on Open vSwitch with an interface id."""
        for nic in self.interfaces:
            if nic.interface_id:
                return nic
        raise VmError(f"domain {self.name} has no <virtualport type='openvswitch'> interface")


def parse_domain(text: str) -> Domain:
    """Read a domain XML (VmError if it is not one)."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise VmError(f"domain XML: {error}") from error
    if root.tag != "domain":
        raise VmError(f"domain XML: root element is <{root.tag}>, not <domain>")
    name = (root.findtext("name") or "").strip()
    if not name:
        raise VmError("domain XML: <name> is missing")
    interfaces = []
    for element in root.iter("interface"):
        mac = element.find("mac")
        source = element.find("source")
        port = element.find("virtualport")
        parameters = port.find("parameters") if port is not None else None
        ovs = port is not None and port.get("type") == "openvswitch"
        interfaces.append(
            DomainInterface(
                mac=(mac.get("address", "") if mac is not None else "").lower(),
                bridge=source.get("bridge", "br-int") if source is not None else "br-int",
                interface_id=parameters.get("interfaceid")
                if ovs and parameters is not None
                else None,
            )
        )
    for nic in interfaces:
        if nic.interface_id and not nic.mac:
            raise VmError(f"domain {name}: interface {nic.interface_id} has no <mac address=…/>")
    return Domain(name, tuple(interfaces))


def domain_xml(name: str, mac: str, interface_id: str, bridge: str = "br-int") -> str:
    """A minimal domain XML with one OVS interface (what the demo "defines")."""
    return (
        f"<domain type='kvm'>\n  <name>{name}</name>\n  <memory unit='MiB'>512</memory>\n"
        "  <devices>\n    <interface type='bridge'>\n"
        f"      <mac address='{mac}'/>\n      <source bridge='{bridge}'/>\n"
        "      <virtualport type='openvswitch'>\n"
        f"        <parameters interfaceid='{interface_id}'/>\n"
        "      </virtualport>\n    </interface>\n  </devices>\n</domain>\n"
    )

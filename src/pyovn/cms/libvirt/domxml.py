"""Libvirt domain XML: the NICs OVN cares about, and filling them in.

A NIC is on OVN when it is an `<interface type='bridge'>` (or `type='network'`)
with `<virtualport type='openvswitch'><parameters interfaceid='...'/>`:
libvirt then plugs its tap into the bridge as an OVS Interface with
`external_ids:iface-id` = the interfaceid, which is the name of the logical
switch port. The `<metadata>` element may carry pyovn's per-NIC settings
(logical switch, IP address), which `attach` writes and the agent reads:

    <metadata>
      <pyovn:ports xmlns:pyovn="https://pyovn.org/libvirt/1">
        <pyovn:port interfaceid="..." switch="sw1" ip="10.0.0.5"/>
      </pyovn:ports>
    </metadata>
"""

import random
import uuid as uuidlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from pyovn.cms.errors import DomainXmlError

__all__ = [
    "METADATA_NS",
    "Domain",
    "Nic",
    "add_virtualports",
    "parse_domain",
    "random_mac",
    "write_metadata",
]

METADATA_NS = "https://pyovn.org/libvirt/1"
ET.register_namespace("pyovn", METADATA_NS)


@dataclass(frozen=True)
class Nic:
    """One `<interface>` of a domain."""

    index: int
    kind: str
    source: str | None
    mac: str | None
    virtualport: str | None
    interfaceid: str | None
    target: str | None
    switch: str | None = None
    ip: str | None = None

    @property
    def describe(self) -> str:
        return f"interface {self.index} ({self.kind} {self.source or '?'})"


@dataclass(frozen=True)
class Domain:
    """The parts of a domain the integration uses."""

    name: str
    uuid: str | None
    nics: list[Nic] = field(default_factory=list)


def _root(xml: str) -> ET.Element:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise DomainXmlError(f"domain XML is not well-formed: {exc}") from None
    if root.tag != "domain":
        raise DomainXmlError(f"domain XML: root element is <{root.tag}>, not <domain>")
    return root


def _metadata(root: ET.Element) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for port in root.iterfind(f"./metadata/{{{METADATA_NS}}}ports/{{{METADATA_NS}}}port"):
        ident = port.get("interfaceid")
        if ident:
            out[ident] = dict(port.attrib)
    return out


def _nic(index: int, element: ET.Element, meta: dict[str, dict[str, str]]) -> Nic:
    source = element.find("source")
    vport = element.find("virtualport")
    params = vport.find("parameters") if vport is not None else None
    mac = element.find("mac")
    target = element.find("target")
    ident = params.get("interfaceid") if params is not None else None
    extra = meta.get(ident or "", {})
    return Nic(
        index=index,
        kind=element.get("type", ""),
        source=(source.get("bridge") or source.get("network")) if source is not None else None,
        mac=mac.get("address") if mac is not None else None,
        virtualport=vport.get("type") if vport is not None else None,
        interfaceid=ident,
        target=target.get("dev") if target is not None else None,
        switch=extra.get("switch"),
        ip=extra.get("ip"),
    )


def parse_domain(xml: str) -> Domain:
    """The domain's name, UUID and interfaces."""
    root = _root(xml)
    name = root.findtext("name")
    if not name:
        raise DomainXmlError("domain XML has no <name>")
    meta = _metadata(root)
    nics = [_nic(i, e, meta) for i, e in enumerate(root.iterfind("./devices/interface"))]
    return Domain(name, root.findtext("uuid"), nics)


def random_mac() -> str:
    """A MAC in libvirt's 52:54:00 (QEMU) range."""
    return "52:54:00:" + ":".join(f"{random.randrange(256):02x}" for _ in range(3))


def add_virtualports(xml: str, bridge: str = "br-int") -> tuple[str, Domain]:
    """Give every bridge NIC an openvswitch virtualport with an interfaceid and a
    MAC, and the domain a UUID, keeping whatever is already there.

    Raises DomainXmlError when there is no bridge NIC, or a NIC has a
    virtualport of another type.
    """
    root = _root(xml)
    if root.find("uuid") is None:
        uuid_element = ET.Element("uuid")
        uuid_element.text = str(uuidlib.uuid4())
        name = root.find("name")
        root.insert(list(root).index(name) + 1 if name is not None else 0, uuid_element)
    nics = [e for e in root.iterfind("./devices/interface") if e.get("type") == "bridge"]
    if not nics:
        raise DomainXmlError("domain XML has no <interface type='bridge'> to attach to OVN")
    for element in nics:
        _fill_nic(element, bridge)
    ET.indent(root, "  ")
    text = ET.tostring(root, encoding="unicode") + "\n"
    return text, parse_domain(text)


def _fill_nic(element: ET.Element, bridge: str) -> None:
    if element.find("mac") is None:
        element.insert(0, ET.Element("mac", address=random_mac()))
    source = element.find("source")
    if source is None:
        source = ET.SubElement(element, "source", bridge=bridge)
    vport = element.find("virtualport")
    if vport is None:
        vport = ET.SubElement(element, "virtualport", type="openvswitch")
    elif vport.get("type") != "openvswitch":
        raise DomainXmlError(
            f"interface on {source.get('bridge')} has a virtualport of type "
            f"'{vport.get('type')}', not 'openvswitch'"
        )
    params = vport.find("parameters")
    if params is None:
        params = ET.SubElement(vport, "parameters")
    if not params.get("interfaceid"):
        params.set("interfaceid", str(uuidlib.uuid4()))


def write_metadata(xml: str, ports: dict[str, dict[str, str]]) -> str:
    """Record pyovn's per-interfaceid settings in the domain's <metadata>."""
    root = _root(xml)
    metadata = root.find("metadata")
    if metadata is None:
        metadata = ET.Element("metadata")
        uuid_element = root.find("uuid")
        anchor = uuid_element if uuid_element is not None else root.find("name")
        root.insert(list(root).index(anchor) + 1 if anchor is not None else 0, metadata)
    for old in metadata.findall(f"{{{METADATA_NS}}}ports"):
        metadata.remove(old)
    holder = ET.SubElement(metadata, f"{{{METADATA_NS}}}ports")
    for ident, attrs in sorted(ports.items()):
        ET.SubElement(holder, f"{{{METADATA_NS}}}port", {"interfaceid": ident, **attrs})
    ET.indent(root, "  ")
    return ET.tostring(root, encoding="unicode") + "\n"

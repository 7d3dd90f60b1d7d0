"""pyovn.dataplane: an OpenFlow data-plane simulator with Open vSwitch semantics.

Flows and groups in ovs-ofctl syntax (`Flow`, `Group`), bridges with
tables, conntrack/NAT and recirculation (`Bridge`, `Datapath`), packets as
field maps with real bytes (`Packet`), `ofproto/trace`-style explanations
(`Bridge.trace`), a Geneve fabric between simulated chassis and simulated
VMs (`fabric`, `host`), and the `FlowSink` seam the controller writes to.
"""

from pyovn.dataplane.action_parser import parse_actions
from pyovn.dataplane.actions import Action, format_actions
from pyovn.dataplane.bridge import Bridge, Port
from pyovn.dataplane.conntrack import Connection, Conntrack
from pyovn.dataplane.datapath import Datapath, Delivery, Execution
from pyovn.dataplane.dhcp import DhcpLease, DhcpServer, dhcp_configure
from pyovn.dataplane.errors import (
    ConntrackError,
    DataplaneError,
    FabricError,
    FlowError,
    FlowSyntaxError,
    PacketError,
)
from pyovn.dataplane.fabric import Chassis
from pyovn.dataplane.flow import Flow, parse_flows
from pyovn.dataplane.geneve import GeneveFrame
from pyovn.dataplane.groups import Bucket, Group
from pyovn.dataplane.host import Host, PingResult
from pyovn.dataplane.match import Match
from pyovn.dataplane.packet import Packet
from pyovn.dataplane.packet_bytes import read_pcap, write_pcap
from pyovn.dataplane.packet_in import FrozenState, PacketIn
from pyovn.dataplane.sink import FlowDiff, FlowSink
from pyovn.dataplane.trace import TraceReport

__all__ = [
    "Action",
    "Bridge",
    "Bucket",
    "Chassis",
    "Connection",
    "Conntrack",
    "ConntrackError",
    "Datapath",
    "DataplaneError",
    "Delivery",
    "DhcpLease",
    "DhcpServer",
    "Execution",
    "FabricError",
    "Flow",
    "FlowDiff",
    "FlowError",
    "FlowSink",
    "FlowSyntaxError",
    "FrozenState",
    "GeneveFrame",
    "Group",
    "Host",
    "Match",
    "Packet",
    "PacketError",
    "PacketIn",
    "PingResult",
    "Port",
    "TraceReport",
    "dhcp_configure",
    "format_actions",
    "parse_actions",
    "parse_flows",
    "read_pcap",
    "write_pcap",
]

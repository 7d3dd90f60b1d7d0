"""pyovn.controller: ovn-controller, the per-chassis agent.

`Controller` reads the chassis's Open_vSwitch DB and the Southbound DB,
claims the logical ports of its VIFs, and keeps the integration bridge's
OpenFlow tables (ovn-architecture(7)'s layout) in step through a `Switch`:
`OvsSwitch` for a real ovs-vswitchd (OpenFlow bundles + an OpenFlow 1.5
channel for pinctrl, `ovs_switch.py`/`ofwire.py`), `RemoteSwitch` for the
simulated vswitchd's socket, `SinkSwitch` for any `pyovn.dataplane.FlowSink`;
`backend.py` picks one. One module per job, as in OVN's controller/:
chassis, binding, local_data, encaps, patch, ct_zone, physical, port_sec,
neighbor, lflow, ofctrl, pinctrl, daemon.
"""

from pyovn.controller.chassis import ChassisConfig
from pyovn.controller.daemon import Controller, ControllerStats
from pyovn.controller.errors import ChannelError, ConfigError, ControllerError, PinctrlError
from pyovn.controller.ofchannel import RemoteSwitch
from pyovn.controller.ofctrl import OfCtrl, PacketIn, SinkSwitch, Switch
from pyovn.controller.ovs_switch import OvsSwitch

__all__ = [
    "ChannelError",
    "ChassisConfig",
    "ConfigError",
    "Controller",
    "ControllerError",
    "ControllerStats",
    "OfCtrl",
    "OvsSwitch",
    "PacketIn",
    "PinctrlError",
    "RemoteSwitch",
    "SinkSwitch",
    "Switch",
]

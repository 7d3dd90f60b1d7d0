"""Which switch the controller drives: a real ovs-vswitchd or pyovn's simulator.

A real ovs-vswitchd fills the Open_vSwitch row's `iface_types` (and
`datapath_types`) when it starts; pyovn's simulated vswitchd leaves them
empty. The real one serves OpenFlow on `$OVS_RUNDIR/<bridge>.mgmt`
(ovn-controller's convention, default /var/run/openvswitch); the simulated
one on `<bridge>.mgmt` next to its Open_vSwitch DB socket.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pyovn.controller.errors import ConfigError
from pyovn.controller.ofchannel import RemoteSwitch
from pyovn.controller.ofctrl import Switch
from pyovn.controller.ovs_switch import OvsSwitch

__all__ = ["BACKENDS", "Backend", "is_real_ovs", "make_switch", "real_mgmt_socket"]

Backend = Literal["auto", "ovs", "sim"]
BACKENDS = ("auto", "ovs", "sim")
DEFAULT_OVS_RUNDIR = "/var/run/openvswitch"


def is_real_ovs(root: Mapping[str, Any] | None) -> bool:
    """Whether the Open_vSwitch row was filled in by a real ovs-vswitchd."""
    return bool(root and (root.get("iface_types") or root.get("datapath_types")))


def real_mgmt_socket(bridge: str) -> str:
    return str(Path(os.environ.get("OVS_RUNDIR", DEFAULT_OVS_RUNDIR)) / f"{bridge}.mgmt")


def sim_mgmt_socket(ovs_remote: str, bridge: str) -> str:
    if ovs_remote.startswith("unix:"):
        return str(Path(ovs_remote[5:]).parent / f"{bridge}.mgmt")
    return str(Path.cwd() / f"{bridge}.mgmt")


def make_switch(
    backend: str,
    root: Mapping[str, Any] | None,
    bridge: str,
    ovs_remote: str,
    socket: str | None = None,
) -> Switch:
    """The switch for `bridge` (`backend` auto picks by the Open_vSwitch row)."""
    if backend not in BACKENDS:
        raise ConfigError(f"switch backend {backend!r}: use one of {', '.join(BACKENDS)}")
    real = backend == "ovs" or (backend == "auto" and is_real_ovs(root))
    if real:
        return OvsSwitch(socket or real_mgmt_socket(bridge))
    return RemoteSwitch(socket or sim_mgmt_socket(ovs_remote, bridge))

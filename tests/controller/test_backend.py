"""The controller's choice of switch: a real ovs-vswitchd or the simulated one."""

from __future__ import annotations

import pytest

from pyovn.controller.backend import make_switch, real_mgmt_socket
from pyovn.controller.errors import ConfigError
from pyovn.controller.ofchannel import RemoteSwitch
from pyovn.controller.ovs_switch import OvsSwitch

REAL_ROW = {"iface_types": frozenset({"geneve", "internal"}), "datapath_types": frozenset()}
SIM_ROW = {"iface_types": frozenset(), "datapath_types": frozenset()}


def test_auto_picks_the_real_switch_when_vswitchd_filled_in_the_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OVS_RUNDIR", "/run/x/ovs")
    switch = make_switch("auto", REAL_ROW, "br-int", "unix:/run/x/db.sock")
    assert isinstance(switch, OvsSwitch)
    assert switch.path == "/run/x/ovs/br-int.mgmt" == real_mgmt_socket("br-int")


def test_auto_picks_the_simulated_switch_next_to_its_db() -> None:
    switch = make_switch("auto", SIM_ROW, "br-int", "unix:/run/y/ovs.sock")
    assert isinstance(switch, RemoteSwitch)
    assert switch.path == "/run/y/br-int.mgmt"


def test_explicit_backend_and_socket_win() -> None:
    switch = make_switch("ovs", SIM_ROW, "br-int", "unix:/a/ovs.sock", "/b/br-int.mgmt")
    assert isinstance(switch, OvsSwitch) and switch.path == "/b/br-int.mgmt"
    assert isinstance(make_switch("sim", REAL_ROW, "br-int", "unix:/a/ovs.sock"), RemoteSwitch)


def test_unknown_backend_is_one_error() -> None:
    with pytest.raises(ConfigError, match="switch backend 'kernel'"):
        make_switch("kernel", None, "br-int", "unix:/a/ovs.sock")

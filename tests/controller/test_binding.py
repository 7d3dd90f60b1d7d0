"""Binding decisions: claims, releases, moves between chassis, gateways."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from pyovn.controller.binding import Binding, LocalInterface
from pyovn.controller.chassis import ChassisConfig, parse_bridge_mappings
from pyovn.controller.errors import ConfigError
from pyovn.controller.index import SbView
from pyovn.controller.local_data import local_datapaths

HV1, HV2 = "c0000000-0000-0000-0000-000000000001", "c0000000-0000-0000-0000-000000000002"
DP_SW, DP_LR, DP_EXT = "d1", "d2", "d3"


def _pb(
    name: str, dp: str, key: int, type: str = "", chassis: str | None = None, **options: str
) -> tuple[str, dict[str, Any]]:
    return f"pb-{name}", {
        "logical_port": name,
        "type": type,
        "tunnel_key": key,
        "datapath": dp,
        "chassis": frozenset({chassis} if chassis else ()),
        "options": options,
        "mac": frozenset(),
        "port_security": frozenset(),
        "tag": frozenset(),
        "up": frozenset(),
        "ha_chassis_group": frozenset(),
        "gateway_chassis": frozenset(),
        "requested_chassis": frozenset(),
    }


def _sb(
    *ports: tuple[str, dict[str, Any]], chassis: tuple[str, ...] = ("hv1", "hv2")
) -> dict[str, Any]:
    uuids = {"hv1": HV1, "hv2": HV2}
    return {
        "Datapath_Binding": {
            DP_SW: {"tunnel_key": 1, "external_ids": {"logical-switch": "n1", "name": "sw1"}},
            DP_LR: {"tunnel_key": 2, "external_ids": {"logical-router": "n2", "name": "lr1"}},
            DP_EXT: {"tunnel_key": 3, "external_ids": {"logical-switch": "n3", "name": "ext"}},
        },
        "Port_Binding": dict(ports),
        "Multicast_Group": {},
        "Encap": {},
        "Chassis": {uuids[name]: {"name": name, "encaps": frozenset()} for name in chassis},
    }


def _iface(name: str, iface_id: str, uuid: str = "", ofport: int = 5) -> LocalInterface:
    return LocalInterface(uuid or f"if-{name}", name, "", ofport, {"iface-id": iface_id}, {})


def test_a_vif_is_claimed_then_resident_then_released_when_its_interface_goes() -> None:
    binding = Binding("hv1")
    view = SbView.build(_sb(_pb("vm1", DP_SW, 1)))
    first = binding.run(view, [_iface("tap1", "vm1")])
    assert first.claims == {"pb-vm1": "vm1"} and first.resident == {"vm1"}
    bound = SbView.build(_sb(_pb("vm1", DP_SW, 1, chassis=HV1)))
    second = binding.run(bound, [_iface("tap1", "vm1")])
    assert second.claims == {} and second.resident == {"vm1"} and "vm1" in second.vifs
    gone = binding.run(bound, [])
    assert gone.releases == {"pb-vm1": "vm1"} and gone.resident == set()


def test_an_interface_without_ofport_is_not_bound_yet() -> None:
    result = Binding("hv1").run(
        SbView.build(_sb(_pb("vm1", DP_SW, 1))), [_iface("tap1", "vm1", ofport=0)]
    )
    assert result.claims == {} and result.resident == set()


def test_unknown_iface_id_is_logged_once_and_left_unbound(caplog: pytest.LogCaptureFixture) -> None:
    binding = Binding("hv1")
    view = SbView.build(_sb(_pb("vm1", DP_SW, 1)))
    with caplog.at_level(logging.WARNING, "pyovn.controller.binding"):
        for _ in range(3):
            result = binding.run(view, [_iface("tap9", "nosuch")])
            assert result.claims == {} and result.resident == set()
    assert [r.getMessage() for r in caplog.records] == [
        "interface tap9: no logical port named 'nosuch'; not binding it"
    ]


def test_a_port_moving_to_another_chassis_is_not_claimed_back() -> None:
    hv1, hv2 = Binding("hv1"), Binding("hv2")
    on_hv1 = SbView.build(_sb(_pb("vm1", DP_SW, 1, chassis=HV1)))
    assert hv1.run(on_hv1, [_iface("tap1", "vm1", "i1")]).resident == {"vm1"}
    moving = hv2.run(on_hv1, [_iface("tap1", "vm1", "i2")])
    assert moving.claims == {"pb-vm1": "vm1"}  # "Changing chassis for lport vm1 from hv1 to hv2"
    on_hv2 = SbView.build(_sb(_pb("vm1", DP_SW, 1, chassis=HV2)))
    for _ in range(2):  # the old chassis still has its tap: it neither claims nor releases
        lost = hv1.run(on_hv2, [_iface("tap1", "vm1", "i1")])
        assert lost.claims == {} and lost.releases == {} and lost.resident == set()
    assert hv1.run(on_hv2, []).releases == {}
    back = hv1.run(on_hv2, [_iface("tap1", "vm1", "i3")])  # a new interface: claim again
    assert back.claims == {"pb-vm1": "vm1"}


def test_requested_chassis_is_respected() -> None:
    view = SbView.build(_sb(_pb("vm1", DP_SW, 1, **{"requested-chassis": "hv2"})))
    assert Binding("hv1").run(view, [_iface("tap1", "vm1")]).claims == {}
    assert Binding("hv2").run(view, [_iface("tap1", "vm1")]).claims == {"pb-vm1": "vm1"}


def _gateway_sb(bound: str | None) -> dict[str, Any]:
    cr = _pb("cr-lr1-ext", DP_LR, 4, "chassisredirect", bound, **{"distributed-port": "lr1-ext"})
    cr[1]["ha_chassis_group"] = frozenset({"g1"})
    sb = _sb(
        _pb("vm1", DP_SW, 1),
        _pb("sw1-lr1", DP_SW, 2, "patch", peer="lr1-sw1"),
        _pb("lr1-sw1", DP_LR, 1, "patch", peer="sw1-lr1"),
        _pb(
            "lr1-ext", DP_LR, 3, "patch", peer="ext-lr1", **{"chassis-redirect-port": "cr-lr1-ext"}
        ),
        _pb("ext-lr1", DP_EXT, 1, "patch", peer="lr1-ext"),
        cr,
    )
    sb["HA_Chassis_Group"] = {"g1": {"ha_chassis": frozenset({"h1", "h2"})}}
    sb["HA_Chassis"] = {
        "h1": {"chassis": frozenset({HV1}), "priority": 20, "external_ids": {}},
        "h2": {"chassis": frozenset(), "priority": 10, "external_ids": {"chassis-name": "hv2"}},
    }
    sb["Gateway_Chassis"] = {}
    return sb


def test_the_highest_priority_gateway_claims_the_chassisredirect_port() -> None:
    sb = _gateway_sb(None)
    view = SbView.build(sb)
    hv1, hv2 = Binding("hv1"), Binding("hv2")
    for binding in (hv1, hv2):
        binding.load_gateways(sb, view)
    assert hv1.run(view, []).claims == {"pb-cr-lr1-ext": "cr-lr1-ext"}
    assert hv2.run(view, []).claims == {}
    del sb["Chassis"][HV1]  # the active gateway is gone: the backup takes over
    view = SbView.build(sb)
    hv2.load_gateways(sb, view)
    assert hv2.run(view, []).claims == {"pb-cr-lr1-ext": "cr-lr1-ext"}


def test_local_datapaths_stop_at_a_remote_distributed_gateway_port() -> None:
    sb = _gateway_sb(HV1)
    view = SbView.build(sb)
    # hv2 has vm1: sw1 and lr1 are local, but not "ext" behind lr1's gateway port on hv1.
    assert local_datapaths(view, {"vm1"}) == {DP_SW, DP_LR}
    assert local_datapaths(view, {"vm1", "cr-lr1-ext"}) == {DP_SW, DP_LR, DP_EXT}
    assert local_datapaths(view, set()) == set()


def test_chassis_configuration_is_read_like_ovn_controller() -> None:
    ids = {
        "system-id": "hv1",
        "ovn-remote": "unix:/sb.sock",
        "ovn-encap-type": "geneve",
        "ovn-encap-ip": "127.0.0.11",
        "ovn-bridge-mappings": "physnet1:br-ex,phys2:br-2",
    }
    config = ChassisConfig.from_ovs(ids)
    assert (config.system_id, config.encap_ip, config.integration_bridge) == (
        "hv1",
        "127.0.0.11",
        "br-int",
    )
    assert dict(config.bridge_mappings) == {"physnet1": "br-ex", "phys2": "br-2"}
    with pytest.raises(ConfigError, match="lack system-id"):
        ChassisConfig.from_ovs({k: v for k, v in ids.items() if k != "system-id"})
    with pytest.raises(ConfigError, match="only geneve"):
        ChassisConfig.from_ovs({**ids, "ovn-encap-type": "stt"})
    with pytest.raises(ConfigError, match="bad entry"):
        parse_bridge_mappings("physnet1")

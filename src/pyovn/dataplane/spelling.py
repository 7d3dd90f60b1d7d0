"""Converting actions between the spellings OpenFlow 1.0 and 1.5 clients see.

Open vSwitch stores an action in the form the installing client sent it:
`ovs-ofctl add-flow` (OpenFlow 1.0) sends `load:`/`mod_dl_src:`, an
OpenFlow 1.5 controller such as ovn-controller sends `set_field:`. Traces
print the stored form; an OpenFlow 1.0 `dump-flows` re-encodes `set_field:`
as `mod_*:` where OpenFlow 1.0 has a native action and as `load:` (at most
64 bits each) otherwise.
"""

from __future__ import annotations

from dataclasses import replace

from pyovn.dataplane.actions import (
    SPELLING_FIELDS,
    Action,
    Clone,
    Ct,
    PopVlan,
    SetField,
)
from pyovn.dataplane.fields import FIELDS, Field

__all__ = ["openflow10_spelling", "openflow15_spelling"]


def _native_field(action: SetField, protocol: int | None) -> Field:
    if action.spelling in ("mod_tp_src", "mod_tp_dst") and protocol in (6, 17, 132):
        prefix = {6: "tcp", 17: "udp", 132: "sctp"}[protocol]
        return FIELDS[f"{prefix}_{action.spelling[-3:]}"]
    return action.field


def openflow15_spelling(
    actions: tuple[Action, ...], protocol: int | None = None
) -> tuple[Action, ...]:
    """The actions as an OpenFlow 1.5 controller (ovn-controller) installs them.

    `load:`, `mod_dl_src:` and friends become `set_field:`; `strip_vlan`
    becomes `pop_vlan`. `protocol` (the flow's IP protocol, if its match
    fixes one) picks `tcp_src`/`udp_src` for `mod_tp_src`.
    """
    converted: list[Action] = []
    for action in actions:
        if isinstance(action, SetField) and action.spelling != "set_field":
            field = _native_field(action, protocol)
            converted.append(SetField(field, action.value, action.mask, "set_field"))
        elif isinstance(action, Clone):
            converted.append(Clone(openflow15_spelling(action.actions, protocol)))
        elif isinstance(action, Ct):
            converted.append(replace(action, actions=openflow15_spelling(action.actions, protocol)))
        elif isinstance(action, PopVlan):
            converted.append(PopVlan("pop_vlan"))
        else:
            converted.append(action)
    return tuple(converted)


_OPENFLOW10_NATIVE = {
    "eth_src": "mod_dl_src",
    "eth_dst": "mod_dl_dst",
    "ip_src": "mod_nw_src",
    "ip_dst": "mod_nw_dst",
    "tcp_src": "mod_tp_src",
    "udp_src": "mod_tp_src",
    "sctp_src": "mod_tp_src",
    "tp_src": "mod_tp_src",
    "tcp_dst": "mod_tp_dst",
    "udp_dst": "mod_tp_dst",
    "sctp_dst": "mod_tp_dst",
    "tp_dst": "mod_tp_dst",
    "nw_tos": "mod_nw_tos",
}


def _split_loads(action: SetField) -> list[Action]:
    """A write as OpenFlow 1.0 `load:`s, which carry at most 64 bits each."""
    mask = action.mask
    offset = (mask & -mask).bit_length() - 1 if mask else 0
    n_bits = (mask >> offset).bit_length() if mask else 0
    if not mask or (mask >> offset) != (1 << n_bits) - 1 or n_bits <= 64:
        return [SetField(action.field, action.value, action.mask, "load")]
    loads: list[Action] = []
    for start in range(offset, offset + n_bits, 64):
        width = min(64, offset + n_bits - start)
        chunk = ((1 << width) - 1) << start
        loads.append(SetField(action.field, action.value & chunk, chunk, "load"))
    return loads


def openflow10_spelling(actions: tuple[Action, ...]) -> tuple[Action, ...]:
    """The actions as an OpenFlow 1.0 `dump-flows` prints them.

    `set_field:` of a whole field that OpenFlow 1.0 can set natively becomes
    `mod_dl_src:`, `mod_nw_src:`, `mod_tp_src:`…; any other becomes `load:`.
    """
    converted: list[Action] = []
    for action in actions:
        if isinstance(action, SetField) and action.spelling in ("set_field", "load"):
            native = _OPENFLOW10_NATIVE.get(action.field.name)
            if native and action.mask == action.field.all_ones and action.spelling != "load":
                field = FIELDS[SPELLING_FIELDS[native]]
                converted.append(SetField(field, action.value, action.mask, native))
            else:
                converted.extend(_split_loads(action))
        elif isinstance(action, Clone):
            converted.append(Clone(openflow10_spelling(action.actions)))
        elif isinstance(action, Ct):
            converted.append(replace(action, actions=openflow10_spelling(action.actions)))
        elif isinstance(action, PopVlan):
            converted.append(PopVlan("strip_vlan"))
        else:
            converted.append(action)
    return tuple(converted)

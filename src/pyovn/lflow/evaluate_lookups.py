"""Executing lookups and controller actions (used by `evaluate.py`).

Lookups read the `Environment` (MAC bindings, FDB, check hooks) and store
their result; controller actions hand a copy of the packet to
ovn-controller as a `ControllerEvent`, and some also change the packet
(`get_arp` writes eth.dst).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyovn.lflow import actions as la
from pyovn.lflow import controller_actions as ca
from pyovn.lflow.events import ControllerEvent, LookupEvent
from pyovn.lflow.expr import FieldRef
from pyovn.lflow.packet import Packet

if TYPE_CHECKING:
    from pyovn.lflow.evaluate import Environment, _Executor

__all__ = ["controller_action", "lookup_result"]


def _port(packet: Packet, ref: FieldRef | int) -> str:
    assert isinstance(ref, FieldRef)
    if ref.name in ("inport", "outport"):
        return packet.get_port(ref.name) or ""
    return str(packet.get(ref))


def _value(packet: Packet, ref: FieldRef | int) -> int:
    return packet.get(ref) if isinstance(ref, FieldRef) else ref


def lookup_result(env: Environment, action: la.Action, packet: Packet) -> int | str:
    """The value a result action stores in its destination."""
    if isinstance(action, ca.Select):
        return env.select([c.value for c in action.choices], packet)
    if isinstance(action, ca.LookupArp | ca.LookupNd):
        port, ip, mac = action.args
        bound = env.mac_bindings.get((_port(packet, port), _value(packet, ip)))
        return int(bound is not None and bound == _value(packet, mac))
    if isinstance(action, ca.LookupArpIp | ca.LookupNdIp):
        port, ip = action.args
        return int((_port(packet, port), _value(packet, ip)) in env.mac_bindings)
    if isinstance(action, ca.GetFdb):
        return env.fdb.get(_value(packet, action.args[0]), "")
    if isinstance(action, ca.LookupFdb):
        port, mac = action.args
        return int(env.fdb.get(_value(packet, mac)) == _port(packet, port))
    if isinstance(action, ca.CheckPktLarger):
        return int(packet.length > _value(packet, action.args[0]))
    return env.check_result(action.NAME, packet)


def controller_action(executor: _Executor, action: la.Action, packet: Packet) -> None:
    """Actions without a result: MAC binding reads, packet-ins, no-ops."""
    if isinstance(action, ca.GetArp | ca.GetNd):
        port, ip = action.args
        mac = executor.env.mac_bindings.get((_port(packet, port), _value(packet, ip)), 0)
        packet.set("eth.dst", mac)
        executor.events.append(LookupEvent(action, action.NAME, "eth.dst", mac))
        return
    if isinstance(action, la.CtSnatToVip):
        executor.conntrack(action, packet)
        return
    if isinstance(action, ca.SetQueue | ca.SetMeter | ca.Sample):
        return
    details: tuple[tuple[str, str], ...] = ()
    if isinstance(action, ca.FieldCall):
        details = tuple((str(ref), str(_describe(packet, ref))) for ref in action.args)
    elif isinstance(action, ca.OptionsCall):
        details = tuple((o.key, str(o.value)) for o in action.options)
    executor.events.append(ControllerEvent(action, action.NAME, packet.copy(), details))


def _describe(packet: Packet, ref: FieldRef) -> int | str:
    if ref.name in ("inport", "outport"):
        return packet.get_port(ref.name) or ""
    return packet.get(ref)

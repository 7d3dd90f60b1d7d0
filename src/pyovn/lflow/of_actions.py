"""Logical actions -> OpenFlow actions, as ovn-controller translates them.

`ActionCompiler.compile()` walks an action list and produces `of_ir`
values.  Flow control maps to `resubmit` into the pipeline's tables
(`next` -> current table + 1, `output` -> table 37 from ingress or 64 from
egress); assignments to set_field/move/stack swaps; conntrack actions to
`ct(...)` in the zone registers of ovn-architecture(7) (reg13 for switches;
reg11 DNAT and reg12 SNAT for routers).  Actions that need ovn-controller
are compiled by `of_controller.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyovn.lflow import actions as la
from pyovn.lflow.errors import LflowCompileError
from pyovn.lflow.expr import Constant, FieldRef, StringConst
from pyovn.lflow.fields import SYMBOLS, resolve_symbol
from pyovn.lflow.of_fields import OF_FIELDS
from pyovn.lflow.of_ir import (
    Clone,
    Ct,
    CtClearOf,
    DecTtlOf,
    GroupOf,
    MoveOf,
    OfAction,
    PopOf,
    PushOf,
    Resubmit,
    SetField,
    Sub,
)

if TYPE_CHECKING:
    from pyovn.lflow.to_openflow import CompileContext

__all__ = ["ActionCompiler", "field_sub"]

CT_ZONE = Sub("reg13", 0, 16)
DNAT_ZONE = Sub("reg11", 0, 16)
SNAT_ZONE = Sub("reg12", 0, 16)


def field_sub(ref: FieldRef) -> Sub:
    """The OVS bits a logical field reference names."""
    symbol = SYMBOLS.get(ref.name)
    if symbol is None or symbol.is_predicate or symbol.ovn_only:
        raise LflowCompileError(f"{ref} is not stored in an OpenFlow field")
    resolved = resolve_symbol(ref.name)
    if ref.start is None:
        return Sub(resolved.storage, resolved.offset, resolved.width)
    assert ref.end is not None
    return Sub(resolved.storage, resolved.offset + ref.start, ref.end - ref.start + 1)


class ActionCompiler:
    """Compiles the actions of one logical flow in the context `ctx`."""

    def __init__(self, ctx: CompileContext) -> None:
        self.ctx = ctx
        from pyovn.lflow.of_controller import ControllerActions

        self.controller = ControllerActions(self)

    # ---- tables and zones ---------------------------------------------------

    @property
    def current_table(self) -> int:
        return self.ctx.first_table(self.ctx.pipeline) + self.ctx.table_id

    def next_table(self) -> int:
        return self.current_table + 1

    def ct_zone(self) -> Sub:
        """Zone of ct_next/ct_commit/ct_lb: the port's (switch) or DNAT (router)."""
        return CT_ZONE if self.ctx.is_switch else DNAT_ZONE

    @staticmethod
    def nat_zone(*, snat: bool, czone: bool) -> Sub:
        """NAT zones are the router's, on switches too (LB hairpin SNAT)."""
        return SNAT_ZONE if snat and not czone else DNAT_ZONE

    # ---- driver -------------------------------------------------------------

    def compile(self, actions: la.ActionList | tuple[la.Action, ...]) -> list[OfAction]:
        out: list[OfAction] = []
        for action in actions:
            handler = _HANDLERS.get(type(action))
            if handler is None:
                out.extend(self.controller.compile(action))
            else:
                out.extend(handler(self, action))
        return out

    # ---- flow control -------------------------------------------------------

    def output(self, action: la.Action) -> list[OfAction]:
        tables = self.ctx.tables
        target = tables.output if self.ctx.pipeline == "ingress" else tables.save_inport
        return [Resubmit(target)]

    def next(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, la.Next)
        pipeline = action.pipeline or self.ctx.pipeline
        table = self.ctx.table_id + 1 if action.table is None else action.table
        return [Resubmit(self.ctx.first_table(pipeline) + table)]

    def drop(self, action: la.Action) -> list[OfAction]:
        return []

    # ---- assignments ----------------------------------------------------------

    def load(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, la.Load)
        symbol = SYMBOLS.get(action.dst.name)
        if symbol is not None and symbol.ovn_only:
            return self.controller.ovn_field_load(action)
        return [self.set_constant(action.dst, action.value)]

    def set_constant(self, dst: FieldRef, value: Constant | StringConst) -> SetField:
        sub = field_sub(dst)
        if isinstance(value, StringConst):
            number = self.ctx.port_key(value.value)
            return SetField(
                sub.storage, number << sub.offset, ((1 << sub.n_bits) - 1) << sub.offset
            )
        full = (1 << sub.n_bits) - 1
        mask = full if value.mask is None else value.mask & full
        return SetField(sub.storage, (value.value & mask) << sub.offset, mask << sub.offset)

    def move(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, la.Move)
        return [MoveOf(field_sub(action.src), field_sub(action.dst))]

    def exchange(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, la.Exchange)
        left, right = field_sub(action.left), field_sub(action.right)
        return [PushOf(right), PushOf(left), PopOf(right), PopOf(left)]

    def dec_ttl(self, action: la.Action) -> list[OfAction]:
        return [DecTtlOf()]

    def push(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, la.Push)
        return [PushOf(field_sub(action.field))]

    def pop(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, la.Pop)
        return [PopOf(field_sub(action.field))]

    def clone(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, la.Clone)
        return [Clone(tuple(self.compile(action.body)))]

    # ---- conntrack ------------------------------------------------------------

    def ct_next(self, action: la.Action) -> list[OfAction]:
        return [Ct(self.ct_zone(), table=self.next_table())]

    def ct_clear(self, action: la.Action) -> list[OfAction]:
        return [CtClearOf()]

    def ct_commit(self, action: la.Action) -> list[OfAction]:
        exec_actions: tuple[OfAction, ...] = ()
        if isinstance(action, la.CtCommit):
            exec_actions = tuple(self.compile(action.body))
        elif isinstance(action, la.CtCommitV1):
            exec_actions = tuple(
                self.set_constant(FieldRef(name), value)
                for name, value in (("ct_mark", action.mark), ("ct_label", action.label))
                if value is not None
            )
        nat = "src" if self.ctx.ct_zero_snat else None
        return [Ct(self.ct_zone(), commit=True, nat=nat, exec_actions=exec_actions)]

    def ct_commit_nat(self, action: la.Action) -> list[OfAction]:
        return [Ct(self.ct_zone(), commit=True, table=self.next_table(), nat="")]

    def ct_nat(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, la.CtNat)
        zone = self.nat_zone(snat=action.is_snat, czone=action.in_czone)
        if action.ip is None:
            return [Ct(zone, table=self.next_table(), nat="")]
        kind = "src" if action.is_snat else "dst"
        address = _nat_address(action.ip, action.port_range)
        return [Ct(zone, commit=True, table=self.next_table(), nat=f"{kind}={address}")]

    def ct_lb(self, action: la.Action) -> list[OfAction]:
        assert isinstance(action, la.CtLb)
        zone = self.ct_zone()
        if action.backends is None:
            return [Ct(zone, table=self.next_table(), nat="")]
        mark = "ct_mark" if isinstance(action, la.CtLbMark) else "ct_label"
        sets = ["set_field:0x2/0x2->" + mark]
        if action.ct_flag == "skip_snat":
            sets.append("set_field:0x4/0x4->" + mark)
        elif action.ct_flag == "force_snat":
            sets.append("set_field:0x8/0x8->" + mark)
        method = "dp_hash"
        if action.hash_fields is not None:
            method = f"hash,fields({_ovs_field_order(action.hash_fields.value)})"
        buckets = []
        for index, backend in enumerate(action.backends):
            port = f":{backend.port}" if backend.port is not None else ""
            address = f"[{backend.ip}]" if backend.is_ipv6 and port else str(backend.ip)
            buckets.append(
                f"bucket=bucket_id:{index},weight:100,actions=ct(commit,table={self.next_table()},"
                f"zone={zone},nat(dst={address}{port}),exec({','.join(sets)}))"
            )
        spec = f"type=select,selection_method={method}," + ",".join(buckets)
        return [GroupOf(self.ctx.groups.allocate(spec))]


def _ovs_field_order(fields: str) -> str:
    """Hash fields in the order OVS lists them (its field order)."""
    order = {name: index for index, name in enumerate(OF_FIELDS)}
    names = [f.strip() for f in fields.split(",") if f.strip()]
    return ",".join(sorted(names, key=lambda n: order.get(n, len(order))))


def _nat_address(ip: Constant, port_range: tuple[int, int] | None) -> str:
    text = str(ip)
    if ip.number.width == 128 and port_range is not None:
        text = f"[{text}]"
    if port_range is not None:
        low, high = port_range
        text += f":{low}-{high}" if high != low else f":{low}"
    return text


Handler = Callable[[ActionCompiler, la.Action], list[OfAction]]

_HANDLERS: dict[type[la.Action], Handler] = {
    la.Output: ActionCompiler.output,
    la.Next: ActionCompiler.next,
    la.Drop: ActionCompiler.drop,
    la.Load: ActionCompiler.load,
    la.Move: ActionCompiler.move,
    la.Exchange: ActionCompiler.exchange,
    la.DecTtl: ActionCompiler.dec_ttl,
    la.Push: ActionCompiler.push,
    la.Pop: ActionCompiler.pop,
    la.Clone: ActionCompiler.clone,
    la.CtNext: ActionCompiler.ct_next,
    la.CtClear: ActionCompiler.ct_clear,
    la.CtCommit: ActionCompiler.ct_commit,
    la.CtCommitV1: ActionCompiler.ct_commit,
    la.CtCommitNat: ActionCompiler.ct_commit_nat,
    la.CtDnat: ActionCompiler.ct_nat,
    la.CtSnat: ActionCompiler.ct_nat,
    la.CtDnatInCzone: ActionCompiler.ct_nat,
    la.CtSnatInCzone: ActionCompiler.ct_nat,
    la.CtLb: ActionCompiler.ct_lb,
    la.CtLbMark: ActionCompiler.ct_lb,
}

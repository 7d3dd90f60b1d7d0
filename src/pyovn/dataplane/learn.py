"""The `learn(...)` action: parse, print, and build the flow it learns.

Supported specs (ovs-actions(7)), which cover what ovn-controller 23.03 emits
for load-balancer hairpin and MAC learning:

* `FIELD=VALUE` — the learned flow matches FIELD against a constant;
* `DST[..]=SRC[..]` — it matches DST against the packet's current SRC bits;
* `FIELD[..]` — shorthand for `FIELD[..]=FIELD[..]`;
* `load:VALUE->DST[..]` and `load:SRC[..]->DST[..]` — learned actions;
* `output:SRC[..]` — the learned flow outputs to the port held in SRC.

Flow parameters: table, priority, idle/hard/fin timeouts, cookie,
send_flow_rem, delete_learned, limit. `result_dst` is rejected clearly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pyovn.dataplane.actions import Action, Output, SetField, Subfield
from pyovn.dataplane.errors import FlowSyntaxError
from pyovn.dataplane.field_syntax import format_value, parse_int, parse_value
from pyovn.dataplane.fields import Field
from pyovn.dataplane.match import Match, MatchBuilder
from pyovn.dataplane.tokens import split_items

__all__ = ["Learn", "LearnLoad", "LearnMatch", "LearnOutput", "learned_flow_parts", "parse_learn"]

_INT_OPTIONS = (
    "idle_timeout",
    "hard_timeout",
    "fin_idle_timeout",
    "fin_hard_timeout",
    "priority",
    "cookie",
    "limit",
)


@dataclass(frozen=True)
class LearnMatch:
    """Match `destination` against a constant or the packet's `source` bits."""

    destination: Subfield
    source: Subfield | None = None
    value: int = 0

    def text(self) -> str:
        if self.source is None:
            whole = self.destination.n_bits == self.destination.field.width
            if whole:
                field = self.destination.field
                return f"{field.name}={format_value(field, self.value)}"
            return f"{self.destination.text()}={hex(self.value)}"
        if self.source == self.destination:
            return self.destination.text()
        return f"{self.destination.text()}={self.source.text()}"


@dataclass(frozen=True)
class LearnLoad:
    """A learned `load:` of a constant or of the packet's `source` bits."""

    destination: Subfield
    source: Subfield | None = None
    value: int = 0

    def text(self) -> str:
        source = self.source.text() if self.source else (hex(self.value) if self.value else "0")
        return f"load:{source}->{self.destination.text()}"


@dataclass(frozen=True)
class LearnOutput:
    """A learned `output:` to the port held in the packet's `source` bits."""

    source: Subfield

    def text(self) -> str:
        return f"output:{self.source.text()}"


LearnSpec = LearnMatch | LearnLoad | LearnOutput


@dataclass(frozen=True)
class Learn(Action):
    """`learn(table=N,...,specs)`."""

    table: int = 1
    priority: int = 0x8000
    idle_timeout: int = 0
    hard_timeout: int = 0
    fin_idle_timeout: int = 0
    fin_hard_timeout: int = 0
    cookie: int = 0
    send_flow_rem: bool = False
    delete_learned: bool = False
    limit: int = 0
    specs: tuple[LearnSpec, ...] = ()

    def text(self) -> str:
        args = [f"table={self.table}"]
        for name in ("idle_timeout", "hard_timeout", "fin_idle_timeout", "fin_hard_timeout"):
            if getattr(self, name):
                args.append(f"{name}={getattr(self, name)}")
        if self.priority != 0x8000:
            args.append(f"priority={self.priority}")
        if self.send_flow_rem:
            args.append("send_flow_rem")
        if self.delete_learned:
            args.append("delete_learned")
        if self.cookie:
            args.append(f"cookie={hex(self.cookie)}")
        if self.limit:
            args.append(f"limit={self.limit}")
        args.extend(spec.text() for spec in self.specs)
        return f"learn({','.join(args)})"


def parse_learn(inside: str, position: int = 0) -> Learn:
    """The arguments of `learn(...)`."""
    options: dict[str, object] = {}
    specs: list[LearnSpec] = []
    for item in split_items(inside, position):
        text = item.text
        key, equals, value = text.partition("=")
        if key == "table" and equals:
            options["table"] = parse_int(value, "table")
        elif key in _INT_OPTIONS and equals:
            options[key] = parse_int(value, key)
        elif text in ("send_flow_rem", "delete_learned"):
            options[text] = True
        elif key == "result_dst":
            raise FlowSyntaxError("learn result_dst is not supported", text, item.position)
        else:
            specs.append(_parse_spec(text, item.position))
    return Learn(specs=tuple(specs), **options)  # type: ignore[arg-type]


def _parse_spec(text: str, position: int) -> LearnSpec:
    from pyovn.dataplane.action_parser import parse_subfield

    if text.startswith("load:"):
        source_text, arrow, destination_text = text[5:].partition("->")
        if not arrow:
            raise FlowSyntaxError("learn load needs SRC->DST", text, position)
        destination = parse_subfield(destination_text, position)
        if "[" in source_text or not source_text[:1].isdigit():
            source = parse_subfield(source_text, position)
            return LearnLoad(destination, source=source)
        return LearnLoad(destination, value=parse_int(source_text, "learn load value"))
    if text.startswith("output:"):
        return LearnOutput(parse_subfield(text[7:], position))
    destination_text, equals, source_text = text.partition("=")
    if not equals:
        subfield = parse_subfield(text, position)
        return LearnMatch(subfield, source=subfield)
    if "[" in source_text:
        destination = parse_subfield(destination_text, position)
        source = parse_subfield(source_text, position)
        if source.n_bits != destination.n_bits:
            raise FlowSyntaxError("learn spec widths differ", text, position)
        return LearnMatch(destination, source=source)
    destination = parse_subfield(destination_text, position)
    if "[" in destination_text:
        return LearnMatch(destination, value=parse_int(source_text, "learn value"))
    value, _ = parse_value(destination.field, source_text)
    return LearnMatch(destination, value=value)


def learned_flow_parts(learn: Learn, values: Mapping[str, int]) -> tuple[Match, tuple[Action, ...]]:
    """The match and actions of the flow `learn` adds for a packet with `values`."""
    builder = MatchBuilder()
    actions: list[Action] = []
    for spec in learn.specs:
        if isinstance(spec, LearnMatch):
            bits = _spec_value(spec.source, spec.value, values)
            destination = spec.destination
            old_value, old_mask = _field_constraint(builder, destination.field)
            merged = (old_value & ~destination.mask) | (bits << destination.offset)
            builder.set_field(destination.field, merged, old_mask | destination.mask)
        elif isinstance(spec, LearnLoad):
            bits = _spec_value(spec.source, spec.value, values)
            destination = spec.destination
            actions.append(
                SetField(destination.field, bits << destination.offset, destination.mask, "load")
            )
        else:
            actions.append(Output(_spec_value(spec.source, 0, values)))
    return builder.build(), tuple(actions)


def _spec_value(source: Subfield | None, constant: int, values: Mapping[str, int]) -> int:
    if source is None:
        return constant
    return (source.field.read(values) >> source.offset) & ((1 << source.n_bits) - 1)


def _field_constraint(builder: MatchBuilder, field: Field) -> tuple[int, int]:
    values = {slot: value for slot, (value, _) in builder.constraints.items()}
    masks = {slot: mask for slot, (_, mask) in builder.constraints.items()}
    return field.read(values), field.read(masks)

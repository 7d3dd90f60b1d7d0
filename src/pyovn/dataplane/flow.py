"""OpenFlow flows: parse `dump-flows`/`add-flow` text, print it back.

`Flow.parse` accepts both a line of `ovs-ofctl dump-flows` output
(` cookie=0x…, duration=…, table=8, n_packets=…, priority=50,metadata=0x1
actions=…`) and `add-flow` syntax (`table=8,priority=50,metadata=0x1,actions=…`).
`Flow.dump_text()` prints the dump-flows form (byte-identical for a parsed
dump line) and `Flow.ofctl_text()` the add-flow form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from pyovn.dataplane.action_parser import parse_actions
from pyovn.dataplane.actions import Action, format_actions
from pyovn.dataplane.errors import FlowSyntaxError
from pyovn.dataplane.field_syntax import parse_int
from pyovn.dataplane.match import Match, MatchBuilder
from pyovn.dataplane.match_format import format_match
from pyovn.dataplane.spelling import openflow10_spelling, openflow15_spelling
from pyovn.dataplane.tokens import split_items, split_key_value

__all__ = ["DEFAULT_PRIORITY", "Flow", "FlowStats", "parse_flows"]

DEFAULT_PRIORITY = 0x8000
_ACTIONS = re.compile(r"(?:^|[\s,])actions=")
_FLAG_WORDS = (
    "send_flow_rem",
    "check_overlap",
    "reset_counts",
    "no_packet_counts",
    "no_byte_counts",
)
_IGNORED_KEYS = ("out_port", "out_group")


@dataclass(frozen=True)
class FlowStats:
    """The statistics part of a dump-flows line, kept to print it back."""

    n_packets: int = 0
    n_bytes: int = 0
    duration: str = "0.000s"
    idle_age: int | None = None
    hard_age: int | None = None


@dataclass(frozen=True)
class Flow:
    """One OpenFlow flow: where it lives, what it matches, what it does."""

    table: int = 0
    priority: int = DEFAULT_PRIORITY
    match: Match = field(default_factory=Match)
    actions: tuple[Action, ...] = ()
    cookie: int = 0
    idle_timeout: int = 0
    hard_timeout: int = 0
    importance: int = 0
    flags: tuple[str, ...] = ()
    stats: FlowStats | None = field(default=None, compare=False)

    @classmethod
    def parse(cls, text: str) -> Flow:
        """Parse one dump-flows line or add-flow specification."""
        found = _ACTIONS.search(text)
        if not found:
            raise FlowSyntaxError("flow has no actions=", text.strip()[:40], 0)
        head = text[: found.start()]
        actions = parse_actions(text[found.end() :], found.end())
        return _parse_head(head, actions)

    def key(self) -> tuple[int, int, Match]:
        """(table, priority, match): what identifies a flow in a switch."""
        return (self.table, self.priority, self.match)

    def match_text(self, with_priority: bool = True) -> str:
        """`priority=P,match` as dump-flows prints it (no trailing comma)."""
        match = format_match(self.match)
        parts = []
        if with_priority and self.priority != DEFAULT_PRIORITY:
            parts.append(f"priority={self.priority}")
        if match:
            parts.append(match)
        return ",".join(parts)

    def dump_text(self, stats: FlowStats | None = None) -> str:
        """The flow as one line of `ovs-ofctl dump-flows` (OpenFlow 1.0)."""
        shown = stats or self.stats or FlowStats()
        text = f" cookie={hex(self.cookie)}, duration={shown.duration}, table={self.table}, "
        text += f"n_packets={shown.n_packets}, n_bytes={shown.n_bytes}, "
        if self.idle_timeout:
            text += f"idle_timeout={self.idle_timeout}, "
        if self.hard_timeout:
            text += f"hard_timeout={self.hard_timeout}, "
        if self.flags:
            text += " ".join(self.flags) + " "
        if self.importance:
            text += f"importance={self.importance}, "
        if shown.idle_age is not None:
            text += f"idle_age={shown.idle_age}, "
        if shown.hard_age is not None:
            text += f"hard_age={shown.hard_age}, "
        text += self.match_text()
        if not text.endswith(" "):
            text += " "
        return text + "actions=" + format_actions(self.actions)

    def ofctl_text(self) -> str:
        """The flow in `ovs-ofctl add-flow` syntax."""
        parts = [f"table={self.table}", f"priority={self.priority}"]
        if self.cookie:
            parts.append(f"cookie={hex(self.cookie)}")
        if self.idle_timeout:
            parts.append(f"idle_timeout={self.idle_timeout}")
        if self.hard_timeout:
            parts.append(f"hard_timeout={self.hard_timeout}")
        if self.importance:
            parts.append(f"importance={self.importance}")
        parts.extend(self.flags)
        match = format_match(self.match)
        if match:
            parts.append(match)
        parts.append("actions=" + format_actions(self.actions))
        return ",".join(parts)

    def with_openflow15_spelling(self) -> Flow:
        """This flow as an OpenFlow 1.5 controller installs it (`set_field:`)."""
        proto_value, proto_mask = self.match.get("nw_proto")
        protocol = proto_value if proto_mask == 0xFF else None
        return replace(self, actions=openflow15_spelling(self.actions, protocol))

    def with_openflow10_spelling(self) -> Flow:
        """This flow as `ovs-ofctl add-flow` (OpenFlow 1.0) installs it (`load:`)."""
        return replace(self, actions=openflow10_spelling(self.actions))

    def __str__(self) -> str:
        return self.ofctl_text()


def _parse_head(head: str, actions: tuple[Action, ...]) -> Flow:
    options: dict[str, object] = {}
    stats: dict[str, object] = {}
    flags: list[str] = []
    builder = MatchBuilder()
    for item in split_items(head, separators=", \t"):
        key, value = split_key_value(item.text)
        lowered = key.lower()
        if value is None and lowered in _FLAG_WORDS:
            flags.append(lowered)
        elif value is not None and lowered in (
            "table",
            "priority",
            "idle_timeout",
            "hard_timeout",
            "importance",
        ):
            options[lowered] = _bounded_int(lowered, value, item.position)
        elif value is not None and lowered == "cookie":
            options["cookie"] = parse_int(value.split("/")[0], "cookie")
        elif value is not None and lowered in ("n_packets", "n_bytes", "idle_age", "hard_age"):
            stats[lowered] = parse_int(value, lowered)
        elif value is not None and lowered == "duration":
            stats["duration"] = value
        elif lowered in _IGNORED_KEYS:
            continue
        else:
            builder.add(key, value, item.position)
    return Flow(
        match=builder.build(),
        actions=actions,
        flags=tuple(flags),
        stats=FlowStats(**stats) if stats else None,  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


def _bounded_int(key: str, text: str, position: int) -> int:
    value = parse_int(text, key)
    limit = 254 if key == "table" else 0xFFFF
    if value > limit:
        raise FlowSyntaxError(f"{key} is outside the range 0 through {limit}", text, position)
    return value


def parse_flows(text: str) -> Iterator[Flow]:
    """Every flow in a dump-flows output or a flow file (header and # lines skipped)."""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or " reply " in stripped[:40]:
            continue
        try:
            yield Flow.parse(line)
        except FlowSyntaxError as error:
            message = f"line {number}: {error.message}"
            raise FlowSyntaxError(message, error.token, error.position) from None

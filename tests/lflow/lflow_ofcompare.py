"""Helpers to compare our OpenFlow with ovn-controller's (test support).

Flows are compared after normalising what legitimately differs between
two runs: cookies, counters and ages, conjunction ids, group ids, and the
order of match fields.  A reference flow carrying several `conjunction()`
actions (shared by several logical flows) is split into one flow per
conjunction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_DROP_KEYS = ("cookie", "duration", "n_packets", "n_bytes", "idle_age", "hard_age")
_CONJ_RE = re.compile(r"conjunction\(\d+,")
_CONJ_ID_RE = re.compile(r"^conj_id=\d+$")
_GROUP_RE = re.compile(r"group:\d+")
_CT_STATE_RE = re.compile(r"([+-])([a-z]+)")
_METER_RE = re.compile(r",meter_id=\d+")


@dataclass(frozen=True, slots=True)
class NormalFlow:
    table: int
    priority: int
    match: frozenset[str]
    actions: tuple[str, ...]


def split_top_level(text: str) -> list[str]:
    """Split at commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _normal_match_item(item: str) -> str:
    if _CONJ_ID_RE.match(item):
        return "conj_id=*"
    if item.startswith("ct_state="):
        flags = sorted(_CT_STATE_RE.findall(item[len("ct_state=") :]), key=lambda f: f[1])
        return "ct_state=" + "".join(sign + name for sign, name in flags)
    return item


def normalize_flow(line: str, groups: dict[int, str] | None = None) -> list[NormalFlow]:
    """Normalise one `ovs-ofctl` flow line (dump-flows or add-flow style)."""
    head, _, actions = line.strip().partition(" actions=")
    items = [i.strip() for i in head.replace(", ", ",").split(",") if i.strip()]
    table, priority, match = 0, 32768, set()
    for item in items:
        key = item.split("=", 1)[0]
        if key in _DROP_KEYS:
            continue
        if key == "table":
            table = int(item.split("=", 1)[1])
        elif key == "priority":
            priority = int(item.split("=", 1)[1])
        else:
            match.add(_normal_match_item(item))
    acts = [_METER_RE.sub("", a) for a in split_top_level(actions)]
    acts = ["dec_ttl" if a == "dec_ttl()" else a for a in acts]
    if groups is not None:
        acts = [
            _GROUP_RE.sub(lambda m: "group:" + groups.get(int(m.group()[6:]), "?"), a) for a in acts
        ]
    else:
        acts = [_GROUP_RE.sub("group:*", a) for a in acts]
    conjs = [a for a in acts if a.startswith("conjunction(")]
    others = tuple(a for a in acts if not a.startswith("conjunction("))
    if not conjs:
        return [NormalFlow(table, priority, frozenset(match), others)]
    return [
        NormalFlow(table, priority, frozenset(match), (_CONJ_RE.sub("conjunction(*,", c),))
        for c in conjs
    ]


def normalize_flows(lines: Iterable[str], groups: dict[int, str] | None = None) -> set[NormalFlow]:
    """Normalised flows; with `groups` (id -> spec), `group:N` is replaced
    by the group's spec so groups are compared by content."""
    flows: set[NormalFlow] = set()
    for line in lines:
        if " actions=" in line:
            flows.update(normalize_flow(line, groups))
    return flows


def read_groups(lines: Iterable[str]) -> dict[int, str]:
    """`ovs-ofctl dump-groups` output (or our specs) -> id -> spec without id."""
    groups = {}
    for line in lines:
        line = line.strip()
        if line.startswith("group_id="):
            head, _, spec = line.partition(",")
            groups[int(head[len("group_id=") :])] = spec
    return groups

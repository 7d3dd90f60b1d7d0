"""OpenFlow tables: highest-priority match wins, conjunctive matches.

Each table is a tuple-space classifier, as in Open vSwitch: rules are
grouped into subtables by the set of (slot, mask) pairs they match on, each
subtable is a hash map from masked values to rules, and subtables are
visited in order of their best priority so a lookup stops as soon as no
remaining subtable can beat the match in hand.

Ties (two matching rules of equal priority) are undefined in OpenFlow; the
simulator deterministically picks the one installed first.

Conjunctive matches (`conjunction(id,k/n)`, ovs-fields(7) "conj_id"): a rule
whose actions are all `conjunction` actions is a clause rule. When, at some
priority above the best ordinary match, clause rules cover all n clauses of
a conjunction `id`, the packet is looked up again with `conj_id=id` and the
rule found there (if any) is the match.
"""

from __future__ import annotations

import itertools
import operator
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from pyovn.dataplane.actions import Conjunction
from pyovn.dataplane.flow import Flow

__all__ = ["FlowTable", "Rule"]

_sequence = itertools.count()


@dataclass(eq=False)
class Rule:
    """An installed flow and its counters."""

    flow: Flow
    n_packets: int = 0
    n_bytes: int = 0
    installed: float = field(default_factory=time.monotonic)
    used: float | None = None
    sequence: int = field(default_factory=lambda: next(_sequence))
    learned_by: Flow | None = None

    @property
    def priority(self) -> int:
        """The flow's priority."""
        return self.flow.priority

    def conjunctions(self) -> tuple[Conjunction, ...]:
        """The conjunction actions, if this is a clause rule (else empty)."""
        actions = self.flow.actions
        if actions and all(isinstance(action, Conjunction) for action in actions):
            return tuple(action for action in actions if isinstance(action, Conjunction))
        return ()

    def count(self, n_bytes: int) -> None:
        """Account one packet of `n_bytes` to this rule."""
        self.n_packets += 1
        self.n_bytes += n_bytes
        self.used = time.monotonic()


class _Subtable:
    """Rules that match on exactly the same (slot, mask) pairs."""

    __slots__ = ("masks", "max_priority", "rules", "signature", "slots", "zeros")

    def __init__(self, signature: tuple[tuple[str, int], ...]) -> None:
        self.signature = signature
        self.slots = tuple(slot for slot, _ in signature)
        self.masks = tuple(mask for _, mask in signature)
        self.zeros = (0,) * len(signature)
        self.rules: dict[tuple[int, ...], list[Rule]] = {}
        self.max_priority = -1

    def key_of(self, values: Mapping[str, int]) -> tuple[int, ...]:
        # map() over parallel tuples is the fastest way to mask in pure Python.
        return tuple(map(operator.and_, map(values.get, self.slots, self.zeros), self.masks))

    def refresh(self) -> None:
        self.max_priority = max(
            (bucket[0].priority for bucket in self.rules.values() if bucket), default=-1
        )


def _order(rule: Rule) -> tuple[int, int]:
    return (-rule.priority, rule.sequence)


_FULL_METADATA = (1 << 64) - 1


class _Partition:
    """The ordinary rules of a table that share one `metadata` value (or none)."""

    __slots__ = ("ordered", "subtables")

    def __init__(self) -> None:
        self.subtables: dict[tuple[tuple[str, int], ...], _Subtable] = {}
        self.ordered: list[_Subtable] = []

    def add(self, rule: Rule) -> None:
        signature = tuple((slot, mask) for slot, _, mask in rule.flow.match.items)
        subtable = self.subtables.get(signature)
        if subtable is None:
            subtable = self.subtables[signature] = _Subtable(signature)
        key = tuple(value for _, value, _ in rule.flow.match.items)
        bucket = subtable.rules.setdefault(key, [])
        bucket.append(rule)
        bucket.sort(key=_order)
        subtable.max_priority = max(subtable.max_priority, rule.priority)
        self._reorder()

    def discard(self, rule: Rule) -> None:
        signature = tuple((slot, mask) for slot, _, mask in rule.flow.match.items)
        subtable = self.subtables[signature]
        key = tuple(value for _, value, _ in rule.flow.match.items)
        bucket = subtable.rules[key]
        bucket.remove(rule)
        if not bucket:
            del subtable.rules[key]
        if not subtable.rules:
            del self.subtables[signature]
        else:
            subtable.refresh()
        self._reorder()

    def _reorder(self) -> None:
        self.ordered = sorted(self.subtables.values(), key=lambda sub: -sub.max_priority)

    def best(self, values: Mapping[str, int], best: Rule | None = None) -> Rule | None:
        """The best rule here, if it beats `best`."""
        for subtable in self.ordered:
            if best is not None and subtable.max_priority < best.priority:
                break
            bucket = subtable.rules.get(subtable.key_of(values))
            if bucket:
                candidate = bucket[0]
                if best is None or _order(candidate) < _order(best):
                    best = candidate
        return best


def _partition_key(rule: Rule) -> int | None:
    value, mask = rule.flow.match.get("metadata")
    return value if mask == _FULL_METADATA else None


class FlowTable:
    """One OpenFlow table.

    Ordinary rules are partitioned by the `metadata` value they match exactly
    (OVN puts the logical datapath there), so a lookup only visits the
    subtables of the packet's datapath and those of datapath-independent rules.
    """

    def __init__(self, table_id: int) -> None:
        self.table_id = table_id
        self._partitions: dict[int | None, _Partition] = {}
        self._clauses: dict[int, list[Rule]] = {}
        self._by_key: dict[tuple[int, object], Rule] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._by_key.values(), key=_order))

    def get(self, flow: Flow) -> Rule | None:
        """The installed rule with the same priority and match, if any."""
        return self._by_key.get((flow.priority, flow.match))

    def insert(self, rule: Rule) -> Rule | None:
        """Install `rule`, replacing (and returning) one with the same priority/match."""
        replaced = self.remove(rule.flow)
        if replaced is not None:
            rule.sequence = replaced.sequence
        self._by_key[(rule.priority, rule.flow.match)] = rule
        if rule.conjunctions():
            self._clauses.setdefault(rule.priority, []).append(rule)
            self._clauses[rule.priority].sort(key=_order)
        else:
            key = _partition_key(rule)
            partition = self._partitions.get(key)
            if partition is None:
                partition = self._partitions[key] = _Partition()
            partition.add(rule)
        return replaced

    def remove(self, flow: Flow) -> Rule | None:
        """Remove the rule with `flow`'s priority and match; return it if it existed."""
        rule = self._by_key.pop((flow.priority, flow.match), None)
        if rule is None:
            return None
        if rule.conjunctions():
            self._clauses[rule.priority].remove(rule)
            return rule
        key = _partition_key(rule)
        partition = self._partitions[key]
        partition.discard(rule)
        if not partition.subtables:
            del self._partitions[key]
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        self._partitions.clear()
        self._clauses.clear()
        self._by_key.clear()

    # ---------------------------------------------------------------- lookup

    def _best(self, values: Mapping[str, int]) -> Rule | None:
        partitions = self._partitions
        wildcard = partitions.get(None)
        best = wildcard.best(values) if wildcard is not None else None
        own = partitions.get(values.get("metadata", 0))
        return own.best(values, best) if own is not None else best

    def lookup(self, values: Mapping[str, int]) -> Rule | None:
        """The rule a packet with these field values matches, or None."""
        best = self._best(values)
        if not self._clauses:
            return best
        floor = best.priority if best else -1
        for priority in sorted(self._clauses, reverse=True):
            if priority <= floor:
                break
            for conjunction_id in self._complete_conjunctions(priority, values):
                found = self._best({**values, "conj_id": conjunction_id})
                if found is not None and found.flow.match.get("conj_id")[1]:
                    return found
        return best

    def _complete_conjunctions(self, priority: int, values: Mapping[str, int]) -> list[int]:
        seen: dict[int, set[int]] = {}
        needed: dict[int, int] = {}
        for rule in self._clauses.get(priority, ()):
            if not rule.flow.match.matches(values):
                continue
            for conjunction in rule.conjunctions():
                seen.setdefault(conjunction.conjunction_id, set()).add(conjunction.clause)
                needed[conjunction.conjunction_id] = conjunction.n_clauses
        return sorted(cid for cid, clauses in seen.items() if len(clauses) == needed[cid])

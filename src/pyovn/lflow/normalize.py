"""Disjunctive normal form of an annotated match, as OpenFlow needs it.

A `Clause` is a conjunction of constraints, one per OVS field; a
constraint is a set of alternative (value, mask) pairs on that field (a
"dimension" of the clause).  A clause with one alternative per field is one
OpenFlow match; a clause with several alternatives in one field is that
many matches; several multi-valued fields call for a conjunctive match
(`to_openflow.py`).

Normalisation works like ovn-controller's: ANDs distribute over ORs, tests
on the same field combine (`reg0[7] == 1 && reg0[9] == 1` is one masked
test of xxreg0), contradictions vanish, ORs of tests on one field stay a
set instead of being multiplied out, and redundant alternatives and
clauses (implied by a wider one) are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pyovn.lflow.semantics import BoolNode, Const, NodeAnd, NodeOr, PortTest, Test

__all__ = ["Alt", "Clause", "normalize"]

Alt = tuple[int, int]
_SUBSUMPTION_LIMIT = 256


@dataclass(frozen=True, slots=True)
class Clause:
    """`ints`: OVS field -> alternatives (value, mask); `ports`: reg14/reg15 ->
    alternative port names.  Every field's alternatives are non-empty."""

    ints: tuple[tuple[str, frozenset[Alt]], ...] = ()
    ports: tuple[tuple[str, frozenset[str]], ...] = ()

    @property
    def dimensions(self) -> int:
        """Number of fields with more than one alternative."""
        return sum(len(alts) > 1 for _, alts in self.ints) + sum(
            len(names) > 1 for _, names in self.ports
        )

    def single_field(self) -> str | None:
        if len(self.ints) + len(self.ports) != 1:
            return None
        return self.ints[0][0] if self.ints else "port:" + self.ports[0][0]


TRUE_DNF: list[Clause] = [Clause()]


def normalize(node: BoolNode) -> list[Clause]:
    """The DNF of `node`; [] is false, [Clause()] is true."""
    clauses = _dnf(node)
    if len(clauses) > 1:
        clauses = _drop_implied(clauses)
    return clauses


def _dnf(node: BoolNode) -> list[Clause]:
    if isinstance(node, Test):
        return [Clause(ints=((node.storage, frozenset({(node.value, node.mask)})),))]
    if isinstance(node, PortTest):
        return [Clause(ports=((node.storage, frozenset({node.name})),))]
    if isinstance(node, Const):
        return list(TRUE_DNF) if node.value else []
    if isinstance(node, NodeAnd):
        result = list(TRUE_DNF)
        for child in node.children:
            result = _and(result, _dnf(child))
            if not result:
                break
        return result
    assert isinstance(node, NodeOr)
    merged: list[Clause] = []
    for child in node.children:
        merged.extend(_dnf(child))
    return _crush_or(merged)


def _and(left: list[Clause], right: list[Clause]) -> list[Clause]:
    out: list[Clause] = []
    for a in left:
        for b in right:
            clause = _merge(a, b)
            if clause is not None:
                out.append(clause)
    return _dedup(out)


def _merge(a: Clause, b: Clause) -> Clause | None:
    ints = dict(a.ints)
    for storage, alts in b.ints:
        if storage in ints:
            combined = _intersect(ints[storage], alts)
            if not combined:
                return None
            ints[storage] = combined
        else:
            ints[storage] = alts
    ports = dict(a.ports)
    for storage, names in b.ports:
        if storage in ports:
            common = ports[storage] & names
            if not common:
                return None
            ports[storage] = common
        else:
            ports[storage] = names
    return Clause(tuple(sorted(ints.items())), tuple(sorted(ports.items())))


def _intersect(left: frozenset[Alt], right: frozenset[Alt]) -> frozenset[Alt]:
    out = set()
    for v1, m1 in left:
        for v2, m2 in right:
            if (v1 ^ v2) & m1 & m2 == 0:
                out.add((v1 | v2, m1 | m2))
    return _drop_covered(out)


def _covers(wide: Alt, narrow: Alt) -> bool:
    """Every value matching `narrow` matches `wide`."""
    value, mask = wide
    return mask & ~narrow[1] == 0 and narrow[0] & mask == value


def _drop_covered(alts: Iterable[Alt]) -> frozenset[Alt]:
    items = set(alts)
    if len(items) < 2:
        return frozenset(items)
    kept = {
        alt for alt in items if not any(other != alt and _covers(other, alt) for other in items)
    }
    return frozenset(kept)


def _crush_or(clauses: list[Clause]) -> list[Clause]:
    """Merge single-field clauses on the same field into one set clause."""
    by_field: dict[str, list[Clause]] = {}
    others: list[Clause] = []
    for clause in clauses:
        name = clause.single_field()
        if name is None:
            others.append(clause)
        else:
            by_field.setdefault(name, []).append(clause)
    out: list[Clause] = []
    for name, group in by_field.items():
        if len(group) == 1:
            out.append(group[0])
        elif name.startswith("port:"):
            names = frozenset().union(*(c.ports[0][1] for c in group))
            out.append(Clause(ports=((group[0].ports[0][0], names),)))
        else:
            alts = _drop_covered(alt for c in group for alt in c.ints[0][1])
            out.append(Clause(ints=((name, alts),)))
    out.extend(others)
    return _dedup(out)


def _dedup(clauses: list[Clause]) -> list[Clause]:
    seen: set[Clause] = set()
    out = []
    for clause in clauses:
        if clause not in seen:
            seen.add(clause)
            out.append(clause)
    return out


def _implies(narrow: Clause, wide: Clause) -> bool:
    """Every packet matching `narrow` matches `wide`."""
    narrow_ints = dict(narrow.ints)
    for storage, alts in wide.ints:
        mine = narrow_ints.get(storage)
        if mine is None or not all(any(_covers(w, n) for w in alts) for n in mine):
            return False
    narrow_ports = dict(narrow.ports)
    for storage, names in wide.ports:
        mine_names = narrow_ports.get(storage)
        if mine_names is None or not mine_names <= names:
            return False
    return True


def _drop_implied(clauses: list[Clause]) -> list[Clause]:
    if len(clauses) > _SUBSUMPTION_LIMIT:
        return clauses
    kept = []
    for index, clause in enumerate(clauses):
        redundant = any(
            other is not clause
            and _implies(clause, other)
            and not (_implies(other, clause) and other_index > index)
            for other_index, other in enumerate(clauses)
        )
        if not redundant:
            kept.append(clause)
    return kept

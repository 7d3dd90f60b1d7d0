"""Connection-tracking zones for local ports and local datapaths.

Each local VIF and localnet port gets its own zone (loaded into reg13 on
the way in and out), and each local datapath a DNAT and an SNAT zone
(reg11, reg12) named `<NB uuid>_dnat` / `<NB uuid>_snat`. Zones are 1..65535,
the lowest free number first. As ovn-controller does, the assignment is
kept in the integration bridge's `external_ids:ct-zone-<name>` so a
restarted controller keeps the zones (and the connections in them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["PREFIX", "CtZones"]

PREFIX = "ct-zone-"
MAX_ZONE = 65535


class CtZones:
    """The zone of every name that needs one."""

    def __init__(self) -> None:
        self.zones: dict[str, int] = {}

    def load(self, external_ids: Mapping[str, str]) -> None:
        """Adopt the assignment stored in the bridge's external_ids."""
        for key, value in external_ids.items():
            if key.startswith(PREFIX) and value.isdigit():
                self.zones.setdefault(key[len(PREFIX) :], int(value))

    def update(self, wanted: Iterable[str]) -> bool:
        """Give every wanted name a zone and forget the others; True if changed."""
        wanted = set(wanted)
        changed = False
        for name in [n for n in self.zones if n not in wanted]:
            del self.zones[name]
            changed = True
        used = set(self.zones.values())
        candidate = 1
        for name in sorted(wanted - self.zones.keys()):
            while candidate in used:
                candidate += 1
            if candidate > MAX_ZONE:
                break
            self.zones[name] = candidate
            used.add(candidate)
            changed = True
        return changed

    def zone(self, name: str) -> int:
        """The zone of `name` (0, the default zone, if it has none)."""
        return self.zones.get(name, 0)

    def bridge_changes(self, external_ids: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
        """(keys to set, keys to delete) to store the assignment in external_ids."""
        wanted = {f"{PREFIX}{name}": str(zone) for name, zone in self.zones.items()}
        current = {k: v for k, v in external_ids.items() if k.startswith(PREFIX)}
        to_set = {k: v for k, v in wanted.items() if current.get(k) != v}
        to_delete = [k for k in current if k not in wanted]
        return to_set, to_delete

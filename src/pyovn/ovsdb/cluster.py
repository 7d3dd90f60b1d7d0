"""Choosing a usable member of a clustered database, as the OVSDB IDL does.

Every connection first reads the served database's row in `_Server`
(ovsdb-server(5)) and keeps monitoring it. A member is skipped, and the
client moves on to the next remote, when for this database it is:

- not connected to its cluster (it cannot know whether its data is current);
- not the leader, for clients that write (`leader_only`, the default of
  ovn-nbctl and ovn-northd: locks live on the leader only, and the leader
  answers a write without a forwarding hop);
- behind: its raft `index` is lower than one this client has already seen on
  another member, so resuming a monitor there would go back in time.

A member that loses leadership (or its cluster) while we are connected is
dropped the same way, and the client's reconnect logic finds the new leader.
Standalone servers (pyovn db, ovsdb-server without a cluster) always pass.
"""

import logging
from typing import Any

from pyovn.ovsdb.client import OvsdbClient, RpcError
from pyovn.ovsdb.errors import ClientError

__all__ = ["ClusterWatch", "MemberUnusable"]

log = logging.getLogger(__name__)

_COLUMNS = ["name", "model", "connected", "leader", "index"]


class MemberUnusable(ClientError):
    """The server is up but cannot be used for this database right now."""


class ClusterWatch:
    """Checks and watches `_Server` for database `db` on every connection."""

    def __init__(self, client: OvsdbClient, db: str, leader_only: bool) -> None:
        self.client = client
        self.db = db
        self.leader_only = leader_only
        #: The highest raft index seen on any member (0: none, or standalone).
        self.index = 0
        self.row: dict[str, Any] = {}
        self.clustered = False
        self._monitor_id = f"cluster-{db}-{id(self)}"
        self._checked = -1
        self._held: list[list[Any]] | None = None
        client.add_handler("update2", self._on_update2)

    async def check(self, client: OvsdbClient) -> None:
        """An `on_connected` callback: MemberUnusable when this member will not do."""
        if self._checked == client.connections:
            return  # this connection already passed (and is being watched)
        self._checked = client.connections
        request = {"Database": [{"columns": _COLUMNS, "where": [["name", "==", self.db]]}]}
        # Updates dispatched before this coroutine sees the reply come after
        # it on the wire: apply them after the reply (see Replica._monitor).
        self._held = []
        try:
            updates = await client.call("monitor_cond", ["_Server", self._monitor_id, request])
        except RpcError as exc:
            self._held = None
            if _error_name(exc) in ("unknown database", "unknown method"):
                self.row, self.clustered = {}, False  # an old or minimal server
                return
            raise
        except BaseException:
            self._held = None
            raise
        self.row = {}
        for update in (updates.get("Database") or {}).values():
            self.row = dict(update.get("initial") or update.get("insert") or {})
        held, self._held = self._held, None
        for params in held:
            self._apply_update(params)
        if not self.row:
            return  # not served at all: whoever needs it says so
        reason = self._unusable()
        if reason is not None:
            raise MemberUnusable(f"{client.remote}: {reason}")

    def _unusable(self) -> str | None:
        row = self.row
        self.clustered = row.get("model") == "clustered"
        if not self.clustered:
            return None
        index = row.get("index")
        index = index if isinstance(index, int) else 0
        # Monitor rows leave out columns that hold their default (false).
        if row.get("connected") is not True:
            return f"{self.db} is not connected to its cluster"
        if self.leader_only and row.get("leader") is not True:
            return f"{self.db} is not the cluster leader here"
        if index < self.index:
            return f"{self.db} is behind here (raft index {index} < {self.index} seen)"
        self.index = index
        return None

    def _on_update2(self, params: list[Any]) -> None:
        if len(params) != 2 or params[0] != self._monitor_id:
            return
        if self._held is not None:
            self._held.append(params)
            return
        self._apply_update(params)
        reason = self._unusable() if self.row else f"{self.db} is no longer served"
        if reason is not None and self.client.is_connected:
            log.info("%s: %s; looking for another member", self.client.remote, reason)
            self.client.disconnect()

    def _apply_update(self, params: list[Any]) -> None:
        for update in (params[1].get("Database") or {}).values():
            if "delete" in update:
                self.row = {}
            else:
                self.row.update(update.get("modify") or update.get("insert") or {})


def _error_name(exc: RpcError) -> Any:
    error = exc.error
    return error.get("error") if isinstance(error, dict) else error

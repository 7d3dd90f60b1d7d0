"""`pyovn northd`: watch the Northbound DB, keep the Southbound DB compiled.

One loop: wait for NB/SB changes, rebuild the model, let the engine
recompute the datapaths whose inputs changed, and write the difference to
the SB in one transaction. Then propagate NB_Global.nb_cfg (so `ovn-nbctl
--wait=sb` returns) and hv_cfg (for `--wait=hv`). Several instances may run;
only the one holding the SB lock "ovn_northd" writes, as with ovn-northd.
"""

import asyncio
import contextlib
import logging
import random
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

from pyovn import __version__
from pyovn.gc_tuning import release_free_memory
from pyovn.northd.engine import Engine
from pyovn.northd.sb.desired import DesiredState
from pyovn.northd.sb.index import SbIndex
from pyovn.northd.sb.lflows import LflowIndex
from pyovn.northd.sb.load_balancers import sync_load_balancers
from pyovn.northd.sb.reconcile import reconcile
from pyovn.northd.sb.static import sync_static
from pyovn.northd.sb.txn import SbTxn
from pyovn.northd.topology import Topology, TopologyBuilder
from pyovn.northd.validate import validate
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.database import Change
from pyovn.ovsdb.datum import ColumnCodec
from pyovn.ovsdb.errors import ClientError
from pyovn.ovsdb.replica import Replica

__all__ = ["Northd", "NorthdStats"]

log = logging.getLogger("pyovn.northd")

NB = "OVN_Northbound"
SB = "OVN_Southbound"
#: After a transaction this large (a first compile, a big NB change) the heap
#: holds many freed pages worth returning to the system.
BIG_TRANSACTION = 2_000
LOCK = "ovn_northd"
#: beyond this many queued NB change events, compare every unit instead
_MAX_PENDING_NB_CHANGES = 200_000
#: SB tables northd reads; Logical_Flow is read once at start, not monitored.
SB_TABLES = (
    "SB_Global",
    "Chassis",
    "Chassis_Private",
    "Datapath_Binding",
    "Port_Binding",
    "Multicast_Group",
    "Logical_DP_Group",
    "Load_Balancer",
    "HA_Chassis_Group",
    "HA_Chassis",
    "Port_Group",
    "Address_Set",
    "IP_Multicast",
    "Static_MAC_Binding",
    "MAC_Binding",
    "DHCP_Options",
    "DHCPv6_Options",
    "RBAC_Role",
    "RBAC_Permission",
)
VERSION = f"pyovn-{__version__}-20.27.0"


@dataclass
class NorthdStats:
    runs: int = 0
    last_run_ms: float = 0.0
    last_recomputed: int = 0
    last_txn_ops: int = 0
    lflows: int = 0
    problems: list[str] = field(default_factory=list)


class Northd:
    """A northd instance between one NB and one SB (each a remote list)."""

    def __init__(
        self,
        nb_remote: str,
        sb_remote: str,
        incremental: bool = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        # A northd writes both databases and its lock lives on the SB
        # leader (ovsdb-server does not replicate locks): follow the leaders.
        options: dict[str, Any] = {"ssl_context": ssl_context, "max_backoff": 2.0, "shuffle": True}
        self.nb_client = OvsdbClient(nb_remote, **options)
        self.sb_client = OvsdbClient(sb_remote, **options)
        self.nb = Replica(self.nb_client, NB, leader_only=True)
        self.sb = Replica(self.sb_client, SB, tables={t: None for t in SB_TABLES}, leader_only=True)
        self.incremental = incremental
        self._reset_state()
        self.stats = NorthdStats()
        self.active = False
        self.paused = False
        #: When this instance last became active (time.monotonic()), for status.
        self.active_since: float | None = None
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._reported: set[str] = set()
        self._lflows_loaded = False
        self.sb_client.add_handler("locked", self._on_locked)
        self.sb_client.add_handler("stolen", self._on_stolen)

    def _reset_state(self) -> None:
        """Forget everything computed; the next run compiles and compares everything."""
        self.builder = TopologyBuilder()
        self.engine = Engine(self.incremental)
        self.lflows = LflowIndex()
        self.desired = DesiredState()
        self.index = SbIndex()
        self._index_ready = False
        self._pb_changed: set[str] = set()
        self._chassis_changed = True
        #: NB change events since the last compile; None means "unknown, compare all"
        self._nb_changes: list[Change] | None = None

    # -- lifecycle -------------------------------------------------------------
    async def start(self) -> None:
        self.nb.listeners.append(self._nb_changed)
        self.sb.listeners.append(self._sb_changed)
        await self.nb.start()
        await self.sb.start()
        self.sb_client.on_connected.append(self._request_lock)
        self.nb_client.on_connected.append(self._resync)
        await self._request_lock(self.sb_client)

    def _nb_changed(self, changes: list[Change]) -> None:
        pending = self._nb_changes
        if pending is not None:
            if len(pending) + len(changes) > _MAX_PENDING_NB_CHANGES:
                # A standby northd or a huge transaction: comparing every unit
                # is cheaper than remembering all of it.
                self._nb_changes = None
            else:
                pending.extend(changes)
        self._wake.set()

    async def _request_lock(self, client: OvsdbClient) -> None:
        self.active = False
        self._lflows_loaded = False
        if self.paused:
            return
        result = await client.call("lock", [LOCK])
        if result.get("locked"):
            self._become_active()

    # -- high availability: ovn-northd's status / pause / resume ---------------
    def status(self) -> str:
        """ovn-northd's answer to `ovn-appctl -t ovn-northd status`."""
        # The lock goes with the SB connection: between a drop and the next
        # "locked" this instance is not the one writing.
        active = self.active and self.sb_client.is_connected
        state = "paused" if self.paused else "active" if active else "standby"
        return f"Status: {state}\n"

    async def pause(self) -> None:
        """Stop compiling and give the lock to a standby instance."""
        if self.paused:
            return
        self.paused = True
        was_locked, self.active = self.active, False
        if self.sb_client.is_connected:
            with contextlib.suppress(ClientError):
                await self.sb_client.call("unlock", [LOCK])
        if was_locked:
            log.info("paused; released the %s lock", LOCK)

    async def resume(self) -> None:
        if not self.paused:
            return
        self.paused = False
        if self.sb_client.is_connected:
            await self._request_lock(self.sb_client)

    async def _resync(self, client: OvsdbClient) -> None:
        self._wake.set()

    def _on_locked(self, params: list[Any]) -> None:
        if params and params[0] == LOCK and not self.paused:
            self._become_active()

    def _on_stolen(self, params: list[Any]) -> None:
        if params and params[0] == LOCK:
            log.info("lost the %s lock; standing by", LOCK)
            self.active = False
            self.active_since = None
            self._lflows_loaded = False

    def _become_active(self) -> None:
        log.info("acquired the %s lock; active", LOCK)
        self.active = True
        self.active_since = time.monotonic()
        self._wake.set()

    def _sb_changed(self, changes: list[Change]) -> None:
        if self._index_ready:
            self.index.apply(changes)
        for ch in changes:
            if ch.table == "Chassis":
                # HA_Chassis rows point at Chassis rows by UUID.
                self._chassis_changed = True
            if ch.table == "Port_Binding":
                row = ch.new or ch.old
                assert row is not None
                if ch.old is None or ch.new is None or ch.old["up"] != ch.new["up"]:
                    self._pb_changed.add(row["logical_port"])
        # Our own writes come back as updates too; only react to others'.
        if any(
            ch.table in ("Chassis", "Chassis_Private", "SB_Global", "Port_Binding")
            for ch in changes
        ):
            self._wake.set()

    async def run(self) -> None:
        """Run until `stop()`."""
        await self.start()
        while not self._stop.is_set():
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(self._stop.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
            if self._stop.is_set():
                break
            self._wake.clear()
            if not self.active:
                continue
            try:
                await self.run_once()
            except (ClientError, OSError) as exc:
                log.warning("SB/NB connection problem: %s; retrying", exc)
                self._lflows_loaded = False
                await asyncio.sleep(0.2 + random.random() * 0.3)
                self._wake.set()
            except Exception:
                # A compile bug must not take the whole control plane down:
                # report it, forget all state and recompute from scratch.
                log.exception("internal error while compiling; recomputing everything")
                self._lflows_loaded = False
                await asyncio.sleep(1.0)
                self._wake.set()

    def stop(self) -> None:
        self._stop.set()

    async def close(self) -> None:
        await self.nb_client.close()
        await self.sb_client.close()

    # -- one compile ------------------------------------------------------------
    def topology(self) -> Topology:
        return self.builder.topo

    async def run_once(self) -> None:
        started = time.perf_counter()
        if not self._lflows_loaded:
            self._reset_state()
            await self._load_lflows()
        sb_tables = {name: t.rows for name, t in self.sb.tables.items()}
        if not self._index_ready:
            self.index.rebuild(sb_tables)
            self._index_ready = True
        nb_changes, self._nb_changes = self._nb_changes, []
        nb_tables = {name: t.rows for name, t in self.nb.tables.items()}
        changed = self.builder.update(nb_tables, nb_changes)
        first = not self.engine.views
        if first:
            changed.everything = True
        topo = self.builder.topo
        dirty = self.engine.dirty_datapaths(topo, changed)
        nb_cfg, nb_options = self._nb_global()
        # Datapath tunnel keys first: router load-balancer flows name them.
        pending = self.desired.update(
            topo, changed, dirty, self.index, sb_tables, nb_options["svc_monitor_mac"]
        )
        self.engine.tunnel_keys = {u: d.tunnel_key for u, d in self.desired.datapaths.items()}
        delta = self.engine.compute(topo, dirty)
        self._report(topo, delta.examined)
        self.lflows.remove(delta.removed)
        self.lflows.add(delta.added)
        if self._chassis_changed:
            pending.ha_groups |= set(self.desired.ha_groups)
            self._chassis_changed = False
        txn = SbTxn(self._codecs())
        refs = reconcile(sb_tables, self.desired, pending, self.index, txn)
        sync_static(sb_tables, txn)
        if pending.everything or changed.switches:
            sync_load_balancers(topo, sb_tables, refs, txn)
        self._sb_global(txn, nb_cfg, nb_options)
        # Groups inserted by earlier transactions are in the replica by now.
        self.lflows.load_groups(self.sb.tables["Logical_DP_Group"].rows)
        inserted = self.lflows.write(txn, refs.__getitem__)
        if not txn.empty:
            results = await self.sb_client.transact_encoded(SB, txn.encoded())
            errors = [r for r in results if isinstance(r, dict) and "error" in r]
            if errors:
                log.error("SB transaction failed: %s", errors[0])
                self._lflows_loaded = False
                self._wake.set()
                return
            self.lflows.confirm(inserted, txn.inserted_uuids(results))
        lsp_dirty = (
            None
            if first
            else {p for s in (dirty or ()) if s in topo.switches for p in topo.switches[s].ports}
        )
        await self._update_nb(nb_cfg, nb_options, lsp_dirty)
        self.stats.runs += 1
        self.stats.last_run_ms = (time.perf_counter() - started) * 1000
        self.stats.last_recomputed = len(delta.recomputed)
        self.stats.last_txn_ops = txn.op_count
        if txn.op_count >= BIG_TRANSACTION:
            release_free_memory()

    async def _load_lflows(self) -> None:
        result = await self.sb_client.transact(
            SB,
            [
                {"op": "select", "table": "Logical_Flow", "where": []},
                {"op": "select", "table": "Logical_DP_Group", "where": []},
            ],
        )
        flows_table = self.sb.schema.tables["Logical_Flow"] if self.sb.schema else None
        assert flows_table is not None
        flows = _decode_rows(
            result[0]["rows"], self.sb.tables, "Logical_Flow", flows_table.user_columns
        )
        groups = {u: r for u, r in self.sb.tables["Logical_DP_Group"].rows.items()}
        sb_to_nb = {}
        for uuid, row in self.sb.tables["Datapath_Binding"].rows.items():
            ids = row["external_ids"]
            nb_uuid = ids.get("logical-switch") or ids.get("logical-router")
            if nb_uuid:
                sb_to_nb[uuid] = nb_uuid
        self.lflows.load(flows, groups, sb_to_nb)
        self._lflows_loaded = True

    def _codecs(self) -> dict[str, dict[str, ColumnCodec]]:
        assert self.sb.schema is not None
        from pyovn.ovsdb.datum import codec_for

        return {
            name: {c: codec_for(col.type) for c, col in table.user_columns.items()}
            for name, table in self.sb.schema.tables.items()
        }

    def _nb_global(self) -> tuple[int, dict[str, str]]:
        rows = list(self.nb.tables["NB_Global"].rows.values())
        row = rows[0] if rows else None
        options = dict(row["options"]) if row else {}
        options.setdefault("mac_prefix", _random_mac_prefix())
        options.setdefault("svc_monitor_mac", _random_mac())
        options.setdefault("max_tunid", "16711680")
        options["northd_internal_version"] = VERSION
        return (row["nb_cfg"] if row else 0), options

    def _sb_global(self, txn: SbTxn, nb_cfg: int, options: dict[str, str]) -> None:
        rows = list(self.sb.tables["SB_Global"].rows.items())
        wanted = {"nb_cfg": nb_cfg, "options": options}
        if not rows:
            txn.insert("SB_Global", wanted)
            return
        uuid, row = rows[0]
        changed = {c: v for c, v in wanted.items() if row[c] != v}
        txn.update("SB_Global", uuid, changed)

    async def _update_nb(
        self, nb_cfg: int, options: dict[str, str], lsp_dirty: set[str] | None
    ) -> None:
        ops: list[dict[str, Any]] = []
        rows = list(self.nb.tables["NB_Global"].rows.items())
        if rows:
            uuid, row = rows[0]
            update: dict[str, Any] = {}
            if dict(row["options"]) != options:
                update["options"] = ["map", sorted([k, v] for k, v in options.items())]
            if row["sb_cfg"] != nb_cfg:
                update["sb_cfg"] = nb_cfg
                update["sb_cfg_timestamp"] = int(time.time() * 1000)
            hv_cfg = self._hv_cfg(nb_cfg)
            if row["hv_cfg"] != hv_cfg:
                update["hv_cfg"] = hv_cfg
                update["hv_cfg_timestamp"] = int(time.time() * 1000)
            if update:
                ops.append(_update_op("NB_Global", uuid, update))
        ops.extend(self._lsp_up_ops(lsp_dirty))
        if ops:
            await self.nb_client.transact(NB, ops)

    def _hv_cfg(self, nb_cfg: int) -> int:
        privs = self.sb.tables["Chassis_Private"].rows.values()
        values = [row["nb_cfg"] for row in privs]
        return min(values) if values else nb_cfg

    def _lsp_up_ops(self, lsp_dirty: set[str] | None) -> list[dict[str, Any]]:
        """Mirror Port_Binding.up into Logical_Switch_Port.up (router ports are always up).

        Only ports of recomputed switches and ports whose binding changed are
        looked at, unless `lsp_dirty` is None (after a restart: all of them).
        """
        topo = self.builder.topo
        if lsp_dirty is None:
            candidates = set(topo.lsps)
        else:
            candidates = lsp_dirty | {
                topo.lsp_by_name[n] for n in self._pb_changed if n in topo.lsp_by_name
            }
        self._pb_changed = set()
        rows = self.nb.tables["Logical_Switch_Port"].rows
        bindings = self.sb.tables["Port_Binding"].rows
        ops = []
        for uuid in candidates:
            row = rows.get(uuid)
            if row is None:
                continue
            if row["type"] == "router":
                up = True
            else:
                pb_uuid = self.index.uuid("Port_Binding", row["name"])
                if pb_uuid is None or pb_uuid not in bindings:
                    continue
                up = True in bindings[pb_uuid]["up"]
            if row["up"] != frozenset({up}):
                ops.append(_update_op("Logical_Switch_Port", uuid, {"up": up}))
        return ops

    def _report(self, topo: Topology, examined: set[str]) -> None:
        """Log each new problem once: NB parsing, then routes of re-examined routers."""
        views = (self.engine.views[u] for u in examined if u in self.engine.views)
        for message in [*topo.diagnostics.messages, *validate(views)]:
            if message not in self._reported:
                self._reported.add(message)
                self.stats.problems.append(message)
                log.warning("%s", message)


def _update_op(table: str, uuid: str, row: dict[str, Any]) -> dict[str, Any]:
    return {"op": "update", "table": table, "where": [["_uuid", "==", ["uuid", uuid]]], "row": row}


def _decode_rows(
    rows: list[dict[str, Any]], tables: Any, table: str, columns: Any
) -> dict[str, dict[str, Any]]:
    from pyovn.ovsdb.datum import codec_for

    codecs = {name: codec_for(col.type) for name, col in columns.items()}
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        decoded = {c: codecs[c].from_json(v) for c, v in row.items() if c in codecs}
        out[row["_uuid"][1]] = decoded
    return out


def _random_mac_prefix() -> str:
    return ":".join(f"{random.randint(0, 255) & (0xFE if i == 0 else 0xFF):02x}" for i in range(3))


def _random_mac() -> str:
    octets = [random.randint(0, 255) for _ in range(6)]
    octets[0] = (octets[0] & 0xFE) | 0x02
    return ":".join(f"{o:02x}" for o in octets)

"""`pyovn controller`: ovn-controller for one chassis.

One loop, woken by changes in the local Open_vSwitch DB or the Southbound
DB (and by the switch connection coming back), runs the jobs in order:

1. read the chassis configuration (`chassis.py`) and connect to the
   Southbound DB it names; make sure the integration bridge exists;
2. register Chassis / Encap / Chassis_Private; claim and release port
   bindings (`binding.py`); work out the local datapaths (`local_data.py`);
   keep tunnel ports (`encaps.py`), localnet patch ports (`patch.py`) and
   conntrack zones (`ct_zone.py`) in line — one transaction per database;
3. translate the local logical flows (`lflow.py`, incremental) and compute
   the physical, port-security and MAC-binding tables (`physical.py`,
   `port_sec.py`, `neighbor.py`), and install the difference (`ofctrl.py`);
4. once the flows are in the switch, mark newly bound ports `up` (and their
   Interfaces `ovn-installed`), and report `nb_cfg` in Chassis_Private so
   `ovn-nbctl --wait=hv` returns.

Packet-ins go to pinctrl (`pinctrl/`). Every run is idempotent: when
nothing changed, nothing is written.

The Southbound connection is the same client the other daemons use: a
comma-separated `ovn-remote` is a cluster (any member will do, as for
ovn-controller; a member that is disconnected or behind is skipped), lost
connections come back with backoff and the monitors resume with
`monitor_cond_since`. A transaction whose outcome is lost is not replayed
as such: the next run recomputes it from what the replica then shows.
When `ovn-remote` changes, the controller reconnects to the new remote(s)
and rebuilds its view of the Southbound DB from there.
`ssl:` remotes use the key, certificate and CA certificate given on the
command line, else those of the local Open_vSwitch DB's SSL row (as
`ovs-vsctl set-ssl` writes them). With RBAC on the Southbound DB (role
ovn-controller, the certificate's CN being the chassis name) every write
the controller makes is one the role allows.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pyovn.controller import encaps, patch
from pyovn.controller.binding import Binding, BindingResult, LocalInterface, local_interfaces
from pyovn.controller.chassis import ChassisConfig, register
from pyovn.controller.ct_zone import CtZones
from pyovn.controller.errors import ChannelError, ConfigError
from pyovn.controller.index import SbView
from pyovn.controller.lflow import LflowTranslator
from pyovn.controller.local_data import local_datapaths
from pyovn.controller.neighbor import neighbor_flows
from pyovn.controller.ofctrl import OfCtrl, Switch
from pyovn.controller.physical import PhysicalInput, physical_flows
from pyovn.controller.pinctrl import Pinctrl
from pyovn.controller.port_sec import port_security_flows
from pyovn.controller.txn import Named, Txn, first_error
from pyovn.lflow import OpenFlowFlow
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.errors import ClientError
from pyovn.ovsdb.remote import RemoteError, parse_remotes
from pyovn.ovsdb.replica import Replica
from pyovn.ovsdb.tls import TlsError, TlsFiles

__all__ = ["SB_TABLES", "Controller", "ControllerStats", "SwitchFactory"]

log = logging.getLogger("pyovn.controller")

OVS_DB, SB_DB = "Open_vSwitch", "OVN_Southbound"
OVS_TABLES: dict[str, list[str] | None] = {
    "Open_vSwitch": ["bridges", "external_ids", "ssl", "iface_types", "datapath_types"],
    "Bridge": ["name", "ports", "external_ids", "fail_mode"],
    "Port": ["name", "interfaces", "external_ids"],
    "Interface": ["name", "type", "ofport", "external_ids", "options"],
    "SSL": ["private_key", "certificate", "ca_cert"],
}
SB_TABLES = (
    "SB_Global",
    "Chassis",
    "Chassis_Private",
    "Encap",
    "Datapath_Binding",
    "Port_Binding",
    "Logical_Flow",
    "Logical_DP_Group",
    "Multicast_Group",
    "MAC_Binding",
    "Static_MAC_Binding",
    "Port_Group",
    "Address_Set",
    "HA_Chassis_Group",
    "HA_Chassis",
    "Gateway_Chassis",
)
Tables = Mapping[str, Mapping[str, Mapping[str, Any]]]


#: Makes the connection to the switch behind the integration bridge.
SwitchFactory = Callable[[ChassisConfig], Switch]


@dataclass
class ControllerStats:
    """Figures of the last run (for tests, benchmarks and `pyovn status`)."""

    runs: int = 0
    last_run_ms: float = 0.0
    last_compiles: int = 0
    flows: int = 0
    local_datapaths: int = 0
    resident: int = 0


class Controller:
    """ovn-controller for the chassis described by one Open_vSwitch DB."""

    def __init__(
        self, ovs_remote: str, switch_factory: SwitchFactory, tls: TlsFiles | None = None
    ) -> None:
        """`tls`: the SSL files of the command line (`-p/-c/-C`), for `ssl:`
        Southbound remotes; without them, the Open_vSwitch DB's SSL row."""
        self.tls = tls or TlsFiles()
        self.ovs_client = OvsdbClient(ovs_remote)
        self.ovs = Replica(self.ovs_client, OVS_DB, tables=OVS_TABLES)
        self.sb_client: OvsdbClient | None = None
        self.sb: Replica | None = None
        self._sb_remote = ""
        self._switch_factory = switch_factory
        self.switch: Switch | None = None
        self.ofctrl: OfCtrl | None = None
        self.config: ChassisConfig | None = None
        self.binding: Binding | None = None
        self.translator = LflowTranslator()
        self.zones = CtZones()
        self.pinctrl = Pinctrl(self)
        self.stats = ControllerStats()
        self.view = SbView()
        self.local: set[str] = set()
        self.resident: set[str] = set()
        self.installed_ports: set[str] = set()
        self.monitor_all = False
        self._lflow_condition: list[Any] = [False]
        self._zones_loaded = False
        self._reported: set[str] = set()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self.converged = asyncio.Event()

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self.ovs.listeners.append(lambda _: self.wake())
        await self.ovs.start()
        self.wake()

    def wake(self) -> None:
        self.converged.clear()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def close(self) -> None:
        if self.switch is not None and hasattr(self.switch, "close"):
            await self.switch.close()
        await self.ovs_client.close()
        if self.sb_client is not None:
            await self.sb_client.close()

    async def run(self) -> None:
        """Run until `stop()`."""
        await self.start()
        while not self._stop.is_set():
            await self._wake.wait()
            if self._stop.is_set():
                break
            self._wake.clear()
            try:
                await self.run_once()
            except ConfigError as error:
                self._report(str(error))
            except (TimeoutError, ClientError, OSError, ChannelError) as error:
                log.warning("connection problem: %s; retrying", error)
                await asyncio.sleep(0.2 + random.random() * 0.3)
                self._wake.set()
            else:
                if not self._wake.is_set():
                    self.converged.set()

    def _report(self, message: str) -> None:
        if message not in self._reported:
            self._reported.add(message)
            log.warning("%s", message)

    # ------------------------------------------------------------ connections

    async def _connect_sb(self, config: ChassisConfig) -> None:
        if self.sb is not None:
            if config.remote == self._sb_remote:
                return
            log.info("%s: ovn-remote is now %s; reconnecting", config.system_id, config.remote)
            await self._forget_sb()
        self._sb_remote = config.remote
        self.sb_client = OvsdbClient(
            config.remote, ssl_context=self._sb_ssl_context(config.remote), shuffle=True
        )
        self.monitor_all = config.raw.get("ovn-monitor-all", "false") == "true"
        conditions = {} if self.monitor_all else {"Logical_Flow": self._lflow_condition}
        self.sb = Replica(
            self.sb_client, SB_DB, tables={t: None for t in SB_TABLES}, conditions=conditions
        )
        self.sb.listeners.append(self.view.apply)
        self.sb.listeners.append(self.translator.changed)
        self.sb.listeners.append(lambda _: self.wake())
        self.sb_client.on_connected.append(self._sb_reconnected)
        try:
            await self.sb.start()
        except BaseException:
            # Start afresh next run (the remote or SSL files may be fixed by then).
            await self._forget_sb()
            raise
        log.info("%s: connected to the Southbound DB %s", config.system_id, config.remote)

    async def _forget_sb(self) -> None:
        """Drop the Southbound connection and what was learnt through it (the
        next connection's first download rebuilds it; flows stay installed)."""
        client, self.sb, self.sb_client = self.sb_client, None, None
        self.view = SbView()
        self.translator = LflowTranslator()
        if client is not None:
            await client.close()

    def _sb_ssl_context(self, remote: str) -> ssl.SSLContext | None:
        """The SSL context for `ssl:` Southbound remotes (ConfigError if unusable)."""
        try:
            remotes = parse_remotes(remote)
        except RemoteError as error:
            raise ConfigError(f"ovn-remote: {error}") from error
        if not any(r.kind == "ssl" for r in remotes):
            return None
        files = self.tls
        if not files.configured:
            row = next(iter(self.ovs.table("SSL").values()), None)
            if row is not None:
                files = TlsFiles(row["private_key"], row["certificate"], row["ca_cert"])
        if not files.configured:
            raise ConfigError(
                f"ovn-remote {remote}: SSL needs --private-key, --certificate and --ca-cert"
                " (or an SSL row in the Open_vSwitch DB)"
            )
        try:
            return files.client_context()
        except TlsError as error:
            raise ConfigError(f"ovn-remote {remote}: {error}") from error

    async def _sb_reconnected(self, client: OvsdbClient) -> None:
        self.wake()

    async def _connect_switch(self, config: ChassisConfig) -> Switch:
        if self.switch is None:
            switch = self._switch_factory(config)
            self.switch = switch
            switch.packet_in_handler = self.pinctrl.handle
            if hasattr(switch, "on_connected"):
                switch.on_connected = self._switch_reconnected
            if hasattr(switch, "connect"):
                await switch.connect()
            self.ofctrl = OfCtrl(switch)
        return self.switch

    def _switch_reconnected(self) -> None:
        if self.ofctrl is not None:
            self.ofctrl.reset()
        self.wake()

    # ------------------------------------------------------------ one run

    async def run_once(self) -> None:
        started = time.perf_counter()
        ovs = {name: t.rows for name, t in self.ovs.tables.items()}
        root = next(iter(ovs["Open_vSwitch"].values()), None)
        if root is None:
            raise ConfigError("the Open_vSwitch table is empty")
        config = ChassisConfig.from_ovs(root["external_ids"])
        self.config = config
        if self.binding is None:
            self.binding = Binding(config.system_id)
        await self._connect_sb(config)
        assert self.sb is not None
        ovs_txn = Txn(self.ovs)
        bridge = encaps.ensure_bridge(ovs_txn, ovs, config.integration_bridge)
        if bridge is None:
            await self._commit(ovs_txn, "create the integration bridge")
            return
        if not self._zones_loaded:
            self.zones.load(ovs["Bridge"][bridge]["external_ids"])
            self._zones_loaded = True
        sb = {name: t.rows for name, t in self.sb.tables.items()}
        nb_cfg = next((row["nb_cfg"] for row in sb["SB_Global"].values()), 0)
        view = self.view
        view.refresh_chassis(sb)
        sb_txn = Txn(self.sb)
        me = register(sb_txn, sb, config)
        interfaces = local_interfaces(ovs, config.integration_bridge)
        self.binding.load_gateways(sb, view)
        result = self.binding.run(view, interfaces)
        self._write_bindings(sb_txn, me, result)
        local = local_datapaths(view, result.resident)
        localnets = self._configure_bridges(ovs_txn, ovs, bridge, local, result)
        # Translate before the first await: the translator's dirty sets and
        # `view` must describe the same snapshot of the replica.
        compiles = self.translator.translate(sb, view, local, result.resident)
        flows = self._flows(sb, view, local, result, interfaces, localnets)
        self.local, self.resident = local, result.resident
        await asyncio.gather(
            self._commit(sb_txn, "bindings"), self._commit(ovs_txn, "local configuration")
        )
        widened = await self._monitor_local(sb, local)
        await self._connect_switch(config)
        assert self.ofctrl is not None
        if widened and not self.ofctrl.synced:
            # The flows of newly monitored datapaths are arriving: a first
            # (replacing) install must wait for them, or it would wipe the
            # previous controller's complete flow set for a partial one.
            self._wake.set()
            return
        stats = await self.ofctrl.sync(flows, self.translator.group_specs())
        await self._after_install(result, me, nb_cfg)
        self.stats.runs += 1
        self.stats.last_run_ms = (time.perf_counter() - started) * 1000
        self.stats.last_compiles = compiles
        self.stats.flows = stats.total
        self.stats.local_datapaths = len(local)
        self.stats.resident = len(result.resident)

    async def _monitor_local(self, sb: Tables, local: set[str]) -> bool:
        """Monitor only the logical flows of local datapaths (ovn-monitor-all=false,
        OVN's default): their own flows and those of datapath groups they are in."""
        if self.monitor_all or self.sb is None:
            return False
        groups = [u for u, r in sb["Logical_DP_Group"].items() if r["datapaths"] & local]
        wanted: list[Any] = [
            ["logical_datapath", "includes", ["uuid", dp]] for dp in sorted(local)
        ] + [["logical_dp_group", "includes", ["uuid", g]] for g in sorted(groups)]
        wanted = wanted or [False]
        if wanted == self._lflow_condition:
            return False
        self._lflow_condition = wanted
        await self.sb.set_conditions({"Logical_Flow": wanted})
        return True

    async def _commit(self, txn: Txn, what: str) -> None:
        if txn.empty:
            return
        error = first_error(await txn.commit())
        if error:
            log.warning("%s: transaction failed (%s); will retry", what, error)
            self._wake.set()

    def _write_bindings(self, txn: Txn, me: str | Named, result: BindingResult) -> None:
        for uuid in result.claims:
            txn.update("Port_Binding", uuid, {"chassis": frozenset({me})})
        for uuid, name in result.releases.items():
            log.info("Releasing lport %s from this chassis", name)
            self.installed_ports.discard(name)
            txn.update("Port_Binding", uuid, {"chassis": frozenset(), "up": frozenset({False})})

    def _configure_bridges(
        self, txn: Txn, ovs: Tables, bridge: str, local: set[str], result: BindingResult
    ) -> dict[str, str]:
        """Tunnel ports, localnet patch ports and conntrack zones; returns the
        localnet ports implemented here (name -> provider bridge)."""
        config, view = self.config, self.view
        assert config is not None
        encaps.ensure_tunnels(txn, ovs, bridge, view, config.system_id, config.encap_type)
        localnets = patch.wanted_localnets(view, local, config.bridge_mappings)
        for missing in patch.ensure_patch_ports(txn, ovs, config.integration_bridge, localnets):
            self._report(f"bridge {missing} of ovn-bridge-mappings does not exist")
        self._update_zones(txn, ovs, bridge, view, local, result, localnets)
        return localnets

    def _update_zones(
        self,
        txn: Txn,
        ovs: Tables,
        bridge: str,
        view: SbView,
        local: set[str],
        result: BindingResult,
        localnets: Mapping[str, str],
    ) -> None:
        wanted = set(result.vifs) | set(localnets)
        for uuid in local:
            datapath = view.datapaths[uuid]
            wanted |= {f"{datapath.nb_uuid}_dnat", f"{datapath.nb_uuid}_snat"}
        self.zones.update(wanted)
        to_set, to_delete = self.zones.bridge_changes(ovs["Bridge"][bridge]["external_ids"])
        txn.delete_keys("Bridge", bridge, "external_ids", to_delete)
        txn.set_keys("Bridge", bridge, "external_ids", to_set)

    def _flows(
        self,
        sb: Tables,
        view: SbView,
        local: set[str],
        result: BindingResult,
        interfaces: list[LocalInterface],
        localnets: Mapping[str, str],
    ) -> list[OpenFlowFlow]:
        tunnels = {
            i.external_ids[encaps.CHASSIS_ID]: i.ofport
            for i in interfaces
            if i.ofport and encaps.CHASSIS_ID in i.external_ids
        }
        localnet_ports = {
            i.external_ids[patch.LOCALNET_PORT]: i.ofport
            for i in interfaces
            if i.ofport and patch.LOCALNET_PORT in i.external_ids
        }
        data = PhysicalInput(
            view,
            local,
            result.resident,
            {name: iface.ofport for name, iface in result.vifs.items()},
            localnet_ports,
            tunnels,
            self.zones,
        )
        flows = list(physical_flows(data))
        for name in result.vifs:
            port = view.ports[name]
            flows.extend(port_security_flows(port, view.datapaths[port.datapath].key))
        flows.extend(neighbor_flows(view, local, sb["MAC_Binding"], sb["Static_MAC_Binding"]))
        flows.extend(self.translator.flows())
        return flows

    async def _after_install(self, result: BindingResult, me: str | Named, nb_cfg: int) -> None:
        """Ports whose flows are now in the switch are up; report nb_cfg."""
        assert self.sb is not None
        sb = self.sb.tables
        sb_txn, ovs_txn = Txn(self.sb), Txn(self.ovs)
        rows = sb["Port_Binding"].rows
        for name, iface in result.vifs.items():
            port = self.view.ports.get(name)
            row = rows.get(port.uuid) if port is not None else None
            if port is None or row is None or isinstance(me, Named) or me not in row["chassis"]:
                continue
            if True not in row["up"]:
                sb_txn.update("Port_Binding", port.uuid, {"up": frozenset({True})})
            if iface.external_ids.get("ovn-installed") != "true":
                stamp = str(int(time.time() * 1000))
                ovs_txn.set_keys(
                    "Interface",
                    iface.uuid,
                    "external_ids",
                    {"ovn-installed": "true", "ovn-installed-ts": stamp},
                )
            self.installed_ports.add(name)
        self._report_nb_cfg(sb_txn, nb_cfg, sb["Chassis_Private"].rows)
        await asyncio.gather(
            self._commit(sb_txn, "port up"), self._commit(ovs_txn, "ovn-installed")
        )

    def _report_nb_cfg(self, txn: Txn, nb_cfg: int, private: Mapping[str, Any]) -> None:
        """Tell northd (hv_cfg) which nb_cfg this chassis's flows reflect."""
        assert self.config is not None
        for uuid, row in private.items():
            if row["name"] == self.config.system_id and row["nb_cfg"] != nb_cfg:
                txn.update(
                    "Chassis_Private",
                    uuid,
                    {"nb_cfg": nb_cfg, "nb_cfg_timestamp": int(time.time() * 1000)},
                )

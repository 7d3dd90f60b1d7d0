"""The API server's connections: the NB (read and written through `NbApi`)
and, optionally, the SB (read for the topology page and packet traces).

The server keeps no state of its own: a request reads the NB replica and
writes one NB transaction, which the OVSDB server orders against every other
API server's. A write answers only once this server's replica holds the
change, so a client that reads right after writing sees what it wrote.
"""

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyovn.cms.api.command import Command
from pyovn.cms.errors import CmsError
from pyovn.cms.nbctl.api import NbApi
from pyovn.cms.neutron.auth import Principal, TokenStore
from pyovn.cms.neutron.errors import NeutronError, from_cms_error
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.replica import Replica
from pyovn.ovsdb.tls import TlsFiles

__all__ = ["SB_TABLES", "ApiSettings", "NeutronService"]

#: What the topology page and the tracer read of the SB.
SB_TABLES = (
    "Chassis",
    "Datapath_Binding",
    "Port_Binding",
    "Logical_Flow",
    "Logical_DP_Group",
    "Multicast_Group",
    "MAC_Binding",
    "Address_Set",
    "Port_Group",
    "FDB",
)

#: How long a write waits for its change to reach this server's replica.
ECHO_TIMEOUT = 5.0


@dataclass
class ApiSettings:
    nb_remote: str
    sb_remote: str | None = None
    token_file: Path | None = None
    #: Chassis for routers' gateway ports, highest priority first (default:
    #: the SB's chassis with enable-chassis-as-gw, else every SB chassis).
    gateway_chassis: list[str] = field(default_factory=list)
    #: Key, certificate and CA for ssl: remotes.
    tls: TlsFiles = field(default_factory=TlsFiles)


class NeutronService:
    """NB (and SB) connections plus the token store, shared by all requests."""

    def __init__(self, settings: ApiSettings, nb: NbApi, sb: Replica | None) -> None:
        self.settings = settings
        self.nb = nb
        self.sb = sb
        self.tokens = TokenStore(settings.token_file) if settings.token_file else None

    @classmethod
    async def start(cls, settings: ApiSettings) -> "NeutronService":
        context = settings.tls.client_context() if settings.tls.configured else None
        nb = await NbApi.connect(settings.nb_remote, reconnect=True, ssl_context=context)
        sb = None
        if settings.sb_remote:
            client = OvsdbClient(settings.sb_remote, reconnect=True, ssl_context=context)
            sb = Replica(client, "OVN_Southbound", {name: None for name in SB_TABLES})
            try:
                await client.connect(timeout=10)
                await sb.start()
            except BaseException:
                await nb.close()
                await client.close()
                raise
        return cls(settings, nb, sb)

    async def close(self) -> None:
        await self.nb.close()
        if self.sb is not None:
            await self.sb.client.close()

    def authenticate(self, token: str | None, project_header: str | None) -> Principal:
        if self.tokens is None:
            return Principal(project_header or "admin", is_admin=True)
        return self.tokens.authenticate(token)

    async def read(self, command: Command) -> Any:
        """Run a read-only command against the replica."""
        try:
            await self.nb.backend.execute([command])
        except CmsError as exc:
            raise from_cms_error(exc) from exc
        return command.result

    async def write(self, command: Command) -> Any:
        """Run one command as one NB transaction; its result once it is visible."""
        try:
            result = await self.nb.backend.execute([command])
        except NeutronError:
            raise
        except CmsError as exc:
            raise from_cms_error(exc) from exc
        await self._echo(result.operations)
        return command.result

    async def _echo(self, operations: Sequence[Any]) -> None:
        tables = self.nb.backend.replica.tables
        inserted = [(op["table"], op["uuid"]) for op in operations if op.get("op") == "insert"]

        def visible() -> bool:
            return all(uuid in tables[table].rows for table, uuid in inserted)

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.nb.backend.wait_until(visible), ECHO_TIMEOUT)

    def gateway_chassis(self) -> list[str]:
        if self.settings.gateway_chassis or self.sb is None:
            return list(self.settings.gateway_chassis)
        chassis = list(self.sb.tables["Chassis"].rows.values())
        options = [(c, str(c["other_config"].get("ovn-cms-options", ""))) for c in chassis]
        gateways = [c for c, text in options if "enable-chassis-as-gw" in text]
        return sorted(str(c["name"]) for c in (gateways or chassis))

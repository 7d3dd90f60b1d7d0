"""The server's listening sockets: `punix:`, `ptcp:`, `pssl:` and `db:` remotes.

A remote may carry a role (RBAC); every session accepted on it gets that
role, and on `pssl:` the Common Name of the client certificate as identity.

`db:DB,TABLE,COLUMN` is ovsdb-server's indirection (`ovn-ctl` starts the SB
with `--remote=db:OVN_Southbound,SB_Global,connections`): the listeners are
the `target`s of the `Connection` rows that column points at, each with the
row's `role`, and they follow the database as `ovn-sbctl set-connection`
changes it.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyovn.ovsdb.database import Database
from pyovn.ovsdb.remote import Remote, RemoteError, parse_remote
from pyovn.ovsdb.tls import TlsFiles

__all__ = ["DbRemote", "Listeners", "parse_db_remote"]

log = logging.getLogger(__name__)

SessionFactory = Callable[[str | None], asyncio.Protocol]


@dataclass(frozen=True)
class DbRemote:
    """`db:DB,TABLE,COLUMN`: remotes configured in a database."""

    db: str
    table: str
    column: str

    def targets(self, database: Database) -> dict[str, str | None]:
        """target -> role of the Connection rows the column points at."""
        table = database.tables.get(self.table)
        conns = database.tables.get("Connection")
        if table is None or conns is None:
            return {}
        found: dict[str, str | None] = {}
        for row in table.rows.values():
            refs = row.get(self.column, frozenset())
            for uuid in refs if isinstance(refs, frozenset) else {refs}:
                conn = conns.rows.get(uuid)
                if conn is not None:
                    role = conn.get("role") or None
                    found[str(conn["target"])] = role if isinstance(role, str) else None
        return found


def parse_db_remote(name: str) -> DbRemote:
    """Parse `db:DB,TABLE,COLUMN` (RemoteError when malformed)."""
    parts = name[3:].split(",")
    if len(parts) != 3 or not all(parts):
        raise RemoteError(f"{name}: expected db:DATABASE,TABLE,COLUMN")
    return DbRemote(*parts)


class Listeners:
    """The listening sockets of one server, by remote name."""

    def __init__(self, factory: SessionFactory, tls: TlsFiles | None = None) -> None:
        self.factory = factory
        self.tls = tls
        self._servers: dict[str, tuple[asyncio.AbstractServer, str | None]] = {}
        self._unix_paths: dict[str, Path] = {}

    async def listen(self, name: str, role: str | None = None) -> Remote:
        """Accept connections on a passive remote; sessions get `role`."""
        remote = parse_remote(name)
        if not remote.passive:
            raise RemoteError(f"{name}: a server needs a passive remote (punix:, ptcp:, pssl:)")
        loop = asyncio.get_running_loop()
        factory: Callable[[], asyncio.Protocol] = lambda: self.factory(role)  # noqa: E731
        if remote.kind == "unix":
            path = Path(remote.path)
            if path.is_socket():
                path.unlink()
            try:
                server = await loop.create_unix_server(factory, str(path))
            except OSError as exc:
                raise RemoteError(f"{name}: {_describe(exc)}") from None
            self._unix_paths[name] = path
        else:
            ssl_context = None
            if remote.kind == "ssl":
                if self.tls is None or not self.tls.configured:
                    raise RemoteError(
                        f"{name}: SSL remotes need --private-key, --certificate and --ca-cert"
                    )
                ssl_context = self.tls.server_context()
            try:
                server = await loop.create_server(
                    factory,
                    remote.host or "0.0.0.0",
                    remote.port,
                    reuse_address=True,
                    ssl=ssl_context,
                )
            except OSError as exc:
                raise RemoteError(f"{name}: {_describe(exc)}") from None
            port = server.sockets[0].getsockname()[1]
            remote = Remote(remote.kind, True, host=remote.host, port=port)
        self._servers[name] = (server, role)
        log.info("listening on %s%s", remote, f" (role {role})" if role else "")
        return remote

    async def reconcile(self, wanted: dict[str, str | None], managed: set[str]) -> None:
        """Make the `managed` listeners exactly `wanted` (target -> role)."""
        for name in sorted(managed - set(wanted)):
            await self.stop(name)
            managed.discard(name)
        for name, role in sorted(wanted.items()):
            current = self._servers.get(name)
            if current is not None and current[1] == role:
                continue
            if current is not None:
                await self.stop(name)
            try:
                await self.listen(name, role)
            except (OSError, RemoteError) as exc:
                # ovsdb-server logs a bad Connection row and serves the rest.
                log.warning("%s: cannot listen: %s", name, _describe(exc))
                continue
            managed.add(name)

    async def stop(self, name: str) -> None:
        entry = self._servers.pop(name, None)
        if entry is not None:
            entry[0].close()
            await entry[0].wait_closed()
        path = self._unix_paths.pop(name, None)
        if path is not None and path.is_socket():
            path.unlink()

    async def close(self) -> None:
        servers = [server for server, _ in self._servers.values()]
        for server in servers:
            server.close()
        for server in servers:
            await server.wait_closed()
        self._servers.clear()
        for path in self._unix_paths.values():
            if path.is_socket():
                path.unlink()
        self._unix_paths.clear()


def _describe(exc: Any) -> str:
    return exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)

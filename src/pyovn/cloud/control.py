"""The VM control socket of a chassis: JSON lines, one request per line.

The simulated vswitchd process serves its `Hypervisor` on
`RUNDIR/<chassis>/hypervisor.sock`; `pyovn vm …` and `pyovn demo` are
clients. A request is `{"cmd": "ping", "name": "vm1", "target": "10.0.1.13"}`,
the answer `{"ok": true, ...}` or `{"ok": false, "error": "…"}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from pyovn.cloud.errors import VmError

__all__ = ["ControlServer", "control_call"]

log = logging.getLogger("pyovn.cloud.control")
Handler = Callable[[Mapping[str, Any]], Awaitable[dict[str, Any]]]


class ControlServer:
    """Serves a request handler on a unix socket."""

    def __init__(self, path: Path, handler: Handler) -> None:
        self.path = path
        self.handler = handler
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self.path.unlink(missing_ok=True)
        self.server = await asyncio.start_unix_server(self._session, str(self.path))

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        self.path.unlink(missing_ok=True)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                try:
                    request = json.loads(line)
                    reply = await self.handler(request)
                except ValueError as error:
                    reply = {"ok": False, "error": f"bad request: {error}"}
                writer.write((json.dumps(reply) + "\n").encode())
                await writer.drain()
        except OSError as error:
            log.debug("control session ended: %s", error)
        finally:
            writer.close()


async def control_call(
    path: Path, request: Mapping[str, Any], timeout: float = 60.0
) -> dict[str, Any]:
    """Send one request to a control socket; VmError if it fails or says no."""
    try:
        reader, writer = await asyncio.open_unix_connection(str(path), limit=64 * 1024 * 1024)
    except OSError as error:
        raise VmError(f"cannot reach {path}: {error.strerror or error}") from error
    try:
        writer.write((json.dumps(dict(request)) + "\n").encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
    except (OSError, TimeoutError) as error:
        raise VmError(f"{path}: {request.get('cmd')} failed: {error or 'timed out'}") from error
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    if not line:
        raise VmError(f"{path}: the chassis closed the connection")
    reply: dict[str, Any] = json.loads(line)
    if not reply.get("ok"):
        raise VmError(str(reply.get("error", "request failed")))
    return reply

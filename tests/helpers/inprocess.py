"""An `OvsdbServer` running in a thread of the test process, for tests that
need a setting the command line does not offer (a small message limit) or
want to look at the server's state directly."""

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.server import OvsdbServer

T = TypeVar("T")


class ThreadedServer:
    """`with ThreadedServer(sock, schema, max_message=...) as server: ...`"""

    def __init__(self, socket: Path, schema: DatabaseSchema, **options: Any) -> None:
        self.socket = socket
        self.schema = schema
        self.options = options
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: OvsdbServer | None = None

    def __enter__(self) -> "ThreadedServer":
        self.thread.start()
        self.call(self._start)
        return self

    async def _start(self) -> None:
        self.server = OvsdbServer(**self.options)
        self.server.add_database(self.schema)
        await self.server.listen(f"punix:{self.socket}")

    def call(self, make: Callable[[], Any]) -> Any:
        """Run a coroutine (made by `make`) on the server's loop; its result."""
        return asyncio.run_coroutine_threadsafe(make(), self.loop).result(10)

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.call(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

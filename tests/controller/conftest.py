"""Fixtures for the controller tests: an embedded cloud in tmp_path.

Each chassis gets its own loopback address (127.a.b.x, unique to the test
process and the test), so tests can run next to each other and next to
other projects' Geneve endpoints.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from pyovn.cloud.embedded import EmbeddedCloud

T = TypeVar("T")
_counter = iter(range(1, 250))


def underlay(count: int) -> dict[str, str]:
    """Chassis names hv1..hvN with fresh loopback addresses."""
    base = f"127.{200 + os.getpid() % 50}.{next(_counter)}"
    return {f"hv{i}": f"{base}.{10 + i}" for i in range(1, count + 1)}


def run(coroutine: Awaitable[T], timeout: float = 60.0) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coroutine, timeout)

    return asyncio.run(bounded())


async def with_cloud(
    tmp_path: Path, chassis: int, body: Callable[[EmbeddedCloud], Awaitable[T]]
) -> T:
    """Run `body` on a fresh embedded cloud (hv1 is the gateway) and close it."""
    cloud = EmbeddedCloud(tmp_path / "cloud", underlay(chassis))
    try:
        await cloud.start()
        return await body(cloud)
    finally:
        await cloud.close()


async def wait_until(
    predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)

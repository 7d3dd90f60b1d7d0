"""Fixtures of the OVSDB tests."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.rawrpc import RawRpc

Connect = Callable[[Path], RawRpc]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Opens raw JSON-RPC connections that are closed when the test ends."""
    opened: list[RawRpc] = []

    def open_one(path: Path) -> RawRpc:
        rpc = RawRpc(path)
        opened.append(rpc)
        return rpc

    yield open_one
    for rpc in opened:
        rpc.close()

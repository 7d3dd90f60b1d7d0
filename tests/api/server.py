"""`pyovn api` as a real server process on a free 127.0.0.1 port."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.daemons import Daemon, wait_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def api_server(tmp: Path, *args: str) -> Iterator[str]:
    """Run `pyovn api ARGS` until the block ends; yields its base URL."""
    port = free_port()
    log = tmp / f"api-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pyovn", "api", "--listen", f"127.0.0.1:{port}", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    daemon = Daemon("api", proc, tmp / "api.sock", log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        wait_for(lambda: _answers(base + "/") or proc.poll() is not None, 30, "pyovn api")
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"pyovn api exited: {log.read_text()}")
        yield base
    finally:
        daemon.stop()

"""Start and stop the deployment's daemons as separate processes.

Every daemon speaks OVSDB over a unix socket in the run directory, as it would
in a real deployment. `Daemons` is a context manager: whatever happens inside
it (an error, Ctrl-C), every daemon it started is stopped on the way out.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from pyovn.cloud.errors import CloudError
from pyovn.cloud.rundir import RunDir

__all__ = ["Daemons", "DbServer"]

START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


class DbServer:
    """`pyovn db serve` for one database of the run directory."""

    def __init__(self, run: RunDir, name: str, schema: str) -> None:
        self.run = run
        self.name = name
        self.schema = schema
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def remote(self) -> str:
        return self.run.remote(self.name)

    def start(self) -> None:
        run, name = self.run, self.name
        _refuse_if_running(run.pidfile(name))
        for stale in (run.db(name), run.socket(name), run.path / f".{name}.db.~lock~"):
            stale.unlink(missing_ok=True)
        args = [
            sys.executable,
            "-m",
            "pyovn",
            "db",
            "serve",
            "--db",
            str(run.db(name)),
            "--schema",
            self.schema,
            "--remote",
            f"punix:{run.socket(name)}",
            "--pidfile",
            str(run.pidfile(name)),
            "--log-file",
            str(run.log(name)),
        ]
        with open(run.path / f"{name}.stderr", "wb") as stderr:
            # A session of its own: Ctrl-C reaches the demo, which then stops
            # the servers in order, rather than every process at once.
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,
            )
        self._wait_listening()

    def _wait_listening(self) -> None:
        assert self.proc is not None
        sock = self.run.socket(self.name)
        deadline = time.monotonic() + START_TIMEOUT
        while not _accepts_connections(sock):
            if self.proc.poll() is not None:
                raise CloudError(f"{self.name} server exited at start: {self._last_words()}")
            if time.monotonic() > deadline:
                raise CloudError(f"{self.name} server did not listen on {sock} in time")
            time.sleep(0.02)

    def _last_words(self) -> str:
        stderr = self.run.path / f"{self.name}.stderr"
        lines = stderr.read_text(errors="replace").strip().splitlines() if stderr.exists() else []
        return lines[-1] if lines else f"exit status {self.proc.returncode if self.proc else '?'}"

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)
        self.run.pidfile(self.name).unlink(missing_ok=True)
        stderr = self.run.path / f"{self.name}.stderr"
        if stderr.exists() and not stderr.stat().st_size:
            stderr.unlink()


def _accepts_connections(sock: Path) -> bool:
    """Whether the server listens yet (the socket file appears at bind(), a
    moment before listen())."""
    probe = socket.socket(socket.AF_UNIX)
    try:
        probe.connect(str(sock))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def _refuse_if_running(pidfile: Path) -> None:
    try:
        pid = int(pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, 0)
        raise CloudError(f"a daemon is already running with {pidfile} (pid {pid})")


class Daemons:
    """Starts daemons in order and stops them in reverse order on exit."""

    def __init__(self) -> None:
        self.started: list[DbServer] = []

    def start(self, server: DbServer) -> DbServer:
        self.started.append(server)
        server.start()
        return server

    def stop_all(self) -> None:
        while self.started:
            self.started.pop().stop()

    def __enter__(self) -> "Daemons":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()

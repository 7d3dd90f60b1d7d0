"""Start and stop OVSDB servers (pyovn's and the real one) for tests.

Every daemon lives in a test's temporary directory, listens on a unix socket
there, and is killed by `Daemon.stop()`, which fixtures call in their
finalizers so nothing outlives a test run.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pyovn.schemas import schema_path

REAL_SCHEMAS = {
    "ovn-nb": Path("/usr/share/ovn/ovn-nb.ovsschema"),
    "ovn-sb": Path("/usr/share/ovn/ovn-sb.ovsschema"),
    "vswitch": Path("/usr/share/openvswitch/vswitch.ovsschema"),
}
SHARED = Path(__file__).resolve().parents[3] / "shared"


def have(binary: str) -> bool:
    return shutil.which(binary) is not None


needs_real_ovsdb = pytest.mark.skipif(
    not have("ovsdb-server"), reason="the real ovsdb-server (Debian openvswitch) is not installed"
)
needs_real_ovn = pytest.mark.skipif(
    not (have("ovn-northd") and have("ovn-nbctl")),
    reason="the real OVN (Debian ovn-central) is not installed",
)
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present")


def accepts_connections(sock: Path) -> bool:
    """Whether a server listens on the unix socket `sock` (it exists between
    bind() and listen() too, when connecting is still refused)."""
    probe = socket.socket(socket.AF_UNIX)
    try:
        probe.connect(str(sock))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def wait_for(predicate, timeout: float = 10.0, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.02)


@dataclass
class Daemon:
    """A background process with its unix socket and log."""

    name: str
    proc: subprocess.Popen[bytes] | None
    socket: Path
    log: Path
    pidfile: Path | None = None
    extra_pids: list[int] = field(default_factory=list)

    @property
    def remote(self) -> str:
        return f"unix:{self.socket}"

    @property
    def pid(self) -> int:
        if self.proc is not None:
            return self.proc.pid
        assert self.pidfile is not None
        return int(self.pidfile.read_text().strip())

    def stop(self, sig: int = signal.SIGTERM) -> None:
        try:
            pid = self.pid
        except (FileNotFoundError, ValueError):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.proc is not None:
                if self.proc.poll() is not None:
                    return
            else:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
            time.sleep(0.02)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(5)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self.stop(signal.SIGKILL)


def start_pyovn_db(
    tmp: Path,
    name: str,
    schema: str,
    extra_args: list[str] | None = None,
    db_file: Path | None = None,
) -> Daemon:
    """`pyovn db serve` on tmp/<name>.sock with a database file tmp/<name>.db."""
    db = db_file or tmp / f"{name}.db"
    sock = tmp / f"{name}.sock"
    log = tmp / f"{name}.log"
    args = [sys.executable, "-m", "pyovn", "db", "serve", "--db", str(db)]
    if not db.exists():
        args += ["--schema", schema]
    args += ["--remote", f"punix:{sock}", "--log-file", str(log), *(extra_args or [])]
    sock.unlink(missing_ok=True)  # a killed server leaves its socket behind
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL)
    daemon = Daemon(name, proc, sock, log)
    try:
        wait_for(lambda: accepts_connections(sock) or proc.poll() is not None, 20, f"{name} socket")
    except TimeoutError:
        daemon.stop()
        raise
    if proc.poll() is not None:
        raise RuntimeError(f"pyovn db {name} exited: {log.read_text() if log.exists() else ''}")
    return daemon


def start_real_ovsdb(
    tmp: Path,
    name: str,
    schema: str,
    db_file: Path | None = None,
    extra_args: list[str] | None = None,
) -> Daemon:
    """The real ovsdb-server on tmp/<name>.sock (schema: ovn-nb / ovn-sb / vswitch / path)."""
    db = db_file or tmp / f"{name}.db"
    schema_file = REAL_SCHEMAS.get(schema, Path(schema))
    if not db.exists():
        subprocess.run(["ovsdb-tool", "create", str(db), str(schema_file)], check=True)
    sock = tmp / f"{name}.sock"
    pidfile = tmp / f"{name}.pid"
    log = tmp / f"{name}.log"
    sock.unlink(missing_ok=True)
    subprocess.run(
        [
            "ovsdb-server",
            str(db),
            f"--remote=punix:{sock}",
            f"--pidfile={pidfile}",
            f"--log-file={log}",
            f"--unixctl={tmp / (name + '.ctl')}",
            "--detach",
            "--no-chdir",
            "-vconsole:off",
            *(extra_args or []),
        ],
        check=True,
    )
    daemon = Daemon(name, None, sock, log, pidfile)
    wait_for(lambda: accepts_connections(sock), 10, f"real {name} socket")
    return daemon


def bundled_schema(name: str) -> Path:
    return schema_path(name)

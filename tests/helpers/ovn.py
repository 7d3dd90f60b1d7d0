"""Real OVN around pyovn in tests: databases, northds, topologies, dumps.

`OvnDatabases` starts real ovsdb-servers for one NB and any number of SBs in
a temporary directory; topologies are loaded with the real ovn-nbctl from
shell scripts under tests/northd/topologies (each defines its commands with
a `nbctl` function). Northds run as separate processes.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.daemons import Daemon, start_real_ovsdb, wait_for

TOPOLOGIES = Path(__file__).resolve().parents[1] / "northd" / "topologies"
_UUID = re.compile(r"\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)")


def nbctl(remote: str, *args: str, timeout: float = 60) -> str:
    proc = subprocess.run(
        ["ovn-nbctl", f"--db={remote}", f"--timeout={int(timeout)}", *args],
        capture_output=True,
        text=True,
        timeout=timeout + 5,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ovn-nbctl {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def sbctl(remote: str, *args: str) -> str:
    proc = subprocess.run(
        ["ovn-sbctl", f"--db={remote}", "--timeout=60", *args],
        capture_output=True,
        text=True,
        timeout=70,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ovn-sbctl {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def load_topology(nb_remote: str, script: Path) -> None:
    """Run a topology script whose commands call `nbctl ...`."""
    prelude = (
        f'nbctl() {{ ovn-nbctl --db={nb_remote} --timeout=30 "$@"; }}\nexport NB={nb_remote}\n'
    )
    proc = subprocess.run(
        ["bash", "-e", "-c", prelude + script.read_text()],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{script.name} failed: {proc.stderr.strip()}")


@dataclass
class OvnDatabases:
    """Real ovsdb-servers: one NB, named SBs, and the northds attached to them."""

    tmp: Path
    nb: Daemon
    sbs: dict[str, Daemon] = field(default_factory=dict)
    northds: list[Daemon] = field(default_factory=list)

    @classmethod
    def start(cls, tmp: Path, sb_names: tuple[str, ...] = ("sb",)) -> "OvnDatabases":
        nb = start_real_ovsdb(tmp, "nb", "ovn-nb")
        dbs = cls(tmp, nb)
        try:
            for name in sb_names:
                dbs.sbs[name] = start_real_ovsdb(tmp, name, "ovn-sb")
            nbctl(nb.remote, "init")
        except BaseException:
            dbs.stop()
            raise
        return dbs

    def sb(self, name: str = "sb") -> str:
        return self.sbs[name].remote

    def stop(self) -> None:
        for daemon in [*self.northds, *self.sbs.values(), self.nb]:
            daemon.stop()

    # -- northds ----------------------------------------------------------------
    def start_real_northd(self, sb_name: str = "sb") -> Daemon:
        name = f"northd-real-{sb_name}"
        pidfile = self.tmp / f"{name}.pid"
        subprocess.run(
            [
                "ovn-northd",
                f"--ovnnb-db={self.nb.remote}",
                f"--ovnsb-db={self.sb(sb_name)}",
                f"--pidfile={pidfile}",
                f"--log-file={self.tmp / (name + '.log')}",
                f"--unixctl={self.tmp / (name + '.ctl')}",
                "--detach",
                "--no-chdir",
                "-vconsole:off",
            ],
            check=True,
        )
        daemon = Daemon(name, None, self.tmp / f"{name}.ctl", self.tmp / f"{name}.log", pidfile)
        self.northds.append(daemon)
        return daemon

    def start_pyovn_northd(self, sb_name: str = "sb", *extra: str) -> Daemon:
        name = f"northd-pyovn-{sb_name}-{len(self.northds)}"
        log = self.tmp / f"{name}.log"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pyovn",
                "northd",
                "--ovnnb-db",
                self.nb.remote,
                "--ovnsb-db",
                self.sb(sb_name),
                "--log-file",
                str(log),
                *extra,
            ],
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        daemon = Daemon(name, proc, self.tmp / f"{name}.sock", log)
        self.northds.append(daemon)
        return daemon

    def stop_northd(self, daemon: Daemon) -> None:
        daemon.stop()
        self.northds.remove(daemon)

    def wait_sb(self, timeout: float = 120) -> None:
        nbctl(self.nb.remote, "--wait=sb", "sync", timeout=timeout)

    def wait_sb_caught_up(self, sb_name: str, timeout: float = 120) -> None:
        """Wait until one particular SB has the NB's current nb_cfg (several
        northds may answer --wait=sb, each for its own SB)."""
        nbctl(self.nb.remote, "--no-wait", "sync")
        wanted = int(nbctl(self.nb.remote, "get", "NB_Global", ".", "nb_cfg").strip())

        def caught_up() -> bool:
            out = sbctl(self.sb(sb_name), "--bare", "--columns=nb_cfg", "list", "SB_Global")
            return bool(out.strip()) and int(out.split()[0]) >= wanted

        wait_for(caught_up, timeout, f"{sb_name} nb_cfg >= {wanted}")


def lflow_lines(sb_remote: str) -> list[str]:
    """`ovn-sbctl lflow-list` as 'datapath|pipeline|flow' lines, UUIDs removed."""
    out: list[str] = []
    datapath = pipeline = ""
    for line in sbctl(sb_remote, "lflow-list").splitlines():
        head = re.match(r'Datapath: "([^"]*)" .*Pipeline: (\w+)', line)
        if head:
            datapath, pipeline = head.group(1), head.group(2)
        elif line.strip():
            out.append(f"{datapath}|{pipeline}|{_UUID.sub('', line.strip())}")
    return sorted(out)


def stage_of(line: str) -> str:
    match = re.search(r"\((\w+)\s*\)", line)
    return match.group(1) if match else "?"


def log_has_traceback(daemon: Daemon) -> bool:
    return daemon.log.exists() and "Traceback" in daemon.log.read_text()


def wait_log(daemon: Daemon, text: str, timeout: float = 10) -> None:
    wait_for(lambda: daemon.log.exists() and text in daemon.log.read_text(), timeout, text)

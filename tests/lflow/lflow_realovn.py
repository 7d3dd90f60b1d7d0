"""Start the real OVN 23.03 / OVS 3.1 daemons in a temp dir (test support).

`RealOvn(tmp_path)` runs NB and SB ovsdb-servers and ovn-northd on unix
sockets inside the directory; `start_chassis()` adds an OVS ovsdb-server,
an ovs-vswitchd with dummy netdevs (no root needed) and an ovn-controller
named hv1.  Every daemon has its pidfile in the directory and `stop()`
kills exactly those pids.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

BINARIES = ("ovsdb-server", "ovsdb-tool", "ovn-northd", "ovn-nbctl", "ovn-sbctl")
CHASSIS_BINARIES = ("ovs-vswitchd", "ovs-vsctl", "ovs-ofctl", "ovn-controller")
NB_SCHEMA = Path("/usr/share/ovn/ovn-nb.ovsschema")
SB_SCHEMA = Path("/usr/share/ovn/ovn-sb.ovsschema")
OVS_SCHEMA = Path("/usr/share/openvswitch/vswitch.ovsschema")


def missing_binaries(chassis: bool = False) -> list[str]:
    names = BINARIES + (CHASSIS_BINARIES if chassis else ())
    missing = [name for name in names if shutil.which(name) is None]
    schemas = (NB_SCHEMA, SB_SCHEMA) + ((OVS_SCHEMA,) if chassis else ())
    missing += [str(s) for s in schemas if not s.exists()]
    return missing


def _run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 120) -> str:
    result = subprocess.run(
        argv, capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if result.returncode:
        raise RuntimeError(f"{argv[0]} failed: {result.stderr.strip()}")
    return result.stdout


@dataclass
class RealOvn:
    """A private NB+SB+northd (and optionally a chassis) under `rundir`."""

    rundir: Path
    pids: list[Path] = field(default_factory=list)

    @property
    def nb(self) -> str:
        return f"unix:{self.rundir}/nb.sock"

    @property
    def sb(self) -> str:
        return f"unix:{self.rundir}/sb.sock"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            OVS_RUNDIR=str(self.rundir / "ovs"),
            OVS_LOGDIR=str(self.rundir),
            OVS_DBDIR=str(self.rundir),
            OVN_RUNDIR=str(self.rundir / "ovn"),
        )
        return env

    def _daemon(self, name: str, argv: list[str]) -> None:
        pidfile = self.rundir / f"{name}.pid"
        self.pids.append(pidfile)
        _run(
            [
                *argv,
                f"--pidfile={pidfile}",
                f"--log-file={self.rundir}/{name}.log",
                "--detach",
                "--no-chdir",
                "-vconsole:off",
            ],
            env=self.env(),
        )

    def start(self) -> None:
        (self.rundir / "ovs").mkdir(exist_ok=True)
        (self.rundir / "ovn").mkdir(exist_ok=True)
        for db, schema in (("nb", NB_SCHEMA), ("sb", SB_SCHEMA)):
            _run(["ovsdb-tool", "create", f"{self.rundir}/{db}.db", str(schema)])
            self._daemon(
                db,
                [
                    "ovsdb-server",
                    f"{self.rundir}/{db}.db",
                    f"--remote=punix:{self.rundir}/{db}.sock",
                    f"--unixctl={self.rundir}/{db}.ctl",
                ],
            )
        self._daemon(
            "northd",
            [
                "ovn-northd",
                f"--ovnnb-db={self.nb}",
                f"--ovnsb-db={self.sb}",
                f"--unixctl={self.rundir}/northd.ctl",
            ],
        )
        self.nbctl("init")

    def nbctl(self, *args: str) -> str:
        return _run(["ovn-nbctl", f"--db={self.nb}", "--timeout=60", *args])

    def sbctl(self, *args: str) -> str:
        return _run(["ovn-sbctl", f"--db={self.sb}", "--timeout=60", *args])

    def sync(self) -> None:
        self.nbctl("--wait=sb", "sync")

    def lflow_list(self) -> str:
        self.sync()
        return self.sbctl("lflow-list")

    def sb_rows(self, table: str, *columns: str) -> list[dict[str, object]]:
        text = self.sbctl("--format=json", f"--columns={','.join(columns)}", "list", table)
        data = json.loads(text)
        return [dict(zip(data["headings"], row, strict=True)) for row in data["data"]]

    def start_chassis(self, ports: list[str]) -> None:
        """OVS with dummy netdevs + ovn-controller "hv1", binding `ports`."""
        ovs_db = f"unix:{self.rundir}/ovs.sock"
        _run(["ovsdb-tool", "create", f"{self.rundir}/conf.db", str(OVS_SCHEMA)])
        self._daemon(
            "ovs",
            [
                "ovsdb-server",
                f"{self.rundir}/conf.db",
                f"--remote=punix:{self.rundir}/ovs.sock",
                f"--unixctl={self.rundir}/ovs.ctl",
            ],
        )
        vsctl = ["ovs-vsctl", f"--db={ovs_db}", "--timeout=30"]
        _run([*vsctl, "--no-wait", "init"])
        self._daemon(
            "vswitchd",
            [
                "ovs-vswitchd",
                ovs_db,
                "--enable-dummy=override",
                f"--unixctl={self.rundir}/vswitchd.ctl",
            ],
        )
        _run(
            [
                *vsctl,
                "set",
                "Open_vSwitch",
                ".",
                "external_ids:system-id=hv1",
                "external_ids:hostname=hv1",
                f"external_ids:ovn-remote={self.sb}",
                "external_ids:ovn-encap-type=geneve",
                "external_ids:ovn-encap-ip=127.0.0.1",
                "external_ids:ovn-bridge-datapath-type=dummy",
            ]
        )
        _run(
            [
                *vsctl,
                "add-br",
                "br-int",
                "--",
                "set",
                "Bridge",
                "br-int",
                "datapath_type=dummy",
                "fail-mode=secure",
                "other-config:disable-in-band=true",
            ]
        )
        self._daemon("controller", ["ovn-controller", ovs_db])
        for port in ports:
            _run(
                [
                    *vsctl,
                    "add-port",
                    "br-int",
                    port,
                    "--",
                    "set",
                    "Interface",
                    port,
                    f"external_ids:iface-id={port}",
                ]
            )

    def dump_flows(self, settle: float = 20.0) -> str:
        """br-int flows once ovn-controller has stopped changing them."""
        previous, deadline = "", time.monotonic() + settle
        while time.monotonic() < deadline:
            self.sync()
            text = _run(["ovs-ofctl", "dump-flows", "br-int"], env=self.env())
            flows = "\n".join(
                sorted(
                    line.split(" actions=")[1] + line.split("table=")[1][:40]
                    for line in text.splitlines()
                    if " actions=" in line
                )
            )
            if flows == previous and flows:
                return text
            previous = flows
            time.sleep(1.0)
        return text

    def stop(self) -> None:
        for pidfile in reversed(self.pids):
            try:
                pid = int(pidfile.read_text().strip())
            except (OSError, ValueError):
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                os.kill(pid, signal.SIGKILL)

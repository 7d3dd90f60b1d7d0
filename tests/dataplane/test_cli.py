"""`pyovn ofproto-trace`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.dataplane.conftest import REFERENCE_FLOWS, reference_text
from tests.dataplane.test_trace import ROUTED


def _pyovn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyovn", *args], capture_output=True, text=True, check=False
    )


def test_ofproto_trace_on_the_reference_dump() -> None:
    reference_text()
    done = _pyovn(
        "ofproto-trace",
        "--flows",
        str(REFERENCE_FLOWS),
        "--openflow15",
        "--port",
        "ovr-vm1=2/3",
        "--port",
        "ovr-vm4=5/6",
        ROUTED,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Flow: icmp,in_port=2,")
    assert lines[-1] == "Datapath actions: ct(commit,zone=14,mark=0/0x1,nat(src)),6"


def test_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "flows.txt"
    bad.write_text("table=0,actions=output:1\ntable=0,priority=5,actions=frob\n")
    done = _pyovn("ofproto-trace", "--flows", str(bad), "in_port=1")
    assert done.returncode == 1
    assert done.stderr == "pyovn: line 2: unknown action (offending token `frob' at position 27)\n"
